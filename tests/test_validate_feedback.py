"""The workbooks sent back to chambers (``--feedback``): marked cells, comments, links."""

from __future__ import annotations

import hashlib

import openpyxl
from typer.testing import CliRunner

from cmacop.cli import app
from cmacop.validate import validate_paths

RED, ORANGE = "FFC7CE", "FFEB9C"


def test_annotated_copy_of_the_chambers_workbook(make_workbook, tmp_path):
    path = make_workbook(values={"I1.4": "NC", "I1.5": 1000})
    original = hashlib.sha256(path.read_bytes()).hexdigest()
    report = validate_paths([path], feedback_dir=tmp_path / "retours")
    written = tmp_path / "retours" / "COM_2024_CMAR-84_controle.xlsx"
    assert report.files[0].feedback == written
    assert hashlib.sha256(path.read_bytes()).hexdigest() == original

    wb = openpyxl.load_workbook(written)
    assert wb.sheetnames == ["Contrôles", "Identification", "Indicateurs", "Impact", "_cmacop"]
    controls = wb["Contrôles"]
    assert controls["A1"].value == "Contrôle de COM_2024_CMAR-84.xlsx"
    assert controls["A2"].value == (
        "1 erreur, 1 avertissement (détail ci-dessous ; cliquez sur un emplacement)"
    )
    header = [c.value for c in controls[4]]
    assert header == [
        "Gravité",
        "Code",
        "Emplacement",
        "Indicateur",
        "Valeur",
        "Message",
        "Conseil",
    ]
    rows = [[c.value for c in row] for row in controls.iter_rows(min_row=5)]
    assert [r[:5] for r in rows] == [
        ["erreur", "E-VAL-001", "Indicateurs!G5", "I1.4", "NC"],
        ["avertissement", "W-PLAUS-001", "Indicateurs!G6", "I1.5", "1000"],
    ]
    assert controls["C5"].hyperlink.location == "'Indicateurs'!G5"

    sheet = wb["Indicateurs"]
    assert sheet["G5"].fill.fgColor.rgb.endswith(RED)
    assert sheet["G6"].fill.fgColor.rgb.endswith(ORANGE)
    assert sheet["G5"].comment.text == (
        "E-VAL-001 : texte « NC » au lieu d'un nombre\n→ Saisissez un nombre (0 si aucune "
        "réalisation), sans texte ni unité. Une explication va dans la colonne Commentaire."
    )
    assert sheet["G7"].comment is None
    assert sheet["G5"].value == "NC"  # the chamber's own values are kept
    assert sheet.protection.sheet is True


def test_feedback_for_a_csv_lists_lines(make_workbook, tmp_path):
    path = make_workbook.csv(values={"I1.3": "n/a"})
    validate_paths([path], feedback_dir=tmp_path / "retours")
    wb = openpyxl.load_workbook(tmp_path / "retours" / "COM_2024_CM-MOSELLE_controle.xlsx")
    assert wb.sheetnames == ["Contrôles"]
    assert [c.value for c in wb["Contrôles"][5]][:3] == [
        "erreur",
        "E-VAL-001",
        "ligne 4, colonne realise",
    ]


def test_feedback_for_an_unreadable_file_and_a_valid_one(make_workbook, tmp_path):
    broken = tmp_path / "depot" / "COM_2024_CMAR-11.xlsx"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"pas un classeur")
    good = make_workbook()
    validate_paths([broken, good], feedback_dir=tmp_path / "retours")
    listing = openpyxl.load_workbook(tmp_path / "retours" / "COM_2024_CMAR-11_controle.xlsx")
    assert [c.value for c in listing["Contrôles"][5]][:2] == ["erreur", "E-STRUCT-002"]
    valid = openpyxl.load_workbook(tmp_path / "retours" / "COM_2024_CMAR-84_controle.xlsx")
    assert valid["Contrôles"]["A2"].value == "Aucun problème détecté : le fichier est valide."


def test_values_that_look_like_formulas_stay_text(make_workbook, tmp_path):
    path = make_workbook(values={"I1.4": '=HYPERLINK("http://example.org")'})
    validate_paths([path], feedback_dir=tmp_path / "retours")
    wb = openpyxl.load_workbook(tmp_path / "retours" / "COM_2024_CMAR-84_controle.xlsx")
    cell = wb["Contrôles"]["E5"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.org")', "s")


def test_same_names_do_not_overwrite_each_other(make_workbook, tmp_path):
    first = make_workbook(folder=tmp_path / "a")
    second = make_workbook("CMAR-11", folder=tmp_path / "b", name=first.name)
    report = validate_paths([first, second], feedback_dir=tmp_path / "retours")
    assert [f.feedback.name for f in report.files if f.feedback] == [
        "COM_2024_CMAR-84_controle.xlsx",
        "COM_2024_CMAR-84_2_controle.xlsx",
    ]


def test_feedback_folder_inside_the_deposit_is_not_checked(make_workbook, tmp_path):
    make_workbook()
    deposit = tmp_path / "depot"
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(
            app, ["validate", str(deposit), "--feedback", str(deposit / "retours")]
        )
        assert result.exit_code == 0
        assert "1 fichier contrôlé" in result.output
    assert "(dossier des retours de contrôle)" in result.output
