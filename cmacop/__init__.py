"""cmacop: the yearly reporting cycle of the COP 2023-2027 of the CMA network.

Each command has a Python twin that takes the same inputs (``settings=``, or
``config=`` and the options) and returns its result as data (``to_dict()`` is the
command's ``--format json``)::

    from cmacop import validate_paths
    report = validate_paths(["depot/2024"], year=2024, config="campagne")

The package is laid out in the order of the cycle: ``files`` → ``cop`` → ``campaign``
→ ``validate`` → ``consolidate`` → ``compute`` → ``render`` → ``run`` → ``cli``
(see ``docs/architecture.md``).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# The twins, imported on first use so that ``import cmacop`` (and ``cmacop --help``)
# stays light: name → module that defines it.
_LAZY = {
    "write_templates": "cmacop.template",
    "validate_paths": "cmacop.validate.engine",
    "ValidationReport": "cmacop.validate.engine",
    "consolidate_paths": "cmacop.consolidate.year",
    "consolidate_years": "cmacop.consolidate.years",
    "compute_year": "cmacop.compute.year",
    "build_report": "cmacop.render",
    "render_report": "cmacop.render",
    "simulate_year": "cmacop.render.simulation",
    "init_campaign": "cmacop.campaign.folder",
    "run_campaign": "cmacop.run.nightly",
    "campaign_status": "cmacop.run.status",
    "remind_chambers": "cmacop.run.reminders",
    "load_catalogue": "cmacop.cop.catalogue",
    "load_registry": "cmacop.cop.registry",
    "Settings": "cmacop.campaign.settings",
    "command_settings": "cmacop.campaign.settings",
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cmacop' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
