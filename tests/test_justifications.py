"""Warnings that can be justified (issue 13): ``referentiel/justifications.csv`` read and
checked, then applied in validate, the feedback workbook, the accusé, run and statut."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest
from typer.testing import CliRunner

from cmacop.cli import app, main
from cmacop.errors import DataFileError
from cmacop.validate.engine import validate_paths
from cmacop.validate.justifications import read_justifications

HEADER = "chambre,annee,indicateur,constat,justification\n"
TEXT = "Conseiller parti en mai, remplacé en septembre."
runner = CliRunner()


def _file(tmp_path, *lines: str, header: str = HEADER):
    path = tmp_path / "justifications.csv"
    path.write_text(header + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_a_file_read(tmp_path, catalogue, registry):
    path = _file(
        tmp_path,
        f"CMAR-84,2024,I1.4,W-PLAUS-005,{TEXT}",
        "CMAR-84,2024,,w-delai-001,Délai accordé par CMA France, par courriel du 2 mars.",
    )
    found = read_justifications(path, catalogue, registry)
    assert found.text_for("CMAR-84", 2024, "I1.4", "W-PLAUS-005") == TEXT
    # the whole file: no indicator; unquoted commas of the last column are kept
    assert found.text_for("CMAR-84", 2024, None, "W-DELAI-001") == (
        "Délai accordé par CMA France, par courriel du 2 mars."
    )
    assert found.text_for("CMAR-84", 2025, "I1.4", "W-PLAUS-005") is None
    assert found.text_for("CMAR-84", 2024, "I1.4", "E-VAL-001") is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("CMAR-84,2024,I1.4,E-VAL-001,Texte",
         "justifications.csv, ligne 2 : E-VAL-001 est une erreur ; une erreur ne se justifie pas, "
         "elle se corrige dans le fichier de la chambre"),
        ("CMAR-99,2024,I1.4,W-PLAUS-005,Texte",
         "justifications.csv, ligne 2 : chambre « CMAR-99 » inconnue ou non déclarante"),
        ("CMAR-84,24,I1.4,W-PLAUS-005,Texte",
         "justifications.csv, ligne 2 : année « 24 » illisible (attendu : 2024…)"),
        ("CMAR-84,2024,I99.9,W-PLAUS-005,Texte",
         "justifications.csv, ligne 2 : indicateur « I99.9 » absent du catalogue cop-2023-2027"),
        ("CMAR-84,2024,I1.4,W-PLAUS-999,Texte",
         "justifications.csv, ligne 2 : code de constat « W-PLAUS-999 » inconnu"),
        ("CMAR-84,2024,I1.4,W-PLAUS-005,  ",
         "justifications.csv, ligne 2 : justification vide"),
    ],
)  # fmt: skip
def test_a_wrong_line_is_a_french_error_naming_it(tmp_path, catalogue, registry, line, message):
    with pytest.raises(DataFileError) as info:
        read_justifications(_file(tmp_path, line), catalogue, registry)
    assert info.value.message == message


def test_a_duplicate_and_a_wrong_header_are_refused(tmp_path, catalogue, registry):
    line = f"CMAR-84,2024,I1.4,W-PLAUS-005,{TEXT}"
    with pytest.raises(DataFileError, match=r"ligne 3 : justification en double .*déjà ligne 2"):
        read_justifications(_file(tmp_path, line, line), catalogue, registry)
    with pytest.raises(DataFileError, match="en-tête « chambre,code,texte » au lieu de"):
        read_justifications(_file(tmp_path, header="chambre,code,texte\n"), catalogue, registry)


def test_an_error_line_stops_the_command_with_exit_4(tmp_path, make_workbook, capsys):
    path = _file(tmp_path, "CMAR-84,2024,I1.4,E-VAL-001,Texte")
    with pytest.raises(SystemExit) as info:
        main(["validate", str(make_workbook()), "--justifications", str(path)])
    assert info.value.code == 4
    assert capsys.readouterr().err.startswith(
        "Erreur : justifications.csv, ligne 2 : E-VAL-001 est une erreur"
    )


def test_validate_shows_it_justified_and_no_longer_counts_it(make_workbook, tmp_path):
    workbook = make_workbook(values={"I1.4": 40})
    path = _file(tmp_path, f"CMAR-84,2024,I1.4,W-PLAUS-005,{TEXT}")
    report = validate_paths([workbook], justifications=path, strict=True)
    (finding,) = report.findings
    assert (finding.code, finding.justification) == ("W-PLAUS-005", TEXT)
    assert (report.warnings, report.justified, report.exit_code) == (0, 1, 0)
    result = runner.invoke(
        app, ["validate", str(workbook), "--justifications", str(path), "--format", "json"]
    )
    data = json.loads(result.output)
    (entry,) = data["fichiers"][0]["constats"]
    assert (entry["justifie"], entry["justification"]) == (True, TEXT)
    assert (data["fichiers"][0]["avertissements"], data["fichiers"][0]["justifies"]) == (0, 1)
    assert data["totaux"]["justifies"] == 1
    text = runner.invoke(app, ["validate", str(workbook), "--justifications", str(path)]).output
    assert "avertissement justifié W-PLAUS-005 Indicateurs!H5 (I1.4)\n" in text
    assert f"  justification : {TEXT}\n" in text
    assert f"{workbook} : 0 erreur, 0 avertissement (+ 1 justifié)" in text


def test_a_warning_not_matching_stays_open(make_workbook, tmp_path):
    workbook = make_workbook(values={"I1.4": 40})
    path = _file(tmp_path, f"CMAR-84,2024,I1.5,W-PLAUS-005,{TEXT}")
    (finding,) = validate_paths([workbook], justifications=path).findings
    assert finding.justification is None and finding.to_dict()["justifie"] is False


def test_the_campaign_file_is_read_by_default(make_workbook, tmp_path, monkeypatch):
    workbook = make_workbook(values={"I1.4": 40})
    (tmp_path / "referentiel").mkdir()
    _file(tmp_path / "referentiel", f"CMAR-84,2024,I1.4,W-PLAUS-005,{TEXT}")
    (tmp_path / "cmacop.toml").write_text("[controles]\ndelai_stabilite = 0\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    data = json.loads(runner.invoke(app, ["validate", str(workbook), "--format", "json"]).output)
    assert data["totaux"]["justifies"] == 1


def test_the_feedback_workbook_shows_it_justified(make_workbook, tmp_path):
    from cmacop.validate.feedback import FILLS

    workbook = make_workbook(values={"I1.4": 40})
    path = _file(tmp_path, f"CMAR-84,2024,I1.4,W-PLAUS-005,{TEXT}")
    report = validate_paths([workbook], justifications=path, feedback_dir=tmp_path / "retours")
    wb = openpyxl.load_workbook(report.files[0].feedback)
    cell = wb["Indicateurs"]["H5"]
    assert cell.fill.fgColor.rgb.endswith(FILLS["justifié"])
    assert cell.comment.text.startswith("W-PLAUS-005 (justifié) : ")
    assert cell.comment.text.endswith(f"\n→ {TEXT}")
    controls = wb["Contrôles"]
    assert controls["A2"].value.startswith("Aucun problème détecté : le fichier est valide.")
    assert [c.value for c in controls[5]][:2] == ["justifié", "W-PLAUS-005"]
    assert controls["G5"].value == f"Justification : {TEXT}"


def test_run_receipt_and_statut_count_it_justified(processed_campaign, revise):
    """A warning of the campaign, justified after the run: statut and the next bilans know."""
    from cmacop.run.nightly import run_campaign
    from cmacop.run.status import campaign_status

    root = processed_campaign
    status = {c.chamber: c for c in campaign_status(root).chambers}
    depot = root / "depot" / "2024"
    # A chamber with warnings that sends a workbook (the CSV chamber has no cell comments).
    warned = next(
        c for c in status.values() if c.warnings and (depot / f"COM_2024_{c.chamber}.xlsx").exists()
    )
    store = root / "consolidation"
    import polars as pl

    row = (
        pl.read_parquet(store / "constats" / "annee=2024" / "data.parquet")
        .filter((pl.col("chambre") == warned.chamber) & (pl.col("gravite") != "erreur"))
        .row(0, named=True)
    )
    line = f"{row['chambre']},2024,{row['indicateur'] or ''},{row['code']},{TEXT}"
    reference = root / "referentiel" / "justifications.csv"
    reference.write_text(HEADER + line + "\n", encoding="utf-8")
    after = {c.chamber: c for c in campaign_status(root).chambers}[warned.chamber]
    assert (after.warnings, after.justified) == (warned.warnings - 1, warned.justified + 1)

    # A new version of that chamber's file: its accusé counts the warning as justified.
    source = depot / f"COM_2024_{warned.chamber}.xlsx"
    revise(source, depot / f"COM_2024_{warned.chamber}_v2.xlsx", impact=33)
    result = run_campaign(root, year=2022)
    (report,) = result.files
    assert report.justified == 1
    accuse = (root / report.receipt).read_text(encoding="utf-8-sig")
    assert "avertissement justifié)" in accuse or "avertissements justifiés)" in accuse


def test_an_error_cannot_be_justified_even_as_data(make_workbook):
    workbook = make_workbook(values={"I1.4": "NC"})
    report = validate_paths(
        [workbook], justifications={("CMAR-84", 2024, "I1.4", "E-VAL-001"): "NC voulu"}
    )
    (finding,) = report.findings
    assert finding.justification is None and report.exit_code == 1


def test_the_example_campaign_ships_one(tmp_path):
    """The README's demo shows CMAR-53's gap justified by the example's justifications.csv."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    copy = shutil.copytree(root / "examples" / "broken", tmp_path / "broken")
    report = validate_paths([copy], year=2024, config=root / "examples" / "campagne")
    justified = [(f.code, f.indicator) for f in report.findings if f.justification]
    assert justified == [("W-PLAUS-005", "I6.4")]
