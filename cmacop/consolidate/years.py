"""``cmacop consolidate`` over several years in one call (one process), oldest year first.

:func:`years_plan` says which files each year reads (a campaign's ``depot/<année>/``
folders); :func:`consolidate_years` runs :func:`~cmacop.consolidate.year.consolidate_paths`
for each, the catalogue and registry loaded once, after completing the options from
the campaign's ``cmacop.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmacop.campaign.settings import Settings, settings_for
from cmacop.consolidate.year import ConsolidationResult, consolidate_paths
from cmacop.cop.catalogue import load_catalogue
from cmacop.cop.contract import check_year
from cmacop.cop.registry import load_registry
from cmacop.errors import UsageError

if TYPE_CHECKING:
    from cmacop.campaign.config import Config


@dataclass(frozen=True)
class ConsolidationRun:
    """Several years consolidated in one call, oldest first (each is the next one's history)."""

    results: tuple[ConsolidationResult, ...]
    one_year: bool = False  # one year was asked for: ``to_dict()`` is that year's

    @property
    def exit_code(self) -> int:
        """1 when a file of any year was rejected, else 0."""
        return max((r.exit_code for r in self.results), default=0)

    def to_dict(self) -> dict[str, Any]:
        if self.one_year:
            return self.results[0].to_dict()
        return {"annees": [r.to_dict() for r in self.results]}


def _year_folder(name: str) -> int | None:
    return int(name) if len(name) == 4 and name.isdigit() else None


def years_plan(
    paths: Sequence[Path], years: Sequence[int], deposit: Path | None = None
) -> list[tuple[int, list[Path]]]:
    """What each year consolidates, oldest year first.

    One year: the PATHs as given. Several: a year folder (``depot/2024``), or a
    file directly in one, goes to that year; a folder holding year folders
    (``depot``) gives each year its ``<année>/`` folder. Without PATH, the
    campaign's ``deposit`` folder is read that way, and without a year either,
    each of its year folders is a year.
    """
    if not paths:
        if deposit is None:
            raise UsageError(
                "aucun fichier ni dossier à consolider",
                hint="Indiquez les bilans ou leurs dossiers, ou lancez la commande dans un "
                "dossier de campagne (cmacop.toml) pour consolider son dossier de dépôt.",
            )
        if not deposit.is_dir():
            raise UsageError(f"dossier de dépôt introuvable : {deposit}")
        if not years:
            years = sorted(
                y
                for child in deposit.iterdir()
                if child.is_dir() and (y := _year_folder(child.name)) is not None
            )
            if not years:
                raise UsageError(
                    f"aucun dossier d'année (AAAA) dans le dossier de dépôt {deposit}",
                    hint="Les chambres déposent leurs fichiers dans depot/<année>/.",
                )
        folders = [(y, deposit / str(y)) for y in sorted(set(years))]
        absent = [str(f) for _, f in folders if not f.is_dir()]
        if absent:
            raise UsageError(f"dossier de dépôt introuvable : {', '.join(absent)}")
        return [(y, [f]) for y, f in folders]
    wanted = sorted(set(years))
    if len(wanted) == 1:
        return [(wanted[0], list(paths))]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"introuvable : {', '.join(missing)}")
    plan: dict[int, list[Path]] = {y: [] for y in wanted}
    for path in paths:
        own = _year_folder((path if path.is_dir() else path.parent).name)
        if own is not None:
            if own not in plan:
                raise UsageError(
                    f"{path} : dépôt de l'année {own}, qui n'est pas parmi les années demandées "
                    f"({', '.join(map(str, wanted))})"
                )
            plan[own].append(path)
            continue
        subfolders = [(y, path / str(y)) for y in wanted if (path / str(y)).is_dir()]
        if not subfolders:
            raise UsageError(
                f"{path} : ni dossier d'année ni dossier contenant {', '.join(map(str, wanted))}",
                hint="Avec plusieurs --year, indiquez des dossiers d'année (depot/2024) ou le "
                "dossier qui les contient (depot).",
            )
        for y, folder in subfolders:
            plan[y].append(folder)
    empty = [str(y) for y, found in plan.items() if not found]
    if empty:
        raise UsageError(
            f"aucun dossier de dépôt pour {', '.join(empty)}",
            hint="Chaque année se lit dans son dossier <année>/ (par exemple depot/2024).",
        )
    return list(plan.items())


def consolidate_years(
    paths: Iterable[str | Path] = (),
    *,
    years: Iterable[int] = (),
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    store: str | Path | None = None,
    targets: str | Path | None = None,
    key: str | Path | None = None,
    justifications: str | Path | None = None,
    wait: float = 0.0,
    now: datetime | None = None,
) -> ConsolidationRun:
    """The twin of ``cmacop consolidate``: one or more years in one call (one process).

    Options given win over ``settings``, or over the campaign's ``cmacop.toml``
    (``config``, or the current folder's): store, COM targets, allocation key,
    thresholds, and the year when none is given (see
    :func:`~cmacop.campaign.settings.command_settings`). The years are consolidated
    oldest first (see :func:`years_plan`), the catalogue, registry and reference files
    read once.
    """
    items, asked = [Path(p) for p in paths], list(years)
    for year in asked:
        check_year(year)
    s = settings_for(
        settings,
        config,
        year=asked[0] if len(asked) == 1 else None,
        need_year=bool(items) and not asked,
        store=store,
        targets=targets,
        key=key,
        justifications=justifications,
    )
    if items and not asked:
        assert s.year is not None
        asked = [s.year]
    deposit = s.config.deposit if s.config is not None else None
    plan = years_plan(items, asked, deposit)
    catalogue, registry = load_catalogue(), load_registry()
    results = tuple(
        consolidate_paths(
            year_paths,
            year=year,
            settings=s,
            wait=wait,
            now=now,
            catalogue=catalogue,
            registry=registry,
        )
        for year, year_paths in plan
    )
    return ConsolidationRun(results, one_year=len(set(asked)) == 1)
