"""``cmacop run`` and ``cmacop statut`` on the command line: output, quiet mode, JSON twin."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import cmacop.run.nightly
import cmacop.run.status
from cmacop.cli import main
from cmacop.french import to_json
from cmacop.run.journal import Journal

# The example campaign decides the 2025 share only: « cmacop run » warns of the rest.
RULES_2024 = (
    "Attention : modulation de la TFCMA 2025 présentée comme une proposition : règles non "
    "décidées par CMA France, appliquées avec le défaut de cmacop (clés de regles.toml) : "
    "taux_axe, plafond_taux, poids_indicateurs.\n"
)
NOTHING_NEW = (
    "Rien de nouveau : 40 fichiers déjà traités.\n"
    "Bilans 2024 à jour, établis le 15 juin 2025 : 62 fichiers dans campagne/bilans/2024/.\n"
    + RULES_2024
    + "Tableau de bord : campagne/tableau_de_bord.html\n"  # issue 14: where to look, each run
)


@pytest.fixture(autouse=True)
def beside_the_campaign(tmp_path, monkeypatch):
    """Commands run from the folder that holds ``campagne/``: paths are printed from there."""
    monkeypatch.chdir(tmp_path)


def capture(monkeypatch, module, name):
    """Wrap a library function so that a test sees the object the CLI rendered."""
    seen = []
    real = getattr(module, name)

    def spy(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(module, name, spy)
    return seen


def test_json_output_is_the_twins_to_dict(processed_campaign, revise, monkeypatch, capsys):
    depot = processed_campaign / "depot" / "2024"
    revise(depot / "COM_2024_CMAR-84.xlsx", depot / "COM_2024_CMAR-84_v2.xlsx", impact=58)
    seen = capture(monkeypatch, cmacop.run.nightly, "run_campaign")
    main(["run", "--config", str(processed_campaign), "--format", "json", "--date", "2025-06-16"])
    out = capsys.readouterr().out
    assert out == to_json(seen[0].to_dict())
    data = json.loads(out)
    assert data["totaux"]["traites"] == 1 and data["bilans"]["etablis_le"] == "2025-06-16"
    assert data["fichiers"][0]["resultat"] == "remplaçant" and data["code_sortie"] == 0


def test_statut_json_output_is_the_twins_to_dict(processed_campaign, monkeypatch, capsys):
    seen = capture(monkeypatch, cmacop.run.status, "campaign_status")
    main(["statut", "--config", str(processed_campaign), "--format", "json"])
    assert capsys.readouterr().out == to_json(seen[0].to_dict())


def test_nothing_new_says_so_in_three_lines(processed_campaign, capsys):
    main(["run", "--config", str(processed_campaign)])
    assert capsys.readouterr() == (NOTHING_NEW, "")


def test_inside_the_campaign_folder_no_option_is_needed(processed_campaign, monkeypatch, capsys):
    monkeypatch.chdir(processed_campaign)
    main(["run"])
    assert capsys.readouterr().out == NOTHING_NEW.replace("campagne/", "")


def test_paths_outside_the_current_folder_are_absolute(processed_campaign, monkeypatch, capsys):
    elsewhere = processed_campaign.parent / "ailleurs"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    main(["run", "--config", str(processed_campaign)])
    assert capsys.readouterr().out == NOTHING_NEW.replace(
        "campagne/", f"{processed_campaign.resolve()}/"
    )


def test_files_still_being_copied_are_summarised_with_the_delay(processed_campaign, capsys):
    depot = processed_campaign / "depot" / "2024"
    config = processed_campaign / "cmacop.toml"
    config.write_text(
        config.read_text("utf-8").replace("delai_stabilite = 0", "delai_stabilite = 60"), "utf-8"
    )
    for n in (2, 3):
        (depot / f"COM_2024_CMAR-84_v{n}.xlsx").write_bytes(b"copie en cours")
    main(["run", "--config", str(processed_campaign)])
    out = capsys.readouterr().out
    assert "2 fichiers en cours de copie, repris au prochain passage (délai : 60 s) :\n" in out
    assert "  campagne/depot/2024/COM_2024_CMAR-84_v2.xlsx — modifié il y a " in out


def test_quiet_prints_nothing_but_problems(processed_campaign, revise, capsys):
    depot = processed_campaign / "depot" / "2024"
    revise(depot / "COM_2024_CMAR-53.xlsx", depot / "COM_2024_CMAR-53_v2.xlsx", realised="NC")
    with pytest.raises(SystemExit) as exc:  # (2022: no bilan to build, a faster run)
        main(["run", "--config", str(processed_campaign), "--quiet", "--year", "2022"])
    assert exc.value.code == 1
    assert capsys.readouterr() == (
        "",
        "Attention : 1 dépôt rejeté (accusés de réception dans campagne/retours/2024/, détail "
        "dans le journal campagne/journal/cmacop.log).\n",
    )
    main(["run", "--config", str(processed_campaign), "-q", "-a", "2022"])  # nothing new: 0
    assert capsys.readouterr() == ("", "")


def test_the_table_lists_the_files_processed(processed_campaign, revise, capsys):
    depot = processed_campaign / "depot" / "2024"
    revise(depot / "COM_2024_CMAR-84.xlsx", depot / "COM_2024_CMAR-84_v2.xlsx", impact=58)
    main(["run", "--config", str(processed_campaign), "--date", "2025-06-16"])
    out = capsys.readouterr().out
    # The folders once in the title (as they open from here), each file by its name.
    assert (
        "Dépôts traités — campagne 2024 — fichiers de campagne/depot/2024/, accusés dans "
        "campagne/retours/2024/"
    ) in out
    assert re.search(r"│ COM_2024_CMAR-84_v2\.xlsx +│ CMAR-84 +│ remplaçant", out)
    assert "│ COM_2024_CMAR-84_v2_accuse.txt" in out
    assert out.endswith(
        "1 dépôt traité : 1 accepté, 0 rejeté ; 40 déjà traités auparavant.\n"
        "Bilans 2024 établis le 16 juin 2025 : 62 fichiers dans campagne/bilans/2024/.\n"
        + RULES_2024
        + "Tableau de bord : campagne/tableau_de_bord.html\n"
    )


def test_progress_is_reported_to_the_caller(processed_campaign, revise):
    depot = processed_campaign / "depot" / "2024"
    revise(depot / "COM_2024_CMAR-84.xlsx", depot / "COM_2024_CMAR-84_v2.xlsx", impact=58)
    events = []
    cmacop.run.nightly.run_campaign(
        processed_campaign, year=2022, progress=lambda *e: events.append(e)
    )
    assert events == [("contrôle 2024, lot 1/1", 0, 1), ("bilans 2022", 1, 1)]


def test_another_year_gets_its_own_bilans(processed_campaign, capsys):
    main(["run", "--config", str(processed_campaign), "--year", "2023", "--date", "2025-06-16"])
    assert capsys.readouterr().out.endswith(
        "Bilans 2023 établis le 16 juin 2025 : 62 fichiers dans campagne/bilans/2023/.\n"
        # No share decided for the tax year 2024: provisional, and a proposition.
        "Attention : part performance de la taxe 2024 non décidée par CMA France : 38,75\u202f%, "
        "trajectoire indicative de cmacop — provisoire : part performance non arrêtée (décision "
        "à inscrire dans regles.toml, [part_performance.2024]).\n"
        "Attention : modulation de la TFCMA 2024 présentée comme une proposition : règles non "
        "décidées par CMA France, appliquées avec le défaut de cmacop (clés de regles.toml) : "
        "part_performance, taux_axe, plafond_taux, poids_indicateurs.\n"
        "Tableau de bord : campagne/tableau_de_bord.html\n"
    )
    assert (processed_campaign / "bilans" / "2023" / "bilan_cop_2023.md").is_file()


def test_a_bad_date_is_a_usage_error(processed_campaign, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--config", str(processed_campaign), "--date", "15/06/2025"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.startswith("Erreur : date invalide : « 15/06/2025 »")


def test_without_a_campaign_folder_both_commands_say_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for command in ("run", "statut"):
        with pytest.raises(SystemExit) as exc:
            main([command])
        assert exc.value.code == 4
        assert capsys.readouterr().err == (
            f"Erreur : aucun fichier cmacop.toml dans {tmp_path}\n"
            "  → Lancez la commande dans un dossier de campagne, indiquez-le avec --config "
            "DOSSIER, ou créez-en un avec « cmacop init DOSSIER ».\n"
        )


def test_the_module_runs_quietly_under_cron(processed_campaign):
    proc = subprocess.run(
        [sys.executable, "-m", "cmacop", "run", "--config", str(processed_campaign), "-q"],
        capture_output=True,
        text=True,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_the_log_rotates_at_the_configured_size(tmp_path):
    with Journal(tmp_path, max_bytes=300, backups=2) as log:
        for n in range(40):
            log.info(f"ligne {n} : un événement de la campagne")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["cmacop.log", "cmacop.log.1", "cmacop.log.2"]
    assert (tmp_path / "cmacop.log").stat().st_size <= 300


def test_tables_name_files_from_their_common_folder():
    from cmacop.cli.show_run import _common

    folder, name = _common(["depot/2024/COM_2024_CMAR-84.xlsx", "depot/2024/CMAR-11/b.xlsx", None])
    assert folder == "depot/2024"
    assert (name("depot/2024/CMAR-11/b.xlsx"), name(None)) == ("CMAR-11/b.xlsx", None)
    # A deposit folder moved out of the campaign (absolute) beside relative paths: in full.
    folder, name = _common(["/partage/depot/2024/a.xlsx", "retours/2024/a_accuse.txt"])
    assert folder == "" and name("retours/2024/a_accuse.txt") == "retours/2024/a_accuse.txt"
