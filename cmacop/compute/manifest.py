"""What a published computation depends on: its parameters and the hash of every input.

The manifest (``manifeste_<année>.json``) lets anyone re-derive a modulation: the
catalogue's fingerprint, the registry's version, the parameters applied and the
SHA-256 of every file read (consolidated data, reference files, each chamber's
submission). :class:`Parameters` and :class:`InputFile` are its typed parts, which the
bilan shows as they are (it never parses the manifest).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from cmacop import __version__
from cmacop.compute.attainment import rate_str
from cmacop.cop.catalogue import Catalogue
from cmacop.cop.registry import Registry
from cmacop.cop.rules import YearRules
from cmacop.errors import DataFileError, os_error_hint, os_error_text
from cmacop.files.fsutil import sha256


@dataclass(frozen=True)
class Parameters:
    """The parameters a year was computed with, and the rules they come from."""

    share: Decimal  # performance share p of the tax year
    axis_weights: tuple[tuple[int, Decimal], ...]
    indicator_weights: tuple[tuple[str, Decimal], ...]  # given weights (default 1), by code
    cap: Fraction  # cap of an indicator's attainment rate
    rules: YearRules  # each rule applied, with its value and its source

    @property
    def share_source(self) -> str:
        """``contrat``, ``décision : …`` or « provisoire : part performance non arrêtée »."""
        return self.rules.share_source

    def to_dict(self) -> dict[str, Any]:
        return {
            "part_performance": str(self.share),
            "part_performance_source": self.share_source,
            "poids_axes": {str(axis): str(weight) for axis, weight in self.axis_weights},
            "poids_indicateurs": {code: str(w) for code, w in self.indicator_weights},
            "plafond_taux": rate_str(self.cap),
            "taux_axe": self.rules.axis_rate,
            "chambre_sans_resultats": self.rules.no_results,
            "indicateurs_impact_modulation": list(self.rules.impacts),
        }


def parameters_of(rules: YearRules, catalogue: Catalogue) -> Parameters:
    return Parameters(
        share=rules.share,
        axis_weights=tuple((a.number, a.weight) for a in catalogue.axes),
        indicator_weights=tuple(sorted(rules.weights.items())),
        cap=Fraction(rules.cap),
        rules=rules,
    )


@dataclass(frozen=True)
class InputFile:
    """One file a computation read, with its SHA-256; ``chamber`` for a chamber's submission."""

    role: str
    path: str
    sha256: str
    chamber: str | None = None


def file_sha256(path: Path) -> str:
    try:
        return sha256(path)
    except OSError as exc:
        raise DataFileError(
            f"{path} : fichier illisible ({os_error_text(exc)})",
            hint=os_error_hint(exc, str(path.parent), writing=False),
        ) from None


def input_files(used: list[tuple[str, Path | None]]) -> list[InputFile]:
    """The files read, by role (absent ones left out), hashed."""
    return [InputFile(role, str(path), file_sha256(path)) for role, path in used if path]


def build_manifest(
    year: int,
    catalogue: Catalogue,
    registry: Registry,
    parameters: Parameters,
    inputs: tuple[InputFile, ...],
) -> dict[str, Any]:
    """The manifest of a computed year (the outputs' hashes are added when written)."""
    return {
        "cmacop": __version__,
        "annee_resultats": year,
        "annee_taxe": year + 1,
        "catalogue": {
            "id": catalogue.id,
            "revision": catalogue.revision,
            "version": catalogue.version,
            "empreinte": catalogue.content_hash,
        },
        "registre": {"version": registry.version},
        "part_performance_source": parameters.share_source,
        "parametres": parameters.to_dict(),
        "regles": [rule.to_dict() for rule in parameters.rules.rules],
        "avenants": list(parameters.rules.avenants),
        "fichiers_entree": [
            {"role": f.role, "chemin": f.path, "sha256": f.sha256}
            for f in inputs
            if f.chamber is None
        ],
        "depots": [
            {"chambre": f.chamber, "fichier": f.path, "sha256": f.sha256}
            for f in inputs
            if f.chamber is not None
        ],
    }
