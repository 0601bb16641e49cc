"""Annotating a workbook by editing its package (``cmacop.files.xlsxpatch``), case by case.

The feedback tests cover the chamber's template as openpyxl, Excel and
LibreOffice write it; these cover what a template never has: missing cells and
rows, merged ranges, column styles, names with quotes, other drawings.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from openpyxl.comments import Comment
from test_validate_feedback import CT, rewrite

from cmacop.files.xlsxpatch import (
    Mark,
    NewCell,
    NewSheet,
    Style,
    UnsupportedWorkbook,
    annotate,
    new_workbook,
)
from cmacop.files.xlsxread import read_xlsx

RED, ORANGE = "FFC7CE", "F4B183"
SHEET = NewSheet(
    "Contrôles",
    (
        (1, (NewCell("Titre", Style(bold=True, size=13)),)),
        (3, (NewCell("Données!B2", Style(top=True), link=("Données", "B2")), NewCell(None))),
        (4, (NewCell("ailleurs", Style(top=True), link=("Inconnue", "A1")),)),
    ),
    widths=(20, 10),
    frozen_rows=2,
)


def _save(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def sparse() -> bytes:
    """« Données »: gaps in rows and cells, an empty row, a merged range, a column style."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Données"
    for ref, value in {"A1": "a", "B1": "b", "C1": "c", "A2": 1, "C2": 3, "A5": 5}.items():
        ws[ref] = value
    ws.row_dimensions[6].height = 30  # written <row r="6" …/>, without cells
    ws.merge_cells("E1:F2")
    ws.column_dimensions["B"].number_format = "0.00"  # a column style: <col … style="n"/>
    wb.create_sheet("Vide")
    other = wb.create_sheet("Autre")
    other["A1"] = "note"
    other["A1"].comment = Comment("déjà là", "CMA")  # a VML drawing on another sheet
    return _save(wb)


def _marks(refs: dict[str, str]) -> list[Mark]:
    return [
        Mark(sheet, ref, RED if n % 2 == 0 else ORANGE, f"message {sheet}!{ref}")
        for n, (ref, sheet) in enumerate(refs.items())
    ]


def _cells_in_order(xml: bytes) -> list[tuple[int, list[str]]]:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    root = ET.fromstring(xml)
    return [
        (int(row.get("r", "0")), [c.get("r", "") for c in row.findall("m:c", ns)])
        for row in root.iterfind("m:sheetData/m:row", ns)
    ]


def _key(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    return (int(ref[len(letters) :]), openpyxl.utils.column_index_from_string(letters))


def test_missing_cells_and_rows_are_created_in_order(sparse, tmp_path):
    refs = {"B2": "Données", "D2": "Données", "B4": "Données", "A6": "Données"}
    refs |= {"Z9": "Données", "E1": "Données", "C3": "Vide"}
    skipped = {"F2": "Données", "A1:B2": "Données", "A1": "Inconnue"}  # merged, range, no sheet
    data = annotate(sparse, _marks(refs | skipped), SHEET)
    path = tmp_path / "annote.xlsx"
    path.write_bytes(data)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Contrôles", "Données", "Vide", "Autre"]
    for ref, sheet in refs.items():
        cell = wb[sheet][ref]
        assert cell.fill.fgColor.rgb[2:] in (RED, ORANGE), ref
        assert cell.comment.text == f"message {sheet}!{ref}"
    ws = wb["Données"]
    assert ws["F2"].comment is None and ws["A1"].comment is None
    assert [ws[r].value for r in ("A1", "B1", "C1", "A2", "C2", "A5")] == ["a", "b", "c", 1, 3, 5]
    assert ws["B4"].number_format == "0.00"  # a new cell takes its column's format
    assert ws.row_dimensions[6].height == 30
    assert ws.dimensions == "A1:Z9"
    assert wb["Autre"]["A1"].comment.text == "déjà là"
    with zipfile.ZipFile(path) as z:
        rows = _cells_in_order(z.read("xl/worksheets/sheet1.xml"))
        vml = [z.read(n).decode() for n in z.namelist() if n.endswith(".vml")]
    assert [n for n, _ in rows] == sorted(n for n, _ in rows)
    assert all([_key(r) for r in cells] == sorted(_key(r) for r in cells) for _, cells in rows)
    blocks = [b for v in vml for b in re.findall(r'idmap[^>]*data="([\d,]+)"', v)]
    assert sorted(blocks) == ["1", "2", "3"]  # one per sheet with comments, ids never shared


def test_first_sheet_shifts_sheet_indexes(tmp_path):
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "Un"
    wb.create_sheet("Deux")
    third = wb.create_sheet("Contrôles")  # the title is taken: the new sheet is « Contrôles1 »
    third.print_area = "A1:B4"
    wb.active = 2
    path = tmp_path / "annote.xlsx"
    path.write_bytes(annotate(_save(wb), _marks({"A1": "Deux"}), SHEET))
    again = openpyxl.load_workbook(path)
    assert again.sheetnames == ["Contrôles1", "Un", "Deux", "Contrôles"]
    assert again.active.title == "Contrôles1"
    assert again["Contrôles"].print_area == "'Contrôles'!$A$1:$B$4"
    assert [ws.sheet_view.tabSelected for ws in again.worksheets] == [True, None, None, None]
    link = again["Contrôles1"]["A3"]
    assert (link.hyperlink, link.style) == (None, "Normal")  # no sheet « Données » here


def test_text_is_escaped_and_links_quote_sheet_names(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "L'été & co"
    ws["B2"] = 1
    odd = "<&>\"' _x0041_ =1+1"
    sheet = NewSheet(
        "Contrôles", ((1, (NewCell(odd, link=("L'été & co", "B2")), NewCell("=SUM(A1:A2)"))),)
    )
    data = annotate(_save(wb), [Mark("L'été & co", "B2", RED, odd)], sheet)
    path = tmp_path / "annote.xlsx"
    path.write_bytes(data)
    book = openpyxl.load_workbook(path)
    a1 = book["Contrôles"]["A1"]
    assert a1.hyperlink.location == "'L''été & co'!B2"
    assert (book["Contrôles"]["B1"].value, book["Contrôles"]["B1"].data_type) == (
        "=SUM(A1:A2)",
        "s",
    )
    # Excel reads _xHHHH_ as a character: cmacop's reader, like Excel, gives the text back.
    assert read_xlsx(data, "annote.xlsx").sheets["Contrôles"].cells[(1, 1)].value == odd
    assert book["L'été & co"]["B2"].comment.text == odd.replace("_x0041_", "_x005F_x0041_")


def test_a_template_saved_as_xlsx_becomes_a_workbook(sparse):
    template = rewrite(
        sparse,
        {"[Content_Types].xml": lambda t: t.replace("sheet.main+xml", "template.main+xml")},
    )
    data = annotate(template, (), SHEET)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        types = z.read("[Content_Types].xml").decode()
    assert f"{CT}.sheet.main+xml" in types and "template.main" not in types


def _with_legacy_drawing(data: bytes) -> bytes:
    return rewrite(
        data,
        {
            "xl/worksheets/sheet1.xml": lambda t: t.replace(
                "</worksheet>", '<legacyDrawing r:id="rId9" xmlns:r="urn:r"/></worksheet>'
            )
        },
    )


@pytest.mark.parametrize(
    "broken",
    [
        lambda data: b"pas un classeur",
        lambda data: rewrite(
            data, {"xl/workbook.xml": lambda t: '<!DOCTYPE x [<!ENTITY a "b">]>' + t}
        ),
        lambda data: rewrite(
            data,
            {
                "[Content_Types].xml": lambda t: t.replace(
                    f"{CT}.sheet.main", "application/vnd.ms-excel.sheet.macroEnabled.main"
                )
            },
        ),
        _with_legacy_drawing,  # a marked sheet that has a drawing already: openpyxl's job
        lambda data: rewrite(
            data, {"xl/styles.xml": lambda t: re.sub(r"<cellXfs.*</cellXfs>", "", t)}
        ),
        lambda data: rewrite(
            data, {"xl/worksheets/sheet1.xml": lambda t: t.replace('<c r="C2"', "<c")}
        ),
    ],
    ids=["pas-un-zip", "dtd", "macros", "dessin-vml", "sans-formats", "cellule-sans-reference"],
)
def test_what_the_patcher_leaves_to_openpyxl(sparse, broken):
    with pytest.raises(UnsupportedWorkbook):
        annotate(broken(sparse), _marks({"C2": "Données"}), SHEET)


def test_a_workbook_of_the_new_sheet_only(tmp_path):
    path = tmp_path / "liste.xlsx"
    path.write_bytes(new_workbook(SHEET))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Contrôles"]
    ws = wb["Contrôles"]
    assert (ws["A1"].value, ws["A1"].font.b, ws["A1"].font.sz) == ("Titre", True, 13)
    assert ws["A3"].hyperlink is None  # no sheet to point to
    assert (ws.freeze_panes, ws.column_dimensions["A"].width) == ("A3", 20)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) absent")
def test_libreoffice_reads_created_cells_and_comments(sparse, tmp_path):
    refs = {"B2": "Données", "B4": "Données", "A6": "Données", "Z9": "Données", "C3": "Vide"}
    path = tmp_path / "annote.xlsx"
    path.write_bytes(annotate(sparse, _marks(refs), SHEET))
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
         "--convert-to", "xlsx", "--outdir", str(tmp_path / "relu"), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    wb = openpyxl.load_workbook(tmp_path / "relu" / path.name)
    assert wb.sheetnames[0] == "Contrôles"
    for ref, sheet in refs.items():
        assert wb[sheet][ref].comment.text == f"message {sheet}!{ref}"
        assert wb[sheet][ref].fill.fgColor.rgb[2:] in (RED, ORANGE)
    assert wb["Autre"]["A1"].comment.text == "déjà là"
    assert Path(tmp_path / "relu" / path.name).stat().st_size > 0
