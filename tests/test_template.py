"""The submission contract: generated workbooks, protection, and reading them back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from cmacop.cop.contract import HEADERS, ID_FIELDS, template_version
from cmacop.errors import UsageError
from cmacop.template import write_templates
from cmacop.validate.submission import read_submission


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("modeles")
    targets = {("CMAR-84", 2024, "I1.3"): 1234, ("CMAR-84", 2024, "I9.4"): 0}
    result = write_templates(2024, out, targets=targets)
    return {p.stem.split("_", 2)[2]: p for p in result.files}


def test_one_workbook_per_reporting_chamber(workbooks, registry):
    assert sorted(workbooks) == sorted(c.code for c in registry.reporting)
    assert all(p.name == f"COM_2024_{code}.xlsx" for code, p in workbooks.items())


def test_identification_sheet(workbooks, catalogue):
    wb = openpyxl.load_workbook(workbooks["CMAR-84"])
    ws = wb["Identification"]
    assert [ws.cell(row=i + 1, column=1).value for i in range(len(ID_FIELDS))] == list(ID_FIELDS)
    assert ws["B1"].value == "CMAR-84"
    assert ws["B2"].value == "CMA Auvergne-Rhône-Alpes"
    assert ws["B3"].value == 2024
    assert ws["B4"].value == template_version(catalogue)


def test_indicator_sheets(workbooks, catalogue):
    wb = openpyxl.load_workbook(workbooks["CMAR-84"])
    for name, indicators in (("Indicateurs", catalogue.indicators), ("Impact", catalogue.impacts)):
        ws = wb[name]
        # A-H: the contract; beyond, the self-check count of issue 13 (Indicateurs!I1, J1)
        assert [c.value for c in ws[1]][: len(HEADERS)] == list(HEADERS)
        assert [ws.cell(row=r, column=1).value for r in range(2, 2 + len(indicators))] == [
            i.code for i in indicators
        ]
        assert ws.cell(row=2 + len(indicators), column=1).value is None
        assert ws.freeze_panes == "A2"
    ws = wb["Indicateurs"]
    assert ws["F4"].value == 1234  # I1.3 target given
    assert ws["F33"].value == 0  # I9.4 target 0 = "no target" kept as written
    assert ws["F2"].value is None  # no target known
    assert ws["D2"].value == catalogue.indicators[0].label


def test_protection_and_editable_cells(workbooks):
    wb = openpyxl.load_workbook(workbooks["CMAR-27"])
    for name in ("Identification", "Indicateurs", "Impact"):
        assert wb[name].protection.sheet is True
        assert not wb[name].protection.password
    ident = wb["Identification"]
    assert [ident[f"B{r}"].protection.locked for r in range(1, 8)] == [True] * 4 + [False] * 3
    ws = wb["Indicateurs"]
    locked = {h: ws.cell(row=5, column=i + 1).protection.locked for i, h in enumerate(HEADERS)}
    assert [h for h, is_locked in locked.items() if not is_locked] == ["Réalisé", "Commentaire"]


def test_data_validation_on_realised(workbooks, catalogue):
    wb = openpyxl.load_workbook(workbooks["CMAR-27"])
    rules = {str(dv.sqref): dv for dv in wb["Indicateurs"].data_validations.dataValidation}
    assert rules["G2"].type == "whole" and rules["G2"].formula1 == "0"
    assert rules["G2"].prompt == catalogue.indicators[0].definition
    impact = {str(dv.sqref): dv for dv in wb["Impact"].data_validations.dataValidation}
    assert (impact["G2"].type, impact["G2"].formula1, impact["G2"].formula2) == (
        "decimal",
        "0",
        "100",
    )


def test_metadata_sheet_is_hidden(workbooks, catalogue):
    sub = read_submission(workbooks["CMAR-53"])
    assert sub.metadata["empreinte_catalogue"] == catalogue.content_hash
    assert sub.metadata["version_modele"] == template_version(catalogue)
    wb = openpyxl.load_workbook(workbooks["CMAR-53"])
    assert wb["_cmacop"].sheet_state == "hidden"


def _fill(path: Path, catalogue, seed: int) -> dict[str, int]:
    wb = openpyxl.load_workbook(path)
    ws = wb["Indicateurs"]
    values = {}
    for offset, ind in enumerate(catalogue.indicators):
        values[ind.code] = seed * 100 + offset
        ws.cell(row=2 + offset, column=7, value=values[ind.code])
        ws.cell(row=2 + offset, column=8, value=f"commentaire {ind.code} « é »")
    wb["Identification"]["B6"] = "Claire Martin"
    wb.save(path)
    return values


def test_generate_fill_read_back_every_chamber(workbooks, catalogue, tmp_path):
    for seed, (code, original) in enumerate(sorted(workbooks.items())):
        path = tmp_path / original.name
        shutil.copy(original, path)
        values = _fill(path, catalogue, seed)
        sub = read_submission(path)
        got = {r.code: r["Réalisé"].value for r in sub.rows if r.sheet == "Indicateurs"}
        assert got == values, code
        assert sub.value_of("Code chambre") == code
        assert sub.value_of("Nom du contact") == "Claire Martin"
        row = next(r for r in sub.rows if r.code == "I1.4")
        assert row["Commentaire"].value == "commentaire I1.4 « é »"
        assert row["Réalisé"].location == "Indicateurs!G5"


def test_unknown_chamber_is_refused(tmp_path):
    with pytest.raises(UsageError, match="chambre « CMAR-99 » inconnue"):
        write_templates(2024, tmp_path, chambers=["CMAR-99"])
    with pytest.raises(UsageError, match="« CMA-FRANCE » inconnue ou non déclarante"):
        write_templates(2024, tmp_path, chambers=["CMA-FRANCE"])


def test_csv_template(tmp_path, catalogue):
    (path,) = write_templates(2024, tmp_path, chambers=["CM-MOSELLE"], fmt="csv").files
    assert path.name == "COM_2024_CM-MOSELLE.csv"
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "chambre;annee;code;realise;commentaire"
    assert lines[1] == "CM-MOSELLE;2024;I1.1;;"
    assert len(lines) == 1 + len(catalogue.all_indicators)
    sub = read_submission(path)
    assert [r.code for r in sub.rows] == [i.code for i in catalogue.all_indicators]


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) absent")
def test_libreoffice_round_trip_keeps_the_contract(workbooks, catalogue, tmp_path):
    source = tmp_path / "in" / "COM_2024_CMAR-84.xlsx"
    source.parent.mkdir()
    shutil.copy(workbooks["CMAR-84"], source)
    values = _fill(source, catalogue, 7)
    before = read_submission(source)
    out = tmp_path / "out"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "xlsx", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    after = read_submission(out / source.name)
    assert after.metadata == before.metadata
    assert after.identification.keys() == before.identification.keys()
    assert {k: c.value for k, c in after.identification.items()} == {
        k: c.value for k, c in before.identification.items()
    }
    for old, new in zip(before.rows, after.rows, strict=True):
        assert {h: c.value for h, c in old.cells.items()} == {
            h: c.value for h, c in new.cells.items()
        }
    assert {r.code: r["Réalisé"].value for r in after.rows if r.sheet == "Indicateurs"} == values
    wb = openpyxl.load_workbook(out / source.name)
    assert wb["Indicateurs"].protection.sheet is True
