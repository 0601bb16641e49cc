"""``cmacop statut``: per chamber, last file received, valid or not, late or not, last change."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from cmacop.campaign.folder import init_campaign
from cmacop.cli import main
from cmacop.run.nightly import run_campaign
from cmacop.run.status import campaign_status

BEFORE_DEADLINE, AFTER_DEADLINE = date(2025, 2, 10), date(2025, 3, 10)


def test_every_reporting_chamber_of_the_registry_is_listed(processed_campaign, registry):
    status = campaign_status(processed_campaign, today=AFTER_DEADLINE)
    assert [c.chamber for c in status.chambers] == [c.code for c in registry.reporting]
    assert status.year == 2024 and status.deadline == date(2025, 2, 28)
    row = next(c for c in status.chambers if c.chamber == "CMAR-84")
    assert row.status == "transmis" and not row.late and row.last_valid is True
    assert row.last_file == "depot/2024/COM_2024_CMAR-84.xlsx"
    assert row.in_force == "depot/2024/COM_2024_CMAR-84.xlsx"
    assert row.received is not None and row.last_change is not None
    late = next(c for c in status.chambers if c.chamber == "CMAR-02")
    assert (late.status, late.late, late.sent_on) == ("hors délai", True, date(2025, 3, 14))
    assert status.counts() == {"transmis": 19, "hors délai": 1, "en retard": 1}
    assert status.last_run is not None and status.last_run["traites"] == 40
    assert status.reports is not None and status.reports.generated_on == date(2025, 6, 15)


def test_a_rejected_correction_shows_beside_the_file_in_force(processed_campaign, revise):
    depot = processed_campaign / "depot" / "2024"
    revise(depot / "COM_2024_CMAR-53.xlsx", depot / "COM_2024_CMAR-53_v2.xlsx", realised="NC")
    first = run_campaign(processed_campaign, year=2022)  # no bilan to build: a faster run
    status = campaign_status(processed_campaign, today=AFTER_DEADLINE)
    row = next(c for c in status.chambers if c.chamber == "CMAR-53")
    assert row.status == "transmis" and row.in_force == "depot/2024/COM_2024_CMAR-53.xlsx"
    assert row.last_file == "depot/2024/COM_2024_CMAR-53_v2.xlsx"
    assert (row.last_valid, row.errors) == (False, 1)
    assert row.last_change == first.started  # the rejected deposit is the last change


def test_missing_chambers_are_late_only_after_the_deadline(tmp_path):
    init_campaign(tmp_path, 2024)
    before = campaign_status(tmp_path, today=BEFORE_DEADLINE)
    after = campaign_status(tmp_path, today=AFTER_DEADLINE)
    assert {c.status for c in before.chambers} == {"manquant"}
    assert not any(c.late for c in before.chambers)
    assert all(c.late for c in after.chambers)
    assert after.chambers[0].last_file is None and after.last_run is None


def test_statut_table(processed_campaign, capsys, monkeypatch):
    monkeypatch.chdir(processed_campaign.parent)  # paths are printed from where it runs
    main(["statut", "--config", str(processed_campaign), "--year", "2024"])
    out = capsys.readouterr().out
    assert "Campagne 2024 — date limite : 28 février 2025" in out
    # Files named from their folder (in the title, as it opens from here): never broken.
    assert "fichiers reçus dans campagne/depot/2024/" in out
    rows = [line for line in out.splitlines() if line.startswith("│ CM")]
    assert len(rows) == 20 and all(
        re.search(r"│ COM_2024_CM[-\w]+\.(xlsx|csv) +│", r) for r in rows
    )
    assert "CMA Martinique" in out and "hors délai" in out
    assert (
        "19 transmis, 1 hors délai, 0 rejeté, 0 manquant ; 1 en retard.\n"
        f"Dernier traitement : {_moment(processed_campaign)}, 40 dépôts, code de sortie 0.\n"
        "Bilans 2024 à jour, établis le 15 juin 2025 : 62 fichiers dans campagne/bilans/2024/.\n"
        "Attention : modulation de la TFCMA 2025 présentée comme une proposition : règles non "
        "décidées par CMA France, appliquées avec le défaut de cmacop (clés de regles.toml) : "
        "taux_axe, plafond_taux, poids_indicateurs.\n"
    ) in out
    # Issue #12: the bilan's timetable (its state depends on today's date).
    assert re.search(
        r"Bilan 2024 : à transmettre au ministre avant le 1er juillet 2025 \(contrat, annexe I, "
        r"note 4\) ; état : (à transmettre|en retard) — bureau élargi le 20 mai 2025, "
        r"commission le 3 juin 2025\.\n$",
        out,
    )


def test_statut_gives_the_bilans_timetable(processed_campaign):
    before = campaign_status(processed_campaign, today=date(2025, 6, 15)).bilan
    assert before is not None and before.deadline == date(2025, 7, 1)
    assert (before.state, before.met) == ("à transmettre", None)
    after = campaign_status(processed_campaign, today=date(2025, 7, 1)).bilan
    assert after is not None and (after.state, after.met) == ("en retard", False)
    earlier = campaign_status(processed_campaign, year=2023, today=date(2025, 7, 1))
    assert earlier.bilan is not None and earlier.bilan.sent_on == date(2024, 6, 27)
    data = earlier.to_dict()["calendrier_bilan"]
    assert (data["etat"], data["delai_respecte"]) == ("transmis dans le délai", True)


def _moment(root):
    from datetime import datetime

    from cmacop.french import fmt_date
    from cmacop.run.state import MANIFEST_NAME, RunState

    state = RunState.load(root / "consolidation" / MANIFEST_NAME)
    assert state.last_run is not None
    local = datetime.fromisoformat(state.last_run["debut"]).astimezone()
    return f"{fmt_date(local)} {local:%H:%M}"


def test_statut_of_an_earlier_year(processed_campaign):
    status = campaign_status(processed_campaign, year=2023, today=AFTER_DEADLINE)
    assert status.deadline == date(2024, 2, 29)
    assert all(c.last_file and c.last_file.startswith("depot/2023/") for c in status.chambers)
    # Issue 14: the data are there and no bilan is: « non établis (lancez cmacop report) »,
    # no longer « aucun bilan de COM accepté ».
    assert status.reports is not None and status.reports.state == "non établis"


# --------------------------------------------------------------------------- always right


def test_a_campaign_consolidated_without_run_shows_its_files(consolidated_campaign, capsys):
    """Issue 14: after « cmacop consolidate » alone, statut read « — » for every chamber."""
    status = campaign_status(consolidated_campaign, today=AFTER_DEADLINE)
    assert status.source == "dépôt" and status.last_run is None
    row = next(c for c in status.chambers if c.chamber == "CMAR-84")
    assert row.last_file == "depot/2024/COM_2024_CMAR-84.xlsx"
    assert row.received is not None and row.received.astimezone().date() == date(2025, 2, 4)
    assert (row.last_valid, row.verdict, row.errors) == (True, "accepté", 0)
    assert all(c.last_file for c in status.chambers)
    assert status.reports is not None and status.reports.state == "non établis"
    main(["statut", "--config", str(consolidated_campaign)])
    out = capsys.readouterr().out
    assert "Bilans 2024 non établis (lancez cmacop report).\n" in out
    assert "aucun bilan de COM 2024 accepté" not in out


def test_bilans_written_by_hand_are_seen(consolidated_campaign, tmp_path):
    import shutil

    from cmacop.render import build_report

    camp = tmp_path / "campagne"
    shutil.copytree(consolidated_campaign, camp)
    build_report(config=camp, formats="md", generated_on=date(2025, 6, 2))
    status = campaign_status(camp, today=AFTER_DEADLINE)
    assert status.reports is not None and status.reports.state == "établis par cmacop report"
    assert "bilans/2024/bilan_cop_2024.md" in status.reports.files


def test_a_run_in_progress_is_shown(processed_campaign, capsys):
    import json
    import os
    import socket

    lock = processed_campaign / ".cmacop-run.lock"
    lock.write_text(
        json.dumps(
            {"pid": os.getpid(), "hote": socket.gethostname(), "commande": "run",
             "depuis": "2025-03-03T02:14:05+01:00", "jeton": "x"}
        ),
        encoding="utf-8",
    )  # fmt: skip
    status = campaign_status(processed_campaign, today=AFTER_DEADLINE)
    assert status.running is not None and status.running["pid"] == os.getpid()
    main(["statut", "--config", str(processed_campaign)])
    when = datetime.fromisoformat("2025-03-03T02:14:05+01:00").astimezone()
    assert (
        f"Passage en cours depuis {when:%H:%M}, pid {os.getpid()} sur {socket.gethostname()}.\n"
        in capsys.readouterr().out
    )
    lock.write_text(lock.read_text("utf-8").replace(str(os.getpid()), "999999999"), "utf-8")
    assert campaign_status(processed_campaign, today=AFTER_DEADLINE).running is None  # dead


@pytest.mark.parametrize(
    ("today", "left"),
    [(date(2025, 2, 16), (12, 134)), (date(2025, 2, 28), (0, 122)), (date(2025, 3, 2), (-2, 120))],
)
def test_legal_dates_and_days_left(processed_campaign, today, left):
    status = campaign_status(processed_campaign, today=today)
    chambers, minister = status.dates
    assert (chambers.day, minister.day) == (date(2025, 2, 28), date(2025, 6, 30))
    assert (chambers.days_left, minister.days_left) == left
    assert "R. 323-24" in chambers.source and "annexe I" in minister.source
    assert status.to_dict()["dates_legales"][0]["jours_restants"] == left[0]


def test_statut_says_the_dates_in_french(processed_campaign, capsys):
    from cmacop.cli.show_run import status_summary

    text = status_summary(campaign_status(processed_campaign, today=date(2025, 2, 16)))
    assert text.startswith(
        "Transmission des bilans de COM 2024 par les chambres : 28 février 2025, dans 12 jours "
        "(code de l'artisanat, art. R. 323-24 ; COP 2023-2027, objectif 10.2).\n"
        "Bilan 2024 consolidé au ministre (avant le 1er juillet 2025) : 30 juin 2025, dans "
        "134 jours (COP 2023-2027, objectif 10.2 et annexe I, note 4).\n"
    )


def test_statut_html_writes_the_dashboard(processed_campaign, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(processed_campaign.parent)
    page = processed_campaign / "tableau_de_bord.html"
    page.unlink()
    main(["statut", "--config", str(processed_campaign), "--format", "html"])
    assert capsys.readouterr().out == "Tableau de bord écrit : campagne/tableau_de_bord.html\n"
    assert "par cmacop statut" in page.read_text(encoding="utf-8")
    elsewhere = tmp_path / "ailleurs.html"
    main(["statut", "--config", str(processed_campaign), "-f", "html", "--sortie", str(elsewhere)])
    assert elsewhere.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
