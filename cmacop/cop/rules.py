"""The rules of the TFCMA modulation: what the contract fixes, what CMA France decides.

The contract (préambule, « La répartition du produit de la taxe… ») fixes the axis
weights, the 35 % performance share of 2023, the reduction « proportionnellement au taux
de non-réalisation des objectifs de l'axe », the withheld money going to national
projects and the results of N conditioning the tax of N + 1. It leaves open the share
of each later year, what « objectifs de l'axe » means, the cap of a rate, the weights of
the indicators and what happens to a CMAR without results: CMA France decides them in
``referentiel/regles.toml`` (:class:`Decisions`), and until it does cmacop applies a
default that says so. :meth:`Decisions.for_year` gives the rules of one results year,
each with its value and its source (:class:`YearRules`). The rules' labels and the
contract's words are data (``schemas/regles_contrat.toml``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from cmacop.cop.avenants import LAST_YEAR, Avenants
from cmacop.cop.catalogue import Catalogue
from cmacop.errors import DataFileError
from cmacop.french import fmt_date, fmt_percent
from cmacop.resources import data_dir

CONTRACT_SHARE_YEAR = 2023  # « fixée à 35% pour 2023 »
CONTRACT_SHARE = Decimal("0.35")
FIRST_TAX_YEAR, LAST_TAX_YEAR = CONTRACT_SHARE_YEAR + 1, LAST_YEAR + 1

# How an axis rate is made (``taux_axe``).
BY_INDICATORS = "indicateurs"
BY_OBJECTIVES = "objectifs"
AXIS_RATES = (BY_INDICATORS, BY_OBJECTIVES)
# What happens to a CMAR with a base and no accepted results (``chambre_sans_resultats``).
NO_RESULTS_ZERO = "zero"
NO_RESULTS_OUTSIDE = "hors_modulation"
NO_RESULTS = (NO_RESULTS_ZERO, NO_RESULTS_OUTSIDE)

# Where a rule comes from.
FROM_CONTRACT = "contrat"
FROM_DECISION = "décision"
FROM_DEFAULT = "défaut cmacop"
# What everything computed with an undecided share says.
PROVISIONAL_SHARE = "provisoire : part performance non arrêtée"
# How a CMAR left out of the modulation (``hors_modulation``) is flagged.
NO_RESULTS_FLAG = "sans résultats : à arbitrer"

MODULATION_KEYS = ("taux_axe", "chambre_sans_resultats", "plafond_taux", "poids_indicateurs")
# The open rules a modulation uses (``chambre_sans_resultats`` only when it happens).
OPEN_RULES = ("part_performance", *MODULATION_KEYS)


@dataclass(frozen=True)
class Decided:
    """A value CMA France decided, with the decision's text (body and date)."""

    value: Any
    decision: str


@dataclass(frozen=True)
class Decisions:
    """CMA France's decisions (``regles.toml``); a key left out is a cmacop default."""

    modulation: Mapping[str, Decided] = field(default_factory=dict)  # MODULATION_KEYS
    shares: Mapping[int, Decided] = field(default_factory=dict)  # tax year → share
    source: Path | None = field(default=None, compare=False)
    name: str = "regles"  # a simulation's variant name: the file's stem

    def with_share(self, tax_year: int, share: Decimal, decision: str) -> Decisions:
        """These decisions with the share of ``tax_year`` set (a simulated variant)."""
        shares = {**self.shares, tax_year: Decided(share, decision)}
        return replace(self, shares=shares, name=f"p={share}")

    def for_year(
        self, results_year: int, catalogue: Catalogue, avenants: Avenants | None = None
    ) -> YearRules:
        """The rules applied to the results of ``results_year`` (tax year + 1)."""
        texts = rule_texts()
        tax_year = results_year + 1
        avenants = avenants or Avenants()
        rules = list(_contract_rules(catalogue, texts, avenants, results_year))
        share, share_rule = self._share(catalogue, texts, tax_year)
        rules.append(share_rule)
        values: dict[str, Any] = {}
        for key in MODULATION_KEYS:
            value, rule = self._open(key, texts)
            values[key] = value
            rules.append(rule)
        return YearRules(
            results_year=results_year,
            tax_year=tax_year,
            share=share,
            axis_rate=values["taux_axe"],
            no_results=values["chambre_sans_resultats"],
            cap=values["plafond_taux"],
            weights=values["poids_indicateurs"],
            impacts=tuple(i.code for i in avenants.modulated_impacts(results_year, catalogue)),
            avenants=tuple(a.id for a in avenants.in_force(results_year)),
            rules=tuple(rules),
        )

    def _share(self, catalogue: Catalogue, texts: Mapping[str, Any], tax_year: int) -> Any:
        label = texts["ouvertes"]["part_performance"]["libelle"].format(annee_taxe=tax_year)
        if tax_year == CONTRACT_SHARE_YEAR:
            words = texts["fixees"]["part_performance_2023"]["texte"]
            rule = AppliedRule("part_performance", label, str(CONTRACT_SHARE),
                               fmt_percent(CONTRACT_SHARE, 2), FROM_CONTRACT, None, words)  # fmt: skip
            return CONTRACT_SHARE, rule
        words = texts["ouvertes"]["part_performance"]["texte"]
        decided = self.shares.get(tax_year)
        if decided is not None:
            share = Decimal(decided.value)
            rule = AppliedRule("part_performance", label, str(share), fmt_percent(share, 2),
                               FROM_DECISION, decided.decision, words)  # fmt: skip
            return share, rule
        share = catalogue.share_for_year(tax_year)
        path = texts["ouvertes"]["part_performance"]["defaut"]
        shown = f"{fmt_percent(share, 2)} ({path} ; {PROVISIONAL_SHARE})"
        rule = AppliedRule("part_performance", label, str(share), shown, FROM_DEFAULT, None, words)
        return share, rule

    def _open(self, key: str, texts: Mapping[str, Any]) -> tuple[Any, AppliedRule]:
        text = texts["ouvertes"][key]
        decided = self.modulation.get(key)
        value = decided.value if decided is not None else _default(key)
        rule = AppliedRule(
            key,
            text["libelle"],
            _machine(value),
            _shown(key, value, text),
            FROM_DECISION if decided is not None else FROM_DEFAULT,
            decided.decision if decided is not None else None,
            text.get("texte"),
        )
        return value, rule

    def to_dict(self) -> dict[str, Any]:
        return {
            "fichier": None if self.source is None else str(self.source),
            "modulation": {
                k: {"valeur": _machine(d.value), "decision": d.decision}
                for k, d in self.modulation.items()
            },
            "part_performance": {
                str(y): {"taux": str(d.value), "decision": d.decision}
                for y, d in sorted(self.shares.items())
            },
        }


def _default(key: str) -> Any:
    return {
        "taux_axe": BY_INDICATORS,
        "chambre_sans_resultats": NO_RESULTS_ZERO,
        "plafond_taux": Decimal(1),
        "poids_indicateurs": {},
    }[key]


def _machine(value: Any) -> str:
    if isinstance(value, Mapping):
        return ",".join(f"{code}={w}" for code, w in sorted(value.items()))
    return str(value)


def _shown(key: str, value: Any, text: Mapping[str, Any]) -> str:
    if key == "plafond_taux":
        return fmt_percent(value, 0)
    if key == "poids_indicateurs":
        if not value:
            return "égal : 1 pour chaque indicateur"
        given = " ; ".join(f"{code} : {w}" for code, w in sorted(value.items()))
        return f"{given} (les autres : 1)"
    described = text.get("valeurs", {}).get(value)
    return str(described or value)


@dataclass(frozen=True)
class AppliedRule:
    """One rule of a year: its value and where it comes from."""

    key: str
    label: str
    value: str  # machine value (manifest)
    shown: str  # the value as people read it
    origin: str  # FROM_CONTRACT, FROM_DECISION or FROM_DEFAULT
    decision: str | None = None  # the decision's text
    words: str | None = None  # the contract's own words, where it has them

    @property
    def source(self) -> str:
        """``contrat``, ``décision : <texte>`` or ``défaut cmacop``."""
        if self.origin == FROM_DECISION:
            return f"{FROM_DECISION} : {self.decision}"
        return self.origin

    def to_dict(self) -> dict[str, Any]:
        return {
            "regle": self.key,
            "libelle": self.label,
            "valeur": self.value,
            "source": self.source,
            "texte_contrat": self.words,
        }


@dataclass(frozen=True)
class YearRules:
    """The rules a results year is computed with (tax year = results year + 1)."""

    results_year: int
    tax_year: int
    share: Decimal
    axis_rate: str
    no_results: str
    cap: Decimal
    weights: Mapping[str, Decimal]
    impacts: tuple[str, ...]  # impact indicators counting in their axis (avenants)
    avenants: tuple[str, ...]  # ids of the avenants in force
    rules: tuple[AppliedRule, ...]

    def rule(self, key: str) -> AppliedRule:
        for rule in self.rules:
            if rule.key == key:
                return rule
        raise KeyError(key)

    def group(self, origin: str) -> tuple[AppliedRule, ...]:
        return tuple(r for r in self.rules if r.origin == origin)

    @property
    def share_provisional(self) -> bool:
        return self.rule("part_performance").origin == FROM_DEFAULT

    @property
    def share_source(self) -> str:
        """The manifest's ``part_performance_source``."""
        rule = self.rule("part_performance")
        return PROVISIONAL_SHARE if rule.origin == FROM_DEFAULT else rule.source

    def undecided(self, used: tuple[str, ...] = OPEN_RULES) -> tuple[AppliedRule, ...]:
        """The rules among ``used`` still at cmacop's default."""
        return tuple(r for r in self.rules if r.key in used and r.origin == FROM_DEFAULT)

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee_resultats": self.results_year,
            "annee_taxe": self.tax_year,
            "part_performance_source": self.share_source,
            "regles": [r.to_dict() for r in self.rules],
        }


def _contract_rules(
    catalogue: Catalogue, texts: Mapping[str, Any], avenants: Avenants, year: int
) -> list[AppliedRule]:
    fixed = texts["fixees"]
    weights = " · ".join(f"axe {a.number} {fmt_percent(a.weight, 0)}" for a in catalogue.axes)
    rules = [
        AppliedRule("poids_axes", fixed["poids_axes"]["libelle"],
                    ",".join(f"{a.number}={a.weight}" for a in catalogue.axes), weights,
                    FROM_CONTRACT, None, fixed["poids_axes"]["texte"]),
        AppliedRule("part_performance_2023", fixed["part_performance_2023"]["libelle"],
                    str(CONTRACT_SHARE), fmt_percent(CONTRACT_SHARE, 0), FROM_CONTRACT, None,
                    fixed["part_performance_2023"]["texte"]),
        AppliedRule("reduction", fixed["reduction"]["libelle"], "proportionnelle",
                    "part performance × poids de l'axe × (1 − taux d'atteinte de l'axe)",
                    FROM_CONTRACT, None, fixed["reduction"]["texte"]),
        AppliedRule("projets_nationaux", fixed["projets_nationaux"]["libelle"],
                    "projets_nationaux", "financent les projets nationaux, jamais reversés",
                    FROM_CONTRACT, None, fixed["projets_nationaux"]["texte"]),
        AppliedRule("annee_suivante", fixed["annee_suivante"]["libelle"], str(year + 1),
                    f"résultats {year}, taxe {year + 1}", FROM_CONTRACT, None,
                    fixed["annee_suivante"]["texte"]),
    ]  # fmt: skip
    for avenant in avenants.in_force(year):
        counted = [c for c, t in avenant.impacts.items() if t.in_modulation and year in t.targets]
        what = f"{avenant.title}, signé le {fmt_date(avenant.signed_on)}, effet {avenant.effect}"
        if counted:
            what += f" ; indicateurs d'impact dans la modulation : {', '.join(counted)}"
        rules.append(
            AppliedRule(
                f"avenant:{avenant.id}", f"Avenant {avenant.id}", avenant.id, what, FROM_CONTRACT
            )
        )
    return rules


@lru_cache(maxsize=1)
def rule_texts() -> dict[str, Any]:
    """The rules' labels and the contract's words (``schemas/regles_contrat.toml``)."""
    path = data_dir("schemas") / "regles_contrat.toml"
    try:
        texts = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(f"{path} : textes des règles illisibles ({exc})") from None
    return texts
