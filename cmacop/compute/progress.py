"""Progression of the network toward the contract's 2027 target, only where it means something.

``(realised − baseline) ÷ (2027 target − baseline)`` explodes when the baseline is close to
the 2027 target, turns a fall into a progression when the baseline is above it, and says
71 % where the 2027 target is already met. So (issue #12):

- « cible 2027 atteinte » when the realised value reaches the 2027 target;
- nothing to compute (an empty cell, with the reason as a footnote) when the contract
  gives no 2027 target, no numeric baseline of the CMA network, or a baseline already at
  or above the 2027 target;
- « en recul » when the realised value is below the baseline;
- otherwise the percentage, then always in [0 %, 100 %[.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from cmacop.compute.attainment import rate_str
from cmacop.cop.catalogue import Indicator

State = Literal["taux", "atteinte", "recul", "vide"]
RATE: State = "taux"
REACHED: State = "atteinte"
BELOW_BASELINE: State = "recul"
EMPTY: State = "vide"

# Why a progression cell is empty: stable keys, and the footnote the bilans print.
NO_TARGET_2027 = "sans_cible_2027"
NO_BASELINE = "sans_resultat_connu"
BASELINE_NOT_NETWORK = "resultat_connu_hors_reseau"
BASELINE_AT_TARGET = "resultat_connu_au_niveau_de_la_cible"
NOT_REPORTED = "non_renseigne"
REASONS = {
    NO_TARGET_2027: "le contrat ne fixe pas de cible 2027 pour cet indicateur",
    NO_BASELINE: "le contrat ne donne pas de résultat connu chiffré du réseau "
    "(« n/a » ou « CMA France ») : pas de point de départ",
    BASELINE_NOT_NETWORK: "le résultat connu du contrat n'est pas celui du réseau des CMA "
    "(il consolide plusieurs opérateurs) : il ne peut servir de point de départ",
    BASELINE_AT_TARGET: "le résultat connu atteint déjà la cible 2027 : aucune progression "
    "à mesurer tant que le réalisé reste sous la cible",
    NOT_REPORTED: "aucun réalisé du réseau pour l'année",
}


@dataclass(frozen=True)
class Progress:
    """The progression cell of one indicator: a state, a rate in [0, 1[ or the empty reason."""

    state: State
    rate: Fraction | None = None  # only for ``taux``
    reason: str | None = None  # only for ``vide``: a key of :data:`REASONS`

    def to_dict(self) -> dict[str, Any]:
        return {"etat": self.state, "taux": rate_str(self.rate), "motif": self.reason}


def network_baseline(indicator: Indicator) -> int | None:
    """The indicator's baseline when it is a figure of the CMA network, else None.

    The catalogue marks a baseline that is not the network's (I3.2: four operators,
    footnote 2 of the contract: ``resultat_connu_comparable = false``, issue #11's field,
    read here as soon as the catalogue has it); an indicator without baseline has none.
    """
    if not indicator.baseline_comparable:  # resultat_connu_comparable = false
        return None
    return indicator.baseline


def progress_toward_2027(indicator: Indicator, realised: int | None) -> Progress:
    """Where the network's ``realised`` value stands between the baseline and the 2027 target."""
    target = indicator.target_2027
    if target is None:
        return Progress(EMPTY, reason=NO_TARGET_2027)
    if realised is None:
        return Progress(EMPTY, reason=NOT_REPORTED)
    if realised >= target:
        return Progress(REACHED)
    if indicator.baseline is None:
        return Progress(EMPTY, reason=NO_BASELINE)
    baseline = network_baseline(indicator)
    if baseline is None:
        return Progress(EMPTY, reason=BASELINE_NOT_NETWORK)
    if baseline >= target:
        return Progress(EMPTY, reason=BASELINE_AT_TARGET)
    if realised < baseline:
        return Progress(BELOW_BASELINE)
    return Progress(RATE, rate=Fraction(realised - baseline, target - baseline))
