"""The network's figure for each impact indicator, by unit (issue #12).

A rate (%) is never summed nor averaged blindly over chambers of very different sizes:
the network shows its median, its range and how many chambers reported it, and the mean
weighted by the number of firms measured where the submission gives it (an impact
indicator of unit « nombre » named by the rate's ``effectif`` in the catalogue). An
amount (€, tCO2e) or a count is summed. Impact indicators have no target and stay
outside the modulation unless an avenant says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cmacop.cop.catalogue import Catalogue, Indicator

RATE_UNIT = "%"
RATE_BOUNDS = (Decimal(0), Decimal(100))


@dataclass(frozen=True)
class ImpactFigure:
    """One impact indicator for the network: who reported it and its figure by unit.

    For a rate: ``median``, ``low``, ``high`` in percent (as chambers give them) and
    ``weighted`` when firms measured were given; values outside 0-100 are ``excluded``
    (a validation warning told the chamber). For an amount or a count: ``total``.
    """

    code: str
    unit: str
    reporting: int  # chambers with a usable value
    expected: int  # chambers whose figures were consolidated
    median: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    weighted: Decimal | None = None  # mean weighted by the firms measured
    weighted_reporting: int = 0  # chambers that gave the firms measured
    total: Decimal | None = None
    excluded: int = 0  # rates outside 0-100 %, left out

    @property
    def is_rate(self) -> bool:
        return self.unit == RATE_UNIT

    def to_dict(self) -> dict[str, Any]:
        def num(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "code": self.code,
            "unite": self.unit,
            "chambres_renseignees": self.reporting,
            "chambres_consolidees": self.expected,
            "mediane": num(self.median),
            "minimum": num(self.low),
            "maximum": num(self.high),
            "moyenne_ponderee": num(self.weighted),
            "chambres_avec_effectif": self.weighted_reporting,
            "somme": num(self.total),
            "valeurs_ecartees": self.excluded,
        }


def _decimal(value: object) -> Decimal | None:
    """A stored impact value as a Decimal (None when absent or not a number)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int | float):
        number = Decimal(str(value))
        return number if number.is_finite() else None
    return None


def median(values: list[Decimal]) -> Decimal:
    """The median (mean of the two middle values for an even count)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def impact_figure(
    indicator: Indicator,
    values: Mapping[tuple[str, str], object],
    chambers: Iterable[str],
) -> ImpactFigure:
    """The network's figure of one impact indicator over ``chambers`` (those consolidated)."""
    chambers = list(chambers)
    given = {c: v for c in chambers if (v := _decimal(values.get((c, indicator.code)))) is not None}
    if indicator.unit != RATE_UNIT:
        return ImpactFigure(
            indicator.code,
            indicator.unit,
            len(given),
            len(chambers),
            total=sum(given.values(), Decimal(0)) if given else None,
        )
    low, high = RATE_BOUNDS
    usable = {c: v for c, v in given.items() if low <= v <= high}
    weighted, with_sample = None, 0
    if indicator.sample is not None:
        pairs = [
            (v, n)
            for c, v in usable.items()
            if (n := _decimal(values.get((c, indicator.sample)))) is not None and n > 0
        ]
        if pairs:
            firms = sum((n for _, n in pairs), Decimal(0))
            weighted = sum((v * n for v, n in pairs), Decimal(0)) / firms
            with_sample = len(pairs)
    rates = list(usable.values())
    return ImpactFigure(
        indicator.code,
        indicator.unit,
        len(rates),
        len(chambers),
        median=median(rates) if rates else None,
        low=min(rates) if rates else None,
        high=max(rates) if rates else None,
        weighted=weighted,
        weighted_reporting=with_sample,
        excluded=len(given) - len(usable),
    )


def impact_figures(
    catalogue: Catalogue, values: Mapping[tuple[str, str], object], chambers: Iterable[str]
) -> dict[str, ImpactFigure]:
    """Every impact indicator's network figure, by code."""
    chambers = list(chambers)
    return {ind.code: impact_figure(ind, values, chambers) for ind in catalogue.impacts}
