"""cmacop: the yearly reporting cycle of the COP 2023-2027 of the CMA network."""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# The Python twins of the commands, imported on first use so that ``import cmacop``
# (and ``cmacop --help``) stays light: name → module that defines it.
_LAZY = {
    "validate_paths": "cmacop.validate.engine",
    "ValidationReport": "cmacop.validate.engine",
    "consolidate_paths": "cmacop.consolidate.year",
    "consolidate_years": "cmacop.consolidate.years",
    "compute_year": "cmacop.compute.year",
    "build_report": "cmacop.render",
    "render_report": "cmacop.render",
    "run_campaign": "cmacop.run.campaign",
    "campaign_status": "cmacop.run.status",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cmacop' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
