"""``cmacop simuler``: the modulation of a year under several sets of rules, side by side.

CMA France's bureau chooses what the contract leaves open (the performance share, what
« objectifs de l'axe » means…); a simulation shows what each option costs each CMAR
before it decides. Each variant is a full modulation, reconciled to the cent; the
comparison gives each variant's difference with the first, per chamber and for the pool
that funds national projects. The files (CSV, and Excel for people) are written by
:func:`cmacop.render.simulation.simulate_year`, the twin of the command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from cmacop.campaign.config import Config
from cmacop.campaign.settings import Settings, TargetKey
from cmacop.compute.attainment import Attainment
from cmacop.compute.modulation import Modulation, ReconciliationError
from cmacop.compute.results import PreparedYear, prepare_year
from cmacop.cop.catalogue import Catalogue
from cmacop.cop.registry import Registry
from cmacop.cop.rules import Decisions, YearRules
from cmacop.cop.rulesfile import load_decisions
from cmacop.errors import DataFileError, UsageError

CSV_COLUMNS = ("variante", "chambre", "base", "part_performance", "reduction", "dotation_finale")


@dataclass(frozen=True)
class Variant:
    """One set of rules and the modulation it gives."""

    name: str  # the rules file's stem, or « p=0.40 »
    rules: YearRules
    modulation: Modulation

    def to_dict(self) -> dict[str, Any]:
        return {
            "variante": self.name,
            "regles": self.rules.to_dict(),
            "modulation": self.modulation.to_dict(),
        }


@dataclass(frozen=True)
class Simulation:
    """The variants of one results year; ``written``: the files of ``cmacop simuler``."""

    year: int
    variants: tuple[Variant, ...]
    written: tuple[Path, ...] = ()

    @property
    def tax_year(self) -> int:
        return self.year + 1

    @property
    def reference(self) -> Variant:
        """The first variant: the others are compared with it."""
        return self.variants[0]

    @property
    def chambers(self) -> tuple[str, ...]:
        return tuple(line.chamber for line in self.reference.modulation.lines)

    def final(self, variant: Variant, chamber: str) -> Decimal:
        return variant.modulation.line(chamber).final

    def difference(self, variant: Variant, chamber: str) -> Decimal:
        """``variant``'s final allocation minus the first variant's, for ``chamber``."""
        return self.final(variant, chamber) - self.final(self.reference, chamber)

    def pool_difference(self, variant: Variant) -> Decimal:
        return variant.modulation.pool - self.reference.modulation.pool

    def rows(self) -> list[dict[str, Any]]:
        """The long table of the CSV: one row per variant and chamber, amounts in euros."""
        return [
            {
                "variante": v.name,
                "chambre": line.chamber,
                "base": line.base,
                "part_performance": line.performance_part,
                "reduction": line.reduction,
                "dotation_finale": line.final,
            }
            for v in self.variants
            for line in v.modulation.lines
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee_resultats": self.year,
            "annee_taxe": self.tax_year,
            "reference": self.reference.name,
            "variantes": [v.to_dict() for v in self.variants],
            "comparaison": {
                "chambres": [
                    {
                        "chambre": chamber,
                        "variantes": {
                            v.name: {
                                "dotation_finale": str(self.final(v, chamber)),
                                "ecart": str(self.difference(v, chamber)),
                            }
                            for v in self.variants
                        },
                    }
                    for chamber in self.chambers
                ],
                "totaux": {
                    v.name: {
                        "dotation_finale": str(v.modulation.total_final),
                        "ecart": str(
                            v.modulation.total_final - self.reference.modulation.total_final
                        ),
                        "reserve_projets_nationaux": str(v.modulation.pool),
                        "ecart_reserve": str(self.pool_difference(v)),
                    }
                    for v in self.variants
                },
            },
            "fichiers": [str(p) for p in self.written],
        }


def parse_shares(text: str | Sequence[str | Decimal] | None) -> tuple[Decimal, ...]:
    """``"0.35,0.40"`` (or decimal commas, one per option) → the shares, each in [0, 1]."""
    if text is None:
        return ()
    items = text.split(",") if isinstance(text, str) else [str(t) for t in text]
    shares = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            share = Decimal(item)
        except InvalidOperation:
            share = Decimal(-1)
        if not share.is_finite() or not 0 <= share <= 1:
            raise UsageError(
                f"--part-performance : « {item} » n'est pas une part entre 0 et 1",
                hint="Exemple : --part-performance 0.35,0.40,0.45",
            )
        shares.append(share)
    return tuple(shares)


def simulate(
    year: int | None = None,
    *,
    variants: Sequence[str | Path | Decisions] = (),
    shares: str | Sequence[str | Decimal] | None = None,
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    store: str | Path | None = None,
    targets: str | Path | Mapping[TargetKey, int] | None = None,
    key: str | Path | Mapping[str, int] | None = None,
    base: str | Path | None = None,
    rules: str | Path | Decisions | None = None,
    avenants: str | Path | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> Simulation:
    """The modulation of ``year`` under each of ``variants`` (rules files or decisions), then
    under the campaign's rules with each of ``shares`` as the performance share; with
    neither, under the campaign's rules alone. Every file is read and checked first."""
    prepared = prepare_year(
        year, settings=settings, config=config, store=store, targets=targets, key=key,
        base=base, rules=rules, avenants=avenants, catalogue=catalogue, registry=registry,
    )  # fmt: skip
    if prepared.bases is None:
        raise DataFileError(
            f"aucune base TFCMA {prepared.year + 1} : rien à simuler",
            hint=f"Indiquez la base avec --base, ou placez tfcma_{prepared.year + 1}.csv dans "
            "le dossier referentiel/ de la campagne.",
        )
    chosen: list[Decisions] = [
        v if isinstance(v, Decisions) else load_decisions(v, prepared.catalogue) for v in variants
    ]
    tax_year = prepared.year + 1
    for share in parse_shares(shares):
        chosen.append(
            prepared.decisions.with_share(tax_year, share, f"simulation : part de {share}")
        )
    if not chosen:
        chosen.append(prepared.decisions)
    names = [d.name for d in chosen]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(
            f"deux variantes portent le même nom : {', '.join(twice)}",
            hint="Chaque variante est nommée par son fichier de règles (sans .toml) ou par sa "
            "part (p=0.40) : renommez l'un des fichiers.",
        )
    rates: dict[Any, Attainment] = {}
    return Simulation(prepared.year, tuple(_variant(prepared, d, rates) for d in chosen))


def _variant(prepared: PreparedYear, decisions: Decisions, rates: dict[Any, Attainment]) -> Variant:
    rules = prepared.rules(decisions)
    # The rates depend on how they are made, not on the share: computed once per way.
    key = (rules.axis_rate, rules.cap, tuple(sorted(rules.weights.items())), rules.impacts)
    if key not in rates:
        rates[key] = prepared.attainment(rules)[1]
    attainment = rates[key]
    modulation = prepared.modulation(rules, attainment)
    assert modulation is not None
    _reconcile(modulation)
    return Variant(decisions.name, rules, modulation)


def _reconcile(mod: Modulation) -> None:
    """Σ final + pool = Σ base to the cent, line by line and in total (as the modulation)."""
    lines_ok = all(
        Fraction(line.final) + Fraction(line.reduction) == Fraction(line.base) for line in mod.lines
    )
    if not lines_ok or Fraction(mod.total_final) + Fraction(mod.pool) != Fraction(mod.total_base):
        raise ReconciliationError(
            f"erreur interne : une variante de la simulation ne se réconcilie pas (bases "
            f"{mod.total_base} €, dotations {mod.total_final} €, réserve {mod.pool} €)",
            hint="Signalez ce problème à l'équipe cmacop avec les fichiers utilisés.",
        )
