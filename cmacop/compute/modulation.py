"""Modulation of the TFCMA: results of year N reduce the performance part of tax year N + 1.

Rule (COP 2023-2027, préambule « répartition du produit de la taxe ») for each
chamber with a base B, with the rules of the year (:class:`~cmacop.cop.rules.YearRules`:
the share p is the contract's only for 2023, else CMA France's decision or cmacop's
provisional default):

- performance part P = B × p, rounded half up to the cent; operating part B − P;
- each axis a can withdraw P × w_a × (1 − A_a), A_a the chamber's axis rate
  (« réduit … proportionnellement au taux de non-réalisation des objectifs de l'axe »);
- the exact sum over the axes is rounded half up to the cent ONCE: that is the
  reduction R; the final allocation is B − R;
- what is withheld goes to national projects and is never redistributed
  (« ne pourront être reversés à une chambre individuelle »): the pool is Σ R;
- a CMAR with a base and no accepted results (the contract says nothing): every axis
  rate 0 (``chambre_sans_resultats = "zero"``), or no reduction at all and flagged « sans
  résultats : à arbitrer » (``"hors_modulation"``).

Money is computed in integer cents and exact fractions, returned as Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from cmacop.compute.attainment import Attainment, rate_str
from cmacop.cop.catalogue import Catalogue, load_catalogue
from cmacop.cop.rules import NO_RESULTS_OUTSIDE, OPEN_RULES, Decisions, YearRules
from cmacop.errors import CmacopError, DataFileError


class ReconciliationError(CmacopError):
    """The money does not add up: a bug in cmacop, never a data problem."""

    code = "E-INTERNE"


@dataclass(frozen=True)
class ModulationLine:
    """One chamber's allocation; ``axis_reductions`` are rounded per axis, for display only."""

    chamber: str
    base: Decimal
    performance_part: Decimal
    operating_part: Decimal
    axis_rates: Mapping[int, Fraction]
    axis_reductions: Mapping[int, Decimal]
    reduction: Decimal
    final: Decimal
    no_data: bool  # a base but no axis rates: every axis at 0, or left out (``outside``)
    outside: bool = False  # « sans résultats : à arbitrer »: no reduction (hors_modulation)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chambre": self.chamber,
            "base": str(self.base),
            "part_performance": str(self.performance_part),
            "part_fonctionnement": str(self.operating_part),
            "taux_axe": {str(a): rate_str(r) for a, r in self.axis_rates.items()},
            "reduction_axe": {str(a): str(r) for a, r in self.axis_reductions.items()},
            "reduction": str(self.reduction),
            "dotation_finale": str(self.final),
            "sans_donnees": self.no_data,
            "sans_resultats_a_arbitrer": self.outside,
        }


@dataclass(frozen=True)
class Modulation:
    """The modulation of one tax year, with the parameters and the rules it used."""

    results_year: int
    tax_year: int
    share: Decimal
    axis_weights: Mapping[int, Decimal]
    cap: Fraction | None  # cap of the indicator rates, when known
    rules: YearRules
    lines: tuple[ModulationLine, ...]
    total_base: Decimal
    total_performance: Decimal
    total_operating: Decimal
    total_final: Decimal
    pool: Decimal  # withheld for national projects: Σ reductions

    def line(self, chamber: str) -> ModulationLine:
        for line in self.lines:
            if line.chamber == chamber:
                return line
        raise KeyError(chamber)

    @property
    def used_rules(self) -> tuple[str, ...]:
        """The open rules this modulation used (« chambre_sans_resultats » only if it arose)."""
        used = [k for k in OPEN_RULES if k != "chambre_sans_resultats"]
        if any(line.no_data for line in self.lines):
            used.append("chambre_sans_resultats")
        return tuple(used)

    @property
    def proposal(self) -> bool:
        """A proposition until every rule it uses is decided (the contract's or CMA France's)."""
        return bool(self.rules.undecided(self.used_rules))

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee_resultats": self.results_year,
            "annee_taxe": self.tax_year,
            "parametres": {
                "part_performance": str(self.share),
                "part_performance_source": self.rules.share_source,
                "poids_axes": {str(a): str(w) for a, w in self.axis_weights.items()},
                "plafond_taux": rate_str(self.cap),
                "taux_axe": self.rules.axis_rate,
                "chambre_sans_resultats": self.rules.no_results,
            },
            "proposition": self.proposal,
            "regles_non_decidees": [r.key for r in self.rules.undecided(self.used_rules)],
            "chambres": [line.to_dict() for line in self.lines],
            "totaux": {
                "base": str(self.total_base),
                "part_performance": str(self.total_performance),
                "part_fonctionnement": str(self.total_operating),
                "dotation_finale": str(self.total_final),
                "reserve_projets_nationaux": str(self.pool),
            },
        }


def modulate(
    attainment: Attainment,
    bases: Mapping[str, Decimal],
    catalogue: Catalogue | None = None,
    *,
    rules: YearRules | None = None,
) -> Modulation:
    """Modulation of tax year ``attainment.year + 1`` from that year's axis rates."""
    return modulate_rates(
        attainment.year, bases, attainment.axis_rates(), catalogue, rules=rules,
        cap=attainment.cap,
    )  # fmt: skip


def modulate_rates(
    results_year: int,
    bases: Mapping[str, Decimal],
    axis_rates: Mapping[str, Mapping[int, Fraction]],
    catalogue: Catalogue | None = None,
    *,
    rules: YearRules | None = None,
    cap: Fraction | None = None,
) -> Modulation:
    """Modulation from ``{chamber: {axis: rate}}``; only chambers with a base take part.

    ``rules`` (default: none decided, :meth:`Decisions.for_year`) give the share p and what
    happens to a chamber with a base and no rates (it transmitted nothing): every axis at
    rate 0, i.e. it loses its whole performance part, or no reduction at all (flagged
    ``outside``); either way it is flagged ``no_data``. ``cap`` is only recorded.
    """
    catalogue = catalogue or load_catalogue()
    # Results of N condition the tax of N + 1 (préambule du COP).
    rules = rules or Decisions().for_year(results_year, catalogue)
    if rules.results_year != results_year:
        raise ValueError(f"rules of {rules.results_year} for the results of {results_year}")
    tax_year, share = rules.tax_year, rules.share
    weights = {ax.number: ax.weight for ax in catalogue.axes}
    outside = rules.no_results == NO_RESULTS_OUTSIDE
    lines = tuple(
        _line(chamber, base, share, weights, axis_rates.get(chamber), outside=outside)
        for chamber, base in bases.items()
    )
    total_base = sum((line.base for line in lines), Decimal("0.00"))
    pool = sum((line.reduction for line in lines), Decimal("0.00"))
    total_final = sum((line.final for line in lines), Decimal("0.00"))
    _reconcile(lines, total_base, total_final, pool)
    return Modulation(
        results_year=results_year,
        tax_year=tax_year,
        share=share,
        axis_weights=weights,
        cap=cap,
        rules=rules,
        lines=lines,
        total_base=total_base,
        total_performance=sum((line.performance_part for line in lines), Decimal("0.00")),
        total_operating=sum((line.operating_part for line in lines), Decimal("0.00")),
        total_final=total_final,
        pool=pool,
    )


def _line(
    chamber: str,
    base: Decimal,
    share: Decimal,
    weights: Mapping[int, Decimal],
    rates: Mapping[int, Fraction] | None,
    *,
    outside: bool = False,
) -> ModulationLine:
    base_cents = _cents(chamber, base)
    no_data = not rates
    if rates:
        absent = sorted(set(weights) - set(rates))
        if absent:
            raise ValueError(f"{chamber}: no rate for axes {absent}")
        axis_rates = {a: Fraction(rates[a]) for a in weights}
    else:
        # « hors_modulation »: no rate, nothing withheld, to be settled by CMA France.
        axis_rates = {} if outside else {a: Fraction(0) for a in weights}
    performance = _round_half_up(base_cents * Fraction(share))
    exact = {
        # A rate above 1 (cap > 1) withdraws nothing: a reduction is never negative.
        a: performance * Fraction(w) * max(Fraction(0), 1 - axis_rates.get(a, Fraction(1)))
        for a, w in weights.items()
    }
    reduction = _round_half_up(sum(exact.values(), Fraction(0)))  # the exact sum, rounded once
    return ModulationLine(
        chamber=chamber,
        base=_money(base_cents),
        performance_part=_money(performance),
        operating_part=_money(base_cents - performance),
        axis_rates=axis_rates,
        axis_reductions={a: _money(_round_half_up(r)) for a, r in exact.items()},
        reduction=_money(reduction),
        final=_money(base_cents - reduction),
        no_data=no_data,
        outside=no_data and outside,
    )


def _reconcile(
    lines: tuple[ModulationLine, ...], total_base: Decimal, total_final: Decimal, pool: Decimal
) -> None:
    """Σ final + pool must equal Σ base to the cent, and each line must add up."""
    exact_base = sum((Fraction(line.base) for line in lines), Fraction(0))
    exact_final = sum((Fraction(line.final) for line in lines), Fraction(0))
    exact_pool = sum((Fraction(line.reduction) for line in lines), Fraction(0))
    if (
        exact_final + exact_pool != exact_base
        or Fraction(total_final) + Fraction(pool) != Fraction(total_base)
        or Fraction(total_base) != exact_base
    ):
        raise ReconciliationError(
            f"erreur interne : la modulation ne se réconcilie pas (bases {total_base} €, "
            f"dotations {total_final} €, réserve {pool} €)",
            hint="Signalez ce problème à l'équipe cmacop avec les fichiers utilisés.",
        )


def _cents(chamber: str, base: Decimal) -> int:
    cents = Fraction(base) * 100
    if cents.denominator != 1 or cents < 0:
        raise DataFileError(
            f"base TFCMA de {chamber} invalide ({base} €) : montant positif au centime attendu"
        )
    return int(cents)


def _round_half_up(amount: Fraction) -> int:
    """Round to a whole number of cents, halves away from zero (ROUND_HALF_UP)."""
    magnitude = abs(amount)
    rounded = (magnitude.numerator * 2 + magnitude.denominator) // (magnitude.denominator * 2)
    return rounded if amount >= 0 else -rounded


def _money(cents: int) -> Decimal:
    return Decimal(f"{cents}E-2")  # exact, whatever the decimal context's precision
