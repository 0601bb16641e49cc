"""National targets of a year and their split into regional targets.

The COP gives national targets for 2023 and 2027 only; each COM declines them
into regional targets. When a chamber's COM gives no target for an indicator,
one is derived from the national target and an allocation key (number of
artisanal enterprises per chamber).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal

from cmacop.cop.catalogue import Catalogue, Indicator, load_catalogue
from cmacop.cop.registry import load_registry
from cmacop.errors import DataFileError

FIRST_YEAR = 2023  # the COP's first year: ``cible_2023`` of the catalogue
LAST_YEAR = 2027  # the COP's last year: ``cible_2027`` of the catalogue

Origin = Literal["COM", "dérivée"]
COM: Origin = "COM"
DERIVED: Origin = "dérivée"


def national_target(indicator: Indicator, year: int) -> int | None:
    """National target of ``indicator`` for ``year``; None when the COP sets none.

    Between the contract's 2023 and 2027 targets the trajectory is linear,
    rounded half up to a whole number; after 2027 the 2027 target holds.
    """
    if indicator.impact or year < FIRST_YEAR:
        return None  # impact indicators have no target (catalogue, « sans cible »)
    start, end = indicator.target_2023, indicator.target_2027
    if end is None:
        # I1.1, I1.2: a one-off 2023-2024 programme with a 2023 target only.
        return start if year == FIRST_YEAR else None
    if year >= LAST_YEAR:
        return end
    if start is None:
        return None  # only the 2027 target is known: nothing before 2027
    if year == FIRST_YEAR:
        return start
    step = Decimal(end - start) * (year - FIRST_YEAR) / (LAST_YEAR - FIRST_YEAR)
    return int((Decimal(start) + step).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def apportion(total: int, key: Mapping[str, int]) -> dict[str, int]:
    """Split ``total`` units by ``key`` with the largest remainder method.

    Each chamber gets the floor of its exact quota; the units left go to the
    largest fractional remainders, ties broken by chamber code. The shares sum
    exactly to ``total``.
    """
    if total < 0:
        raise ValueError(f"cannot apportion a negative total ({total})")
    for chamber, weight in key.items():
        if weight < 0:
            raise DataFileError(
                "clé de répartition : le nombre d'entreprises de "
                f"« {chamber} » est négatif ({weight})"
            )
    weight_sum = sum(key.values())
    if weight_sum == 0:
        raise DataFileError(
            "clé de répartition : la somme des nombres d'entreprises est nulle, "
            "impossible de répartir une cible nationale",
            hint="Renseignez le nombre d'entreprises artisanales de chaque chambre.",
        )
    quotas = {chamber: Fraction(total * weight, weight_sum) for chamber, weight in key.items()}
    shares = {chamber: q.numerator // q.denominator for chamber, q in quotas.items()}
    left = total - sum(shares.values())
    by_remainder = sorted(quotas, key=lambda c: (-(quotas[c] - shares[c]), c))
    for chamber in by_remainder[:left]:
        shares[chamber] += 1
    return shares


@dataclass(frozen=True)
class TargetRow:
    """The target of one chamber for one activity indicator in one year."""

    chamber: str
    code: str
    target: int | None
    origin: Origin

    def to_dict(self) -> dict[str, Any]:
        return {
            "chambre": self.chamber,
            "code": self.code,
            "cible": self.target,
            "origine": self.origin,
        }


def regional_targets(
    year: int,
    catalogue: Catalogue | None = None,
    com_targets: Mapping[tuple[str, int, str], int] | None = None,
    key: Mapping[str, int] | None = None,
    chambers: Iterable[str] | None = None,
) -> list[TargetRow]:
    """Targets of every chamber for every activity indicator of ``year``.

    A COM target wins (a COM target of 0 is kept: it means "no target"). Else
    the national target is apportioned over all the chambers of ``key`` (the
    same split whatever COM targets other chambers have); a chamber absent
    from the key, or an indicator without national target, gets None.
    ``chambers`` defaults to the reporting chambers of the shipped registry
    (the 18 CMAR and the 2 CM), in registry order.
    """
    catalogue = catalogue or load_catalogue()
    com_targets = com_targets or {}
    if chambers is None:
        chambers = [c.code for c in load_registry().reporting]
    chamber_list = list(chambers)
    derived: dict[str, dict[str, int]] = {}
    for ind in catalogue.indicators:
        national = national_target(ind, year)
        if national is not None and key is not None:
            derived[ind.code] = apportion(national, key)
    rows = []
    for chamber in chamber_list:
        for ind in catalogue.indicators:
            com = com_targets.get((chamber, year, ind.code))
            if com is not None:
                rows.append(TargetRow(chamber, ind.code, com, COM))
            else:
                rows.append(
                    TargetRow(chamber, ind.code, derived.get(ind.code, {}).get(chamber), DERIVED)
                )
    return rows
