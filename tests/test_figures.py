"""Figures that mean what they say (issue #12): progression toward 2027, impact indicators."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmacop.compute.impacts import impact_figure, median
from cmacop.compute.progress import (
    BASELINE_AT_TARGET,
    BELOW_BASELINE,
    EMPTY,
    NO_BASELINE,
    NO_TARGET_2027,
    NOT_REPORTED,
    RATE,
    REACHED,
    Progress,
    progress_toward_2027,
)
from cmacop.cop.catalogue import Indicator


def _ind(baseline: int | None, target_2027: int | None, **kw) -> Indicator:
    return Indicator(
        "X1", 1, 1, "flux", "nombre", "x", "", baseline=baseline, target_2027=target_2027, **kw
    )


@pytest.mark.parametrize(
    ("baseline", "target", "realised", "expected"),
    [
        # The cases of the issue, on the example campaign's 2024 figures:
        (10952, 11000, 11182, Progress(REACHED)),  # I4.1: was 479,2 %
        (6536, 7000, 7410, Progress(REACHED)),  # I4.2: was 188,4 %
        (661, 700, 742, Progress(REACHED)),  # I9.3: was 207,7 %
        (1360, 1200, 1246, Progress(REACHED)),  # I9.4: 2027 target already met, was 71,3 %
        (1360, 1200, 1100, Progress(EMPTY, reason=BASELINE_AT_TARGET)),  # baseline above
        (22000, 7500, 5899, Progress(EMPTY, reason=BASELINE_AT_TARGET)),  # I3.2: was 111,0 %
        (124178, 150000, 147920, Progress(RATE, Fraction(147920 - 124178, 150000 - 124178))),
        (124178, 150000, 120000, Progress(BELOW_BASELINE)),  # a fall is not a progression
        (None, 10000, 6172, Progress(EMPTY, reason=NO_BASELINE)),  # « n/a » in the contract
        (None, None, 5112, Progress(EMPTY, reason=NO_TARGET_2027)),  # I1.1: no 2027 target
        (114, 200, None, Progress(EMPTY, reason=NOT_REPORTED)),
    ],
)
def test_progress_toward_2027(baseline, target, realised, expected):
    assert progress_toward_2027(_ind(baseline, target), realised) == expected


@given(
    baseline=st.one_of(st.none(), st.integers(0, 200_000)),
    target=st.one_of(st.none(), st.integers(0, 200_000)),
    realised=st.one_of(st.none(), st.integers(0, 400_000)),
)
def test_a_progression_is_always_between_0_and_100_percent(baseline, target, realised):
    p = progress_toward_2027(_ind(baseline, target), realised)
    if p.state == RATE:
        assert p.rate is not None and 0 <= p.rate < 1
        assert baseline is not None and target is not None and realised is not None
        assert baseline <= realised < target
    else:
        assert p.rate is None
    if p.state == EMPTY:
        assert p.reason is not None


def test_a_baseline_that_is_not_the_networks_gives_no_progression(monkeypatch):
    """A baseline the catalogue marks as not the CMA network's (I3.2) is never a start."""
    from cmacop.compute import progress

    monkeypatch.setattr(progress, "network_baseline", lambda ind: None)
    p = progress_toward_2027(_ind(1383, 6000), 5453)
    assert p == Progress(EMPTY, reason=progress.BASELINE_NOT_NETWORK)


def _impact(unit: str, sample: str | None = None) -> Indicator:
    return Indicator("M1", 1, None, "flux", unit, "m", "", impact=True, sample=sample)


def test_a_rate_is_never_summed_median_and_range():
    values = {("A", "M1"): Decimal("60"), ("B", "M1"): Decimal("90"), ("C", "M1"): 75}
    f = impact_figure(_impact("%"), values, ["A", "B", "C", "D"])
    assert (f.reporting, f.expected) == (3, 4)
    assert (f.median, f.low, f.high, f.total) == (Decimal(75), Decimal(60), Decimal(90), None)
    assert f.weighted is None  # no firms measured given


def test_weighted_mean_where_the_firms_measured_are_given():
    values = {
        ("A", "M1"): Decimal("60"),
        ("A", "N1"): 300,
        ("B", "M1"): Decimal("90"),
        ("B", "N1"): 100,
        ("C", "M1"): Decimal("80"),  # no firms measured: in the median, not the weighted mean
        ("D", "M1"): Decimal("120"),  # outside 0-100 %: left out (a warning told the chamber)
    }
    f = impact_figure(_impact("%", sample="N1"), values, ["A", "B", "C", "D"])
    assert f.weighted == (Decimal(60) * 300 + Decimal(90) * 100) / 400
    assert (f.weighted_reporting, f.reporting, f.excluded) == (2, 3, 1)
    assert f.median == Decimal(80)


def test_an_amount_is_summed():
    values = {("A", "M1"): Decimal("1500.5"), ("B", "M1"): 2000, ("C", "M1"): None}
    f = impact_figure(_impact("€"), values, ["A", "B", "C"])
    assert (f.total, f.reporting, f.median) == (Decimal("3500.5"), 2, None)
    assert f.to_dict()["somme"] == "3500.5"


def test_median_of_an_even_count():
    assert median([Decimal(1), Decimal(4), Decimal(2), Decimal(3)]) == Decimal("2.5")


def test_a_sample_must_be_a_count_of_the_impacts(tmp_path, catalogue_text):
    from cmacop.cop.catalogue import load_catalogue
    from cmacop.errors import DataFileError

    text = catalogue_text.replace(
        'code = "M1.1"\naxe = 1\nunite = "%"',
        'code = "M1.1"\naxe = 1\nunite = "%"\neffectif = "M1.3"',
    )
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=r"effectif « M1\.3 »"):
        load_catalogue(path)
    counted = text.replace('effectif = "M1.3"', 'effectif = "M1.9"') + (
        '\n[[impacts]]\ncode = "M1.9"\naxe = 1\nunite = "nombre"\n'
        'libelle = "Entreprises interrogées (satisfaction)"\n'
    )
    path.write_text(counted, encoding="utf-8")
    cat = load_catalogue(path)
    assert cat.indicator("M1.1").sample == "M1.9"
    assert dataclasses.replace(cat.indicator("M1.1"), sample=None).sample is None
