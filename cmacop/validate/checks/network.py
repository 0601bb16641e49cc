"""Outliers across the network: a chamber's level far from the other chambers' (W-PLAUS-006).

Each count indicator is brought to a level per 1 000 artisanal enterprises of the
chamber (the allocation key), then compared across the chambers that reported it with
a robust z-score — the distance to the network's median in median absolute deviations
(Iglewicz and Hoaglin's modified z-score, 0,6745 × (x − médiane) / MAD). Beyond 3,5 the
value is a warning giving the chamber's level and the network's median. With fewer than
8 chambers reporting the indicator, nothing is said: there is no network to compare with.

A cmacop check (the contract sets no such rule), for what the checks against the
chamber's own target miss: a figure ten times the network's level for the chamber's
size is only caught by them if it is far from that target too. Plain Python: the same
function serves validation (``cmacop validate``, ``consolidate``, ``run``) and the
bilan's quality section (``cmacop.compute``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from statistics import fmean, median
from typing import Any

from cmacop.cop.catalogue import Catalogue, Indicator
from cmacop.french import fmt_number
from cmacop.validate.checks import Context, FileCheck

CODE = "W-PLAUS-006"
MIN_CHAMBERS = 8  # below, the network is too small for a median to mean anything
THRESHOLD = 3.5  # |z| beyond which a level is an outlier (Iglewicz and Hoaglin), by default
PER = 1000  # levels per 1 000 artisanal enterprises
_MAD_SCALE = 0.6745  # MAD of a normal distribution, in standard deviations
_MEAN_AD_SCALE = 1.253314  # when half the chambers share the median (MAD = 0)

Values = Mapping[str, Mapping[str, float]]  # chamber → indicator code → realised


@dataclass(frozen=True)
class Outlier:
    """One chamber's value of one indicator, far from the network's level."""

    chamber: str
    indicator: str
    realised: float
    enterprises: int
    level: float  # per 1 000 enterprises
    median: float  # the network's median level
    z: float  # robust z-score
    chambers: int  # chambers compared

    @property
    def message(self) -> str:
        side = "au-dessus" if self.z > 0 else "au-dessous"
        return (
            f"valeur atypique au regard du réseau : {level_text(self.level)} pour 1 000 "
            f"entreprises artisanales de la chambre, contre une médiane de "
            f"{level_text(self.median)} pour les {self.chambers} chambres ({side}, écart "
            f"robuste de {fmt_number(abs(self.z), 1)})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "chambre": self.chamber,
            "indicateur": self.indicator,
            "realise": self.realised,
            "entreprises": self.enterprises,
            "niveau_pour_1000": round(self.level, 4),
            "mediane_reseau_pour_1000": round(self.median, 4),
            "z_robuste": round(self.z, 2),
            "chambres": self.chambers,
        }


def level_text(level: float) -> str:
    """A level per 1 000 enterprises for people: ``12,4``, ``0,08``."""
    return fmt_number(level, 1 if abs(level) >= 1 or level == 0 else 2)


def compared(indicator: Indicator) -> bool:
    """Counts only: a rate or an amount per enterprise of the chamber means nothing."""
    return indicator.unit == "nombre"


def network_outliers(
    values: Values,
    key: Mapping[str, int],
    catalogue: Catalogue,
    *,
    only: Collection[str] | None = None,
    threshold: float = THRESHOLD,
) -> list[Outlier]:
    """The outliers of ``values`` (of one year), in catalogue then chamber order.

    ``only``: the chambers to report on (all by default); every chamber of ``values`` with
    an enterprise count in ``key`` counts in the network all the same. ``threshold``: the
    robust z-score beyond which a level is an outlier (``controles.seuil_reseau``).
    """
    out = []
    for ind in catalogue.all_indicators:
        if not compared(ind):
            continue
        levels = {
            chamber: by_code[ind.code] * PER / key[chamber]
            for chamber, by_code in values.items()
            if key.get(chamber) and by_code.get(ind.code) is not None
        }
        if len(levels) < MIN_CHAMBERS:
            continue
        middle = median(levels.values())
        spread = [abs(x - middle) for x in levels.values()]
        mad = median(spread)
        scale = mad / _MAD_SCALE if mad > 0 else fmean(spread) * _MEAN_AD_SCALE
        if scale == 0:
            continue
        for chamber in sorted(levels):
            if only is not None and chamber not in only:
                continue
            z = (levels[chamber] - middle) / scale
            if abs(z) > threshold:
                realised = float(values[chamber][ind.code])
                out.append(
                    Outlier(
                        chamber,
                        ind.code,
                        realised,
                        key[chamber],
                        levels[chamber],
                        middle,
                        z,
                        len(levels),
                    )
                )
    return out


def check_network(files: Iterable[FileCheck], ctx: Context) -> None:
    """W-PLAUS-006 on the files checked: each compared with the other chambers of its year.

    The network of a year is what the store gives for it (``--history`` naming the
    consolidation folder, as ``consolidate`` and ``run`` do), with the values of the files
    checked in place of their chamber's: without a store, the files checked together.
    """
    key = ctx.enterprises if ctx.enterprises is not None else ctx.key
    if not key:
        return
    current: dict[tuple[int, str], FileCheck] = {
        (fc.year, fc.chamber): fc
        for fc in files
        if fc.records and fc.chamber and fc.year and fc.replaced_by is None
    }
    if not current:
        return
    years = {year for year, _ in current}
    network: dict[int, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for (chamber, year, code), value in ctx.history.items():
        if year in years:
            network[year][chamber][code] = value
    for (year, chamber), fc in current.items():
        network[year][chamber] = {
            r.indicator.code: r.value
            for r in fc.records
            if r.value is not None and not fc.has_error(r.cell)
        }
    for year in years:
        mine = {chamber: fc for (y, chamber), fc in current.items() if y == year}
        found = network_outliers(
            network[year], key, ctx.catalogue, only=set(mine),
            threshold=ctx.thresholds.network,
        )  # fmt: skip
        for outlier in found:
            fc = mine[outlier.chamber]
            record = next(r for r in fc.records if r.indicator.code == outlier.indicator)
            fc.add(
                CODE,
                outlier.message,
                "Vérifiez la valeur (unité, périmètre, doubles comptes) ; si elle est juste, "
                "expliquez-la dans la colonne Commentaire.",
                at=record.cell,
                indicator=outlier.indicator,
                cause="{n} valeurs atypiques au regard du réseau",
                detail=f"{level_text(outlier.level)} pour 1 000 entreprises, médiane "
                f"{level_text(outlier.median)}",
            )
