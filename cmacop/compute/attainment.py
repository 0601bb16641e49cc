"""Attainment of the targets: per indicator, objective and axis, per chamber and network.

Every rate is an exact :class:`~fractions.Fraction`; nothing here is rounded or
formatted for people (``to_dict`` only serialises, see :data:`RATE_PLACES`).
Targets come from :mod:`cmacop.cop.targets`, the TFCMA modulation that uses the
axis rates lives in :mod:`cmacop.compute.modulation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from cmacop.cop.avenants import Avenants
from cmacop.cop.catalogue import Catalogue, Indicator, load_catalogue
from cmacop.cop.registry import load_registry
from cmacop.cop.rules import AXIS_RATES, BY_INDICATORS
from cmacop.cop.targets import Origin, TargetRow, national_target
from cmacop.errors import DataFileError, UsageError

Number = int | Decimal | Fraction
RealisedKey = tuple[str, str]  # (chambre, code)
Realised = int | Decimal  # a count; an impact indicator's rate or amount may have decimals

# Rates are exact fractions; ``to_dict`` writes them as decimals with this many places.
RATE_PLACES = 6


@dataclass(frozen=True)
class IndicatorRate:
    """A chamber's attainment of one indicator; ``rate`` is None when not applicable."""

    chamber: str
    code: str
    target: int | None
    origin: Origin | None
    realised: Realised | None
    rate: Fraction | None
    applicable: bool
    missing: bool  # « non renseigné »: a target > 0 and no realised value

    def to_dict(self) -> dict[str, Any]:
        return {
            "chambre": self.chamber,
            "code": self.code,
            "cible": self.target,
            "origine": self.origin,
            "realise": self.realised
            if not isinstance(self.realised, Decimal)
            else str(self.realised),
            "taux": rate_str(self.rate),
            "applicable": self.applicable,
            "non_renseigne": self.missing,
        }


@dataclass(frozen=True)
class ObjectiveRate:
    """Mean rate of an objective's applicable indicators; None when it has none."""

    chamber: str
    objective: int
    axis: int
    rate: Fraction | None
    no_indicator: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "chambre": self.chamber,
            "objectif": self.objective,
            "axe": self.axis,
            "taux": rate_str(self.rate),
            "sans_indicateur": self.no_indicator,
        }


@dataclass(frozen=True)
class AxisRate:
    """Mean rate of an axis's applicable indicators (or of its objectives, ``taux_axe =
    "objectifs"``); 1 (flagged) when it has none."""

    chamber: str
    axis: int
    rate: Fraction
    weight: Decimal
    no_indicator: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "chambre": self.chamber,
            "axe": self.axis,
            "taux": rate_str(self.rate),
            "poids": str(self.weight),
            "sans_indicateur": self.no_indicator,
        }


@dataclass(frozen=True)
class NetworkIndicatorRate:
    """The network on one indicator: two figures that must not be confused.

    ``realisation`` is Σ realised of every chamber that gave a value (the 18 CMAR and
    the two CM of Alsace and Moselle) ÷ national target, **not capped**: what the
    network did against the contract's target. ``cmar_mean`` is the mean of the CMAR's
    capped indicator rates (the rates the modulation uses), over the CMAR with a target.
    """

    code: str
    target: int | None
    realised: int | None
    realisation: Fraction | None  # Σ realised / national target, uncapped
    cmar_mean: Fraction | None  # mean of the CMAR's capped rates (modulation)
    cmar_measured: int  # CMAR whose rate entered ``cmar_mean``
    applicable: bool
    missing: bool
    chambers_reporting: int  # submitting chambers that gave a value

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "cible": self.target,
            "realise": self.realised,
            "taux_realisation": rate_str(self.realisation),
            "atteinte_moyenne_cmar": rate_str(self.cmar_mean),
            "cmar_mesurees": self.cmar_measured,
            "applicable": self.applicable,
            "non_renseigne": self.missing,
            "chambres_renseignees": self.chambers_reporting,
        }


@dataclass(frozen=True)
class NetworkAxisRate:
    """Mean attainment of the CMAR on an axis: the mean of their (capped) axis rates.

    Only chambers inside the modulation count (the CM of Alsace and Moselle do not),
    and only those that measured the axis.
    """

    axis: int
    rate: Fraction
    weight: Decimal
    no_indicator: bool
    chambers: int  # CMAR whose axis rate entered the mean

    def to_dict(self) -> dict[str, Any]:
        return {
            "axe": self.axis,
            "atteinte_moyenne_cmar": rate_str(self.rate),
            "poids": str(self.weight),
            "sans_indicateur": self.no_indicator,
            "cmar": self.chambers,
        }


@dataclass(frozen=True)
class Attainment:
    """All the rates of one results year."""

    year: int
    cap: Fraction
    axis_rate: str  # how an axis rate is made: BY_INDICATORS or BY_OBJECTIVES
    chambers: tuple[str, ...]
    indicators: tuple[IndicatorRate, ...]
    objectives: tuple[ObjectiveRate, ...]
    axes: tuple[AxisRate, ...]
    network_indicators: tuple[NetworkIndicatorRate, ...]
    network_axes: tuple[NetworkAxisRate, ...]
    outside_modulation: tuple[str, ...] = ()  # chambers left out of the CMAR means

    def axis_rates(self) -> dict[str, dict[int, Fraction]]:
        """``{chamber: {axis: rate}}``, the input of the TFCMA modulation."""
        rates: dict[str, dict[int, Fraction]] = {c: {} for c in self.chambers}
        for row in self.axes:
            rates[row.chamber][row.axis] = row.rate
        return rates

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "plafond_taux": rate_str(self.cap),
            "taux_axe": self.axis_rate,
            "chambres": list(self.chambers),
            "hors_modulation": list(self.outside_modulation),
            "indicateurs": [r.to_dict() for r in self.indicators],
            "objectifs": [r.to_dict() for r in self.objectives],
            "axes": [r.to_dict() for r in self.axes],
            "reseau_indicateurs": [r.to_dict() for r in self.network_indicators],
            "reseau_axes": [r.to_dict() for r in self.network_axes],
        }


# The store is written by cmacop only: values it cannot use mean it was changed by hand or
# damaged, and the way out is to rebuild it from the chambers' files, never to edit it.
STORE_HINT = (
    "Le dépôt de consolidation a été modifié hors de cmacop ou est endommagé : ne le "
    "corrigez pas à la main. Restaurez-le depuis la sauvegarde du lecteur, ou "
    "reconstruisez-le dans un dossier neuf à partir des fichiers déposés "
    "(cmacop consolidate depot/<année> --year <année> --store NOUVEAU_DOSSIER)."
)


def _store_error(message: str) -> DataFileError:
    return DataFileError(f"données consolidées : {message}", hint=STORE_HINT)


def rate_str(rate: Fraction | None) -> str | None:
    """A rate as a decimal string (:data:`RATE_PLACES` places, half up), for JSON."""
    if rate is None:
        return None
    exact = Decimal(rate.numerator) / Decimal(rate.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-RATE_PLACES), rounding=ROUND_HALF_UP))


def indicator_rate(
    target: int | None, realised: Realised | None, cap: Number = 1
) -> Fraction | None:
    """``min(realised / target, cap)``; None without a target > 0; 0 when not realised."""
    if target is None or target <= 0:
        return None  # a COM target of 0 means "no target": not applicable
    if realised is None:
        return Fraction(0)
    return min(Fraction(realised) / target, Fraction(cap))


def realisation_rate(target: int | None, realised: int | None) -> Fraction | None:
    """``realised / target``, **not capped** (109,6 % stays 109,6 %); None without a target > 0."""
    if target is None or target <= 0:
        return None
    return Fraction(realised or 0, target)


def realised_from_frame(
    frame: pl.DataFrame, year: int | None = None, decimals: Iterable[str] = ()
) -> dict[RealisedKey, Realised | None]:
    """``{(chambre, code): realise}`` from a frame with columns chambre, code, realise.

    When ``year`` is given and the frame has an ``annee`` column, only that
    year's rows are kept (the consolidation store holds every year). Values are whole
    numbers, except for the codes of ``decimals`` (impact indicators: rates, amounts).
    """
    exact = set(decimals)
    missing = [c for c in ("chambre", "code", "realise") if c not in frame.columns]
    if missing:
        raise _store_error(f"colonne(s) manquante(s) : {', '.join(missing)}")
    if year is not None and "annee" in frame.columns:
        frame = frame.filter(pl.col("annee") == year)
    values: dict[RealisedKey, Realised | None] = {}
    for chamber, code, value in frame.select("chambre", "code", "realise").iter_rows():
        key = (str(chamber), str(code))
        if key in values:
            raise _store_error(f"valeur en double pour {key[0]}, {key[1]}")
        values[key] = _decimal(key, value) if key[1] in exact else _whole(key, value)
    return values


def _decimal(key: RealisedKey, value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        number = Decimal("NaN")
    if not number.is_finite():
        raise _store_error(f"réalisé illisible pour {key[0]}, {key[1]}")
    return number


def _whole(key: RealisedKey, value: object) -> int | None:
    if value is None:
        return None
    whole: int | None = None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        try:
            whole = int(value)
        except (ValueError, OverflowError):  # NaN, infinity
            whole = None
    if whole is None or whole != value:
        raise _store_error(f"réalisé non entier pour {key[0]}, {key[1]} ({value!r})")
    return whole


def compute_attainment(
    year: int,
    targets: Iterable[TargetRow],
    realised: Mapping[RealisedKey, Realised | None] | pl.DataFrame,
    catalogue: Catalogue | None = None,
    *,
    cap: Number = 1,
    weights: Mapping[str, Number] | None = None,
    outside_modulation: Iterable[str] | None = None,
    axis_rate: str = BY_INDICATORS,
    impacts: Sequence[Indicator] = (),
    avenants: Avenants | None = None,
) -> Attainment:
    """Rates of ``year`` for every chamber that submitted (present in ``realised``).

    ``realised`` is ``{(chambre, code): value or None}`` or a frame with columns
    chambre, code, realise (and annee). Indicator rates are capped at ``cap``
    (≥ 1); objective rates are means of their applicable indicators, weighted by
    ``weights`` per indicator code (default 1). An axis rate is the mean of its
    applicable indicators (``axis_rate = "indicateurs"``) or of its objectives that have
    one (``"objectifs"``). ``impacts`` are the impact indicators an avenant makes count
    in their axis this year (an impact without objective makes one more group of its
    axis, for ``"objectifs"``); ``avenants`` may set the network's national targets. outside_modulation:
    the chambers that count in the network's sums but not in the CMAR means (default:
    the shipped registry's reporting chambers that receive no TFCMA, Alsace and Moselle).
    """
    catalogue = catalogue or load_catalogue()
    if outside_modulation is None:
        outside_modulation = [c.code for c in load_registry().reporting if not c.receives_tfcma]
    outside = tuple(outside_modulation)
    cap_f = Fraction(cap)
    if cap_f < 1:
        raise UsageError(f"le plafond du taux d'atteinte doit être au moins 1 (reçu : {cap})")
    if axis_rate not in AXIS_RATES:
        raise UsageError(f"taux d'axe inconnu : {axis_rate} (attendu : {', '.join(AXIS_RATES)})")
    weight_of = _weights(catalogue, weights)
    counted = (*catalogue.indicators, *impacts)
    values = (
        realised_from_frame(realised, year, (i.code for i in impacts))
        if isinstance(realised, pl.DataFrame)
        else dict(realised)
    )
    _check_codes(catalogue, values)
    target_of: dict[RealisedKey, TargetRow] = {}
    for row in targets:
        if (row.chamber, row.code) in target_of:
            raise ValueError(f"duplicate target for {row.chamber}, {row.code}")
        target_of[(row.chamber, row.code)] = row
    chambers = tuple(dict.fromkeys(chamber for chamber, _ in values))

    indicators: list[IndicatorRate] = []
    objectives: list[ObjectiveRate] = []
    axes: list[AxisRate] = []
    for chamber in chambers:
        rows = {
            ind.code: _indicator_row(
                chamber, ind, target_of.get((chamber, ind.code)), values, cap_f
            )
            for ind in counted
        }
        indicators.extend(rows.values())
        by_objective: dict[int, Fraction | None] = {}
        for obj in catalogue.objectives:
            members = [rows[i.code] for i in counted if i.objective == obj.number]
            mean = by_objective[obj.number] = _mean(members, weight_of)
            objectives.append(ObjectiveRate(chamber, obj.number, obj.axis, mean, mean is None))
        for ax in catalogue.axes:
            if axis_rate == BY_INDICATORS:
                members = [rows[i.code] for i in counted if i.axis == ax.number]
                mean = _mean(members, weight_of)
            else:
                groups = [r for o in catalogue.objectives if o.axis == ax.number
                          if (r := by_objective[o.number]) is not None]  # fmt: skip
                loose = [
                    rows[i.code] for i in impacts if i.axis == ax.number and i.objective is None
                ]
                if (extra := _mean(loose, weight_of)) is not None:
                    groups.append(extra)
                mean = sum(groups, Fraction(0)) / len(groups) if groups else None
            # An axis with nothing to measure cannot be "not attained": rate 1, flagged.
            axes.append(
                AxisRate(
                    chamber,
                    ax.number,
                    Fraction(1) if mean is None else mean,
                    ax.weight,
                    mean is None,
                )
            )

    return Attainment(
        year=year,
        cap=cap_f,
        axis_rate=axis_rate,
        chambers=chambers,
        indicators=tuple(indicators),
        objectives=tuple(objectives),
        axes=tuple(axes),
        network_indicators=tuple(
            _network_indicator(ind, year, chambers, values, indicators, outside, avenants)
            for ind in catalogue.indicators
        ),
        network_axes=tuple(_network_axes(catalogue, axes, outside)),
        outside_modulation=outside,
    )


def _weights(catalogue: Catalogue, weights: Mapping[str, Number] | None) -> dict[str, Fraction]:
    given = dict(weights or {})
    codes = {i.code for i in catalogue.all_indicators}
    unknown = sorted(set(given) - codes)
    if unknown:
        raise UsageError(f"pondération donnée pour un indicateur inconnu : {', '.join(unknown)}")
    result = {code: Fraction(given.get(code, 1)) for code in codes}
    negative = sorted(code for code, w in result.items() if w < 0)
    if negative:
        raise UsageError(f"pondération négative pour : {', '.join(negative)}")
    return result


def _check_codes(catalogue: Catalogue, values: Mapping[RealisedKey, Realised | None]) -> None:
    known = {i.code for i in catalogue.all_indicators}
    for (chamber, code), value in values.items():
        if code not in known:
            raise _store_error(f"indicateur « {code} » absent du catalogue {catalogue.id}")
        if value is not None and value < 0:
            raise _store_error(f"réalisé négatif pour {chamber}, {code} ({value})")


def _indicator_row(
    chamber: str,
    ind: Indicator,
    target_row: TargetRow | None,
    values: Mapping[RealisedKey, Realised | None],
    cap: Fraction,
) -> IndicatorRate:
    target = target_row.target if target_row else None
    realised = values.get((chamber, ind.code))
    rate = indicator_rate(target, realised, cap)
    applicable = rate is not None
    return IndicatorRate(
        chamber=chamber,
        code=ind.code,
        target=target,
        origin=target_row.origin if target_row else None,
        realised=realised,
        rate=rate,
        applicable=applicable,
        missing=applicable and realised is None,
    )


def _mean(rows: Iterable[IndicatorRate], weight_of: Mapping[str, Fraction]) -> Fraction | None:
    """Weighted mean of the applicable rates (weight 0 leaves an indicator out)."""
    total = Fraction(0)
    weight_sum = Fraction(0)
    for row in rows:
        if row.rate is not None and weight_of[row.code] > 0:
            total += weight_of[row.code] * row.rate
            weight_sum += weight_of[row.code]
    return total / weight_sum if weight_sum else None


def _network_indicator(
    ind: Indicator,
    year: int,
    chambers: Iterable[str],
    values: Mapping[RealisedKey, Realised | None],
    rows: Iterable[IndicatorRate],
    outside: tuple[str, ...],
    avenants: Avenants | None,
) -> NetworkIndicatorRate:
    given = [int(v) for c in chambers if (v := values.get((c, ind.code))) is not None]
    realised = sum(given) if given else None
    target = national_target(ind, year, avenants)
    realisation = realisation_rate(target, realised)
    cmar = [
        r.rate
        for r in rows
        if r.code == ind.code and r.rate is not None and r.chamber not in outside
    ]
    return NetworkIndicatorRate(
        code=ind.code,
        target=target,
        realised=realised,
        realisation=realisation,
        cmar_mean=sum(cmar, Fraction(0)) / len(cmar) if cmar else None,
        cmar_measured=len(cmar),
        applicable=realisation is not None,
        missing=realisation is not None and realised is None,
        chambers_reporting=len(given),
    )


def _network_axes(
    catalogue: Catalogue, axes: Iterable[AxisRate], outside: tuple[str, ...]
) -> Iterable[NetworkAxisRate]:
    by_axis: dict[int, list[Fraction]] = {ax.number: [] for ax in catalogue.axes}
    for row in axes:
        if not row.no_indicator and row.chamber not in outside:
            by_axis[row.axis].append(row.rate)
    for ax in catalogue.axes:
        rates = by_axis[ax.number]
        mean = sum(rates, Fraction(0)) / len(rates) if rates else Fraction(1)
        yield NetworkAxisRate(ax.number, mean, ax.weight, not rates, len(rates))
