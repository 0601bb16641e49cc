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

from cmacop.cop.avenants import FIRST_YEAR as FIRST_YEAR
from cmacop.cop.avenants import LAST_YEAR as LAST_YEAR
from cmacop.cop.avenants import Avenants
from cmacop.cop.catalogue import Catalogue, Indicator, load_catalogue
from cmacop.cop.registry import load_registry
from cmacop.errors import DataFileError

Origin = Literal["COM", "dérivée"]
COM: Origin = "COM"
DERIVED: Origin = "dérivée"

# Where a national target comes from (besides an avenant, named by its id).
CONTRACT = "contrat"  # the contract's 2023 or 2027 figure
INTERPOLATED = "interpolation"  # between them, linear (a cmacop default)


def national_target(
    indicator: Indicator, year: int, avenants: Avenants | None = None
) -> int | None:
    """National target of ``indicator`` for ``year``; None when neither the COP nor an
    avenant in force sets one (see :func:`national_target_source`)."""
    return national_target_source(indicator, year, avenants)[0]


def national_target_source(
    indicator: Indicator, year: int, avenants: Avenants | None = None
) -> tuple[int | None, str | None]:
    """``(target, source)``: the latest avenant in force that sets it (source: its id), else
    the contract's 2023 or 2027 figure (``contrat``), else the linear trajectory between
    them, rounded half up to a whole number (``interpolation``); after 2027 the 2027
    target holds. Impact indicators have a target only from an avenant.
    """
    if avenants is not None:
        found = avenants.target(indicator.code, year)
        if found is not None:
            return found
    target = _contract_target(indicator, year)
    if target is None:
        return None, None
    contract = year >= LAST_YEAR or (year == FIRST_YEAR and indicator.target_2023 is not None)
    return target, CONTRACT if contract else INTERPOLATED


def _contract_target(indicator: Indicator, year: int) -> int | None:
    if indicator.impact or year < FIRST_YEAR:
        return None  # impact indicators have no target in the contract
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
    avenants: Avenants | None = None,
) -> list[TargetRow]:
    """Targets of every chamber for every activity indicator of ``year``, and for every
    impact indicator an avenant in force makes count (after them).

    A COM target wins (a COM target of 0 is kept: it means "no target"). Else
    the national target is apportioned over all the chambers of ``key`` (the
    same split whatever COM targets other chambers have); a chamber absent
    from the key, or an indicator without national target, gets None. A rate
    (unit « % ») is not apportioned: each chamber's target is the national rate.
    ``chambers`` defaults to the reporting chambers of the shipped registry
    (the 18 CMAR and the 2 CM), in registry order.
    """
    catalogue = catalogue or load_catalogue()
    com_targets = com_targets or {}
    if chambers is None:
        chambers = [c.code for c in load_registry().reporting]
    chamber_list = list(chambers)
    counted = list(catalogue.indicators)
    if avenants is not None:
        counted += avenants.modulated_impacts(year, catalogue)
    derived: dict[str, dict[str, int]] = {}
    for ind in counted:
        national = national_target(ind, year, avenants)
        if national is not None and key is not None:
            if ind.unit == "%":
                derived[ind.code] = dict.fromkeys(key, national)
            else:
                derived[ind.code] = apportion(national, key)
    rows = []
    for chamber in chamber_list:
        for ind in counted:
            com = com_targets.get((chamber, year, ind.code))
            if com is not None:
                rows.append(TargetRow(chamber, ind.code, com, COM))
            else:
                rows.append(
                    TargetRow(chamber, ind.code, derived.get(ind.code, {}).get(chamber), DERIVED)
                )
    return rows


def catalogue_rows(
    catalogue: Catalogue, year: int | None = None, avenants: Avenants | None = None
) -> list[dict[str, Any]]:
    """``cmacop catalogue``'s rows; with ``year``, each activity indicator's national target
    in force that year (``cible_annee``) and where it comes from (``source_cible``:
    ``contrat``, ``interpolation`` or the avenant's id; empty without a target)."""
    rows = catalogue.to_rows()
    if year is None:
        return rows
    for row, ind in zip(rows, catalogue.indicators, strict=True):
        target, source = national_target_source(ind, year, avenants)
        row["cible_annee"], row["source_cible"] = target, source
    return rows


def catalogue_view(
    catalogue: Catalogue, year: int | None = None, avenants: Avenants | None = None
) -> dict[str, Any]:
    """``cmacop catalogue --format json``: the catalogue; with ``year``, the targets in force
    that year, the impact indicators an avenant gives a target, and the avenants in force."""
    view = catalogue.to_dict()
    if year is None:
        return view
    counted = {i.code for i in (avenants or Avenants()).modulated_impacts(year, catalogue)}
    extra = {r["code"]: r for r in catalogue_rows(catalogue, year, avenants)}
    view["annee"] = year
    view["indicateurs"] = [
        {**row, "cible_annee": extra[row["code"]]["cible_annee"],
         "source_cible": extra[row["code"]]["source_cible"]}
        for row in view["indicateurs"]
    ]  # fmt: skip
    impacts = []
    for row, ind in zip(view["impacts"], catalogue.impacts, strict=True):
        target, source = national_target_source(ind, year, avenants)
        impacts.append({**row, "cible_annee": target, "source_cible": source,
                        "dans_modulation": ind.code in counted})  # fmt: skip
    view["impacts"] = impacts
    view["avenants_en_vigueur"] = [a.to_dict() for a in (avenants or Avenants()).in_force(year)]
    return view
