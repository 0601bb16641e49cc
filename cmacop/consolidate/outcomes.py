"""What a consolidation records of each file: its outcome, its findings, its audit lines.

These are the results of ``cmacop consolidate`` as data (``to_dict`` is its JSON), and
the conversions of a validated file into the store's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cmacop.validate.engine import FileResult


@dataclass(frozen=True)
class FileFinding:
    """A validation finding of one file, as the store keeps it."""

    code: str
    severity: str  # "erreur" or "avertissement"
    message: str
    sheet: str | None = None
    cell: str | None = None
    indicator: str | None = None
    value: str | None = None
    hint: str | None = None
    # A warning the chamber explained (referentiel/justifications.csv): not stored, the
    # bilans and ``cmacop statut`` read the justifications file when they are made.
    justification: str | None = None

    @property
    def is_open_warning(self) -> bool:
        return self.severity != "erreur" and self.justification is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "gravite": self.severity,
            "feuille": self.sheet,
            "cellule": self.cell,
            "indicateur": self.indicator,
            "valeur": self.value,
            "message": self.message,
            "conseil": self.hint,
            "justification": self.justification,
        }


@dataclass(frozen=True)
class FileOutcome:
    """What a run did with one file."""

    path: Path
    name: str  # as recorded in the store (relative to the campaign folder when possible)
    chamber: str | None
    sha256: str | None
    outcome: str  # ajouté, remplaçant, inchangé or rejeté
    findings: tuple[FileFinding, ...]
    replaced_sha256: str | None = None
    error: str | None = None  # not recorded (« non traité »): why
    # The store held this very file (name and content) before: checked again, nothing new.
    seen_before: bool = False

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "erreur")

    @property
    def warnings(self) -> int:
        """Warnings still open (a justified warning is no longer counted)."""
        return sum(1 for f in self.findings if f.is_open_warning)

    @property
    def justified(self) -> int:
        return sum(1 for f in self.findings if f.justification is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fichier": self.name,
            "chambre": self.chamber,
            "sha256": self.sha256,
            "resultat": self.outcome,
            "sha256_remplace": self.replaced_sha256,
            "erreur": self.error,
            "erreurs": self.errors,
            "avertissements": self.warnings,
            "justifies": self.justified,
            "constats": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class AuditLine:
    """One changed value of a replacement (code None: only the file changed)."""

    timestamp: datetime
    year: int
    chamber: str
    old_file: str
    new_file: str
    old_sha256: str
    new_sha256: str
    code: str | None
    attribute: str | None  # realise, commentaire or cible
    old_value: str | None
    new_value: str | None

    def to_row(self) -> dict[str, Any]:
        return {
            "horodatage": self.timestamp,
            "annee": self.year,
            "chambre": self.chamber,
            "ancien_fichier": self.old_file,
            "nouveau_fichier": self.new_file,
            "ancien_sha256": self.old_sha256,
            "nouveau_sha256": self.new_sha256,
            "code": self.code,
            "champ": self.attribute,
            "ancienne_valeur": self.old_value,
            "nouvelle_valeur": self.new_value,
        }

    def to_dict(self) -> dict[str, Any]:
        row = self.to_row()
        row["horodatage"] = self.timestamp.isoformat(timespec="seconds")
        return row


def findings_of(result: FileResult) -> tuple[FileFinding, ...]:
    """Validation findings as the store keeps them (a CSV location goes in ``cellule``)."""
    return tuple(
        FileFinding(
            code=f.code,
            severity=f.severity,
            message=f.message,
            sheet=f.sheet,
            cell=f.cell if f.line is None else f.location,
            indicator=f.indicator,
            value=f.value,
            hint=f.hint,
            justification=f.justification,
        )
        for f in result.findings
    )


def values_of(result: FileResult) -> list[dict[str, Any]]:
    """The values validation parsed (same number rules as ``cmacop validate``), located."""
    return [
        {
            "code": r.indicator.code,
            "realise": r.value,
            "cible": r.target,
            "commentaire": r.comment.strip() or None,
            "feuille": r.cell.sheet,
            "cellule": r.cell.ref if r.cell.line is None else f"ligne {r.cell.line}",
        }
        for r in result.records
    ]
