"""The workbooks sent back to chambers (``--feedback``): marked cells, comments, links."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from typer.testing import CliRunner

from cmacop.cli import app
from cmacop.files.xlsxpatch import annotate
from cmacop.validate import feedback
from cmacop.validate.checks import FileCheck
from cmacop.validate.engine import validate_paths

RED, ORANGE = "FFC7CE", "F4B183"


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


# --------------------------------------------------------------------------- the patched copy
#
# The annotated copy is made by editing the chamber's package (cmacop.files.xlsxpatch);
# openpyxl is only the fallback. Inputs come as openpyxl, Excel and LibreOffice
# write them: « excel » adds what Excel writes and openpyxl does not (shared
# strings, mc:Ignorable extensions, row spans, a selected tab, a calculation chain,
# a print area local to a sheet); « prefixed » writes the sheet with an ``x:``
# prefix, as the Open XML SDK does.

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SOFFICE = shutil.which("soffice")
BAD = {"I1.4": "NC", "I1.5": 1000, "I2.1": None}  # an error, a warning, a blank (error)


def rewrite(data: bytes, edits: dict[str, Callable[[str], str]], add=None) -> bytes:
    """The package with some parts' text edited (a part missing from it is created)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            text = src.read(info)
            if info.filename in edits:
                text = edits[info.filename](text.decode()).encode()
            dst.writestr(info, text, zipfile.ZIP_DEFLATED)
        for name, text in (add or {}).items():
            dst.writestr(name, text.encode(), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def excel_flavour(data: bytes) -> bytes:
    """What Excel writes and openpyxl does not (see above); Indicateurs is sheet2.xml."""
    strings: list[str] = []

    def shared(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            strings.append(m.group(3))
            return f'<c {m.group(1)}t="s"{m.group(2)}><v>{len(strings) - 1}</v></c>'

        return re.sub(r'<c ([^>]*?)t="inlineStr"([^>]*)><is><t[^>]*>(.*?)</t></is></c>', one, text)

    def sheet(text: str) -> str:
        text = shared(text).replace(
            f'<worksheet xmlns="{MAIN}"',
            f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'mc:Ignorable="x14ac" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"',
        )
        return re.sub(r'<row r="(\d+)"', r'<row r="\1" spans="1:8" x14ac:dyDescent="0.25"', text)

    def indicators(text: str) -> str:
        text = sheet(text).replace(
            '<sheetView workbookViewId="0">', '<sheetView tabSelected="1" workbookViewId="0">'
        )
        ext = (
            '<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
            'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
            "<x14:sparklineGroups "
            'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/></ext></extLst>'
        )
        return text.replace("</worksheet>", ext + "</worksheet>")

    def workbook(text: str) -> str:
        return text.replace(
            "<definedNames />",
            '<definedNames><definedName name="_xlnm.Print_Area" localSheetId="1">'
            "Indicateurs!$A$1:$H$36</definedName></definedNames>",
        )

    def rels(text: str) -> str:
        return text.replace(
            "</Relationships>",
            f'<Relationship Id="rId90" Type="{REL}/calcChain" Target="calcChain.xml"/>'
            f'<Relationship Id="rId91" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )

    def types(text: str) -> str:
        return text.replace(
            "</Types>",
            f'<Override PartName="/xl/calcChain.xml" ContentType="{CT}.calcChain+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
            "</Types>",
        )

    data = rewrite(
        data,
        {
            "xl/worksheets/sheet1.xml": sheet,
            "xl/worksheets/sheet2.xml": indicators,
            "xl/worksheets/sheet3.xml": sheet,
            "xl/worksheets/sheet4.xml": sheet,
            "xl/workbook.xml": workbook,
            "xl/_rels/workbook.xml.rels": rels,
            "[Content_Types].xml": types,
        },
    )
    items = "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in strings)
    return rewrite(
        data,
        {},
        add={
            "xl/calcChain.xml": f'<calcChain xmlns="{MAIN}"><c r="G2" i="2"/></calcChain>',
            "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{items}</sst>',
        },
    )


def prefixed_flavour(data: bytes) -> bytes:
    """The Indicateurs sheet and the style sheet written with an ``x:`` prefix."""

    def prefix(text: str) -> str:
        text = re.sub(r"<(/?)([A-Za-z]+)([ />])", r"<\1x:\2\3", text)
        return text.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"')

    return rewrite(data, {"xl/worksheets/sheet2.xml": prefix, "xl/styles.xml": prefix})


FLAVOURS = {"openpyxl": lambda data: data, "excel": excel_flavour, "prefixed": prefixed_flavour}


@pytest.fixture
def no_fallback(monkeypatch):
    """Fail if the openpyxl fallback is used: the patcher must handle the workbook itself."""

    def refuse(data, marks):
        raise AssertionError("repli sur openpyxl inattendu")

    monkeypatch.setattr(feedback, "marked_by_openpyxl", refuse)


def _load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():  # openpyxl drops Excel's extensions (« excel » flavour)
        warnings.filterwarnings("ignore", "(.*) extension is not supported", UserWarning)
        return openpyxl.load_workbook(path)


def _look(path: Path) -> dict[tuple[str, str], tuple[object, ...]]:
    """Every cell of the chamber's sheets: value, number format, lock, fill, comment."""
    wb = _load(path)
    return {
        (ws.title, c.coordinate): (
            c.value,
            c.number_format,
            c.protection.locked,
            c.fill.fgColor.rgb if c.fill.fill_type else None,
            c.comment.text if c.comment else None,
        )
        for ws in wb.worksheets
        if ws.title != "Contrôles"
        for row in ws.iter_rows()
        for c in row
    }


def _check_annotated(source: Path, written: Path, findings) -> None:
    """Marked cells filled and commented, links to them, everything else as the chamber wrote it."""
    before, after = _look(source), _look(written)
    wb = _load(written)
    assert wb.sheetnames[0] == "Contrôles" and wb.active.title == "Contrôles"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["Contrôles"]
    marked = {(f.sheet, f.cell) for f in findings if f.sheet and f.cell}
    for key, (value, fmt, locked, fill, comment) in after.items():
        if key not in marked:
            assert (value, fmt, locked, fill, comment) == before[key], key
            continue
        assert (value, fmt, locked) == before[key][:3], key  # the chamber's value, format, lock
        found = [f for f in findings if (f.sheet, f.cell) == key]
        assert fill.endswith(RED if any(f.is_error for f in found) else ORANGE), key
        for f in found:  # the comment holds each message and its hint
            assert f"{f.code} : {f.message}" in comment and f"→ {f.hint}" in comment, key
    assert marked <= after.keys() and before.keys() <= after.keys()
    for ws in wb.worksheets[1:]:
        assert ws.protection.sheet == _load(source)[ws.title].protection.sheet
    controls = wb["Contrôles"]
    for row, f in enumerate(findings, start=5):
        link = controls.cell(row=row, column=3).hyperlink
        assert (link.location if link else None) == (
            f"'{f.sheet}'!{f.cell}" if f.sheet and f.cell else None
        )
    with zipfile.ZipFile(written) as z:  # every part well-formed, no stale calculation chain
        for name in z.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ET.fromstring(z.read(name))
        assert "xl/calcChain.xml" not in z.namelist()
        assert b"calcChain" not in z.read("[Content_Types].xml")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_patched_copy_of_each_kind_of_workbook(make_workbook, tmp_path, no_fallback, flavour):
    path = make_workbook(values=BAD)
    path.write_bytes(FLAVOURS[flavour](path.read_bytes()))
    original = path.read_bytes()
    report = validate_paths([path], feedback_dir=tmp_path / "retours")
    assert path.read_bytes() == original
    findings = report.files[0].findings
    assert {(f.code, f.cell) for f in findings} >= {("E-VAL-001", "G5"), ("W-PLAUS-001", "G6")}
    written = report.files[0].feedback
    _check_annotated(path, written, findings)
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(written) as after:
        changed = {
            name
            for name in before.namelist()
            if name not in after.namelist() or before.read(name) != after.read(name)
        }
        marked = after.read("xl/worksheets/sheet2.xml")
    # Every other part is the chamber's, byte for byte (shared strings, theme, properties…).
    assert changed <= {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet2.xml",  # Indicateurs: marked cells, its selected tab
        "xl/calcChain.xml",  # dropped: Excel rebuilds it
    }
    if flavour == "excel":
        assert b'mc:Ignorable="x14ac"' in marked and b"x14ac:dyDescent" in marked
        wb = _load(written)
        assert wb["Indicateurs"].print_area == "'Indicateurs'!$A$1:$H$36"  # still its own


def test_both_paths_give_the_same_workbook(make_workbook, tmp_path):
    path = make_workbook(values=BAD)
    report = validate_paths([path], feedback_dir=tmp_path / "retours")
    fc = FileCheck(0, path, path.name, sub=None, findings=list(report.files[0].findings))
    marks = feedback.cell_marks(fc.findings)
    sheet = feedback.controls_sheet(fc)
    fast, slow = tmp_path / "rapide.xlsx", tmp_path / "openpyxl.xlsx"
    fast.write_bytes(annotate(path.read_bytes(), marks, sheet))
    marked = feedback.marked_by_openpyxl(path.read_bytes(), marks)
    assert marked is not None
    slow.write_bytes(annotate(marked, (), sheet))
    assert _look(fast) == _look(slow)
    assert _controls(fast) == _controls(slow)
    _check_annotated(path, fast, fc.findings)


def _controls(path: Path) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(path)["Contrôles"]
    return [
        (c.coordinate, c.value, c.fill.fgColor.rgb, c.hyperlink.location if c.hyperlink else None)
        for row in ws.iter_rows()
        for c in row
    ]


def test_a_sheet_that_has_comments_falls_back_on_openpyxl(make_workbook, tmp_path, monkeypatch):
    """A feedback workbook sent back corrected already has comments: openpyxl merges them."""
    from openpyxl.comments import Comment

    def note(wb):
        wb["Indicateurs"]["H3"].comment = Comment("Chiffre provisoire", "CMA")

    path = make_workbook(values=BAD, edit=note)
    used = []
    real = feedback.marked_by_openpyxl
    monkeypatch.setattr(feedback, "marked_by_openpyxl", lambda *a: used.append(1) or real(*a))
    report = validate_paths([path], feedback_dir=tmp_path / "retours")
    assert used == [1]
    wb = openpyxl.load_workbook(report.files[0].feedback)
    assert wb.sheetnames[0] == "Contrôles"
    sheet = wb["Indicateurs"]
    assert sheet["H3"].comment.text == "Chiffre provisoire"
    assert sheet["G5"].comment.text.startswith("E-VAL-001 : texte « NC »")
    _check_annotated(path, report.files[0].feedback, report.files[0].findings)


def test_a_workbook_sent_back_gets_a_second_controls_sheet(make_workbook, tmp_path):
    """As openpyxl names a duplicate: the previous « Contrôles » is the chamber's now."""
    path = make_workbook(values=BAD)
    first = validate_paths([path], feedback_dir=tmp_path / "retours").files[0].feedback
    back = tmp_path / "depot" / "renvoi" / path.name
    back.parent.mkdir(parents=True)
    back.write_bytes(first.read_bytes())
    second = validate_paths([back], feedback_dir=tmp_path / "retours2").files[0].feedback
    assert openpyxl.load_workbook(second).sheetnames[:2] == ["Contrôles1", "Contrôles"]


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) absent")
def test_libreoffice_opens_the_feedback_and_annotates_its_own_files(
    make_workbook, tmp_path, no_fallback
):
    profile = f"-env:UserInstallation=file://{tmp_path}/lo"

    def soffice(fmt: str, out: Path, *paths: Path) -> None:
        subprocess.run(
            [SOFFICE, "--headless", profile, "--convert-to", fmt, "--outdir", str(out),
             *map(str, paths)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip

    # A template filled in LibreOffice (shared strings, its own styles) is annotated too.
    typed = make_workbook(values=BAD, folder=tmp_path / "saisie")
    soffice("xlsx", tmp_path / "depot" / "2024", typed)
    saved = tmp_path / "depot" / "2024" / typed.name
    assert saved.read_bytes() != typed.read_bytes()
    csv = make_workbook.csv(values={"I1.3": "n/a"})
    excel = make_workbook("CMAR-11", values=BAD, name="COM_2024_CMAR-11.xlsx")
    excel.write_bytes(excel_flavour(excel.read_bytes()))
    report = validate_paths([saved, csv, excel], feedback_dir=tmp_path / "retours")
    written = [f.feedback for f in report.files]
    _check_annotated(saved, written[0], report.files[0].findings)

    # Each feedback workbook opens in LibreOffice, and its comments are read from the package.
    soffice("pdf", tmp_path / "pdf", *written)
    for path in written:
        pdf = tmp_path / "pdf" / f"{path.stem}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF"), path.name
    soffice("xlsx", tmp_path / "relu", *written)
    for path, result in zip(written, report.files, strict=True):
        again = _look(tmp_path / "relu" / path.name)
        notes = {k for k, v in again.items() if v[4]}
        assert notes == {(f.sheet, f.cell) for f in result.findings if f.sheet and f.cell}


# --------------------------------------------------------------------------- issue 13


def _hue(rgb: str) -> float:
    import colorsys

    r, g, b = (int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return colorsys.rgb_to_hsv(r, g, b)[0] * 360


def test_the_warning_fill_is_orange_not_the_editable_yellow():
    from cmacop.template import EDITABLE_FILL

    warning = feedback.FILLS["avertissement"]
    assert 15 <= _hue(warning) <= 35  # orange
    assert _hue(EDITABLE_FILL) - _hue(warning) >= 15
    assert len(set(feedback.FILLS.values()) | {EDITABLE_FILL}) == 4


@pytest.mark.parametrize("fallback", [False, True])
def test_a_decimal_in_a_count_cell_is_shown_as_typed(
    make_workbook, tmp_path, monkeypatch, fallback
):
    """« 3,5 » in a whole-number cell: the copy shows 3,5 (a « # ##0 » format would show 4)."""
    from openpyxl import load_workbook

    def old_format(wb):  # a template of before issue 13, whose Réalisé hid decimals
        for row in range(2, 37):
            wb["Indicateurs"].cell(row=row, column=7).number_format = "#,##0"

    path = make_workbook(values={"I1.4": 3.5, "I1.5": 1000}, edit=old_format)
    if fallback:
        monkeypatch.setattr(feedback, "annotate", _refuse_marks(feedback.annotate))
    report = validate_paths([path], feedback_dir=tmp_path / "retours")
    sheet = load_workbook(report.files[0].feedback)["Indicateurs"]
    assert sheet["G5"].number_format == "General"
    assert sheet["G6"].number_format == "#,##0"  # a whole value keeps the chamber's format


def _refuse_marks(real):
    from cmacop.files.xlsxpatch import UnsupportedWorkbook

    def annotate_(data, marks, sheet):
        if marks:
            raise UnsupportedWorkbook("test : repli sur openpyxl")
        return real(data, marks, sheet)

    return annotate_


def test_the_template_shows_every_decimal_typed(make_workbook):
    from openpyxl import load_workbook

    wb = load_workbook(make_workbook())
    for name in ("Indicateurs", "Impact"):
        assert {c.number_format for c in wb[name]["G"][1:]} == {"General"}


def test_feedback_option_prints_where_each_copy_went(make_workbook, tmp_path):
    bad = make_workbook(values={"I1.4": "NC"})
    good = make_workbook("CMAR-11", targets=make_workbook.targets("CMAR-11"))
    out = tmp_path / "retours"
    result = CliRunner().invoke(app, ["validate", str(bad), str(good), "--feedback", str(out)])
    assert (
        f"{bad} : 1 erreur, 0 avertissement ; classeur annoté : {out / bad.stem}_controle.xlsx"
        in result.output
    )
    assert f"{good} : valide ; classeur annoté : {out / good.stem}_controle.xlsx" in result.output
