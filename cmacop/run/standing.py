"""Where each chamber stands for a year, as the store says, kept for the nightly run.

``cmacop statut`` and the dashboard need, per reporting chamber, its completeness status
(the store's ``depots`` table, :func:`~cmacop.consolidate.completeness.completeness`) and
its latest deposit. Reading the store imports polars, half a second: the run keeps what
it read in its manifest with the size and date of the year's deposits partition, and a
run with nothing new reuses it while that partition is unchanged (a ``cmacop
consolidate`` by hand changes it). The year's legal dates come with it (catalogue).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from cmacop import __version__
from cmacop.campaign.config import Config
from cmacop.campaign.layout import DEPOSITS, FINDINGS

if TYPE_CHECKING:
    from cmacop.consolidate.store import Store
    from cmacop.cop.catalogue import Catalogue
    from cmacop.cop.registry import Registry


@dataclass(frozen=True)
class ChamberStanding:
    """A reporting chamber for one year: its status and its latest deposit in the store."""

    chamber: str
    name: str
    status: str  # transmis, hors délai, rejeté or manquant
    file: str | None = None  # the file the status rests on
    sent_on: date | None = None  # its declared date of transmission
    received: datetime | None = None  # its date of receipt
    errors: int = 0
    warnings: int = 0  # open warnings (a justified one is not counted)
    last_file: str | None = None  # the chamber's latest deposit, whatever its fate
    last_sha256: str | None = None
    last_status: str | None = None  # accepté, rejeté or remplacé
    last_received: datetime | None = None
    last_errors: int = 0
    last_warnings: int = 0
    changed: datetime | None = None  # when the chamber's deposits last changed


_DATES = ("sent_on",)
_MOMENTS = ("received", "last_received", "changed")


@dataclass(frozen=True)
class Standing:
    """Every reporting chamber of ``year``, the year's deadlines, and what it was read from."""

    year: int
    deadline: date  # last day for the chambers' bilans de COM (end of February of N + 1)
    report_due: date  # last day for the consolidated bilan to reach the minister
    rows: tuple[ChamberStanding, ...]
    key: str = ""  # identity of the store partitions and justifications it was read from
    # Per file (SHA-256): its warnings still open and those justified, as the justifications
    # file stood when read (one added since changes the key: it is read again).
    warned: dict[str, tuple[int, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        rows = []
        for row in self.rows:
            item: dict[str, Any] = dict(row.__dict__)
            for name in _DATES:
                item[name] = item[name].isoformat() if item[name] else None
            for name in _MOMENTS:
                item[name] = item[name].isoformat() if item[name] else None
            rows.append(item)
        return {
            "cle": self.key,
            "date_limite": self.deadline.isoformat(),
            "bilan_ministre": self.report_due.isoformat(),
            "chambres": rows,
            "avertissements": {sha: list(counts) for sha, counts in self.warned.items()},
        }

    @classmethod
    def from_json(cls, year: int, raw: dict[str, Any]) -> Standing:
        rows = []
        for item in raw["chambres"]:
            item = dict(item)
            for name in _DATES:
                item[name] = date.fromisoformat(item[name]) if item[name] else None
            for name in _MOMENTS:
                item[name] = datetime.fromisoformat(item[name]) if item[name] else None
            rows.append(ChamberStanding(**item))
        return cls(
            year,
            date.fromisoformat(raw["date_limite"]),
            date.fromisoformat(raw["bilan_ministre"]),
            tuple(rows),
            raw["cle"],
            {sha: (int(n[0]), int(n[1])) for sha, n in raw.get("avertissements", {}).items()},
        )


def partition_key(cfg: Config, year: int) -> str:
    """What the standing is read from, as ``stat`` sees it: the year's deposits and findings
    partitions and the justifications file (and the version of cmacop reading them)."""
    parts = [__version__]
    paths = [cfg.store / table / f"annee={year}" / "data.parquet" for table in (DEPOSITS, FINDINGS)]
    if cfg.justifications_file is not None:
        paths.append(cfg.justifications_file)
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            parts.append("absent")
        else:
            parts.append(f"{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def report_due(year: int, month: int) -> date:
    """The last day before the 1st of ``month`` of N + 1 (« avant le 1er juillet »)."""
    if month == 1:
        return date(year, 12, 31)
    return date(year + 1, month - 1, calendar.monthrange(year + 1, month - 1)[1])


def cached_standing(cfg: Config, year: int, cache: dict[str, Any] | None) -> Standing | None:
    """The standing kept in the manifest, when the store has not changed since."""
    if not cache:
        return None
    try:
        found = Standing.from_json(year, cache)
    except (KeyError, TypeError, ValueError):
        return None
    return found if found.key == partition_key(cfg, year) else None


def read_standing(cfg: Config, year: int) -> Standing:
    """Read the store (polars) for where each reporting chamber stands in ``year``."""
    import polars as pl

    from cmacop.consolidate.completeness import completeness
    from cmacop.consolidate.store import Store
    from cmacop.cop.catalogue import load_catalogue
    from cmacop.cop.registry import load_registry

    key = partition_key(cfg, year)  # before reading: a change meanwhile shows next time
    catalogue, registry = load_catalogue(), load_registry()
    store = Store(cfg.store)
    comp = completeness(store, year, registry=registry, catalogue=catalogue)
    deposits = store.read(DEPOSITS, year).sort("consolide_le", "fichier")
    latest: dict[str, dict[str, Any]] = {}
    for dep in deposits.iter_rows(named=True):
        if dep["chambre"] is not None:
            latest[dep["chambre"]] = dep
    changed = dict(
        deposits.group_by("chambre").agg(pl.col("consolide_le").max()).drop_nulls().iter_rows()
    )
    rows = []
    for row in comp.rows:
        last = latest.get(row.chamber)
        rows.append(
            ChamberStanding(
                chamber=row.chamber,
                name=row.name,
                status=row.status,
                file=row.file,
                sent_on=row.sent_on,
                received=row.received,
                errors=row.errors,
                warnings=row.warnings,
                last_file=last["fichier"] if last else None,
                last_sha256=last["sha256"] if last else None,
                last_status=last["statut"] if last else None,
                last_received=last["recu_le"] if last else None,
                last_errors=last["erreurs"] if last else 0,
                last_warnings=last["avertissements"] if last else 0,
                changed=changed.get(row.chamber),
            )
        )
    return Standing(
        year,
        comp.deadline,
        report_due(year, catalogue.report_month),
        tuple(rows),
        key,
        _warnings(cfg, store, year, catalogue, registry),
    )


def _warnings(
    cfg: Config, store: Store, year: int, catalogue: Catalogue, registry: Registry
) -> dict[str, tuple[int, int]]:
    """Per file (SHA-256): its warnings still open and those justified, as the
    justifications file stands today (one added after the run counts at once)."""
    import polars as pl

    from cmacop.campaign.settings import command_settings
    from cmacop.consolidate.store import FINDINGS as FINDINGS_TABLE
    from cmacop.validate.justifications import justifications_of

    explained = justifications_of(command_settings(cfg, year=year), catalogue, registry)
    counts: dict[str, tuple[int, int]] = {}
    rows = store.read(FINDINGS_TABLE, year).filter(pl.col("gravite") != "erreur")
    for sha, chamber, indicator, code in rows.select(
        "sha256", "chambre", "indicateur", "code"
    ).iter_rows():
        found, justified = counts.get(sha, (0, 0))
        if explained.text_for(chamber, year, indicator, code) is not None:
            counts[sha] = (found, justified + 1)
        else:
            counts[sha] = (found + 1, justified)
    return counts
