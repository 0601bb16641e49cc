"""The chamber registry: the 21 establishments of the network."""

from __future__ import annotations

import pytest

from cmacop.cop.registry import load_registry
from cmacop.errors import DataFileError


def test_twenty_one_establishments(registry):
    assert len(registry.chambers) == 21
    assert len([c for c in registry.chambers if c.kind == "CMAR"]) == 18
    assert {c.code for c in registry.chambers if c.kind == "CM"} == {"CM-ALSACE", "CM-MOSELLE"}
    assert registry.get("CMA-FRANCE").kind_label == "tête de réseau"


def test_reporting_and_modulated(registry):
    assert len(registry.reporting) == 20
    assert "CMA-FRANCE" not in {c.code for c in registry.reporting}
    assert {c.code for c in registry.modulated} == {
        c.code for c in registry.chambers if c.kind == "CMAR"
    }


@pytest.mark.parametrize(
    ("code", "region", "departments"),
    [
        ("CMAR-94", "94", ("2A", "2B")),
        ("CMAR-06", "06", ("976",)),
        ("CM-MOSELLE", "44", ("57",)),
        ("CMAR-11", "11", ("75", "77", "78", "91", "92", "93", "94", "95")),
    ],
)
def test_regions_and_departments(registry, code, region, departments):
    chamber = registry.get(code)
    assert chamber.region == region
    assert chamber.departments == departments


def test_every_department_once(registry):
    departments = [d for c in registry.chambers for d in c.departments]
    assert len(departments) == len(set(departments)) == 101


def test_malformed_registry(tmp_path):
    path = tmp_path / "chambres.toml"
    path.write_text('[[chambres]]\ncode = "CMAR-84"\nnom = "X"\ntype = "CMAR"\n', encoding="utf-8")
    with pytest.raises(
        DataFileError,
        match=r"chambres.toml, chambres\[0\] \(CMAR-84\) : champ « departements » manquant",
    ):
        load_registry(path)
