"""Sending cmacop's emails, each once: the SMTP connection and the journal of what was sent.

``journal/courriels.json`` holds, per message (its key: what it is about, never its
text), either when it was sent and to whom, or, while it could not be sent, the whole
message and the last error: the next run (or ``cmacop relancer``) retries it. A message
whose key was sent is never sent again, whatever reruns or re-checks happen. A journal
that cannot be read stops every sending (rather than sending twice); it is never
overwritten until it is readable again.

The password comes from the environment variable named in ``cmacop.toml`` and goes only
to the server: never into the journal, the log or any file.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmacop.campaign.layout import MAIL_JOURNAL
from cmacop.errors import CmacopError
from cmacop.files.fsutil import write_text_atomic

if TYPE_CHECKING:
    import smtplib

    from cmacop.campaign.notifications import Notifications

SMTP_TIMEOUT_S = 20.0
SENT, PENDING, NO_ADDRESS = "envoyé", "en attente", "sans adresse"


class MailJournalError(CmacopError):
    """The journal of sent emails cannot be read: nothing is sent rather than twice."""

    code = "E-COURRIEL"
    exit_code = 4


@dataclass(frozen=True)
class Message:
    """One email: its key says what it is about (one key, one email, ever)."""

    key: str
    kind: str  # « accusé » or « relance »
    to: tuple[str, ...]
    subject: str
    body: str
    cc: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()  # files relative to the campaign folder

    def to_dict(self) -> dict[str, Any]:
        return {
            "cle": self.key,
            "type": self.kind,
            "a": list(self.to),
            "copie": list(self.cc),
            "objet": self.subject,
            "texte": self.body,
            "pieces_jointes": list(self.attachments),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Message:
        return cls(
            key=raw["cle"],
            kind=raw["type"],
            to=tuple(raw["a"]),
            subject=raw["objet"],
            body=raw["texte"],
            cc=tuple(raw.get("copie", ())),
            attachments=tuple(raw.get("pieces_jointes", ())),
        )


@dataclass
class MailOutcome:
    """What a sending did: sent, failed (kept for the next run), without any address."""

    sent: list[Message] = field(default_factory=list)
    failed: list[tuple[Message, str]] = field(default_factory=list)
    skipped: list[Message] = field(default_factory=list)  # already sent earlier
    error: str | None = None  # the server could not be used at all

    def to_dict(self) -> dict[str, Any]:
        return {
            "envoyes": [{"cle": m.key, "a": list(m.to), "objet": m.subject} for m in self.sent],
            "en_echec": [{"cle": m.key, "objet": m.subject, "erreur": e} for m, e in self.failed],
            "deja_envoyes": len(self.skipped),
            "erreur": self.error,
        }


class MailJournal:
    """``journal/courriels.json``: what was sent, and what waits for a retry."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.entries: dict[str, dict[str, Any]] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = dict(raw["courriels"])
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MailJournalError(
                f"journal des courriels illisible : {self.path} ({type(exc).__name__}) ; "
                "aucun courriel n'est envoyé, pour n'en envoyer aucun deux fois",
                hint="Restaurez ce fichier depuis la sauvegarde. S'il est perdu, renommez-le : "
                "les accusés déjà envoyés pourraient alors l'être une seconde fois.",
            ) from None

    def was_sent(self, key: str) -> bool:
        return self.entries.get(key, {}).get("etat") == SENT

    def pending(self) -> list[Message]:
        """The messages still waiting for a server that would take them, oldest first."""
        waiting = [e for e in self.entries.values() if e.get("etat") == PENDING]
        waiting.sort(key=lambda e: e.get("depuis", ""))
        return [Message.from_dict(e["message"]) for e in waiting]

    def pending_errors(self) -> list[tuple[str, str, int]]:
        """``(objet, erreur, tentatives)`` of each message waiting for a retry."""
        return [
            (e["message"]["objet"], e.get("erreur", ""), e.get("tentatives", 0))
            for e in self.entries.values()
            if e.get("etat") == PENDING
        ]

    def mark_sent(self, message: Message, now: datetime) -> None:
        self.entries[message.key] = {
            "etat": SENT,
            "type": message.kind,
            "le": now.isoformat(timespec="seconds"),
            "a": list(message.to),
            "copie": list(message.cc),
            "objet": message.subject,
        }

    def mark_failed(self, message: Message, error: str, now: datetime) -> None:
        before = self.entries.get(message.key, {})
        self.entries[message.key] = {
            "etat": PENDING,
            "depuis": before.get("depuis") or now.isoformat(timespec="seconds"),
            "derniere_tentative": now.isoformat(timespec="seconds"),
            "tentatives": before.get("tentatives", 0) + 1,
            "erreur": error,
            "message": message.to_dict(),
        }

    def save(self) -> None:
        text = json.dumps({"courriels": self.entries}, ensure_ascii=False, indent=1)
        write_text_atomic(self.path, text + "\n")


def mail_journal_path(log_dir: Path) -> Path:
    return Path(log_dir) / MAIL_JOURNAL


def smtp_error_text(exc: BaseException) -> str:
    """A mail error in French, for the log and the dashboard (never a password)."""
    import smtplib
    import socket
    import ssl

    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"identification refusée par le serveur ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "destinataire refusé par le serveur : " + ", ".join(sorted(exc.recipients))
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"expéditeur refusé par le serveur ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"refusé par le serveur ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "le serveur ne propose pas cette sécurité ou cette identification"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "connexion coupée par le serveur"
    if isinstance(exc, ssl.SSLError):
        return "échec de la connexion chiffrée (certificat ou protocole)"
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"le serveur ne répond pas (délai de {SMTP_TIMEOUT_S:.0f} s dépassé)"
    if isinstance(exc, socket.gaierror):
        return "serveur introuvable (nom d'hôte inconnu)"
    if isinstance(exc, ConnectionRefusedError):
        return "connexion refusée : serveur arrêté ou mauvais port"
    if isinstance(exc, OSError):
        return f"serveur injoignable ({exc.strerror or type(exc).__name__})"
    return f"erreur d'envoi ({type(exc).__name__})"


def _email(notif: Notifications, message: Message, root: Path) -> Any:
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    mail = EmailMessage()
    mail["From"] = notif.sender
    mail["To"] = ", ".join(message.to)
    if message.cc:
        mail["Cc"] = ", ".join(message.cc)
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=notif.sender.rpartition("@")[2] or None)
    files, missing = [], []
    for name in message.attachments:
        try:
            files.append((Path(name).name, (root / name).read_bytes()))
        except OSError:
            missing.append(Path(name).name)
    body = message.body
    if missing:  # removed since: the message goes without it rather than never
        body += f"\n(Pièce jointe introuvable au moment de l'envoi : {', '.join(missing)}.)\n"
    mail.set_content(body)
    for filename, data in files:
        kind = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        main, _, sub = kind.partition("/")
        mail.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return mail


def _connect(notif: Notifications) -> smtplib.SMTP:
    import smtplib
    import ssl

    from cmacop.campaign.notifications import SSL, STARTTLS

    if notif.security == SSL:
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            notif.host, notif.port, timeout=SMTP_TIMEOUT_S, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(notif.host, notif.port, timeout=SMTP_TIMEOUT_S)
    try:
        server.ehlo()
        if notif.security == STARTTLS:
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if notif.user:
            password = notif.password()
            if password is None:
                raise _SetupError(
                    f"mot de passe absent : la variable d'environnement {notif.password_env} "
                    "n'est pas définie"
                )
            _login(server, notif.user, password)
    except BaseException:
        server.close()
        raise
    return server


class _SetupError(Exception):
    """The connection cannot be set up for a reason of cmacop's (message in French)."""


def _login(server: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a password with accents goes by AUTH PLAIN in UTF-8 (RFC 4616).

    ``smtplib`` encodes credentials in ASCII only: a French password (« Très… ») would fail.
    """
    import base64
    import smtplib

    if (user + password).isascii():
        server.login(user, password)
        return
    mechanisms = server.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in mechanisms:
        raise _SetupError(
            "le mot de passe contient des caractères accentués et le serveur ne propose pas "
            "l'identification PLAIN qui les accepte"
        )
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, answer = server.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def send_messages(
    notif: Notifications,
    messages: Iterable[Message],
    journal: MailJournal,
    root: Path,
    *,
    now: datetime | None = None,
) -> MailOutcome:
    """Send each message not sent yet, over one connection; record every outcome.

    Never raises for a mail problem: a server that cannot be reached, refuses the
    identification or a recipient leaves the messages waiting in the journal, with the
    error (:attr:`MailOutcome.failed`), for the next attempt. The journal is saved after
    each message sent, so that a run killed meanwhile never sends one twice.
    """
    import smtplib

    now = now or datetime.now(UTC)
    outcome = MailOutcome()
    todo = []
    for message in messages:
        if journal.was_sent(message.key):
            outcome.skipped.append(message)
        elif message not in todo:
            todo.append(message)
    if not todo:
        return outcome
    try:
        server = _connect(notif)
    except _SetupError as exc:
        outcome.error = str(exc)
    except (OSError, smtplib.SMTPException) as exc:
        outcome.error = smtp_error_text(exc)
    if outcome.error is not None:
        for message in todo:
            journal.mark_failed(message, outcome.error, now)
            outcome.failed.append((message, outcome.error))
        journal.save()
        return outcome
    try:
        for message in todo:
            try:
                mail = _email(notif, message, root)
                server.send_message(
                    mail, from_addr=notif.sender, to_addrs=[*message.to, *message.cc]
                )
            except (OSError, smtplib.SMTPException) as exc:
                error = smtp_error_text(exc)
                journal.mark_failed(message, error, now)
                outcome.failed.append((message, error))
                if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                    break  # the connection is gone: the rest waits for the next attempt
            else:
                journal.mark_sent(message, now)
                outcome.sent.append(message)
            journal.save()
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    done = {m.key for m in outcome.sent} | {m.key for m, _ in outcome.failed}
    rest = [m for m in todo if m.key not in done]
    for message in rest:
        journal.mark_failed(message, "connexion coupée avant l'envoi", now)
        outcome.failed.append((message, "connexion coupée avant l'envoi"))
    if rest:
        journal.save()
    return outcome


def pending_mail(log_dir: Path) -> list[tuple[str, str, int]]:
    """The emails waiting for a retry: ``(objet, erreur, tentatives)`` (none without journal)."""
    path = mail_journal_path(log_dir)
    if not path.is_file():
        return []
    try:
        return MailJournal(path).pending_errors()
    except MailJournalError as exc:
        return [("journal des courriels", exc.message, 0)]
