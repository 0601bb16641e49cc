"""``cmacop compute``'s twin: compute a results year, then write its machine files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from cmacop.campaign.config import Config
from cmacop.campaign.layout import RESULTS_DIR, beside_store
from cmacop.campaign.settings import Settings, TargetKey
from cmacop.compute.outputs import write_outputs
from cmacop.compute.results import YearResults, compute_results, reference_files
from cmacop.cop.catalogue import Catalogue
from cmacop.cop.registry import Registry
from cmacop.cop.rules import Decisions

__all__ = ["YearResults", "compute_year", "default_out_dir", "reference_files"]


def default_out_dir(store: str | Path, year: int) -> Path:
    """``resultats/<année>/`` of the campaign (the store folder's parent)."""
    return beside_store(store, RESULTS_DIR, str(year))


def compute_year(
    year: int | None = None,
    *,
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    store: str | Path | None = None,
    targets: str | Path | Mapping[TargetKey, int] | None = None,
    key: str | Path | Mapping[str, int] | None = None,
    base: str | Path | None = None,
    rules: str | Path | Decisions | None = None,
    avenants: str | Path | None = None,
    out_dir: str | Path | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> YearResults:
    """The twin of ``cmacop compute``: :func:`~cmacop.compute.results.compute_results`, then
    the machine files written to ``out_dir`` (default ``resultats/<année>/`` beside the
    store), listed in ``written``."""
    results = compute_results(
        year, settings=settings, config=config, store=store, targets=targets, key=key,
        base=base, rules=rules, avenants=avenants, catalogue=catalogue, registry=registry,
    )  # fmt: skip
    out = Path(out_dir) if out_dir is not None else default_out_dir(results.store, results.year)
    return replace(results, written=tuple(write_outputs(results, out)))
