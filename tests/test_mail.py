"""Receipts and reminders by email, against a real SMTP server started here (aiosmtpd).

Receipts after a run (workbook contact, CSV through referentiel/contacts.csv, copies, the
annotated workbook attached), reminders (``cmacop relancer``), a server down that never
fails a run and is retried, never the same email twice, the password from the
environment only.
"""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cmacop.cli import main
from cmacop.run.nightly import run_campaign
from cmacop.run.reminders import remind_chambers

aiosmtpd = pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

PASSWORD = "s3cret-Très-Long-42"
NO_BILANS = 2022  # runs about files, not bilans (faster)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the server received: one parsed email per message."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)
            for e in self.envelopes
        ]


class Server:
    def __init__(self, port: int, *, auth: bool = False) -> None:
        self.port, self.inbox, self.logins = port, Inbox(), []
        kwargs = {}
        if auth:
            kwargs = {
                "authenticator": self._check,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port, **kwargs)

    def _check(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == PASSWORD
        self.logins.append((mechanism, auth_data.login.decode(), ok))
        return AuthResult(success=ok)

    def start(self) -> Server:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def server():
    s = Server(free_port()).start()
    yield s
    s.stop()


def notifications(root: Path, settings: str) -> None:
    """Fill the ``[notifications]`` section ``cmacop init`` writes commented out."""
    config = root / "cmacop.toml"
    text = config.read_text(encoding="utf-8")
    assert text.count("[notifications]\n") == 1
    config.write_text(text.replace("[notifications]\n", "[notifications]\n" + settings), "utf-8")


def configure(root: Path, port: int, *, user: str = "", extra: str = "") -> None:
    settings = (
        'smtp_hote = "127.0.0.1"\n'
        f"smtp_port = {port}\n"
        'smtp_securite = "aucune"\n'
        f'smtp_utilisateur = "{user}"\n'
        'smtp_mot_de_passe_env = "CMACOP_TEST_MDP"\n'
        'expediteur = "cop@cma-france.example"\n'
        'copie = ["suivi-cop@cma-france.example"]\n'
        "envoyer_accuses = true\n" + extra
    )
    notifications(root, settings)
    (root / "referentiel" / "contacts.csv").write_text(
        "chambre,courriel\nCM-MOSELLE,bilan@cm-moselle.example\nCMAR-84,controle@cmar-84.example\n",
        encoding="utf-8",
    )


@pytest.fixture
def mail_campaign(processed_campaign, server):
    configure(processed_campaign, server.port)
    return processed_campaign


def drop_version(root: Path, revise, chamber: str = "CMAR-84", **kw) -> Path:
    depot = root / "depot" / "2024"
    return revise(depot / f"COM_2024_{chamber}.xlsx", depot / f"COM_2024_{chamber}_v2.xlsx", **kw)


def drop_csv(root: Path, new_value: str = "1\u00a0250") -> Path:
    depot = root / "depot" / "2024"
    source = depot / "COM_2024_CM-MOSELLE.csv"
    lines = source.read_bytes().decode("cp1252").splitlines()
    lines[1] = ";".join([*lines[1].split(";")[:3], new_value, ""])
    target = depot / "COM_2024_CM-MOSELLE_v2.csv"
    target.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return target


def sent_journal(root: Path) -> dict:
    return json.loads((root / "journal" / "courriels.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- receipts


def test_each_new_receipt_goes_to_the_contact_with_the_annotated_workbook(
    mail_campaign, server, revise
):
    drop_version(mail_campaign, revise, impact=58)
    result = run_campaign(mail_campaign, year=NO_BILANS)
    assert result.exit_code == 0 and len(result.mail.sent) == 1
    (message,) = server.inbox.messages
    assert message["Subject"] == (
        "Accusé de réception — bilan de COM 2024 de CMA Auvergne-Rhône-Alpes (CMAR-84) : "
        "accepté, hors délai"
    )  # dropped today, long after the deadline of 28 February 2025
    assert message["From"] == "cop@cma-france.example"
    assert message["To"] == "thomas.moreau@cmar-84.exemple.fr"  # « Courriel du contact »
    assert message["Cc"] == "controle@cmar-84.example, suivi-cop@cma-france.example"
    body = message.get_body(("plain",)).get_content()
    accuse = (mail_campaign / "retours/2024/COM_2024_CMAR-84_v2_accuse.txt").read_text("utf-8-sig")
    assert body.replace("\r\n", "\n").strip() == accuse.replace("\r\n", "\n").strip()
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "COM_2024_CMAR-84_v2_controle.xlsx"
    annotated = mail_campaign / "retours/2024/COM_2024_CMAR-84_v2_controle.xlsx"
    assert attachment.get_content() == annotated.read_bytes()
    envelope = server.inbox.envelopes[0]
    assert set(envelope.rcpt_tos) == {
        "thomas.moreau@cmar-84.exemple.fr",
        "controle@cmar-84.example",
        "suivi-cop@cma-france.example",
    }
    assert result.to_dict()["courriels"]["envoyes"][0]["objet"] == message["Subject"]


def test_a_csv_receipt_goes_to_the_address_of_contacts_csv(mail_campaign, server):
    drop_csv(mail_campaign)
    result = run_campaign(mail_campaign, year=NO_BILANS)
    (message,) = server.inbox.messages
    assert message["To"] == "bilan@cm-moselle.example"
    assert message["Cc"] == "suivi-cop@cma-france.example"
    assert "Chambre de métiers de la Moselle (CM-MOSELLE)" in message["Subject"]
    assert result.files[0].contact is None


def test_a_rejected_file_says_so_in_the_subject(mail_campaign, server, revise):
    drop_version(mail_campaign, revise, chamber="CMAR-53", realised="NC")
    run_campaign(mail_campaign, year=NO_BILANS)
    (message,) = server.inbox.messages
    assert message["Subject"].endswith("bilan de COM 2024 de CMA Bretagne (CMAR-53) : rejeté")
    assert "Résultat : REJETÉ" in message.get_body(("plain",)).get_content()


def test_never_the_same_email_twice(new_campaign, server, revise):
    configure(new_campaign, server.port)
    first = run_campaign(new_campaign, year=NO_BILANS)
    assert len(first.mail.sent) == 40 and len(server.inbox.envelopes) == 40
    drop_version(new_campaign, revise, impact=58)
    run_campaign(new_campaign, year=NO_BILANS)
    assert len(server.inbox.envelopes) == 41
    nothing = run_campaign(new_campaign, year=NO_BILANS)  # nothing new
    assert nothing.nothing_new and nothing.mail is not None and not nothing.mail.sent
    # Everything checked again (the admin's documented re-check): no accusé sent again.
    (new_campaign / "consolidation" / ".cmacop-run.json").unlink()
    again = run_campaign(new_campaign, year=NO_BILANS)
    assert len(again.files) == 41 and not again.mail.sent
    assert len(server.inbox.envelopes) == 41
    entries = sent_journal(new_campaign)["courriels"]
    assert {e["etat"] for e in entries.values()} == {"envoyé"} and len(entries) == 41


def test_a_recheck_does_not_send_the_receipts_of_files_processed_before_mail(mail_campaign, server):
    """Mail set up mid-campaign: the files processed before get no accusé on a re-check."""
    (mail_campaign / "consolidation" / ".cmacop-run.json").unlink()
    again = run_campaign(mail_campaign, year=NO_BILANS)
    assert len(again.files) == 40 and all(f.seen_before for f in again.files)
    assert server.inbox.envelopes == []


def test_a_server_down_never_fails_the_run_and_is_retried(processed_campaign, revise):
    port = free_port()  # nobody listens there yet
    configure(processed_campaign, port)
    drop_version(processed_campaign, revise, impact=58)
    first = run_campaign(processed_campaign, year=NO_BILANS)
    assert first.exit_code == 0 and first.files[0].accepted
    assert first.mail.error == "connexion refusée : serveur arrêté ou mauvais port"
    log = (processed_campaign / "journal" / "cmacop.log").read_text(encoding="utf-8")
    assert "courriels : serveur 127.0.0.1:" in log and "1 en attente" in log
    page = (processed_campaign / "tableau_de_bord.html").read_text(encoding="utf-8")
    assert "<strong>1 courriel en attente</strong>" in page
    assert "connexion refusée" in page
    (entry,) = sent_journal(processed_campaign)["courriels"].values()
    assert entry["etat"] == "en attente" and entry["tentatives"] == 1

    server = Server(port).start()
    try:
        second = run_campaign(processed_campaign, year=NO_BILANS)  # nothing new: retry only
        assert second.nothing_new and len(second.mail.sent) == 1
        third = run_campaign(processed_campaign, year=NO_BILANS)
        assert third.mail is not None and not third.mail.sent
    finally:
        server.stop()
    assert len(server.inbox.envelopes) == 1
    assert "Accusé de réception" in server.inbox.messages[0]["Subject"]
    page = (processed_campaign / "tableau_de_bord.html").read_text(encoding="utf-8")
    assert "en attente</strong>" not in page


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_password_comes_from_the_environment_and_is_written_nowhere(
    processed_campaign, revise, monkeypatch
):
    server = Server(free_port(), auth=True).start()
    try:
        configure(processed_campaign, server.port, user="cop")
        drop_version(processed_campaign, revise, impact=58)
        no_password = run_campaign(processed_campaign, year=NO_BILANS)
        assert no_password.mail.error == (
            "mot de passe absent : la variable d'environnement CMACOP_TEST_MDP n'est pas définie"
        )
        monkeypatch.setenv("CMACOP_TEST_MDP", PASSWORD)
        retried = run_campaign(processed_campaign, year=NO_BILANS)
        assert len(retried.mail.sent) == 1
    finally:
        server.stop()
    assert server.logins and all(login == "cop" and ok for _, login, ok in server.logins)
    for path in processed_campaign.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_without_notifications_nothing_about_mail_is_imported_or_written(processed_campaign):
    code = (
        "import sys\nfrom cmacop.run.nightly import run_campaign\n"
        f"r = run_campaign({str(processed_campaign)!r}, year={NO_BILANS})\n"
        "print(r.mail, 'smtplib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "None False\n", out.stderr
    assert not (processed_campaign / "journal" / "courriels.json").exists()


def test_a_damaged_journal_of_emails_sends_nothing(mail_campaign, server, revise):
    journal = mail_campaign / "journal" / "courriels.json"
    journal.write_text("{ abîmé", encoding="utf-8")
    drop_version(mail_campaign, revise, impact=58)
    result = run_campaign(mail_campaign, year=NO_BILANS)
    assert result.exit_code == 0 and result.mail.error.startswith("journal des courriels illisible")
    assert server.inbox.envelopes == [] and journal.read_text(encoding="utf-8") == "{ abîmé"


def test_the_run_summary_says_what_was_sent(mail_campaign, server, revise, capsys, monkeypatch):
    monkeypatch.chdir(mail_campaign)
    drop_version(mail_campaign, revise, impact=58)
    main(["run", "--year", str(NO_BILANS)])
    assert "Courriels : 1 envoyé.\n" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('smtp_securite = "tls"\n', "« notifications.smtp_securite » doit être « aucune » ou"),
        ('copie = "a@b.fr"\n', "« notifications.copie » doit être une liste"),
    ],
)
def test_a_wrong_notifications_setting_names_the_key(processed_campaign, extra, message):
    from cmacop.campaign.config import ConfigError, load_config

    notifications(processed_campaign, 'smtp_hote = "x"\nexpediteur = "a@b.fr"\n' + extra)
    with pytest.raises(ConfigError) as info:
        load_config(processed_campaign)
    assert message in info.value.message


def test_notifications_are_off_by_default_and_ports_follow_the_security(tmp_path):
    from cmacop.campaign.config import load_config
    from cmacop.campaign.folder import init_campaign

    init_campaign(tmp_path, 2024)
    assert load_config(tmp_path).notifications is None
    config = tmp_path / "cmacop.toml"
    config.write_text(
        config.read_text("utf-8")
        .replace('# smtp_hote = ""', 'smtp_hote = "smtp.exemple.fr"')
        .replace('# expediteur = ""', 'expediteur = "cop@exemple.fr"'),
        "utf-8",
    )
    notif = load_config(tmp_path).notifications
    assert (notif.host, notif.port, notif.security) == ("smtp.exemple.fr", 587, "starttls")
    assert notif.describe() == "smtp.exemple.fr:587 (starttls, sans authentification)"


# --------------------------------------------------------------------------- reminders


@pytest.fixture
def missing_two(mail_campaign):
    """The campaign without CMAR-24's and CMAR-93's bilans 2024, consolidated again."""
    from cmacop.consolidate.store import DEPOSITS, Store

    for chamber in ("CMAR-24", "CMAR-93"):
        (mail_campaign / "depot" / "2024" / f"COM_2024_{chamber}.xlsx").unlink()
    shutil.rmtree(mail_campaign / "consolidation")
    run_campaign(mail_campaign, year=NO_BILANS)
    assert len(Store(mail_campaign / "consolidation").read(DEPOSITS, 2024)) == 18
    return mail_campaign


def add_contact(root: Path, chamber: str, address: str) -> None:
    with (root / "referentiel" / "contacts.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"{chamber},{address}\n")


def test_reminders_go_once_to_the_chambers_without_an_accepted_bilan(missing_two, server):
    sent_receipts = len(server.inbox.envelopes)
    add_contact(missing_two, "CMAR-24", "bilan@cmar-24.example")
    add_contact(missing_two, "CMAR-24", "controleur@cmar-24.example")
    before = remind_chambers(missing_two, days=7, today=date(2025, 2, 20))
    assert not before.due and [r.state for r in before.reminders] == ["pas encore"] * 2
    assert len(server.inbox.envelopes) == sent_receipts

    result = remind_chambers(missing_two, days=7, today=date(2025, 2, 21))
    states = {r.chamber: r.state for r in result.reminders}
    assert states == {"CMAR-24": "envoyée", "CMAR-93": "envoyée"}  # CMAR-93: its old contact
    assert result.exit_code == 0
    reminders = server.inbox.messages[sent_receipts:]
    by_chamber = {m["Subject"].split("(")[1].split(")")[0]: m for m in reminders}
    cmar24 = by_chamber["CMAR-24"]
    assert cmar24["Subject"] == (
        "Relance : bilan de COM 2024 de CMA Centre-Val de Loire (CMAR-24) attendu au plus "
        "tard le 28 février 2025"
    )
    # Its lines of contacts.csv, and the contact its 2023 workbook gave.
    assert cmar24["To"] == (
        "bilan@cmar-24.example, controleur@cmar-24.example, nathalie.martin@cmar-24.exemple.fr"
    )
    assert cmar24["Cc"] == "suivi-cop@cma-france.example"
    body = cmar24.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "La date limite de transmission est le 28 février 2025 (dans 7 jours)" in body
    assert "Déposez le classeur rempli dans le dossier depot/2024/" in body
    assert by_chamber["CMAR-93"]["To"].endswith("@cmar-93.exemple.fr")  # from its 2023 workbook

    again = remind_chambers(missing_two, days=7, today=date(2025, 2, 22))
    assert {r.state for r in again.reminders} == {"déjà envoyée"}
    assert len(server.inbox.envelopes) == sent_receipts + 2
    last = remind_chambers(missing_two, days=1, today=date(2025, 2, 27))  # another reminder
    assert {r.state for r in last.reminders} == {"envoyée"}
    assert len(server.inbox.envelopes) == sent_receipts + 4


def test_relancer_essai_prints_and_sends_nothing(missing_two, server, capsys):
    count = len(server.inbox.envelopes)
    journal = (missing_two / "journal" / "courriels.json").read_bytes()
    main(["relancer", "--config", str(missing_two), "--essai", "--jours", "3000"])
    out = capsys.readouterr().out
    assert "Objet : Relance : bilan de COM 2024 de CMA Centre-Val de Loire (CMAR-24)" in out
    assert out.rstrip().endswith("Relances : 2 à envoyer (essai : rien n'a été envoyé).")
    assert len(server.inbox.envelopes) == count
    assert (missing_two / "journal" / "courriels.json").read_bytes() == journal


def test_relancer_json_is_the_twins_to_dict(missing_two, server, capsys):
    main(["relancer", "--config", str(missing_two), "--essai", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["jours"] == 7 and data["essai"] is True
    assert {r["chambre"] for r in data["relances"]} == {"CMAR-24", "CMAR-93"}


def test_relancer_without_a_server_says_how_to_set_one(processed_campaign, capsys):
    with pytest.raises(SystemExit) as info:
        main(["relancer", "--config", str(processed_campaign)])
    assert info.value.code == 4
    err = capsys.readouterr().err
    assert "aucun serveur de courriel : « notifications.smtp_hote » est vide" in err
    assert "--essai" in err


def test_a_reminder_the_server_refuses_waits_and_exits_1(missing_two, server):
    server.stop()
    result = remind_chambers(missing_two, days=7, today=date(2025, 2, 25))
    assert result.exit_code == 1 and {r.state for r in result.reminders} == {"en échec"}
    assert result.error == "connexion refusée : serveur arrêté ou mauvais port"
    server.controller = Controller(server.inbox, hostname="127.0.0.1", port=server.port)
    server.start()
    retried = run_campaign(missing_two, year=NO_BILANS)  # the next run retries them
    assert len(retried.mail.sent) == 2
