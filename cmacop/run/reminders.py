"""``cmacop relancer``: remind the chambers without an accepted bilan that the deadline nears.

From ``--jours`` days before the deadline (the last day of February of N + 1), each
reporting chamber whose bilan de COM is missing or rejected gets one email, once: the
journal of emails remembers it (a daily cron sends each reminder one time). Its
addresses: the chamber's lines of ``referentiel/contacts.csv`` and the last contact a
workbook of that chamber gave. ``--essai`` shows what would be sent and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cmacop import __version__
from cmacop.campaign.config import Config, ConfigError
from cmacop.campaign.settings import campaign_year, load_campaign
from cmacop.campaign.statuses import MISSING, REJECTED
from cmacop.cop.contract import check_year
from cmacop.errors import UsageError
from cmacop.french import days_left, fmt_date
from cmacop.run.journal import Journal
from cmacop.run.mail import MailJournal, Message, mail_journal_path, send_messages
from cmacop.run.notify import addresses, campaign_contacts, log_outcome
from cmacop.run.standing import ChamberStanding, read_standing
from cmacop.run.state import MANIFEST_NAME, RunState

REMINDER = "relance"
# States of a reminder in the result.
SENT_NOW, ALREADY_SENT, FAILED, NO_ADDRESS, TO_SEND, NOT_YET = (
    "envoyée", "déjà envoyée", "en échec", "sans adresse", "à envoyer", "pas encore",
)  # fmt: skip


@dataclass(frozen=True)
class Reminder:
    """One chamber to remind, and what became of its email."""

    chamber: str
    name: str
    status: str  # manquant or rejeté
    state: str
    message: Message | None = None
    detail: str | None = None  # when sent, or why not

    def to_dict(self) -> dict[str, Any]:
        m = self.message
        return {
            "chambre": self.chamber,
            "nom": self.name,
            "statut": self.status,
            "etat": self.state,
            "detail": self.detail,
            "a": list(m.to) if m else [],
            "copie": list(m.cc) if m else [],
            "objet": m.subject if m else None,
            "texte": m.body if m else None,
        }


@dataclass(frozen=True)
class ReminderResult:
    """The twin of ``cmacop relancer``."""

    root: Path
    year: int
    deadline: date
    today: date
    days: int
    trial: bool
    reminders: tuple[Reminder, ...]
    error: str | None = None  # the mail server could not be used

    @property
    def starts_on(self) -> date:
        return self.deadline - timedelta(days=self.days)

    @property
    def due(self) -> bool:
        return self.today >= self.starts_on

    @property
    def exit_code(self) -> int:
        """1 when a reminder could not be sent (it waits for the next attempt), else 0."""
        return 1 if any(r.state == FAILED for r in self.reminders) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "campagne": str(self.root),
            "annee": self.year,
            "date_limite": self.deadline.isoformat(),
            "date_du_jour": self.today.isoformat(),
            "jours": self.days,
            "a_partir_du": self.starts_on.isoformat(),
            "essai": self.trial,
            "relances": [r.to_dict() for r in self.reminders],
            "erreur": self.error,
            "code_sortie": self.exit_code,
        }


def reminder_key(year: int, chamber: str, days: int) -> str:
    return f"{REMINDER}:{year}:{chamber}:{days}j"


def reminder_text(row: ChamberStanding, year: int, deadline: date, today: date, drop: str) -> str:
    left = (deadline - today).days
    when = (
        f"La date limite de transmission est le {fmt_date(deadline)} ({days_left(left)})"
        if left >= 0
        else f"La date limite de transmission était le {fmt_date(deadline)} ({days_left(left)})"
    )
    lines = [
        "Bonjour,",
        "",
        f"CMA France n'a pas encore reçu de bilan de COM {year} accepté pour {row.name} "
        f"({row.chamber}).",
    ]
    if row.status == REJECTED and row.last_file:
        lines.append(
            f"Le dernier fichier déposé ({Path(row.last_file).name}) a été rejeté : son accusé "
            "de réception et son classeur de contrôle disent quoi corriger."
        )
    lines += [
        "",
        f"{when} (code de l'artisanat, art. R. 323-24 ; COP 2023-2027, objectif 10.2).",
        "",
        f"Déposez le classeur rempli dans le dossier {drop}/{year}/ du lecteur partagé : il sera",
        "contrôlé au prochain passage de cmacop, et un accusé de réception vous dira s'il est",
        "accepté.",
        "",
        f"Message établi automatiquement par cmacop {__version__} ; aucune réponse n'est attendue.",
    ]
    return "\n".join(lines) + "\n"


def _known_contacts(cfg: Config) -> dict[str, str]:
    """The last « Courriel du contact » each chamber's workbooks gave (any year)."""
    state = RunState.load(cfg.store / MANIFEST_NAME)
    found: dict[str, str] = {}
    for file in sorted(state.files.values(), key=lambda f: (f.received, f.mtime_ns)):
        if file.chamber and file.contact:
            found[file.chamber] = file.contact
    return found


def remind_chambers(
    config: Config | str | Path | None = None,
    *,
    year: int | None = None,
    days: int = 7,
    trial: bool = False,
    today: date | None = None,
) -> ReminderResult:
    """Remind each chamber without an accepted bilan, ``days`` days before the deadline.

    ``trial``: compose the emails, send nothing, write nothing. Raises a
    :class:`ConfigError` (exit 4) when emails are to be sent and ``[notifications]`` names
    no server, a :class:`~cmacop.run.nightly.RunLockedError` (exit 3) while a run works.
    """
    check_year(year)
    if days < 0:
        raise UsageError(f"--jours {days} : un nombre de jours positif ou nul est attendu")
    cfg = load_campaign(config)
    year = campaign_year(cfg, year)
    today = today or date.today()
    notif = cfg.notifications
    if notif is None and not trial:
        raise ConfigError(
            f"aucun serveur de courriel : « notifications.smtp_hote » est vide dans {cfg.source}",
            hint="Renseignez la section [notifications] (voir le guide de l'administrateur), "
            "ou voyez ce qui partirait avec --essai.",
        )
    standing = read_standing(cfg, year)
    deadline = standing.deadline
    start = deadline - timedelta(days=days)
    from cmacop.cop.registry import load_registry

    contacts = campaign_contacts(cfg, load_registry())  # a wrong line stops here, exit 4
    known = _known_contacts(cfg)
    copy = notif.copy if notif else ()
    planned: list[tuple[ChamberStanding, Message | None]] = []
    for row in standing.rows:
        if row.status not in (MISSING, REJECTED):
            continue
        chamber_addresses = (*contacts.get(row.chamber, ()), known.get(row.chamber, ""))
        to, cc = addresses([], [a for a in chamber_addresses if a], copy)
        message = None
        if to:
            message = Message(
                key=reminder_key(year, row.chamber, days),
                kind=REMINDER,
                to=to,
                cc=cc,
                subject=f"Relance : bilan de COM {year} de {row.name} ({row.chamber}) attendu "
                f"au plus tard le {fmt_date(deadline)}",
                body=reminder_text(row, year, deadline, today, cfg.deposit.name),
            )
        planned.append((row, message))
    result = ReminderResult(cfg.root, year, deadline, today, days, trial, ())
    if today < start:
        later = f"à partir du {fmt_date(start)}"
        return _with(result, [_planned(r, m, NOT_YET, later) for r, m in planned])
    if trial:
        return _with(result, [_planned(r, m, TO_SEND) for r, m in planned])
    assert notif is not None
    from cmacop.run.nightly import run_lock

    with (
        Journal(cfg.log_dir, max_bytes=cfg.log_max_bytes, backups=cfg.log_backups) as log,
        run_lock(cfg.root),
    ):
        journal = MailJournal(mail_journal_path(cfg.log_dir))
        messages = [m for _, m in planned if m is not None]
        outcome = send_messages(notif, messages, journal, cfg.root, now=datetime.now(UTC))
        log_outcome(log, outcome, notif)
    sent = {m.key for m in outcome.sent}
    failed = {m.key: e for m, e in outcome.failed}
    reminders = []
    for row, message in planned:
        if message is None:
            reminders.append(_planned(row, None, NO_ADDRESS))
        elif message.key in sent:
            reminders.append(_planned(row, message, SENT_NOW))
        elif message.key in failed:
            reminders.append(_planned(row, message, FAILED, failed[message.key]))
        else:
            when = journal.entries.get(message.key, {}).get("le")
            detail = f"le {fmt_date(datetime.fromisoformat(when))}" if when else None
            reminders.append(_planned(row, message, ALREADY_SENT, detail))
    return _with(result, reminders, error=outcome.error)


def _planned(
    row: ChamberStanding, message: Message | None, state: str, detail: str | None = None
) -> Reminder:
    if message is None and state != NOT_YET:
        state = NO_ADDRESS
        detail = "ni ligne dans referentiel/contacts.csv, ni courriel dans un classeur déposé"
    return Reminder(row.chamber, row.name, row.status, state, message, detail)


def _with(
    result: ReminderResult, reminders: list[Reminder], error: str | None = None
) -> ReminderResult:
    from dataclasses import replace

    return replace(result, reminders=tuple(reminders), error=error)
