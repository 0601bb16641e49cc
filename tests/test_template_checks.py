"""The template checks itself while the chamber types (issue 13): conditional formatting and
hidden helper formulas, no macro, under the sheet protection; LibreOffice computes them,
and ``cmacop validate`` reads the recalculated file exactly as the one before."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from cmacop.cop import selfcheck
from cmacop.validate.engine import validate_paths

SOFFICE = shutil.which("soffice")

# name → (values typed, date of transmission, expected count, expected status, helper rows)
CASES = {
    "pret": ({}, date(2025, 2, 15), 0, "Prêt à être transmis", {}),
    "trois_erreurs": (
        {"I1.4": "NC", "I1.5": 3.5, "I1.2": 450},  # text, a decimal in a count, I1.2 > I1.1
        date(2025, 2, 15),
        3,
        "3 points à vérifier avant l'envoi",
        {("Indicateurs", 5): 1, ("Indicateurs", 6): 1, ("Indicateurs", 3): 1},
    ),
    "avertissements": (
        # I3.4 > I3.3 (a bound of severity « avertissement »), a gap of 30 % without comment
        {"I3.4": 450, "I2.1": 40},
        date(2025, 2, 15),
        2,
        "2 points à vérifier avant l'envoi",
        {("Indicateurs", 13): 1, ("Indicateurs", 7): 1},
    ),
    "un_point": (
        {"I9.2": None},
        date(2025, 2, 15),
        1,
        "1 point à vérifier avant l'envoi",
        {("Indicateurs", 31): 1},
    ),
    "date_et_impact": (
        {"M1.1": -2},  # a negative impact value
        None,
        2,
        "2 points à vérifier avant l'envoi",
        {("Impact", 2): 1},
    ),
}


def _filled(make_workbook, name: str) -> Path:
    values, sent, *_ = CASES[name]
    impact = {code: v for code, v in values.items() if code.startswith("M")}
    assert not impact or "M1.1" in {i.code for i in make_workbook.catalogue.impacts}
    return make_workbook(values=values, sent=sent, name=f"COM_2024_CMAR-84_{name}.xlsx",
                         folder=make_workbook.root / "saisie" / name)  # fmt: skip


def test_the_template_carries_its_checks_without_macro(make_workbook):
    path = make_workbook()
    with zipfile.ZipFile(path) as z:
        assert not [n for n in z.namelist() if "vba" in n.lower()]
    wb = openpyxl.load_workbook(path)
    ws = wb["Indicateurs"]
    assert ws.protection.sheet is True
    assert ws[selfcheck.STATUS_CELL].value.startswith('=IF(J1=0,"Prêt à être transmis"')
    assert ws.column_dimensions[selfcheck.HELPER_COLUMN].hidden
    assert ws["J5"].protection.locked and ws["J5"].protection.hidden
    assert ws["G5"].protection.locked is False  # the chamber's cells stay editable
    rules = {
        str(cf.sqref): [(r.formula[0], r.dxf.fill.fgColor.rgb) for r in cf.rules]
        for cf in ws.conditional_formatting
    }
    text_rule = next(f for f, _ in rules["G5"] if "ISTEXT(G5)" in f)
    assert "INT(G5)" in text_rule and "N(F5)>0" in text_rule
    assert any(rgb.endswith(selfcheck.ERROR_FILL) for _, rgb in rules["G5"])
    assert any(rgb.endswith(selfcheck.WARNING_FILL) for _, rgb in rules["H5"])  # gap, no comment
    # I1.2 ≤ I1.1: both cells red; I3.4 ≤ I3.3: both orange
    assert any("G3>G2" in f and rgb.endswith(selfcheck.ERROR_FILL) for f, rgb in rules["G2"])
    assert any("G13>G12" in f and rgb.endswith(selfcheck.WARNING_FILL) for f, rgb in rules["G12"])


def test_the_tolerance_of_the_campaign_is_the_templates(catalogue, registry):
    from cmacop.template import build_workbook

    chamber = registry.get("CMAR-84")
    wb = build_workbook(chamber, 2024, catalogue, {}, tolerance=0.1)
    assert "G2<F2*0.9," in wb["Indicateurs"]["J2"].value


def test_the_reader_ignores_the_helper_formulas(make_workbook):
    """A template filled by a program (no formula computed) validates as before: the
    helper cells are the template's, not the chamber's data."""
    report = validate_paths([make_workbook()], targets=make_workbook.targets(), year=2024)
    assert report.findings == () and report.exit_code == 0


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) absent")
def test_libreoffice_computes_the_count_and_validation_is_unchanged(make_workbook, tmp_path):
    filled = {name: _filled(make_workbook, name) for name in CASES}
    out = tmp_path / "recalcule"
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "xlsx", "--outdir", str(out), *map(str, filled.values())],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    targets = make_workbook.targets()
    for name, path in filled.items():
        _, _, count, status, helpers = CASES[name]
        again = out / path.name
        wb = openpyxl.load_workbook(again, data_only=True)
        ws = wb["Indicateurs"]
        assert (ws[selfcheck.TOTAL_CELL].value, ws[selfcheck.STATUS_CELL].value) == (count, status)
        for sheet in ("Indicateurs", "Impact"):
            flagged = {
                (sheet, row): wb[sheet][f"J{row}"].value
                for row in range(2, wb[sheet].max_row + 1)
                if wb[sheet][f"J{row}"].value
            }
            assert flagged == {k: v for k, v in helpers.items() if k[0] == sheet}, name
        before = validate_paths([path], targets=targets, year=2024)
        after = validate_paths([again], targets=targets, year=2024)
        assert [(f.code, f.location, f.message) for f in after.findings] == [
            (f.code, f.location, f.message) for f in before.findings
        ], name
        assert after.exit_code == before.exit_code
        assert not [f for f in after.findings if (f.cell or "").startswith(("I", "J"))]
