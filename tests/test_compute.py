"""Attainment rates per indicator, objective, axis and for the network."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmacop.compute.attainment import (
    Attainment,
    compute_attainment,
    indicator_rate,
    rate_str,
    realised_from_frame,
)
from cmacop.cop.catalogue import Axis, Catalogue, Indicator, Objective, load_catalogue
from cmacop.cop.targets import TargetRow, regional_targets
from cmacop.errors import DataFileError, UsageError


def _ind(code: str, axis: int, objective: int, start: int | None = None) -> Indicator:
    return Indicator(
        code=code,
        axis=axis,
        objective=objective,
        kind="flux",
        unit="nombre",
        label=code,
        definition="",
        target_2023=start,
        target_2027=start,
    )


# Three activity indicators over two axes; objective 3 has no indicator; axis 3 neither.
MINI = Catalogue(
    id="mini",
    title="mini",
    revision="test",
    axes=(
        Axis(1, "Axe 1", "A1", Decimal("0.5")),
        Axis(2, "Axe 2", "A2", Decimal("0.3")),
        Axis(3, "Axe 3", "A3", Decimal("0.2")),
    ),
    objectives=(Objective(1, 1, "O1"), Objective(2, 2, "O2"), Objective(3, 2, "O3")),
    indicators=(_ind("A1", 1, 1, 400), _ind("A2", 1, 1), _ind("B1", 2, 2, 200)),
    impacts=(Indicator("M1", 1, None, "flux", "%", "impact", "", impact=True),),
    performance_share={2024: Decimal("0.35")},
    deadline_month=2,
)

TARGETS = {
    ("C1", "A1"): 100,
    ("C1", "A2"): 50,
    ("C1", "B1"): 30,
    ("C2", "A1"): 200,
    ("C2", "A2"): 0,  # COM target 0: not applicable
    ("C2", "B1"): 60,
    ("C3", "A1"): 90,
    ("C3", "A2"): 40,
    ("C3", "B1"): None,  # no target: axis 2 has nothing to measure
}
REALISED: dict[tuple[str, str], int | None] = {
    ("C1", "A1"): 80,
    ("C1", "A2"): 50,
    ("C1", "B1"): 10,
    ("C1", "M1"): 70,  # impact values are carried but never rated
    ("C2", "A1"): 250,  # above target: capped
    ("C2", "A2"): 7,
    ("C2", "B1"): 20,
    ("C3", "A1"): 30,
    ("C3", "A2"): None,  # target but no value: rate 0, « non renseigné »
}


def _rows(targets: Mapping[tuple[str, str], int | None]) -> list[TargetRow]:
    return [TargetRow(c, code, t, "COM") for (c, code), t in targets.items()]


def _attainment(**options: Any) -> Attainment:
    return compute_attainment(2023, _rows(TARGETS), REALISED, MINI, **options)


@pytest.mark.parametrize(
    ("target", "realised", "cap", "expected"),
    [
        (100, 80, 1, Fraction(4, 5)),
        (3, 1, 1, Fraction(1, 3)),
        (100, 150, 1, Fraction(1)),
        (100, 150, 2, Fraction(3, 2)),
        (100, 150, Decimal("1.2"), Fraction(6, 5)),
        (100, 0, 1, Fraction(0)),
        (10, None, 1, Fraction(0)),
        (0, 5, 1, None),
        (None, 5, 1, None),
        (None, None, 1, None),
    ],
)
def test_indicator_rate(
    target: int | None, realised: int | None, cap: int | Decimal, expected: Fraction | None
) -> None:
    assert indicator_rate(target, realised, cap) == expected


def test_indicator_rows_flags() -> None:
    result = _attainment()
    rows = {(r.chamber, r.code): r for r in result.indicators}
    assert result.chambers == ("C1", "C2", "C3")
    assert len(result.indicators) == 9  # activity indicators only
    assert rows["C2", "A1"].rate == 1
    assert (rows["C2", "A2"].applicable, rows["C2", "A2"].rate) == (False, None)
    missing = rows["C3", "A2"]
    assert (missing.rate, missing.applicable, missing.missing) == (0, True, True)
    assert [r.code for r in result.indicators if r.missing] == ["A2"]
    assert rows["C3", "B1"].target is None and not rows["C3", "B1"].missing


def test_objective_and_axis_rates() -> None:
    result = _attainment()
    axes = {(r.chamber, r.axis): r for r in result.axes}
    objectives = {(r.chamber, r.objective): r for r in result.objectives}
    assert axes["C1", 1].rate == Fraction(9, 10)  # (4/5 + 1) / 2
    assert axes["C1", 2].rate == Fraction(1, 3)
    assert axes["C2", 1].rate == 1  # A2 is not applicable: only A1 (capped) counts
    assert axes["C3", 1].rate == Fraction(1, 6)  # (1/3 + 0) / 2
    assert (axes["C3", 2].rate, axes["C3", 2].no_indicator) == (1, True)
    assert (axes["C1", 3].rate, axes["C1", 3].no_indicator) == (1, True)
    assert axes["C1", 2].weight == Decimal("0.3")
    assert objectives["C1", 1].rate == Fraction(9, 10)
    assert (objectives["C1", 3].rate, objectives["C1", 3].no_indicator) == (None, True)
    assert (objectives["C3", 2].rate, objectives["C3", 2].no_indicator) == (None, True)
    assert result.axis_rates()["C1"] == {1: Fraction(9, 10), 2: Fraction(1, 3), 3: 1}


def test_weighted_means() -> None:
    result = _attainment(weights={"A1": 3, "A2": Decimal("1")})
    axes = {(r.chamber, r.axis): r.rate for r in result.axes}
    assert axes["C1", 1] == Fraction(17, 20)  # (3 × 4/5 + 1 × 1) / 4
    # A weight of 0 leaves the indicator out of the mean.
    result = _attainment(weights={"A2": 0})
    assert {(r.chamber, r.axis): r.rate for r in result.axes}["C3", 1] == Fraction(1, 3)


def test_cap_above_one_lets_an_indicator_compensate() -> None:
    result = _attainment(cap=2)
    rows = {(r.chamber, r.code): r.rate for r in result.indicators}
    assert rows["C2", "A1"] == Fraction(5, 4)


def test_network_rates() -> None:
    realised = dict(REALISED)
    realised["CM-X", "A1"] = 10  # a CM counts for the network
    realised["CM-X", "B1"] = None
    result = compute_attainment(2023, _rows(TARGETS), realised, MINI)
    network = {r.code: r for r in result.network_indicators}
    a1 = network["A1"]
    assert (a1.target, a1.realised, a1.realisation, a1.chambers_reporting) == (
        400,
        370,
        Fraction(37, 40),
        4,
    )
    # Mean of the capped chamber rates: C1 80/100, C2 250/200 capped at 1, C3 30/90.
    assert (a1.cmar_mean, a1.cmar_measured) == ((Fraction(4, 5) + 1 + Fraction(1, 3)) / 3, 3)
    assert network["A2"].target is None and network["A2"].realisation is None
    assert network["A2"].realised == 57
    b1 = network["B1"]
    assert (b1.target, b1.realised, b1.realisation) == (200, 30, Fraction(3, 20))
    axes = {r.axis: r for r in result.network_axes}
    # CM-X has no target at all: every axis unmeasured, left out of the network means.
    assert axes[1].rate == (Fraction(9, 10) + 1 + Fraction(1, 6)) / 3
    assert axes[1].chambers == 3
    assert (axes[2].rate, axes[2].chambers) == (Fraction(1, 3), 2)
    assert (axes[3].rate, axes[3].no_indicator, axes[3].chambers) == (1, True, 0)


def test_network_realisation_is_not_capped_and_cmar_means_leave_out_the_cm() -> None:
    """Issue #12: Σ realised / national target is shown as such (not capped), and the two
    CM of Alsace and Moselle count in the network's sums, not in the CMAR means."""
    targets = {("C1", "A1"): 200, ("C2", "A1"): 200, ("CM-X", "A1"): 100}
    realised = {("C1", "A1"): 300, ("C2", "A1"): 100, ("CM-X", "A1"): 38}
    result = compute_attainment(2023, _rows(targets), realised, MINI, outside_modulation=["CM-X"])
    a1 = {r.code: r for r in result.network_indicators}["A1"]
    assert a1.realisation == Fraction(438, 400)  # 109,5 %, not 100 %
    assert (a1.cmar_mean, a1.cmar_measured) == (Fraction(3, 4), 2)  # (1 + 1/2) / 2
    axis = {r.axis: r for r in result.network_axes}[1]
    assert (axis.rate, axis.chambers) == (Fraction(3, 4), 2)
    assert result.outside_modulation == ("CM-X",)
    # By default, the shipped registry's chambers outside the modulation are left out.
    shipped = compute_attainment(
        2023,
        [TargetRow("CM-ALSACE", "A1", 100, "dérivée"), TargetRow("C1", "A1", 100, "COM")],
        {("CM-ALSACE", "A1"): 0, ("C1", "A1"): 100},
        MINI,
    )
    assert {r.axis: r for r in shipped.network_axes}[1].rate == 1
    assert "CM-ALSACE" in shipped.outside_modulation


def test_network_target_without_any_value_is_missing() -> None:
    result = compute_attainment(2023, [], {("C1", "A1"): None}, MINI)
    a1 = {r.code: r for r in result.network_indicators}["A1"]
    assert (a1.realised, a1.realisation, a1.missing, a1.chambers_reporting) == (None, 0, True, 0)


def test_realised_from_polars_frame() -> None:
    frame = pl.DataFrame(
        {
            "annee": [2023, 2023, 2023, 2022],
            "chambre": ["C1", "C1", "C3", "C1"],
            "code": ["A1", "B1", "A2", "A1"],
            "realise": pl.Series([80, 10, None, 999], dtype=pl.Int64),
            "cible": [100, 30, 40, 1],
            "commentaire": [None, "ok", None, None],
        }
    )
    assert realised_from_frame(frame, 2023) == {
        ("C1", "A1"): 80,
        ("C1", "B1"): 10,
        ("C3", "A2"): None,
    }
    result = compute_attainment(2023, _rows(TARGETS), frame, MINI)
    assert {(r.chamber, r.code): r.rate for r in result.indicators}["C1", "A1"] == Fraction(4, 5)
    with pytest.raises(DataFileError, match="en double pour C1, A1"):
        realised_from_frame(frame)  # every year at once: duplicates


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pl.DataFrame({"chambre": ["C1"], "code": ["A1"]}),
            "colonne\\(s\\) manquante\\(s\\) : realise",
        ),
        (pl.DataFrame({"chambre": ["C1"], "code": ["A1"], "realise": [1.5]}), "non entier"),
        (pl.DataFrame({"chambre": ["C1"], "code": ["A1"], "realise": ["12"]}), "non entier"),
    ],
)
def test_realised_from_frame_errors(frame: pl.DataFrame, message: str) -> None:
    with pytest.raises(DataFileError, match=message) as info:
        realised_from_frame(frame)
    # The store is cmacop's: the way out is a restore or a rebuild, never an edit by hand.
    assert info.value.hint is not None and "ne le corrigez pas à la main" in info.value.hint


def test_integral_float_is_accepted() -> None:
    frame = pl.DataFrame({"chambre": ["C1"], "code": ["A1"], "realise": [12.0]})
    assert realised_from_frame(frame) == {("C1", "A1"): 12}


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"cap": Decimal("0.9")}, UsageError, "au moins 1"),
        ({"weights": {"A1": -1}}, UsageError, "négative pour : A1"),
        ({"weights": {"ZZ": 1}}, UsageError, "inconnu : ZZ"),
    ],
)
def test_bad_options(options: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        _attainment(**options)


@pytest.mark.parametrize(
    ("realised", "message"),
    [
        ({("C1", "Z9"): 3}, "indicateur « Z9 » absent du catalogue mini"),
        ({("C1", "A1"): -3}, "réalisé négatif pour C1, A1"),
    ],
)
def test_bad_realised(realised: dict[tuple[str, str], int], message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        compute_attainment(2023, [], realised, MINI)


def test_to_dict_serialises_rates_as_decimal_strings() -> None:
    data = _attainment().to_dict()
    assert data["annee"] == 2023
    assert data["plafond_taux"] == "1.000000"
    first = data["indicateurs"][0]
    assert first == {
        "chambre": "C1",
        "code": "A1",
        "cible": 100,
        "origine": "COM",
        "realise": 80,
        "taux": "0.800000",
        "applicable": True,
        "non_renseigne": False,
    }
    axis = data["axes"][1]
    assert (axis["taux"], axis["poids"]) == ("0.333333", "0.3")
    assert rate_str(Fraction(2, 3)) == "0.666667"
    assert rate_str(None) is None


def test_shipped_catalogue_end_to_end() -> None:
    catalogue = load_catalogue()
    key = {"CMAR-84": 1, "CMAR-11": 1}
    targets = regional_targets(2024, catalogue, None, key, ["CMAR-84", "CMAR-11"])
    realised = {("CMAR-84", "I1.3"): 3125, ("CMAR-11", "I1.3"): 1000}
    result = compute_attainment(2024, targets, realised, catalogue)
    rates = {(r.chamber, r.code): r.rate for r in result.indicators}
    assert rates["CMAR-84", "I1.3"] == 1  # 6250 / 2 = 3125
    assert rates["CMAR-11", "I1.3"] == Fraction(8, 25)
    assert rates["CMAR-84", "I1.1"] is None  # no national target after 2023
    assert rates["CMAR-84", "I1.4"] == 0  # target, nothing reported
    assert len(result.axes) == 2 * 6
    network = {r.code: r for r in result.network_indicators}
    assert (network["I1.3"].target, network["I1.3"].realised) == (6250, 4125)


TARGET = st.one_of(st.none(), st.integers(min_value=0, max_value=500))
VALUE = st.one_of(st.none(), st.integers(min_value=0, max_value=2000))
KEYS = [(c, code) for c in ("C1", "C2", "C3") for code in ("A1", "A2", "B1")]


@given(
    targets=st.fixed_dictionaries({k: TARGET for k in KEYS}),
    realised=st.fixed_dictionaries({k: VALUE for k in KEYS}),
    weights=st.fixed_dictionaries(
        {c: st.integers(min_value=0, max_value=5) for c in ("A1", "A2", "B1")}
    ),
)
def test_rates_stay_between_zero_and_one(
    targets: dict[tuple[str, str], int | None],
    realised: dict[tuple[str, str], int | None],
    weights: dict[str, int],
) -> None:
    result = compute_attainment(2023, _rows(targets), realised, MINI, weights=weights)
    rates = [r.rate for r in result.indicators if r.rate is not None]
    rates += [r.rate for r in result.objectives if r.rate is not None]
    rates += [r.rate for r in result.axes]
    rates += [r.cmar_mean for r in result.network_indicators if r.cmar_mean is not None]
    rates += [r.rate for r in result.network_axes]
    assert all(0 <= rate <= 1 for rate in rates)
    # The network's realisation is not capped (issue #12), but never negative.
    assert all(r.realisation >= 0 for r in result.network_indicators if r.realisation is not None)
    for row in result.indicators:
        assert row.applicable == (row.target is not None and row.target > 0)
