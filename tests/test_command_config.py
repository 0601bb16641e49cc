"""Every command reads ``cmacop.toml`` inside a campaign folder (or with ``--config``).

The campaign used here moves every folder and reference file away from the
built-in defaults, so that an output landing in the right place can only come
from the file. Options given on the command line always win.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from cmacop.campaign.config import ConfigError
from cmacop.campaign.settings import Settings, command_settings
from cmacop.cli import main
from cmacop.cop.catalogue import load_catalogue
from cmacop.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "campagne"
SETTINGS = {
    'consolidation = "consolidation"': 'consolidation = "historique"',
    'bilans = "bilans"': 'bilans = "publies"',
    'cibles = "referentiel/cibles_com.csv"': 'cibles = "refs/cibles.csv"',
    'cle = "referentiel/cle_repartition.csv"': 'cle = "refs/cle.csv"',
    'base_tfcma = "referentiel/tfcma_{annee_taxe}.csv"': 'base_tfcma = "refs/base_{annee_taxe}.csv"',
    "plausibilite_min = 0.10": "plausibilite_min = 0.95",
    'regles = "referentiel/regles.toml"': 'regles = "refs/decisions.toml"',
}
# CMA France's decisions of that campaign (regles.toml, moved to refs/): the cap off its default.
DECISIONS = '[modulation]\nplafond_taux = "1.2"\ndecision = "Bureau de CMA France du 3 mars 2025"\n'
# CMAR-84's 2024 workbook carries 879 for I1.3: the campaign's targets file says 880.
CHANGED_TARGET = ("CMAR-84,2024,I1.3,879", "CMAR-84,2024,I1.3,880")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``cmacop ARGV`` as the entry point runs it: exit code, stdout, stderr."""
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A campaign (depot/ and cmacop.toml) whose every setting is off the defaults."""
    root = tmp_path_factory.mktemp("reglee") / "campagne"
    shutil.copytree(EXAMPLE / "depot", root / "depot")
    text = (EXAMPLE / "cmacop.toml").read_text(encoding="utf-8")
    for default, setting in SETTINGS.items():
        assert default in text
        text = text.replace(default, setting)
    (root / "cmacop.toml").write_text(text, encoding="utf-8")
    refs, source = root / "refs", EXAMPLE / "referentiel"
    refs.mkdir()
    targets = (source / "cibles_com.csv").read_text(encoding="utf-8")
    assert CHANGED_TARGET[0] in targets
    (refs / "cibles.csv").write_text(targets.replace(*CHANGED_TARGET), encoding="utf-8")
    shutil.copy(source / "cle_repartition.csv", refs / "cle.csv")
    for tax_year in (2024, 2025):
        shutil.copy(source / f"tfcma_{tax_year}.csv", refs / f"base_{tax_year}.csv")
    (refs / "decisions.toml").write_text(DECISIONS, encoding="utf-8")
    return root


@pytest.fixture
def campaign_dir(fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the campaign, as the current folder."""
    root = Path(shutil.copytree(fresh, tmp_path / "campagne"))
    monkeypatch.chdir(root)
    return root


@pytest.fixture(scope="module")
def consolidated(fresh: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The campaign after « cmacop consolidate -f json » run inside it with no other option."""
    root = Path(shutil.copytree(fresh, tmp_path_factory.mktemp("consolidee") / "campagne"))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        try:
            main(["consolidate", "--format", "json"])
        except SystemExit as exc:
            assert exc.code == 1  # CMAR-84 2024 is rejected: its target differs from the file's
    return root


@pytest.fixture
def consolidated_dir(consolidated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the consolidated campaign, as the current folder."""
    root = Path(shutil.copytree(consolidated, tmp_path / "campagne"))
    monkeypatch.chdir(root)
    return root


def original(name: str) -> str:
    return str(EXAMPLE / "referentiel" / name)


# --------------------------------------------------------------------------- consolidate


def test_consolidate_without_argument_takes_every_year_of_the_campaign(campaign_dir, capsys):
    code, out, err = run(["consolidate", "--format", "json"], capsys)
    assert code == 1, err
    shown = json.loads(out)
    assert [y["annee"] for y in shown["annees"]] == [2023, 2024]
    store = campaign_dir / "historique"
    assert [y["depot"] for y in shown["annees"]] == [str(store), str(store)]
    for year in (2023, 2024):
        assert (store / "donnees" / f"annee={year}" / "data.parquet").is_file()
    assert not (campaign_dir / "consolidation").exists()
    files = {f["fichier"]: f for y in shown["annees"] for f in y["fichiers"]}
    # referentiel.cibles: the campaign's target of CMAR-84 differs from its workbook's
    rejected = files["depot/2024/COM_2024_CMAR-84.xlsx"]
    assert rejected["resultat"] == "rejeté"
    assert [c["code"] for c in rejected["constats"] if c["gravite"] == "erreur"] == ["E-STRUCT-012"]
    # controles.plausibilite_min = 0.95
    messages = [c["message"] for f in files.values() for c in f["constats"]]
    assert any("inférieur à 95" in m for m in messages)
    assert err.splitlines() == [
        f"20 fichier(s) : 20 ajouté, 0 remplaçant, 0 inchangé, 0 rejeté — dépôt mis à jour : {store}",
        f"20 fichier(s) : 19 ajouté, 0 remplaçant, 0 inchangé, 1 rejeté — dépôt mis à jour : {store}",
    ]


def test_consolidate_options_win_over_the_campaign(campaign_dir, capsys):
    path = "depot/2024/COM_2024_CMAR-84.xlsx"
    code, out, _ = run(["consolidate", path, "--format", "json"], capsys)
    assert code == 1  # the year and the targets of cmacop.toml
    assert json.loads(out)["annee"] == 2024
    argv = ["consolidate", path, "--targets", original("cibles_com.csv")]
    argv += ["--store", "ailleurs", "--format", "json"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    shown = json.loads(out)
    assert shown["depot"] == "ailleurs"
    assert shown["fichiers"][0]["resultat"] == "ajouté"
    code, out, _ = run(["consolidate", "--year", "2023", "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["annee"] == 2023  # one --year: that year's object, depot/2023 only


def test_consolidate_needs_files_or_a_campaign(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run(["consolidate"], capsys)[::2] == (
        2,
        "Erreur : aucun fichier ni dossier à consolider\n"
        "  → Indiquez les bilans ou leurs dossiers, ou lancez la commande dans un dossier de "
        "campagne (cmacop.toml) pour consolider son dossier de dépôt.\n",
    )
    code, _, err = run(["consolidate", str(EXAMPLE / "depot" / "2024")], capsys)
    assert code == 2
    assert err.startswith(
        "Erreur : année non indiquée : ajoutez --year (par exemple --year 2024)\n"
    )


# --------------------------------------------------------------------------- compute


def test_compute_without_option_uses_the_campaign(consolidated_dir, capsys):
    code, _, err = run(["compute"], capsys)
    assert code == 0, err
    out = consolidated_dir / "resultats" / "2024"  # beside the configured store
    assert err.splitlines()[-1] == f"écrit : {out / 'manifeste_2024.json'}"
    manifest = json.loads((out / "manifeste_2024.json").read_text(encoding="utf-8"))
    inputs = {i["role"]: i["chemin"] for i in manifest["fichiers_entree"]}
    refs = consolidated_dir.resolve() / "refs"
    assert inputs["cibles de COM"] == str(refs / "cibles.csv")
    assert inputs["clé de répartition"] == str(refs / "cle.csv")
    assert inputs["base TFCMA 2025"] == str(refs / "base_2025.csv")
    assert inputs["données consolidées 2024"].startswith(
        str(consolidated_dir.resolve() / "historique")
    )
    assert manifest["parametres"]["plafond_taux"] == "1.200000"
    assert (out / "modulation_2024.csv").is_file()


def test_compute_options_win_over_the_campaign(consolidated_dir, tmp_path, capsys):
    argv = ["compute", "--year", "2023", "--targets", original("cibles_com.csv")]
    argv += ["--out", str(tmp_path / "sortie")]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    manifest = json.loads((tmp_path / "sortie" / "manifeste_2023.json").read_text("utf-8"))
    inputs = {i["role"]: i["chemin"] for i in manifest["fichiers_entree"]}
    assert inputs["cibles de COM"] == original("cibles_com.csv")
    assert inputs["base TFCMA 2024"] == str(consolidated_dir.resolve() / "refs" / "base_2024.csv")
    assert not (consolidated_dir / "resultats").exists()


# --------------------------------------------------------------------------- report


def test_report_without_option_writes_to_the_campaign_bilans(consolidated_dir, capsys):
    argv = ["report", "--format", "md", "--chamber", "CMAR-53", "--date", "2025-06-15"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    folder = consolidated_dir.resolve() / "publies" / "2024"
    assert out.splitlines()[0] == str(folder / "bilan_cop_2024.md")
    assert (folder / "com" / "bilan_com_2024_CMAR-53.md").is_file()
    manifest = json.loads((folder / "manifeste_2024.json").read_text(encoding="utf-8"))
    assert manifest["parametres"]["plafond_taux"] == "1.200000"


def test_report_options_win_over_the_campaign(consolidated_dir, tmp_path, capsys):
    argv = ["report", "--format", "md", "--chamber", "CMAR-53", "--date", "2025-06-15"]
    argv += ["--out", str(tmp_path / "ici"), "--year", "2023"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert out.splitlines()[0] == str(tmp_path / "ici" / "bilan_cop_2023.md")
    assert not (consolidated_dir / "publies").exists()


# --------------------------------------------------------------------------- template


def test_template_takes_the_year_and_targets_of_the_campaign(campaign_dir, capsys):
    from openpyxl import load_workbook

    code, out, err = run(["template", "-c", "CMAR-84"], capsys)
    assert code == 0, err
    assert out == "COM_2024_CMAR-84.xlsx\n"
    sheet = load_workbook(campaign_dir / "COM_2024_CMAR-84.xlsx")["Indicateurs"]
    cible = {row[0].value: row[5].value for row in sheet.iter_rows(min_row=2)}
    assert cible["I1.3"] == 880  # refs/cibles.csv


def test_template_options_win_over_the_campaign(campaign_dir, capsys):
    from openpyxl import load_workbook

    argv = ["template", "-c", "CMAR-84", "--targets", original("cibles_com.csv")]
    assert run(argv, capsys)[0] == 0
    sheet = load_workbook(campaign_dir / "COM_2024_CMAR-84.xlsx")["Indicateurs"]
    assert {row[0].value: row[5].value for row in sheet.iter_rows(min_row=2)}["I1.3"] == 879
    assert run(["template", "-c", "CMAR-84", "--year", "2023"], capsys)[1] == (
        "COM_2023_CMAR-84.xlsx\n"
    )


# --------------------------------------------------------------------------- a wrong file


@pytest.mark.parametrize(
    "argv",
    [["consolidate"], ["compute"], ["report"], ["template"], ["validate", "depot"]],
    ids=lambda argv: argv[0],
)
def test_a_wrong_setting_is_exit_4_naming_the_key(campaign_dir, capsys, argv):
    (campaign_dir / "cmacop.toml").write_text("[campagne]\nanne = 2024\n", encoding="utf-8")
    code, _, err = run(argv, capsys)
    assert code == 4
    assert err.splitlines()[0] == "Erreur : cmacop.toml : réglage inconnu « campagne.anne »"


@pytest.mark.parametrize("command", ["compute", "report", "template"])
def test_a_campaign_without_year_asks_for_one(campaign_dir, capsys, command):
    (campaign_dir / "cmacop.toml").write_text("[campagne]\n", encoding="utf-8")
    code, _, err = run([command], capsys)
    assert code == 2
    assert err == (
        "Erreur : année non indiquée : ajoutez --year (par exemple --year 2024) ou renseignez "
        f"« campagne.annee » dans {campaign_dir / 'cmacop.toml'}\n"
    )


def test_config_option_points_at_another_folder(fresh, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["template", "-c", "CM-MOSELLE", "--config", str(fresh)], capsys)
    assert code == 0, err
    assert out == "COM_2024_CM-MOSELLE.xlsx\n"


# --------------------------------------------------------------------------- the library function


def test_settings_outside_a_campaign_are_the_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert command_settings(year=2024, store="s", targets="t.csv") == Settings(
        year=2024, store=Path("s"), targets=Path("t.csv")
    )
    with pytest.raises(UsageError):
        command_settings(need_year=True)
    with pytest.raises(ConfigError, match="introuvable"):
        command_settings(tmp_path / "absent")


def test_settings_complete_the_options_from_the_file(fresh):
    root = fresh.resolve()
    s = command_settings(fresh, key="ma_cle.csv")
    assert (s.year, s.store, s.targets, s.key, s.base, s.reports) == (
        2024,
        root / "historique",
        root / "refs" / "cibles.csv",
        Path("ma_cle.csv"),
        root / "refs" / "base_2025.csv",
        root / "publies" / "2024",
    )
    assert s.rules == root / "refs" / "decisions.toml" and s.settle_seconds == 0  # example: 0
    assert s.decisions(load_catalogue()).modulation["plafond_taux"].value == Decimal("1.2")
    assert s.thresholds is not None and s.thresholds.low == 0.95
    assert command_settings(fresh, year=2028).base is None  # no base_2029.csv: optional
