"""An avenant is a data edit: a new indicator in the catalogue file reaches templates,
validation and computation with no code change."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from cmacop.compute.attainment import compute_attainment
from cmacop.cop.catalogue import load_catalogue
from cmacop.cop.targets import national_target, regional_targets
from cmacop.template import write_templates
from cmacop.validate.engine import validate_paths

NEW_INDICATOR = """
[[indicateurs]]
code = "I9.6"
axe = 5
objectif = 9
type = "flux"
unite = "nombre"
cible_2023 = 100
cible_2027 = 300
libelle = "Diagnostics de revitalisation commerciale (avenant)"
definition = "Indicateur ajouté par avenant, pour le test."
"""


@pytest.fixture
def avenant(tmp_path, catalogue_text) -> Path:
    # Insert the new indicator right after I9.5 so that catalogue order follows the contract.
    marker = '[[indicateurs]]\ncode = "I13.1"'
    text = catalogue_text.replace(marker, NEW_INDICATOR.strip() + "\n\n" + marker, 1)
    text = text.replace('revision = "2026-11-27"', 'revision = "2027-06-30"', 1)
    path = tmp_path / "catalogue_avenant.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _fill(path: Path, when: date) -> None:
    wb = openpyxl.load_workbook(path)
    wb["Identification"]["B5"] = when
    ws = wb["Indicateurs"]
    for row in range(2, ws.max_row + 1):
        target = ws.cell(row=row, column=6).value
        ws.cell(row=row, column=7, value=target if target is not None else 0)
    wb.save(path)


def test_the_new_indicator_is_in_the_catalogue(avenant, catalogue):
    cat = load_catalogue(avenant)
    assert [i.code for i in cat.indicators][-3:] == ["I9.6", "I13.1", "I13.2"]
    assert len(cat.indicators) == len(catalogue.indicators) + 1
    assert cat.content_hash != catalogue.content_hash
    assert national_target(cat.indicator("I9.6"), 2024) == 150


def test_templates_validation_and_computation_follow_the_data(avenant, tmp_path, catalogue):
    cat = load_catalogue(avenant)
    key = {"CMAR-84": 3, "CMAR-27": 1}
    rows = regional_targets(2024, cat, key=key, chambers=list(key))
    targets = {(r.chamber, 2024, r.code): r.target for r in rows}
    assert targets[("CMAR-84", 2024, "I9.6")] + targets[("CMAR-27", 2024, "I9.6")] == 150

    # Templates: the new row, with its target, in catalogue order.
    out = tmp_path / "modeles"
    (path,) = write_templates(2024, out, chambers=["CMAR-84"], targets=targets, catalogue=cat).files
    ws = openpyxl.load_workbook(path)["Indicateurs"]
    codes = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    assert codes[-3:] == ["I9.6", "I13.1", "I13.2"]
    row = codes.index("I9.6") + 2
    assert ws.cell(row=row, column=6).value == targets[("CMAR-84", 2024, "I9.6")]

    # Validation: clean against the new catalogue; outdated against the shipped one.
    _fill(path, date(2025, 2, 10))
    report = validate_paths([path], year=2024, catalogue=cat)
    assert [f.code for f in report.findings if f.severity == "erreur"] == []
    old = validate_paths([path], year=2024, catalogue=catalogue)
    assert "E-STRUCT-013" in {f.code for f in old.findings}

    # Computation: the new indicator is rated and counts in its axis.
    realised = {(r.chamber, r.code): r.target for r in rows if r.chamber == "CMAR-84"}
    realised[("CMAR-84", "I9.6")] = 0
    attainment = compute_attainment(
        2024, [r for r in rows if r.chamber == "CMAR-84"], realised, cat
    )
    rate = next(i for i in attainment.indicators if i.code == "I9.6")
    assert rate.applicable and rate.rate == 0
    axis5 = next(a for a in attainment.axes if a.chamber == "CMAR-84" and a.axis == 5)
    applicable = [i for i in attainment.indicators if i.chamber == "CMAR-84" and i.applicable
                  and cat.indicator(i.code).axis == 5]  # fmt: skip
    assert len(applicable) == 6
    assert axis5.rate == sum(i.rate for i in applicable) / 6
