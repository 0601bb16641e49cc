"""Merging validated files into one year's tables of the store, with the audit.

A file already recorded changes nothing but its findings; a corrected version
(same chamber and year, another SHA-256) replaces that chamber's rows, and every
changed value becomes an audit line. The four tables are updated in memory,
then committed in the store's order (deposits last).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from .store import (
    ACCEPTED,
    AUDIT,
    COMMIT_ORDER,
    DATA,
    DEPOSITS,
    FINDINGS,
    REJECTED,
    REPLACED,
    Store,
    conform,
    empty,
)

if TYPE_CHECKING:
    from .validate import FileResult

# What happened to each file in a run.
ADDED = "ajouté"
REPLACING = "remplaçant"
UNCHANGED = "inchangé"
FILE_REJECTED = "rejeté"
OUTCOMES = (ADDED, REPLACING, UNCHANGED, FILE_REJECTED)

AUDITED_FIELDS = ("realise", "commentaire", "cible")


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

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "erreur")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity != "erreur")

    def to_dict(self) -> dict[str, Any]:
        return {
            "fichier": self.name,
            "chambre": self.chamber,
            "sha256": self.sha256,
            "resultat": self.outcome,
            "sha256_remplace": self.replaced_sha256,
            "erreurs": self.errors,
            "avertissements": self.warnings,
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


# --------------------------------------------------------------------------- merging a year


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


Change = tuple[str | None, str | None, str | None, str | None]  # code, field, old, new


def _diff(old: pl.DataFrame, new: pl.DataFrame) -> list[Change]:
    """``(code, field, old, new)`` for every audited value that differs, in code order."""
    before = {r["code"]: r for r in old.iter_rows(named=True)}
    after = {r["code"]: r for r in new.iter_rows(named=True)}
    changes: list[Change] = []
    for code in sorted(set(before) | set(after)):
        b, a = before.get(code, {}), after.get(code, {})
        for name in AUDITED_FIELDS:
            old_value, new_value = _text(b.get(name)), _text(a.get(name))
            if old_value != new_value:
                changes.append((code, name, old_value, new_value))
    return changes


class YearTables:
    """The four tables of one year, updated in memory then committed in order."""

    def __init__(self, store: Store, year: int, now: datetime) -> None:
        self.store, self.year, self.now = store, year, now
        self.tables = {t: store.read(t, year) for t in COMMIT_ORDER}
        self.added_audit: list[AuditLine] = []

    def _current(self, chamber: str) -> dict[str, Any] | None:
        deposits = self.tables[DEPOSITS]
        found = deposits.filter((pl.col("chambre") == chamber) & (pl.col("statut") == ACCEPTED))
        return None if found.is_empty() else found.row(0, named=True)

    def _known(self, chamber: str | None, sha: str | None) -> dict[str, Any] | None:
        deposits = self.tables[DEPOSITS]
        found = deposits.filter(
            pl.col("chambre").eq_missing(chamber) & pl.col("sha256").eq_missing(sha)
        )
        return None if found.is_empty() else found.row(0, named=True)

    def _set_findings(self, result: FileResult, name: str) -> None:
        frame = self.tables[FINDINGS].filter(~pl.col("sha256").eq_missing(result.sha256))
        rows = [
            {
                "annee": self.year,
                "chambre": result.chamber,
                "fichier": name,
                "sha256": result.sha256,
                **f.to_dict(),
            }
            for f in findings_of(result)
        ]
        if rows:
            frame = pl.concat(
                [frame, conform(FINDINGS, pl.DataFrame(rows, infer_schema_length=None))]
            )
        self.tables[FINDINGS] = frame

    def _deposit(self, result: FileResult, name: str, status: str) -> None:
        frame = self.tables[DEPOSITS].filter(
            ~(
                pl.col("chambre").eq_missing(result.chamber)
                & pl.col("sha256").eq_missing(result.sha256)
            )
        )
        row = {
            "annee": self.year,
            "chambre": result.chamber,
            "fichier": name,
            "sha256": result.sha256,
            "transmis_le": result.sent_on,
            "version_modele": result.template_version,
            "statut": status,
            "erreurs": result.errors,
            "avertissements": result.warnings,
            "consolide_le": self.now,
        }
        self.tables[DEPOSITS] = pl.concat(
            [frame, conform(DEPOSITS, pl.DataFrame([row], schema=dict(frame.schema)))]
        )

    def _set_status(self, chamber: str, sha: str, status: str) -> None:
        target = (pl.col("chambre") == chamber) & (pl.col("sha256") == sha)
        self.tables[DEPOSITS] = self.tables[DEPOSITS].with_columns(
            pl.when(target).then(pl.lit(status)).otherwise(pl.col("statut")).alias("statut")
        )

    def _refresh(self, result: FileResult) -> None:
        """Findings and their counts of an already known file, as today's checks see it."""
        errors = result.errors
        target = pl.col("chambre").eq_missing(result.chamber) & pl.col("sha256").eq_missing(
            result.sha256
        )
        self.tables[DEPOSITS] = self.tables[DEPOSITS].with_columns(
            pl.when(target).then(pl.lit(errors)).otherwise(pl.col("erreurs")).alias("erreurs"),
            pl.when(target)
            .then(pl.lit(result.warnings))
            .otherwise(pl.col("avertissements"))
            .alias("avertissements"),
        )

    def apply(self, result: FileResult, name: str) -> FileOutcome:
        """Record one validated file; return what was done with it.

        Accepted: no error and the expected year. A file already recorded
        (same chamber, same SHA-256) changes nothing but its findings.
        """
        chamber, sha, findings = result.chamber, result.sha256, findings_of(result)
        if result.errors or chamber is None or result.year != self.year:
            if sha is not None:  # an unreadable file has nothing to record but its listing
                if self._known(chamber, sha) is None:
                    self._deposit(result, name, REJECTED)
                else:
                    self._refresh(result)
                self._set_findings(result, name)
            return FileOutcome(result.path, name, chamber, sha, FILE_REJECTED, findings)
        current = self._current(chamber)
        if current is not None and current["sha256"] == sha:
            self._refresh(result)
            self._set_findings(result, current["fichier"])
            return FileOutcome(result.path, name, chamber, sha, UNCHANGED, findings)
        new_rows = self._rows(result, name)
        data = self.tables[DATA]
        if current is not None:
            old_rows = data.filter(pl.col("chambre") == chamber)
            self._audit(current, result, name, old_rows, new_rows)
            self._set_status(chamber, current["sha256"], REPLACED)
        self.tables[DATA] = pl.concat([data.filter(pl.col("chambre") != chamber), new_rows])
        self._deposit(result, name, ACCEPTED)
        self._set_findings(result, name)
        return FileOutcome(
            result.path,
            name,
            chamber,
            sha,
            ADDED if current is None else REPLACING,
            findings,
            replaced_sha256=None if current is None else current["sha256"],
        )

    def _rows(self, result: FileResult, name: str) -> pl.DataFrame:
        rows = [
            {
                "annee": self.year,
                "chambre": result.chamber,
                "fichier": name,
                "sha256": result.sha256,
                "transmis_le": result.sent_on,
                "version_modele": result.template_version,
                **row,
            }
            for row in values_of(result)
        ]
        if not rows:
            return empty(DATA)
        return conform(DATA, pl.DataFrame(rows, infer_schema_length=None))

    def _audit(
        self,
        current: dict[str, Any],
        result: FileResult,
        name: str,
        old_rows: pl.DataFrame,
        new_rows: pl.DataFrame,
    ) -> list[AuditLine]:
        assert result.chamber is not None and result.sha256 is not None
        if self._already_audited(result.chamber, current["sha256"], result.sha256):
            return []  # a run interrupted after committing its audit: do not log twice
        no_value_changed: list[Change] = [(None, None, None, None)]
        changes = _diff(old_rows, new_rows) or no_value_changed
        lines = [
            AuditLine(
                self.now,
                self.year,
                result.chamber,
                current["fichier"],
                name,
                current["sha256"],
                result.sha256,
                code,
                field_name,
                old,
                new,
            )
            for code, field_name, old, new in changes
        ]
        rows = pl.DataFrame([line.to_row() for line in lines], infer_schema_length=None)
        self.tables[AUDIT] = pl.concat([self.tables[AUDIT], conform(AUDIT, rows)])
        self.added_audit.extend(lines)
        return lines

    def _already_audited(self, chamber: str, old: str, new: str) -> bool:
        mine = self.tables[AUDIT].filter(pl.col("chambre") == chamber)
        if mine.is_empty():
            return False
        last = mine.filter(pl.col("horodatage") == mine["horodatage"].max()).row(0, named=True)
        return bool(last["ancien_sha256"] == old and last["nouveau_sha256"] == new)

    def commit(self) -> list[Path]:
        written = []
        for table in COMMIT_ORDER:
            frame = self.tables[table]
            # Chamber order, each submission's rows in their own (catalogue) order.
            if table in (DATA, FINDINGS):
                frame = frame.sort("chambre", "sha256", nulls_last=True, maintain_order=True)
            elif table == DEPOSITS:
                frame = frame.sort("chambre", "consolide_le", "sha256", nulls_last=True)
            if self.store.write(table, self.year, frame):
                written.append(self.store.partition(table, self.year))
            self.tables[table] = conform(table, frame)  # as stored: the exports' source
        return written


# --------------------------------------------------------------------------- validation results as rows


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
