"""cmacop: the yearly reporting cycle of the COP 2023-2027 of the CMA network."""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# The Python twins of the commands, imported on first use so that ``import cmacop``
# (and ``cmacop --help``) stays light: name → module that defines it.
_LAZY = {
    "validate_paths": "cmacop.validate",
    "ValidationReport": "cmacop.validate",
    "consolidate_paths": "cmacop.consolidate",
    "consolidate_years": "cmacop.multiyear",
    "compute_year": "cmacop.pipeline",
    "build_report": "cmacop.report",
    "render_report": "cmacop.report",
    "run_campaign": "cmacop.run",
    "campaign_status": "cmacop.statut",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cmacop' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
