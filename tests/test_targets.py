"""National targets of a year, largest remainder apportionment and regional targets."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmacop.cop.catalogue import Indicator, load_catalogue
from cmacop.cop.registry import load_registry
from cmacop.cop.targets import TargetRow, apportion, national_target, regional_targets
from cmacop.errors import DataFileError


def _indicator(start: int | None, end: int | None, *, impact: bool = False) -> Indicator:
    return Indicator(
        code="X1.1",
        axis=1,
        objective=None if impact else 1,
        kind="flux",
        unit="nombre",
        label="test",
        definition="",
        impact=impact,
        target_2023=start,
        target_2027=end,
    )


@pytest.mark.parametrize(
    ("code", "year", "expected"),
    [
        ("I1.3", 2022, None),
        ("I1.3", 2023, 5000),
        ("I1.3", 2024, 6250),
        ("I1.3", 2025, 7500),
        ("I1.3", 2026, 8750),
        ("I1.3", 2027, 10000),
        ("I1.3", 2030, 10000),
        ("I1.1", 2023, 5000),
        ("I1.1", 2024, None),
        ("I1.2", 2023, 2500),
        ("I1.2", 2027, None),
        ("I2.1", 2024, 110),  # 80 + 120 × 1/4
        ("I2.1", 2025, 140),
        ("I2.1", 2026, 170),
        ("I1.4", 2025, 5000),  # flat trajectory
        ("I6.4", 2024, 1125),  # 500 + 2500 × 1/4
        ("M1.1", 2024, None),  # impact indicator: no target
    ],
)
def test_national_target_of_shipped_catalogue(code: str, year: int, expected: int | None) -> None:
    assert national_target(load_catalogue().indicator(code), year) == expected


@pytest.mark.parametrize(
    ("start", "end", "year", "expected"),
    [
        (1, 3, 2024, 2),  # 1.5 rounds half up
        (1, 3, 2026, 3),  # 2.5 rounds half up, not to even
        (3, 1, 2024, 3),  # decreasing: 2.5 rounds half up
        (3, 1, 2026, 2),  # 1.5
        (10, 11, 2025, 11),  # 10.5
        (10, 11, 2024, 10),  # 10.25
        (10, 11, 2026, 11),  # 10.75
        (None, 100, 2026, None),  # only the 2027 target is known
        (None, 100, 2027, 100),
        (None, 100, 2031, 100),
    ],
)
def test_national_target_interpolation(
    start: int | None, end: int | None, year: int, expected: int | None
) -> None:
    assert national_target(_indicator(start, end), year) == expected


def test_impact_indicator_has_no_target_even_with_values() -> None:
    assert national_target(_indicator(5, 10, impact=True), 2025) is None


@pytest.mark.parametrize(
    ("total", "key", "expected"),
    [
        # 10/3 each: floors 3+3+3, the last unit goes to the smallest code on a tie.
        (10, {"B": 1, "A": 1, "C": 1}, {"A": 4, "B": 3, "C": 3}),
        # quotas 1.4, 2.1, 3.5: the unit left goes to the largest remainder (Z).
        (7, {"X": 2, "Y": 3, "Z": 5}, {"X": 1, "Y": 2, "Z": 4}),
        # 0.5 each: two units for four equal remainders, A and B by code.
        (2, {"D": 1, "C": 1, "B": 1, "A": 1}, {"A": 1, "B": 1, "C": 0, "D": 0}),
        # a zero weight never receives a unit.
        (5, {"A": 0, "B": 1, "C": 1}, {"A": 0, "B": 3, "C": 2}),
        (0, {"A": 3, "B": 7}, {"A": 0, "B": 0}),
    ],
)
def test_apportion_by_hand(total: int, key: dict[str, int], expected: dict[str, int]) -> None:
    assert apportion(total, key) == expected


@pytest.mark.parametrize("key", [{}, {"A": 0, "B": 0}, {"A": 5, "B": -1}])
def test_apportion_refuses_bad_key(key: dict[str, int]) -> None:
    with pytest.raises(DataFileError, match="clé de répartition"):
        apportion(10, key)


@given(
    total=st.integers(min_value=0, max_value=10**7),
    key=st.dictionaries(
        st.text(alphabet="ABCDEFGHIJ-0123456789", min_size=1, max_size=6),
        st.integers(min_value=0, max_value=10**6),
        min_size=1,
        max_size=25,
    ).filter(lambda k: sum(k.values()) > 0),
)
def test_apportion_sums_to_total_within_floor_and_ceil(total: int, key: dict[str, int]) -> None:
    shares = apportion(total, key)
    assert set(shares) == set(key)
    assert sum(shares.values()) == total
    weight_sum = sum(key.values())
    for chamber, share in shares.items():
        quota = Fraction(total * key[chamber], weight_sum)
        assert math.floor(quota) <= share <= math.ceil(quota)


KEY = {"CMAR-84": 300, "CMAR-11": 500, "CM-ALSACE": 200}


def test_regional_targets_com_wins_then_derived() -> None:
    catalogue = load_catalogue()
    com = {
        ("CMAR-84", 2024, "I1.3"): 1234,
        ("CMAR-84", 2024, "I2.1"): 0,
        ("CMAR-84", 2025, "I1.4"): 9,
    }
    rows = regional_targets(2024, catalogue, com, KEY, ["CMAR-84", "CMAR-11", "CMAR-53"])
    by_key = {(r.chamber, r.code): r for r in rows}
    assert len(rows) == 3 * len(catalogue.indicators)
    assert by_key["CMAR-84", "I1.3"] == TargetRow("CMAR-84", "I1.3", 1234, "COM")
    # A COM target of 0 stays: it means "no target" and is not applicable later.
    assert by_key["CMAR-84", "I2.1"] == TargetRow("CMAR-84", "I2.1", 0, "COM")
    # I1.3 2024 = 6250 split 300:500:200 over the whole key -> 1875, 3125, 1250.
    assert by_key["CMAR-11", "I1.3"] == TargetRow("CMAR-11", "I1.3", 3125, "dérivée")
    # I2.1 2024 = 110 -> quotas 33, 55, 22.
    assert by_key["CMAR-11", "I2.1"].target == 55
    # A COM target of another year is ignored.
    assert by_key["CMAR-84", "I1.4"] == TargetRow("CMAR-84", "I1.4", 1500, "dérivée")
    # Outside the key, or no national target (I1.1 ends in 2023): None.
    assert by_key["CMAR-53", "I1.3"] == TargetRow("CMAR-53", "I1.3", None, "dérivée")
    assert by_key["CMAR-11", "I1.1"].target is None


def test_regional_targets_without_key_are_com_only() -> None:
    rows = regional_targets(2024, None, {("CMAR-84", 2024, "I1.3"): 7}, None, ["CMAR-84"])
    assert [r.target for r in rows if r.target is not None] == [7]


def test_regional_targets_default_to_reporting_chambers() -> None:
    catalogue = load_catalogue()
    rows = regional_targets(2025, catalogue, None, KEY)
    chambers = list(dict.fromkeys(r.chamber for r in rows))
    assert chambers == [c.code for c in load_registry().reporting]
    assert len(chambers) == 20
    assert "CMA-FRANCE" not in chambers
    assert {r.code for r in rows} == {i.code for i in catalogue.indicators}


def test_target_row_to_dict() -> None:
    assert TargetRow("CMAR-84", "I1.3", 12, "dérivée").to_dict() == {
        "chambre": "CMAR-84",
        "code": "I1.3",
        "cible": 12,
        "origine": "dérivée",
    }


@given(
    year=st.integers(min_value=2023, max_value=2029),
    weights=st.lists(st.integers(min_value=0, max_value=200_000), min_size=20, max_size=20).filter(
        lambda w: sum(w) > 0
    ),
)
def test_derived_targets_sum_to_national_target(year: int, weights: list[int]) -> None:
    catalogue = load_catalogue()
    reporting = [c.code for c in load_registry().reporting]
    key = dict(zip(reporting, weights, strict=True))
    rows = regional_targets(year, catalogue, None, key)
    for ind in catalogue.indicators:
        national = national_target(ind, year)
        derived = [r.target for r in rows if r.code == ind.code]
        if national is None:
            assert derived == [None] * len(reporting)
        else:
            assert sum(t or 0 for t in derived) == national
