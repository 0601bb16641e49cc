"""The accusés de réception by email, after each ``cmacop run``, and the retries.

Each new accusé goes to the contact of the submission (the workbook's « Courriel du
contact »; for a CSV, or a workbook without one, the chamber's addresses in
``referentiel/contacts.csv``), with the chamber's other addresses of that file (its
regional controller, say) and ``notifications.copie`` in copy, the annotated workbook
attached. Messages a server refused earlier are retried first. Without
``[notifications]`` nothing here runs: a run without mail imports nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cmacop.campaign.config import Config
from cmacop.campaign.statuses import REJECTED, REPLACED
from cmacop.run.journal import Journal
from cmacop.run.mail import (
    MailJournal,
    MailJournalError,
    MailOutcome,
    Message,
    mail_journal_path,
    send_messages,
)
from cmacop.run.result import FileReport, RunResult

if TYPE_CHECKING:
    from cmacop.campaign.notifications import Notifications
    from cmacop.cop.registry import Registry

RECEIPT = "accusé"


def addresses(
    primary: Iterable[str], chamber_addresses: Iterable[str], copy: Iterable[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(à, copie)``: the primary addresses, else the chamber's; the others in copy, once."""
    primary = tuple(dict.fromkeys(a for a in primary if a))
    known = tuple(dict.fromkeys(chamber_addresses))
    to = primary or known
    seen = {a.lower() for a in to}
    cc = []
    for address in (*known, *copy):
        if address.lower() not in seen:
            seen.add(address.lower())
            cc.append(address)
    return to, tuple(cc)


def verdict(report: FileReport, deadline: date) -> str:
    """What the subject says of the file: accepté, accepté hors délai, rejeté…"""
    if report.outcome == REJECTED:
        return "rejeté"
    if report.outcome == REPLACED:
        return "non retenu, une version plus récente est en vigueur"
    late = report.received.astimezone().date() > deadline
    return "accepté, hors délai" if late else "accepté"


def receipt_key(report: FileReport) -> str:
    """One accusé by email per file, content and verdict: re-checks never send it again."""
    return f"{RECEIPT}:{report.file}:{report.sha256}:{'accepte' if report.accepted else 'rejete'}"


def receipt_message(
    report: FileReport,
    root: Path,
    *,
    name: str | None,
    deadline: date,
    chamber_addresses: Iterable[str],
    copy: Iterable[str],
) -> Message | None:
    """The email of one accusé (its text is the accusé's); None when nobody can be named."""
    to, cc = addresses([report.contact or ""], chamber_addresses, copy)
    if not to or report.receipt is None:
        return None
    text = (root / report.receipt).read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    who = f"{name} ({report.chamber})" if name and report.chamber else report.chamber or "?"
    subject = (
        f"Accusé de réception — bilan de COM {report.year} de {who} : {verdict(report, deadline)}"
    )
    return Message(
        key=receipt_key(report),
        kind=RECEIPT,
        to=to,
        cc=cc,
        subject=subject,
        body=text,
        attachments=(report.feedback,) if report.feedback else (),
    )


def campaign_contacts(
    cfg: Config, registry: Registry, log: Journal | None = None
) -> dict[str, tuple[str, ...]]:
    """``referentiel/contacts.csv`` (empty when absent). With ``log``, an error in it is
    logged and the file left aside (a run must go on); without, it is raised."""
    path = cfg.contacts_file
    if path is None or not path.is_file():
        return {}
    from cmacop.cop.referentiel import read_contacts
    from cmacop.errors import CmacopError

    try:
        return read_contacts(path, registry)
    except CmacopError as exc:
        if log is None:
            raise
        log.error(f"courriels : {exc.message} ; les adresses des classeurs seules servent")
        return {}


def notify_run(
    cfg: Config,
    result: RunResult,
    log: Journal,
    *,
    registry: Callable[[], Registry],
    deadline: Callable[[int], date],
) -> MailOutcome | None:
    """Email the run's new accusés and retry what waits; None without ``[notifications]``.

    Never raises for a mail problem: it is logged, and the messages wait in the journal
    of emails for the next run.
    """
    notif = cfg.notifications
    if notif is None:
        return None
    try:
        journal = MailJournal(mail_journal_path(cfg.log_dir))
    except MailJournalError as exc:
        log.error(f"courriels : {exc.message}")
        return MailOutcome(error=exc.message)
    messages = journal.pending()
    if notif.send_receipts and result.files:
        messages += receipts_of(cfg, result, log, notif, registry(), deadline)
    if not messages:
        return MailOutcome()
    outcome = send_messages(notif, messages, journal, cfg.root)
    log_outcome(log, outcome, notif)
    return outcome


def receipts_of(
    cfg: Config,
    result: RunResult,
    log: Journal,
    notif: Notifications,
    registry: Registry,
    deadline: Callable[[int], date],
) -> list[Message]:
    contacts = campaign_contacts(cfg, registry, log)
    out = []
    for report in result.files:
        if report.seen_before:  # checked again (manifest reset): the chamber learns nothing
            continue
        chamber = registry.get(report.chamber) if report.chamber else None
        message = receipt_message(
            report,
            cfg.root,
            name=chamber.name if chamber else None,
            deadline=deadline(report.year),
            chamber_addresses=contacts.get(report.chamber or "", ()),
            copy=notif.copy,
        )
        if message is None:
            log.warning(
                f"accusé de {report.file} non envoyé par courriel : aucune adresse (ni "
                "« Courriel du contact » dans le classeur, ni ligne de la chambre dans "
                "referentiel/contacts.csv)"
            )
        else:
            out.append(message)
    return out


def log_outcome(log: Journal, outcome: MailOutcome, notif: Notifications) -> None:
    for message in outcome.sent:
        log.info(f"courriel envoyé à {', '.join(message.to)} : {message.subject}")
    if outcome.error is not None:
        log.error(
            f"courriels : serveur {notif.describe()} inutilisable ({outcome.error}) ; "
            f"{len(outcome.failed)} en attente, renvoyés au prochain passage"
        )
        return
    for message, error in outcome.failed:
        log.error(f"courriel non envoyé ({error}), renvoyé au prochain passage : {message.subject}")
