"""TFCMA modulation: money to the cent, reconciliation and monotonicity."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmacop.compute import modulation as modulation_module
from cmacop.compute.attainment import compute_attainment
from cmacop.compute.modulation import (
    Modulation,
    ModulationLine,
    ReconciliationError,
    modulate,
    modulate_rates,
)
from cmacop.cop.catalogue import Axis, Catalogue, Indicator, Objective, load_catalogue
from cmacop.cop.rules import Decided, Decisions
from cmacop.cop.targets import TargetRow
from cmacop.errors import DataFileError


def _ind(code: str, axis: int) -> Indicator:
    return Indicator(code, axis, axis, "flux", "nombre", code, "")


# Two axes weighted 60 % / 40 %; performance share 35 % for tax year 2024.
WORKED = Catalogue(
    id="exemple",
    title="exemple",
    revision="test",
    axes=(Axis(1, "Axe 1", "A1", Decimal("0.6")), Axis(2, "Axe 2", "A2", Decimal("0.4"))),
    objectives=(Objective(1, 1, "O1"), Objective(2, 2, "O2")),
    indicators=(_ind("A1", 1), _ind("A2", 1), _ind("B1", 2)),
    impacts=(),
    performance_share={2024: Decimal("0.35"), 2025: Decimal("0.40")},
    deadline_month=2,
)

#            A1: target → realised    A2                   B1
# C1         100 → 80   (4/5)         50 → 50  (1)         30 → 10  (1/3)
# C2         200 → 250  (1, capped)   30 → 20  (2/3)       60 → 20  (1/3)
# C3          90 → 30   (1/3)         40 → —   (0)          0 → 12  (not applicable)
# CM-X        10 → 10                                        (no base: outside)
TARGETS = {
    ("C1", "A1"): 100,
    ("C1", "A2"): 50,
    ("C1", "B1"): 30,
    ("C2", "A1"): 200,
    ("C2", "A2"): 30,
    ("C2", "B1"): 60,
    ("C3", "A1"): 90,
    ("C3", "A2"): 40,
    ("C3", "B1"): 0,
    ("CM-X", "A1"): 10,
}
REALISED: dict[tuple[str, str], int | None] = {
    ("C1", "A1"): 80,
    ("C1", "A2"): 50,
    ("C1", "B1"): 10,
    ("C2", "A1"): 250,
    ("C2", "A2"): 20,
    ("C2", "B1"): 20,
    ("C3", "A1"): 30,
    ("C3", "A2"): None,
    ("C3", "B1"): 12,
    ("CM-X", "A1"): 10,
}
BASES = {"C1": Decimal("1000002.57"), "C2": Decimal("123456.78"), "C3": Decimal("50000.10")}


def _rows(targets: Mapping[tuple[str, str], int | None]) -> list[TargetRow]:
    return [TargetRow(c, code, t, "COM") for (c, code), t in targets.items()]


def _worked() -> Modulation:
    attainment = compute_attainment(2023, _rows(TARGETS), REALISED, WORKED)
    return modulate(attainment, BASES, WORKED)


def test_worked_example_rates() -> None:
    lines = {line.chamber: line for line in _worked().lines}
    assert lines["C1"].axis_rates == {1: Fraction(9, 10), 2: Fraction(1, 3)}
    assert lines["C2"].axis_rates == {1: Fraction(5, 6), 2: Fraction(1, 3)}
    assert lines["C3"].axis_rates == {1: Fraction(1, 6), 2: 1}  # axis 2: nothing to measure
    assert "CM-X" not in lines


def test_worked_example_c1_rounds_the_sum_once() -> None:
    # P = 1 000 002,57 × 0,35 = 350 000,8995 -> 350 000,90 ; F = 650 001,67.
    # Axis 1: 350 000,90 × 0,6 × (1 − 9/10) = 21 000,054     -> 21 000,05 shown
    # Axis 2: 350 000,90 × 0,4 × (1 − 1/3)  = 93 333,57333…  -> 93 333,57 shown
    # Exact sum 114 333,62733… -> 114 333,63; the rounded terms would give 114 333,62.
    line = _worked().line("C1")
    assert line.base == Decimal("1000002.57")
    assert line.performance_part == Decimal("350000.90")
    assert line.operating_part == Decimal("650001.67")
    assert line.axis_reductions == {1: Decimal("21000.05"), 2: Decimal("93333.57")}
    assert sum(line.axis_reductions.values()) == Decimal("114333.62")
    assert line.reduction == Decimal("114333.63")
    assert line.final == Decimal("885668.94")
    assert not line.no_data


def test_worked_example_c2() -> None:
    # P = 123 456,78 × 0,35 = 43 209,873 -> 43 209,87 ; F = 80 246,91.
    # Axis 1: 43 209,87 × 0,6 × 1/6 = 4 320,987 ; axis 2: 43 209,87 × 0,4 × 2/3 = 11 522,632.
    # Exact sum 15 843,619 -> 15 843,62.
    line = _worked().line("C2")
    assert line.performance_part == Decimal("43209.87")
    assert line.operating_part == Decimal("80246.91")
    assert line.axis_reductions == {1: Decimal("4320.99"), 2: Decimal("11522.63")}
    assert line.reduction == Decimal("15843.62")
    assert line.final == Decimal("107613.16")


def test_worked_example_c3_half_cent_rounds_up() -> None:
    # P = 50 000,10 × 0,35 = 17 500,035 -> 17 500,04 (half up) ; F = 32 500,06.
    # Axis 1: 17 500,04 × 0,6 × 5/6 = 8 750,02 ; axis 2 at rate 1: 0.
    line = _worked().line("C3")
    assert line.performance_part == Decimal("17500.04")
    assert line.operating_part == Decimal("32500.06")
    assert line.axis_reductions == {1: Decimal("8750.02"), 2: Decimal("0.00")}
    assert line.reduction == Decimal("8750.02")
    assert line.final == Decimal("41250.08")


def test_worked_example_totals() -> None:
    result = _worked()
    assert (result.results_year, result.tax_year, result.share) == (2023, 2024, Decimal("0.35"))
    assert result.total_base == Decimal("1173459.45")
    assert result.total_performance == Decimal("410710.81")
    assert result.total_operating == Decimal("762748.64")
    assert result.pool == Decimal("138927.27")
    assert result.total_final == Decimal("1034532.18")
    assert result.total_final + result.pool == result.total_base


def test_to_dict_gives_strings_for_money() -> None:
    data = _worked().to_dict()
    assert data["annee_taxe"] == 2024
    assert data["parametres"] == {
        "part_performance": "0.35",
        "poids_axes": {"1": "0.6", "2": "0.4"},
        "plafond_taux": "1.000000",
        # The rules behind the figures (issue #11): nothing decided, all cmacop defaults.
        "part_performance_source": "provisoire : part performance non arrêtée",
        "taux_axe": "indicateurs",
        "chambre_sans_resultats": "zero",
    }
    assert data["proposition"] is True
    assert data["regles_non_decidees"] == [
        "part_performance",
        "taux_axe",
        "plafond_taux",
        "poids_indicateurs",
    ]
    assert data["chambres"][0] == {
        "chambre": "C1",
        "base": "1000002.57",
        "part_performance": "350000.90",
        "part_fonctionnement": "650001.67",
        "taux_axe": {"1": "0.900000", "2": "0.333333"},
        "reduction_axe": {"1": "21000.05", "2": "93333.57"},
        "reduction": "114333.63",
        "dotation_finale": "885668.94",
        "sans_donnees": False,
        "sans_resultats_a_arbitrer": False,
    }
    assert data["totaux"]["reserve_projets_nationaux"] == "138927.27"


def test_chamber_with_base_and_no_data_loses_its_performance_part() -> None:
    result = modulate_rates(2023, {"C9": Decimal("1000.00")}, {}, WORKED)
    line = result.line("C9")
    assert line.no_data
    assert line.axis_rates == {1: 0, 2: 0}
    assert (line.performance_part, line.reduction, line.final) == (
        Decimal("350.00"),
        Decimal("350.00"),
        Decimal("650.00"),
    )
    assert result.pool == Decimal("350.00")


def test_share_override_and_schedule() -> None:
    rates = {"C1": {1: Fraction(1, 2), 2: Fraction(1)}}
    scheduled = modulate_rates(2024, {"C1": Decimal("100")}, rates, WORKED)
    assert (scheduled.tax_year, scheduled.share) == (2025, Decimal("0.40"))
    assert scheduled.line("C1").reduction == Decimal("12.00")  # 40 × 0,6 × 1/2
    decided = Decisions(shares={2025: Decided(Decimal("0.5"), "Assemblée générale")})
    override = modulate_rates(
        2024, {"C1": Decimal("100")}, rates, WORKED, rules=decided.for_year(2024, WORKED)
    )
    assert override.share == Decimal("0.5")
    assert override.line("C1").reduction == Decimal("15.00")


def test_rate_above_one_never_gives_money_back() -> None:
    result = modulate_rates(
        2023, {"C1": Decimal("100.00")}, {"C1": {1: Fraction(3, 2), 2: Fraction(1, 2)}}, WORKED
    )
    line = result.line("C1")
    assert line.axis_reductions == {1: Decimal("0.00"), 2: Decimal("7.00")}
    assert line.final == Decimal("93.00")


@pytest.mark.parametrize("base", [Decimal("-1.00"), Decimal("10.001")])
def test_bad_base(base: Decimal) -> None:
    with pytest.raises(DataFileError, match="base TFCMA de C1 invalide"):
        modulate_rates(2023, {"C1": base}, {}, WORKED)


def test_incomplete_axis_rates_are_refused() -> None:
    with pytest.raises(ValueError, match="no rate for axes"):
        modulate_rates(2023, {"C1": Decimal(1)}, {"C1": {1: Fraction(1)}}, WORKED)


def test_reconciliation_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    real_line = modulation_module._line

    def off_by_one_cent(*args: Any, **kwargs: Any) -> ModulationLine:
        line = real_line(*args, **kwargs)
        return dataclasses.replace(line, final=line.final + Decimal("0.01"))

    monkeypatch.setattr(modulation_module, "_line", off_by_one_cent)
    with pytest.raises(ReconciliationError, match="ne se réconcilie pas"):
        _worked()


def test_shipped_catalogue_weights_and_share() -> None:
    catalogue = load_catalogue()
    rates = {"CMAR-84": dict.fromkeys(range(1, 7), Fraction(0))}
    result = modulate_rates(2023, {"CMAR-84": Decimal("10000000.00")}, rates, catalogue)
    assert result.share == Decimal("0.3875")  # tax year 2024
    assert sum(result.axis_weights.values()) == 1
    line = result.line("CMAR-84")
    assert line.performance_part == Decimal("3875000.00")
    assert line.reduction == line.performance_part
    assert line.axis_reductions[3] == Decimal("968750.00")  # 25 %


# --- properties --------------------------------------------------------------

CHAMBERS = ("C1", "C2", "C3")
KEYS = [(c, code) for c in CHAMBERS for code in ("A1", "A2", "B1")]
TARGET = st.one_of(st.none(), st.integers(min_value=0, max_value=300))
VALUE = st.one_of(st.none(), st.integers(min_value=0, max_value=600))
BASE = st.integers(min_value=0, max_value=10**12).map(lambda cents: Decimal(cents) / 100)
SHARE = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n) / 10_000)


def _run(
    targets: dict[tuple[str, str], int | None],
    realised: dict[tuple[str, str], int | None],
    bases: dict[str, Decimal],
    share: Decimal,
) -> Modulation:
    attainment = compute_attainment(2023, _rows(targets), realised, WORKED)
    rules = Decisions(shares={2024: Decided(share, "simulation")}).for_year(2023, WORKED)
    return modulate(attainment, bases, WORKED, rules=rules)


@given(
    targets=st.fixed_dictionaries({k: TARGET for k in KEYS}),
    realised=st.fixed_dictionaries({k: VALUE for k in KEYS}),
    bases=st.dictionaries(st.sampled_from((*CHAMBERS, "C4")), BASE),
    share=SHARE,
)
def test_money_reconciles_to_the_cent(
    targets: dict[tuple[str, str], int | None],
    realised: dict[tuple[str, str], int | None],
    bases: dict[str, Decimal],
    share: Decimal,
) -> None:
    result = _run(targets, realised, bases, share)
    assert result.total_final + result.pool == sum(bases.values(), Decimal(0))
    for line in result.lines:
        assert line.performance_part + line.operating_part == line.base
        assert Decimal(0) <= line.reduction <= line.performance_part
        assert line.final == line.base - line.reduction
        assert line.no_data == (line.chamber == "C4")
        # Rounding once can differ from the sum of rounded terms by at most a cent per axis.
        assert abs(sum(line.axis_reductions.values()) - line.reduction) <= Decimal("0.02")


@settings(max_examples=200)
@given(
    targets=st.fixed_dictionaries({k: TARGET for k in KEYS}),
    realised=st.fixed_dictionaries({k: VALUE for k in KEYS}),
    bases=st.fixed_dictionaries({c: BASE for c in CHAMBERS}),
    share=SHARE,
    raised=st.sampled_from(KEYS),
    increment=st.integers(min_value=1, max_value=300),
)
def test_raising_a_realised_value_never_lowers_an_allocation(
    targets: dict[tuple[str, str], int | None],
    realised: dict[tuple[str, str], int | None],
    bases: dict[str, Decimal],
    share: Decimal,
    raised: tuple[str, str],
    increment: int,
) -> None:
    before = _run(targets, realised, bases, share)
    higher = dict(realised)
    higher[raised] = (realised[raised] or 0) + increment
    after = _run(targets, higher, bases, share)
    for chamber in CHAMBERS:
        assert after.line(chamber).final >= before.line(chamber).final
    assert after.pool <= before.pool


@given(
    targets=st.fixed_dictionaries({k: TARGET for k in KEYS}),
    extra=st.fixed_dictionaries({k: st.integers(min_value=0, max_value=100) for k in KEYS}),
    bases=st.fixed_dictionaries({c: BASE for c in CHAMBERS}),
    share=SHARE,
)
def test_meeting_every_target_loses_nothing(
    targets: dict[tuple[str, str], int | None],
    extra: dict[tuple[str, str], int],
    bases: dict[str, Decimal],
    share: Decimal,
) -> None:
    realised: dict[tuple[str, str], int | None] = {k: (targets[k] or 0) + extra[k] for k in KEYS}
    result = _run(targets, realised, bases, share)
    for line in result.lines:
        assert line.final == line.base
        assert line.reduction == 0
    assert result.pool == 0
