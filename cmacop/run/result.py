"""What ``cmacop run`` did, as data: ``RunResult.to_dict()`` is ``cmacop run --format json``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmacop.campaign.statuses import ACCEPTED_OUTCOMES, NOT_RECORDED, REJECTED
from cmacop.errors import CmacopError
from cmacop.french import plural
from cmacop.run.deposits import Left
from cmacop.run.state import ReportState

if TYPE_CHECKING:
    from cmacop.run.mail import MailOutcome

# States of the bilans after a run.
WRITTEN = "établis"
UP_TO_DATE = "à jour"
NO_DATA = "sans données"
FAILED = "non écrits"  # their step failed: the next run writes them

# Exit code of a run that went to its end but left something for the admin to fix: a
# deposit whose outputs could not be written, bilans that could not be written.
ATTENTION_EXIT = 5


@dataclass(frozen=True)
class Problem:
    """Something a run could not do, for the admin: the step, the folder, why, what to do."""

    step: str  # « retours de depot/2024/x.xlsx », « bilans 2024 »…
    folder: str  # the folder to fix or free, relative to the campaign folder when inside
    cause: str  # the French message, naming the folder and the cause
    hint: str | None = None

    def line(self) -> str:
        """One line of the journal (and of stderr)."""
        return f"{self.step} : {self.cause}" + (f" — {self.hint}" if self.hint else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "etape": self.step,
            "dossier": self.folder,
            "cause": self.cause,
            "conseil": self.hint,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> Problem | None:
        if not isinstance(raw, dict):
            return None
        try:
            return cls(
                str(raw["etape"]), str(raw["dossier"]), str(raw["cause"]), raw.get("conseil")
            )
        except KeyError:
            return None


@dataclass(frozen=True)
class FileReport:
    """One submission processed by the run: its verdict and the files sent back."""

    file: str  # relative to the campaign folder: depot/2024/COM_2024_CMAR-84.xlsx
    year: int
    chamber: str | None
    sha256: str | None
    outcome: str  # ajouté, remplaçant, inchangé or rejeté
    errors: int
    warnings: int
    received: datetime  # date of receipt: when the file appeared in the deposit folder
    sent_on: date | None = None  # the date of transmission the file declares
    feedback: str | None = None  # annotated workbook, relative to the campaign folder
    receipt: str | None = None  # accusé de réception, relative to the campaign folder
    replaced: str | None = None  # the file this one replaced in the store
    justified: int = 0  # warnings explained in referentiel/justifications.csv
    checked: datetime | None = None  # the run that checked it
    contact: str | None = None  # the workbook's « Courriel du contact »
    problem: Problem | None = None  # an output that could not be written
    seen_before: bool = False  # the store held this file already (a re-check): no new accusé
    declared: str | None = None  # in another chamber's folder: the chamber it declares

    @property
    def accepted(self) -> bool:
        return self.outcome in ACCEPTED_OUTCOMES

    def to_dict(self) -> dict[str, Any]:
        return {
            "fichier": self.file,
            "annee": self.year,
            "chambre": self.chamber,
            "sha256": self.sha256,
            "resultat": self.outcome,
            "accepte": self.accepted,
            "erreurs": self.errors,
            "avertissements": self.warnings,
            "justifies": self.justified,
            "recu_le": self.received.isoformat(timespec="seconds"),
            "controle_le": self.checked.isoformat(timespec="seconds") if self.checked else None,
            "transmis_le": self.sent_on.isoformat() if self.sent_on else None,
            "courriel_contact": self.contact,
            "retour": self.feedback,
            "accuse": self.receipt,
            "remplace": self.replaced,
            "probleme": self.problem.to_dict() if self.problem else None,
        }


@dataclass(frozen=True)
class ReportsOutcome:
    """The bilans of the campaign year after the run."""

    year: int
    state: str  # établis (this run), à jour (unchanged) or sans données
    folder: str  # relative to the campaign folder
    files: tuple[str, ...] = ()
    generated_on: date | None = None
    warnings: tuple[str, ...] = ()  # e.g. « provisoire : part performance non arrêtée »

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "etat": self.state,
            "dossier": self.folder,
            "etablis_le": self.generated_on.isoformat() if self.generated_on else None,
            "fichiers": list(self.files),
            "avertissements": list(self.warnings),
        }


@dataclass(frozen=True)
class RunResult:
    """The twin of ``cmacop run``: files processed, files left for later, the bilans."""

    root: Path
    year: int
    started: datetime
    finished: datetime
    files: tuple[FileReport, ...] = ()
    unchanged: int = 0  # files already processed by an earlier run, not re-read
    pending: tuple[Left, ...] = ()  # still being copied: the next run looks again
    # Waiting behind an earlier deposit of the same chamber left « non traité » tonight.
    held: tuple[Left, ...] = ()
    ignored: tuple[Left, ...] = ()  # lock, temporary, hidden files
    unreadable: tuple[Left, ...] = ()
    reports: ReportsOutcome | None = None
    deposit: Path | None = None  # the deposit folder the keys of pending/ignored start from
    settle_seconds: int = 0  # the settling delay files still being copied wait for
    log: str | None = None  # the run's journal, relative to the campaign folder
    # What the run could not do besides the files' outputs (bilans, accusés to rewrite).
    problems: tuple[Problem, ...] = ()
    mail: MailOutcome | None = None  # the emails of this run (None: [notifications] off)
    dashboard: str | None = None  # tableau_de_bord.html, relative to the campaign folder

    @property
    def rejected(self) -> tuple[FileReport, ...]:
        return tuple(f for f in self.files if f.outcome == REJECTED)

    @property
    def not_recorded(self) -> tuple[FileReport, ...]:
        """Deposits left for the next run: their outputs could not be written."""
        return tuple(f for f in self.files if f.outcome == NOT_RECORDED)

    @property
    def all_problems(self) -> tuple[Problem, ...]:
        """Every problem of the run for the admin: the files' ones, then the others."""
        return tuple(f.problem for f in self.files if f.problem) + self.problems

    @property
    def nothing_new(self) -> bool:
        return not self.files and (self.reports is None or self.reports.state != WRITTEN)

    @property
    def exit_code(self) -> int:
        """5 when something could not be written (the admin must act), else 1 when a
        submission of this run was rejected or a file cannot be read, else 0."""
        if self.all_problems:
            return ATTENTION_EXIT
        return 1 if self.rejected or self.unreadable else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "campagne": str(self.root),
            "annee": self.year,
            "debut": self.started.isoformat(timespec="seconds"),
            "fin": self.finished.isoformat(timespec="seconds"),
            "rien_de_nouveau": self.nothing_new,
            "fichiers": [f.to_dict() for f in self.files],
            "en_attente": [x.to_dict() for x in self.pending],
            "en_attente_derriere_un_depot_non_traite": [x.to_dict() for x in self.held],
            "delai_stabilite": self.settle_seconds,
            "journal": self.log,
            "tableau_de_bord": self.dashboard,
            "courriels": self.mail.to_dict() if self.mail is not None else None,
            "illisibles": [x.to_dict() for x in self.unreadable],
            "ignores": [x.to_dict() for x in self.ignored],
            "bilans": self.reports.to_dict() if self.reports else None,
            "problemes": [p.to_dict() for p in self.all_problems],
            "totaux": {
                "traites": len(self.files),
                "acceptes": sum(1 for f in self.files if f.accepted),
                "rejetes": len(self.rejected),
                "non_traites": len(self.not_recorded),
                "deja_traites": self.unchanged,
                "en_attente": len(self.pending),
                "illisibles": len(self.unreadable),
            },
            "code_sortie": self.exit_code,
        }


def settling_text(count: int, delay: int) -> str:
    """``5 fichiers en cours de copie, repris au prochain passage (délai : 60 s)``."""
    return (
        f"{plural(count, 'fichier')} en cours de copie, repris au prochain passage "
        f"(délai : {delay} s)"
    )


def relative(path: Path, root: Path) -> str:
    """A path as results show it: relative to the campaign folder when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def recorded_reports(
    done: ReportState | None, year: int, folder: str, state: str = UP_TO_DATE
) -> ReportsOutcome | None:
    """The bilans as the manifest records them (None: never written by a run)."""
    if done is None:
        return None
    if not done.files:
        return ReportsOutcome(year, NO_DATA, folder)
    when = date.fromisoformat(done.generated_on) if done.generated_on else None
    return ReportsOutcome(year, state, folder, tuple(done.files), when, tuple(done.warnings))


def problem_of(root: Path, step: str, error: CmacopError, *, then: str = "") -> Problem:
    """``error`` as a :class:`Problem` of ``step``, its folder shown relative to ``root``.

    ``then``: what follows for the run (added to the hint).
    """
    message, hint = error.message, error.hint
    folder = error.folder or str(root)
    shown = relative(Path(folder), root)
    if shown == ".":  # the campaign folder itself: named in full
        shown = str(root)
    if error.folder and shown != error.folder:
        message = message.replace(error.folder, shown)
        hint = hint.replace(error.folder, shown) if hint else hint
    if then:
        hint = f"{hint} {then}" if hint else then
    return Problem(step, shown, message, hint)
