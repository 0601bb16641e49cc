"""``cmacop statut``: where each chamber of the registry stands in the campaign.

Per reporting chamber: the last file it dropped (from the run manifest) and
whether it was valid, the status the store gives it (transmis, hors délai,
rejeté, manquant), late or not, and when its state last changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cmacop.campaign.config import Config
from cmacop.campaign.settings import campaign_year, load_campaign
from cmacop.campaign.statuses import NOT_RECORDED
from cmacop.cop.contract import check_year
from cmacop.cop.followup import Timetable, read_calendar, timetable
from cmacop.run.record import latest_record, load_record
from cmacop.run.result import ReportsOutcome, recorded_reports, relative
from cmacop.run.state import MANIFEST_NAME, FileState, RunState


@dataclass(frozen=True)
class ChamberStatus:
    chamber: str
    name: str
    status: str  # transmis, hors délai, rejeté or manquant (the store's completeness)
    late: bool  # sent after the deadline, or nothing accepted once the deadline has passed
    in_force: str | None = None  # the accepted file the consolidation uses
    sent_on: date | None = None  # its date of transmission
    last_file: str | None = None  # the last file received, valid or not
    received: datetime | None = None
    last_valid: bool | None = None
    errors: int = 0  # of the last file received
    warnings: int = 0  # still open: justified warnings are not counted
    last_change: datetime | None = None
    problem: str | None = None  # its last file's outputs could not be written: why, what to do
    justified: int = 0  # warnings of the last file explained in justifications.csv

    def to_dict(self) -> dict[str, Any]:
        return {
            "chambre": self.chamber,
            "nom": self.name,
            "statut": self.status,
            "en_retard": self.late,
            "fichier_retenu": self.in_force,
            "transmis_le": self.sent_on.isoformat() if self.sent_on else None,
            "dernier_fichier": self.last_file,
            "recu_le": _iso(self.received),
            "dernier_valide": self.last_valid,
            "erreurs": self.errors,
            "avertissements": self.warnings,
            "justifies": self.justified,
            "dernier_changement": _iso(self.last_change),
            "probleme": self.problem,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


@dataclass(frozen=True)
class CampaignStatus:
    """The twin of ``cmacop statut``."""

    root: Path
    year: int
    deadline: date
    today: date
    chambers: tuple[ChamberStatus, ...]
    # The last run that did something or failed: counts, exit code, « problemes » (step,
    # folder, cause, what to do) and, when it stopped, « interruption ».
    last_run: dict[str, Any] | None = None
    reports: ReportsOutcome | None = None
    # The bilan of the year: before 1 July N + 1, its steps (calendrier_bilan.csv), met or not.
    bilan: Timetable | None = None

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.chambers:
            out[row.status] = out.get(row.status, 0) + 1
        out["en retard"] = sum(1 for row in self.chambers if row.late)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "campagne": str(self.root),
            "annee": self.year,
            "date_limite": self.deadline.isoformat(),
            "date_du_jour": self.today.isoformat(),
            "totaux": self.counts(),
            "chambres": [c.to_dict() for c in self.chambers],
            "dernier_traitement": self.last_run,
            "bilans": self.reports.to_dict() if self.reports else None,
            "calendrier_bilan": self.bilan.to_dict() if self.bilan else None,
        }


def campaign_status(
    config: Config | str | Path | None = None,
    *,
    year: int | None = None,
    today: date | None = None,
) -> CampaignStatus:
    """Status of every reporting chamber for ``year`` (default ``campagne.annee``)."""
    import polars as pl

    from cmacop.campaign.statuses import LATE, MISSING, REJECTED
    from cmacop.consolidate.completeness import completeness
    from cmacop.consolidate.store import DEPOSITS, Store
    from cmacop.cop.registry import load_registry

    check_year(year)
    cfg = load_campaign(config)
    year = campaign_year(cfg, year)
    today = today or date.today()
    state = RunState.load(cfg.store / MANIFEST_NAME)
    registry = load_registry()
    store = Store(cfg.store)
    comp = completeness(store, year, registry=registry)
    changed = dict(
        store.read(DEPOSITS, year)
        .group_by("chambre")
        .agg(pl.col("consolide_le").max())
        .drop_nulls("chambre")
        .iter_rows()
    )
    latest = _latest_files(state, year)
    warned = _warnings(cfg, store, year, registry)
    rows = []
    for row in comp.rows:
        key, last = latest.get(row.chamber, (None, None))
        received = datetime.fromisoformat(last.arrived or last.received) if last else None
        moments = [m for m in (changed.get(row.chamber), received) if m is not None]
        late = row.status == LATE or (row.status in (MISSING, REJECTED) and today > comp.deadline)
        rows.append(
            ChamberStatus(
                chamber=row.chamber,
                name=row.name,
                status=row.status,
                late=late,
                in_force=row.file if row.status not in (MISSING, REJECTED) else None,
                sent_on=row.sent_on if row.status not in (MISSING, REJECTED) else None,
                last_file=f"{relative(cfg.deposit, cfg.root)}/{key}" if key else None,
                received=received,
                last_valid=None if last is None or last.outcome == NOT_RECORDED else last.accepted,
                errors=last.errors if last else 0,
                warnings=warned.get(last.sha256, (last.warnings, 0))[0] if last else 0,
                justified=warned.get(last.sha256, (0, 0))[1] if last else 0,
                last_change=max(moments, key=lambda m: m.astimezone(UTC)) if moments else None,
                problem=last.problem if last else None,
            )
        )
    return CampaignStatus(
        root=cfg.root,
        year=year,
        deadline=comp.deadline,
        today=today,
        chambers=tuple(rows),
        # The manifest's record, or the journal's when the store's drive failed since.
        last_run=latest_record(state.last_run, load_record(cfg.log_dir)),
        reports=recorded_reports(
            state.reports.get(year), year, relative(cfg.reports_dir(year), cfg.root)
        ),
        bilan=bilan_timetable(cfg, year, today),
    )


def _latest_files(state: RunState, year: int) -> dict[str, tuple[str, FileState]]:
    """Per chamber, the last file of ``year`` received (latest run, then name)."""
    latest: dict[str, tuple[str, FileState]] = {}
    files = sorted(state.files.items(), key=lambda kv: (kv[1].received, kv[1].mtime_ns, kv[0]))
    for key, file in files:
        if file.year == year and file.chamber:
            latest[file.chamber] = (key, file)
    return latest


def _warnings(cfg: Config, store: Any, year: int, registry: Any) -> dict[str, tuple[int, int]]:
    """Per file (SHA-256): its warnings still open and those justified, as the
    justifications file stands today (one added after the run counts at once)."""
    import polars as pl

    from cmacop.campaign.settings import command_settings
    from cmacop.consolidate.store import FINDINGS
    from cmacop.cop.catalogue import load_catalogue
    from cmacop.validate.justifications import justifications_of

    explained = justifications_of(command_settings(cfg, year=year), load_catalogue(), registry)
    counts: dict[str, tuple[int, int]] = {}
    rows = store.read(FINDINGS, year).filter(pl.col("gravite") != "erreur")
    for sha, chamber, indicator, code in rows.select(
        "sha256", "chambre", "indicateur", "code"
    ).iter_rows():
        found, justified = counts.get(sha, (0, 0))
        if explained.text_for(chamber, year, indicator, code) is not None:
            counts[sha] = (found, justified + 1)
        else:
            counts[sha] = (found + 1, justified)
    return counts


def bilan_timetable(cfg: Config, year: int, today: date) -> Timetable:
    """The bilan of ``year``'s timetable: its steps from the campaign's calendar file, if any."""
    calendar = cfg.calendar_file
    steps = read_calendar(calendar) if calendar is not None and calendar.is_file() else ()
    return timetable(year, steps, today)
