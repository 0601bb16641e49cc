"""``cmacop statut``: where each chamber of the registry stands in the campaign, always right.

Per reporting chamber: the status the store gives it (transmis, hors délai, rejeté,
manquant), late or not, the file in force, and the last file it dropped, with its date
of receipt, its verdict, its warnings (open and justified) and the files sent back. The
last file comes from the run manifest, else from the store itself (a campaign handled
with ``cmacop consolidate`` alone). With them: the year's legal dates and the days
left, a run in progress, the last runs, the bilans (« non établis (lancez cmacop
report) » when the data are there but no bilan), the emails waiting for a retry and the
network's attainment per axis once computed. The dashboard (``dashboard.py``) shows
the same object.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmacop.campaign.config import Config
from cmacop.campaign.layout import FEEDBACK_SUFFIX, MAIL_JOURNAL, RECEIPT_SUFFIX, RUN_LOCK
from cmacop.campaign.settings import campaign_year, load_campaign
from cmacop.campaign.statuses import (
    ACCEPTED,
    LATE,
    MISSING,
    NOT_RECORDED,
    REJECTED,
    REPLACED,
    TRANSMITTED,
)
from cmacop.cop.contract import check_year
from cmacop.files.lockfile import is_stale, read_holder
from cmacop.run.deposits import Left
from cmacop.run.history import RunEntry, history_path, load_history
from cmacop.run.record import latest_record, load_record
from cmacop.run.result import NO_DATA, ReportsOutcome, recorded_reports, relative
from cmacop.run.standing import Standing, cached_standing, read_standing
from cmacop.run.state import MANIFEST_NAME, FileState, RunState

if TYPE_CHECKING:
    from cmacop.cop.followup import Timetable

# The bilans of the year exist, written by « cmacop report » rather than by a run; or the
# data are there and no bilan is.
BY_HAND = "établis par cmacop report"
NOT_WRITTEN = "non établis"


@dataclass(frozen=True)
class LegalDate:
    """A date of the year's calendar, where it comes from, and the days left."""

    label: str
    day: date
    source: str
    days_left: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "libelle": self.label,
            "date": self.day.isoformat(),
            "source": self.source,
            "jours_restants": self.days_left,
        }


@dataclass(frozen=True)
class ChamberStatus:
    chamber: str
    name: str
    status: str  # transmis, hors délai, rejeté or manquant (the store's completeness)
    late: bool  # received after the deadline, or nothing accepted once it has passed
    in_force: str | None = None  # the accepted file the consolidation uses
    sent_on: date | None = None  # its declared date of transmission
    last_file: str | None = None  # the last file received, valid or not
    received: datetime | None = None  # its date of receipt (when it appeared in depot/)
    last_valid: bool | None = None
    errors: int = 0  # of the last file received
    warnings: int = 0  # its open warnings
    last_change: datetime | None = None
    in_force_received: datetime | None = None  # date of receipt of the file in force
    verdict: str | None = None  # of the last file: accepté, rejeté or remplacé
    justified: int = 0  # its warnings explained in referentiel/justifications.csv
    feedback: str | None = None  # its annotated workbook (relative to the campaign)
    receipt: str | None = None  # its accusé de réception
    copying: tuple[str, ...] = ()  # files of this chamber still being copied
    problem: str | None = None  # its last file's outputs could not be written: why, what to do

    def to_dict(self) -> dict[str, Any]:
        return {
            "chambre": self.chamber,
            "nom": self.name,
            "statut": self.status,
            "en_retard": self.late,
            "fichier_retenu": self.in_force,
            "transmis_le": self.sent_on.isoformat() if self.sent_on else None,
            "fichier_retenu_recu_le": _iso(self.in_force_received),
            "dernier_fichier": self.last_file,
            "recu_le": _iso(self.received),
            "dernier_resultat": self.verdict,
            "dernier_valide": self.last_valid,
            "erreurs": self.errors,
            "avertissements": self.warnings,
            "justifies": self.justified,
            "retour": self.feedback,
            "accuse": self.receipt,
            "en_cours_de_copie": list(self.copying),
            "dernier_changement": _iso(self.last_change),
            "probleme": self.problem,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


@dataclass(frozen=True)
class CampaignStatus:
    """The twin of ``cmacop statut`` (and what the dashboard shows)."""

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
    dates: tuple[LegalDate, ...] = ()
    running: dict[str, Any] | None = None  # the lock of a run in progress: pid, hote, depuis
    runs: tuple[RunEntry, ...] = ()  # the last runs, newest last
    mail_waiting: tuple[tuple[str, str, int], ...] = ()  # (objet, erreur, tentatives)
    mail_on: bool = False  # [notifications] names a server
    axes: tuple[dict[str, Any], ...] = ()  # the network's rate per axis, once computed
    source: str = "manifeste"  # where the last files come from: manifeste or dépôt
    copying: tuple[str, ...] = field(default=())  # files still being copied (under depot/)

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
            "dates_legales": [d.to_dict() for d in self.dates],
            "totaux": self.counts(),
            "chambres": [c.to_dict() for c in self.chambers],
            "source_des_derniers_fichiers": self.source,
            "en_cours": self.running,
            "fichiers_en_cours_de_copie": list(self.copying),
            "dernier_traitement": self.last_run,
            "passages": [r.to_dict() for r in self.runs],
            "bilans": self.reports.to_dict() if self.reports else None,
            "calendrier_bilan": self.bilan.to_dict() if self.bilan else None,
            "taux_par_axe": list(self.axes),
            "courriels": {
                "configures": self.mail_on,
                "en_attente": [
                    {"objet": s, "erreur": e, "tentatives": n} for s, e, n in self.mail_waiting
                ],
            },
        }


def legal_dates(standing: Standing, today: date) -> tuple[LegalDate, ...]:
    """The chambers' deadline and the bilan to the minister, with the days left."""
    year = standing.year
    return (
        LegalDate(
            f"Transmission des bilans de COM {year} par les chambres",
            standing.deadline,
            "code de l'artisanat, art. R. 323-24 ; COP 2023-2027, objectif 10.2",
            (standing.deadline - today).days,
        ),
        LegalDate(
            f"Bilan {year} consolidé au ministre (avant le 1er juillet {year + 1})",
            standing.report_due,
            "COP 2023-2027, objectif 10.2 et annexe I, note 4",
            (standing.report_due - today).days,
        ),
    )


def campaign_status(
    config: Config | str | Path | None = None,
    *,
    year: int | None = None,
    today: date | None = None,
) -> CampaignStatus:
    """Status of every reporting chamber for ``year`` (default ``campagne.annee``)."""
    check_year(year)
    cfg = load_campaign(config)
    year = campaign_year(cfg, year)
    state = RunState.load(cfg.store / MANIFEST_NAME)
    standing = cached_standing(cfg, year, state.standing.get(year)) or read_standing(cfg, year)
    return status_of(cfg, year, today or date.today(), state, standing, copying=None)


def status_of(
    cfg: Config,
    year: int,
    today: date,
    state: RunState,
    standing: Standing,
    *,
    copying: Sequence[Left] | None,
    own_lock: bool = False,
) -> CampaignStatus:
    """:func:`campaign_status` from what is already read (the run has it all in hand).

    ``copying``: the files a run found still being copied (None: looked for here);
    ``own_lock``: the caller holds the run lock (a run writing its dashboard).
    """
    if copying is None:
        copying = _copying(cfg)
    latest = _latest_files(state, year)
    prefix = relative(cfg.deposit, cfg.root)
    registry_codes = [row.chamber for row in standing.rows]
    copying_of = _copying_by_chamber([c.key for c in copying], registry_codes)
    rows = []
    for row in standing.rows:
        in_force = row.status not in (MISSING, REJECTED)
        late = row.status == LATE or (
            row.status in (MISSING, REJECTED) and today > standing.deadline
        )
        base = ChamberStatus(
            chamber=row.chamber,
            name=row.name,
            status=row.status,
            late=late,
            in_force=row.file if in_force else None,
            sent_on=row.sent_on if in_force else None,
            in_force_received=row.received if in_force else None,
            copying=tuple(f"{prefix}/{k}" for k in copying_of.get(row.chamber, ())),
        )
        key_file = latest.get(row.chamber)
        if key_file is not None:
            rows.append(_from_manifest(base, row.changed, prefix, standing.warned, *key_file))
        else:
            rows.append(_from_store(base, row, cfg, standing.warned))
    done = state.reports.get(year)
    folder = relative(cfg.reports_dir(year), cfg.root)
    reports = _reports(cfg, year, folder, recorded_reports(done, year, folder), rows)
    runs = tuple(load_history(history_path(cfg.log_dir)))

    return CampaignStatus(
        root=cfg.root,
        year=year,
        deadline=standing.deadline,
        today=today,
        chambers=tuple(rows),
        # The manifest's record, or the journal's when the store's drive failed since.
        last_run=latest_record(state.last_run, load_record(cfg.log_dir)),
        reports=reports,
        dates=legal_dates(standing, today),
        running=None if own_lock else running_run(cfg),
        runs=runs,
        mail_waiting=tuple(_waiting_mail(cfg)),
        mail_on=cfg.notifications is not None,
        axes=tuple(done.axes or ()) if done is not None and done.files else (),
        source="manifeste" if latest else "dépôt",
        copying=tuple(f"{prefix}/{c.key}" for c in copying),
        bilan=bilan_timetable(cfg, year, today),
    )


def _from_manifest(
    base: ChamberStatus,
    changed: datetime | None,
    prefix: str,
    warned: dict[str, tuple[int, int]],
    key: str,
    last: FileState,
) -> ChamberStatus:
    from dataclasses import replace

    received = datetime.fromisoformat(last.arrived or last.received)
    checked = datetime.fromisoformat(last.received)
    moments = [m for m in (changed, checked) if m is not None]
    # Open and justified as the justifications file stands today (the store's findings),
    # else as the run counted them.
    open_warnings, justified = warned.get(last.sha256, (last.warnings, last.justified))
    return replace(
        base,
        last_file=f"{prefix}/{key}",
        received=received,
        last_valid=None if last.outcome == NOT_RECORDED else last.accepted,
        verdict=_verdict(last.outcome),
        errors=last.errors,
        warnings=open_warnings,
        justified=justified,
        feedback=last.feedback,
        receipt=last.receipt,
        last_change=max(moments, key=lambda m: m.astimezone(UTC)) if moments else None,
        problem=last.problem,
    )


def _from_store(
    base: ChamberStatus, row: Any, cfg: Config, warned: dict[str, tuple[int, int]]
) -> ChamberStatus:
    """The chamber's latest deposit as the store records it (no run manifest for it)."""
    from dataclasses import replace

    if row.last_file is None:
        return replace(base, last_change=row.changed)
    feedback, receipt = _sent_back(cfg, row.last_file)
    open_warnings, justified = warned.get(row.last_sha256 or "", (row.last_warnings, 0))
    return replace(
        base,
        last_file=row.last_file,
        received=row.last_received,
        last_valid=row.last_status != REJECTED,
        verdict=row.last_status,
        errors=row.last_errors,
        warnings=open_warnings,
        justified=justified,
        feedback=feedback,
        receipt=receipt,
        last_change=row.changed,
    )


def _verdict(outcome: str) -> str:
    """A run's outcome (ajouté, remplaçant, inchangé…) as the store's status of the file."""
    return outcome if outcome in (REJECTED, REPLACED, NOT_RECORDED) else ACCEPTED


def _sent_back(cfg: Config, stored: str) -> tuple[str | None, str | None]:
    """The annotated workbook and accusé of a stored file, when they are where runs put them."""
    path = cfg.root / stored
    try:
        under = path.resolve().relative_to(cfg.deposit.resolve())
    except ValueError:
        return None, None
    folder = cfg.feedback / under.parent
    out = []
    for name in (f"{path.stem}{FEEDBACK_SUFFIX}", f"{path.stem}{RECEIPT_SUFFIX}"):
        found = folder / name
        out.append(relative(found, cfg.root) if found.is_file() else None)
    return out[0], out[1]


def _reports(
    cfg: Config,
    year: int,
    folder: str,
    recorded: ReportsOutcome | None,
    rows: list[ChamberStatus],
) -> ReportsOutcome | None:
    """The bilans as a run recorded them, else as the folder and the store say."""
    if recorded is not None and recorded.state != NO_DATA:
        return recorded
    national = sorted(cfg.reports_dir(year).glob(f"bilan_cop_{year}.*"))
    if national:
        files = sorted(
            relative(p, cfg.root) for p in cfg.reports_dir(year).rglob("*") if p.is_file()
        )
        when = datetime.fromtimestamp(national[0].stat().st_mtime).date()
        return ReportsOutcome(year, BY_HAND, folder, tuple(files), when)
    if any(r.status in (TRANSMITTED, LATE) for r in rows):
        return ReportsOutcome(year, NOT_WRITTEN, folder)
    return recorded


def _waiting_mail(cfg: Config) -> list[tuple[str, str, int]]:
    """The emails waiting for a retry (the mail module only when there is a journal)."""
    if not (cfg.log_dir / MAIL_JOURNAL).is_file():
        return []
    from cmacop.run.mail import pending_mail

    return pending_mail(cfg.log_dir)


def running_run(cfg: Config) -> dict[str, Any] | None:
    """The holder of the run lock (pid, hote, depuis, commande), when a run is in progress."""
    path = cfg.root / RUN_LOCK
    if not path.exists():
        return None
    holder = read_holder(path)
    if is_stale(path, holder):
        return None
    return holder or {"pid": None, "hote": None, "depuis": None}


def _copying(cfg: Config) -> tuple[Left, ...]:
    """The files of ``depot/`` still being copied (a light scan: ``stat`` only)."""
    from cmacop.run.deposits import scan_deposit

    if cfg.settle_seconds <= 0 or not cfg.deposit.is_dir():
        return ()
    try:
        return scan_deposit(
            cfg.deposit, settle_seconds=cfg.settle_seconds, exclude=cfg.feedback
        ).pending
    except OSError:
        return ()


def _copying_by_chamber(keys: Sequence[str], codes: Sequence[str]) -> dict[str, list[str]]:
    """Files being copied, by the chamber code their path names (``…CMAR-84…``)."""
    found: dict[str, list[str]] = {}
    if not keys:
        return found
    pattern = re.compile(
        r"(?<![A-Z0-9-])("
        + "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True))
        + r")(?![0-9])",
        re.IGNORECASE,
    )
    for key in keys:
        m = pattern.search(key)
        if m:
            found.setdefault(m.group(1).upper(), []).append(key)
    return found


def _latest_files(state: RunState, year: int) -> dict[str, tuple[str, FileState]]:
    """Per chamber, the last file of ``year`` received (latest run, then name)."""
    latest: dict[str, tuple[str, FileState]] = {}
    files = sorted(state.files.items(), key=lambda kv: (kv[1].received, kv[1].mtime_ns, kv[0]))
    for key, file in files:
        if file.year == year and file.chamber:
            latest[file.chamber] = (key, file)
    return latest


def bilan_timetable(cfg: Config, year: int, today: date) -> Timetable:
    """The bilan of ``year``'s timetable: its steps from the campaign's calendar file, if any."""
    from cmacop.cop.followup import read_calendar, timetable

    calendar = cfg.calendar_file
    steps = read_calendar(calendar) if calendar is not None and calendar.is_file() else ()
    return timetable(year, steps, today)
