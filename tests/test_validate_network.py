"""Outliers across the network (issue 13): a level per 1 000 enterprises far from the
other chambers' (robust z-score on the median and MAD), W-PLAUS-006."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cmacop.cli import app
from cmacop.validate.checks.network import MIN_CHAMBERS, network_outliers
from cmacop.validate.engine import validate_paths

CHAMBERS = ["CMAR-84", "CMAR-27", "CMAR-53", "CMAR-24", "CMAR-94", "CMAR-44", "CMAR-32",
            "CMAR-11", "CMAR-28", "CMAR-75"]  # fmt: skip


def test_a_worked_example_by_hand(catalogue):
    """Ten chambers of 2 000 enterprises; I1.3 = 20 everywhere but CMAR-75 (200), CMAR-11 (24).

    Levels per 1 000: 10 (× 8), 12, 100. Median 10; absolute deviations 0 (× 8), 2, 90:
    MAD 0, so the mean absolute deviation is the scale: 9,2 × 1,253314 = 11,5305.
    z(CMAR-75) = 90 / 11,5305 = 7,81 > 3,5; z(CMAR-11) = 2 / 11,5305 = 0,17.
    """
    key = dict.fromkeys(CHAMBERS, 2000)
    values = {c: {"I1.3": 20.0} for c in CHAMBERS}
    values["CMAR-75"]["I1.3"], values["CMAR-11"]["I1.3"] = 200.0, 24.0
    (found,) = network_outliers(values, key, catalogue)
    assert (found.chamber, found.indicator, found.level, found.median) == (
        "CMAR-75", "I1.3", 100.0, 10.0,
    )  # fmt: skip
    assert round(found.z, 2) == 7.81
    assert found.message == (
        "valeur atypique au regard du réseau : 100,0 pour 1 000 entreprises artisanales de la "
        "chambre, contre une médiane de 10,0 pour les 10 chambres (au-dessus, écart robuste de "
        "7,8)"
    )


def test_the_mad_gives_the_scale_when_the_chambers_differ(catalogue):
    """Levels 8, 9, 9, 10, 10, 10, 11, 11, 12, 40: median 10, MAD 1, z(40) = 0,6745 × 30."""
    key = dict.fromkeys(CHAMBERS, 1000)
    levels = [8, 9, 9, 10, 10, 10, 11, 11, 12, 40]
    values = {c: {"I1.3": float(v)} for c, v in zip(CHAMBERS, levels, strict=True)}
    (found,) = network_outliers(values, key, catalogue)
    assert found.chamber == "CMAR-75" and round(found.z, 4) == round(0.6745 * 30, 4)
    assert network_outliers(values, key, catalogue, threshold=25) == []


def test_below_eight_chambers_nothing_is_said(catalogue):
    key = dict.fromkeys(CHAMBERS, 1000)
    values = {c: {"I1.3": 10.0} for c in CHAMBERS[: MIN_CHAMBERS - 1]}
    values[CHAMBERS[0]]["I1.3"] = 1000.0
    assert network_outliers(values, key, catalogue) == []
    values[CHAMBERS[MIN_CHAMBERS - 1]] = {"I1.3": 10.0}
    assert [o.chamber for o in network_outliers(values, key, catalogue)] == [CHAMBERS[0]]


def test_rates_and_amounts_are_not_compared(catalogue):
    key = dict.fromkeys(CHAMBERS, 1000)
    code = next(i.code for i in catalogue.all_indicators if i.unit != "nombre")
    values = {c: {code: 10.0} for c in CHAMBERS}
    values["CMAR-75"][code] = 90.0
    assert network_outliers(values, key, catalogue) == []


def _network(make_workbook, ten_times: str = "CMAR-75"):
    """Ten chambers' workbooks, same values; one chamber's I1.3 ten times the others'."""
    paths = []
    for chamber in CHAMBERS:
        values = {"I1.3": 520} if chamber == ten_times else None
        paths.append(make_workbook(chamber, values=values, targets=make_workbook.targets(chamber)))
    return paths


def test_validate_finds_the_outlier_at_its_cell(make_workbook):
    paths = _network(make_workbook)
    report = validate_paths(paths, key=dict.fromkeys(CHAMBERS, 1000))
    found = [(f.file, f.code, f.location) for f in report.findings if f.code == "W-PLAUS-006"]
    assert found == [(str(paths[-1]), "W-PLAUS-006", "Indicateurs!G4")]
    finding = next(f for f in report.findings if f.code == "W-PLAUS-006")
    assert finding.message.startswith(
        "valeur atypique au regard du réseau : 520,0 pour 1 000 entreprises artisanales de la "
        "chambre, contre une médiane de 52,0 pour les 10 chambres (au-dessus"
    )
    assert report.exit_code == 0  # a warning


def test_without_the_key_nothing_is_compared(make_workbook):
    report = validate_paths(_network(make_workbook))
    assert "W-PLAUS-006" not in [f.code for f in report.findings]


def test_the_store_of_the_year_is_the_network(make_workbook, tmp_path):
    """One file checked against the year's store (``--history`` naming the consolidation)."""
    import polars as pl

    store = tmp_path / "consolidation" / "donnees" / "annee=2024"
    store.mkdir(parents=True)
    rows = [(c, 52.0) for c in CHAMBERS[:-1]]
    pl.DataFrame(
        {"annee": [2024] * len(rows), "chambre": [c for c, _ in rows],
         "code": ["I1.3"] * len(rows), "realise": [v for _, v in rows]}
    ).write_parquet(store / "data.parquet")  # fmt: skip
    path = make_workbook("CMAR-75", values={"I1.3": 520}, targets=make_workbook.targets("CMAR-75"))
    key = tmp_path / "cle.csv"
    key.write_text("chambre,entreprises\n" + "".join(f"{c},1000\n" for c in CHAMBERS), "utf-8")
    alone = validate_paths([path], key=key)
    assert "W-PLAUS-006" not in [f.code for f in alone.findings]
    result = CliRunner().invoke(
        app, ["validate", str(path), "--key", str(key), "--history",
              str(tmp_path / "consolidation"), "--format", "json"],
    )  # fmt: skip
    codes = [
        (f["code"], f["cellule"]) for f in json.loads(result.output)["fichiers"][0]["constats"]
    ]
    assert ("W-PLAUS-006", "G4") in codes


@pytest.mark.parametrize("value", ["NC", -5])
def test_a_value_with_an_error_is_not_compared(make_workbook, value):
    paths = _network(make_workbook)
    paths[-1] = make_workbook(
        "CMAR-75", values={"I1.3": value}, targets=make_workbook.targets("CMAR-75")
    )
    report = validate_paths(paths, key=dict.fromkeys(CHAMBERS, 1000))
    assert "W-PLAUS-006" not in [f.code for f in report.findings]


def test_consolidate_compares_with_the_network(make_workbook, tmp_path):
    """consolidate (and run, through it): the key of the campaign gives the comparison."""
    from cmacop.consolidate.year import consolidate_paths

    paths = _network(make_workbook)
    key = tmp_path / "cle.csv"
    key.write_text("chambre,entreprises\n" + "".join(f"{c},1000\n" for c in CHAMBERS), "utf-8")
    result = consolidate_paths(paths, year=2024, store=tmp_path / "store", key=key)
    found = [
        (f.chamber, x.code, x.cell)
        for f in result.files
        for x in f.findings
        if x.code == "W-PLAUS-006"
    ]
    assert found == [("CMAR-75", "W-PLAUS-006", "G4")]
