"""The bilan workbooks: cell values against golden files, formats, layout, formula safety.

Golden cell values live in ``tests/golden/*.xlsx.json`` (regenerate with
``CMACOP_UPDATE_GOLDEN=1``, see ``test_report_render.py``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_report_render import check_golden

from cmacop.render import render_report

DAY = date(2025, 6, 15)
SHEETS = {
    "national": [
        "Synthèse", "Axes", "Indicateurs", "Cibles", "Impacts", "Chambres", "Modulation",
        "Engagements", "Qualité", "Données",
    ],
    "com": ["Synthèse", "Axes", "Indicateurs", "Impacts", "Chambres", "Modulation", "Qualité",
            "Données"],
}  # fmt: skip
SOFFICE = shutil.which("soffice")


@pytest.fixture
def workbooks(report_inputs, tmp_path) -> dict[str, Path]:
    result = render_report(report_inputs, out_dir=tmp_path, generated_on=DAY, formats="xlsx")
    return {d.scope: d.path for d in result.documents}


def _values(path: Path) -> dict[str, list[list[object]]]:
    wb = load_workbook(path)
    return {
        ws.title: [
            [v.isoformat() if isinstance(v, datetime) else v for v in row]
            for row in ws.iter_rows(values_only=True)
        ]
        for ws in wb.worksheets
    }


@pytest.mark.parametrize("scope", ["national", "CMAR-53"])
def test_golden_cell_values(workbooks, scope):
    # One line per row: a change shows as a readable diff of the golden file.
    text = "".join(
        f"# {sheet}\n" + "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        for sheet, rows in _values(workbooks[scope]).items()
    )
    name = "bilan_cop_2024" if scope == "national" else f"bilan_com_2024_{scope}"
    check_golden(f"{name}.xlsx.json", text.encode("utf-8"))


@pytest.mark.parametrize("scope", ["national", "CMAR-11", "CMAR-06"])
def test_sheets_frozen_headers_and_filters(workbooks, scope):
    wb = load_workbook(workbooks[scope])
    assert wb.sheetnames == SHEETS["national" if scope == "national" else "com"]
    for ws in wb.worksheets[1:]:
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2"), ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws["A1"].font.bold, ws.title
        widths = [d.width for d in ws.column_dimensions.values()]
        assert widths and all(6 <= w <= 80 for w in widths), ws.title


def _column(ws, header):
    headers = [c.value for c in ws[1]]
    return [row[headers.index(header)] for row in ws.iter_rows(min_row=2) if row[0].value]


@pytest.mark.parametrize(
    ("sheet", "header", "fmt", "kind"),
    [
        ("Indicateurs", "Taux de réalisation du réseau (non plafonné)", "0.0%", float),
        ("Indicateurs", "Atteinte moyenne des CMAR (plafonnée)", "0.0%", (int, float)),
        ("Cibles", "Écart à la cible nationale", "#,##0", int),
        ("Indicateurs", "Réalisé 2024", "#,##0", int),
        ("Modulation", "Dotation finale", '#,##0.00 "€"', (int, float)),
        ("Chambres", "Taux global", "0.0%", float),
        ("Chambres", "Transmis le", "dd/mm/yyyy", datetime),
    ],
)
def test_numbers_are_numbers_with_french_display_formats(workbooks, sheet, header, fmt, kind):
    ws = load_workbook(workbooks["national"])[sheet]
    cells = [c for c in _column(ws, header) if c.value is not None]
    assert cells
    assert all(isinstance(c.value, kind) and c.number_format == fmt for c in cells)


def test_money_is_exact_to_the_cent(workbooks, report_inputs):
    ws = load_workbook(workbooks["national"])["Modulation"]
    codes = [c.value for c in _column(ws, "Code")]
    finals = dict(zip(codes, [c.value for c in _column(ws, "Dotation finale")], strict=True))
    expected = {line.chamber: float(line.final) for line in report_inputs.modulation.lines}
    assert finals == expected


@pytest.mark.parametrize("scope", ["national", "CMAR-11", "CMAR-53"])
def test_no_text_is_ever_a_live_formula(workbooks, scope):
    wb = load_workbook(workbooks[scope])
    texts = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert all(c.data_type != "f" for c in texts)
    risky = [c for c in texts if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky)
    with zipfile.ZipFile(workbooks[scope]) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def test_comments_are_kept_as_typed(workbooks):
    ws = load_workbook(workbooks["CMAR-53"])["Indicateurs"]
    codes = [c.value for c in _column(ws, "Code")]
    texts = [c.value for c in _column(ws, "Commentaire de la chambre")]
    comments = dict(zip(codes, texts, strict=True))
    assert comments["I3.1"] == '=HYPERLINK("exemple";"voir")'
    assert comments["I2.1"] == "@SUM(A1:A2)"


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) n'est pas installé")
def test_workbook_opens_in_libreoffice(workbooks, tmp_path):
    out = tmp_path / "pdf"
    profile = tmp_path / "profil"
    done = subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(workbooks["national"]),
            str(workbooks["CMAR-06"]),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    for name in ("bilan_cop_2024.pdf", "bilan_com_2024_CMAR-06.pdf"):
        pdf = out / name
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), done.stdout
