"""``cmacop consolidate``: validated submissions of one year into the history store.

Validation (the same checks as ``cmacop validate``) decides which files are
accepted; this module only turns accepted files into tidy rows, replaces a
chamber's year when a corrected version arrives (recording every changed value
in the audit table), and derives the completeness table. Rejected files are
recorded and listed with their findings, never silently dropped.
"""

from __future__ import annotations

import calendar
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from .catalogue import Catalogue, load_catalogue
from .errors import UsageError
from .outputs import exports_missing, write_store_exports
from .registry import Registry, load_registry
from .store import (
    ACCEPTED,
    AUDIT,
    COMMIT_ORDER,
    DATA,
    DEPOSITS,
    FINDINGS,
    REJECTED,
    REPLACED,
    STORE_DIRNAME,
    Store,
    conform,
    empty,
    unwritable,
)

if TYPE_CHECKING:
    from .checks import Thresholds
    from .validate import FileResult, ValidationReport

# Completeness statuses (issue 4, § 1).
TRANSMITTED = "transmis"
LATE = "hors délai"
REJECTED_STATUS = "rejeté"
MISSING = "manquant"
STATUSES = (TRANSMITTED, LATE, REJECTED_STATUS, MISSING)

# What happened to each file in a run.
ADDED = "ajouté"
REPLACING = "remplaçant"
UNCHANGED = "inchangé"
FILE_REJECTED = "rejeté"

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


@dataclass(frozen=True)
class ConsolidationResult:
    """The twin of ``cmacop consolidate``: files, audit lines of this run, completeness."""

    year: int
    store: Path
    files: tuple[FileOutcome, ...]
    audit: tuple[AuditLine, ...]
    completeness: Completeness
    written: tuple[Path, ...] = ()
    skipped: tuple[tuple[Path, str], ...] = ()  # lock and temporary files, never read
    # The validation behind ``files`` (same order), for callers that report per file.
    validation: ValidationReport | None = field(default=None, compare=False, repr=False)

    @property
    def rejected(self) -> tuple[FileOutcome, ...]:
        return tuple(f for f in self.files if f.outcome == FILE_REJECTED)

    @property
    def changed(self) -> bool:
        return bool(self.written)

    @property
    def exit_code(self) -> int:
        """1 when a file was rejected (data errors found), else 0."""
        return 1 if self.rejected else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "depot": str(self.store),
            "fichiers": [f.to_dict() for f in self.files],
            "totaux": {
                s: sum(1 for f in self.files if f.outcome == s)
                for s in (ADDED, REPLACING, UNCHANGED, FILE_REJECTED)
            },
            "audit": [a.to_dict() for a in self.audit],
            "completude": self.completeness.to_dict(),
            "ecrits": [str(p) for p in self.written],
            "ignores": [{"fichier": str(p), "raison": r} for p, r in self.skipped],
        }


# --------------------------------------------------------------------------- store defaults


def default_store(paths: Sequence[Path]) -> Path:
    """``consolidation/`` beside the inputs: the campaign's one for ``…/depot/<année>/``.

    Never inside an input folder, so that a later run over that folder does not
    read the store's CSV exports as submissions.
    """
    folders = [p if p.is_dir() else p.parent for p in paths]
    common = Path(os.path.commonpath([str(f.resolve()) for f in folders]))
    if common.name.isdigit() and common.parent.name == "depot":
        return common.parent.parent / STORE_DIRNAME
    if common.name == "depot":
        return common.parent / STORE_DIRNAME
    if any(p.is_dir() for p in paths):
        return common.parent / STORE_DIRNAME
    return common / STORE_DIRNAME


def stored_name(path: Path, root: Path) -> str:
    """A file's name as recorded: relative to the store's parent folder when inside it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve().parent).as_posix()
    except ValueError:
        return resolved.as_posix()


# --------------------------------------------------------------------------- completeness


@dataclass(frozen=True)
class CompletenessRow:
    chamber: str
    name: str
    status: str  # transmis, hors délai, rejeté or manquant
    file: str | None = None
    sha256: str | None = None
    sent_on: date | None = None
    errors: int = 0
    warnings: int = 0

    @property
    def late(self) -> bool:
        return self.status == LATE

    def to_dict(self) -> dict[str, Any]:
        return {
            "chambre": self.chamber,
            "nom": self.name,
            "statut": self.status,
            "transmis_le": None if self.sent_on is None else self.sent_on.isoformat(),
            "fichier": self.file,
            "sha256": self.sha256,
            "erreurs": self.errors,
            "avertissements": self.warnings,
        }


@dataclass(frozen=True)
class Completeness:
    """Where each reporting chamber of the registry stands for one year."""

    year: int
    deadline: date
    rows: tuple[CompletenessRow, ...]

    def status_of(self, chamber: str) -> str:
        for row in self.rows:
            if row.chamber == chamber:
                return row.status
        raise KeyError(chamber)

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for r in self.rows if r.status == s) for s in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "date_limite": self.deadline.isoformat(),
            "totaux": self.counts(),
            "chambres": [r.to_dict() for r in self.rows],
        }


def deadline_of(year: int, catalogue: Catalogue) -> date:
    """Last day of month ``deadline_month`` of ``year + 1`` (code de l'artisanat, R. 323-24)."""
    month = catalogue.deadline_month
    return date(year + 1, month, calendar.monthrange(year + 1, month)[1])


def completeness(
    store: Store,
    year: int,
    *,
    registry: Registry | None = None,
    catalogue: Catalogue | None = None,
) -> Completeness:
    """Status of every reporting chamber for ``year`` from the store's deposits table."""
    registry = registry or load_registry()
    catalogue = catalogue or load_catalogue()
    deadline = deadline_of(year, catalogue)
    deposits = store.read(DEPOSITS, year).sort("consolide_le", "fichier")
    rows = []
    for chamber in registry.reporting:
        mine = deposits.filter(pl.col("chambre") == chamber.code)
        accepted = mine.filter(pl.col("statut") == ACCEPTED)
        rejected = mine.filter(pl.col("statut") == REJECTED)
        if not accepted.is_empty():
            dep = accepted.row(-1, named=True)
            sent = dep["transmis_le"]
            status = LATE if sent is not None and sent > deadline else TRANSMITTED
        elif not rejected.is_empty():
            dep, status = rejected.row(-1, named=True), REJECTED_STATUS
        else:
            rows.append(CompletenessRow(chamber.code, chamber.name, MISSING))
            continue
        rows.append(
            CompletenessRow(
                chamber.code,
                chamber.name,
                status,
                file=dep["fichier"],
                sha256=dep["sha256"],
                sent_on=dep["transmis_le"],
                errors=dep["erreurs"],
                warnings=dep["avertissements"],
            )
        )
    return Completeness(year, deadline, tuple(rows))


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


class _Year:
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
        return written


# --------------------------------------------------------------------------- the run


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


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def consolidate_paths(
    paths: Iterable[str | Path],
    *,
    year: int,
    store: str | Path | None = None,
    targets: str | Path | None = None,
    key: str | Path | None = None,
    wait: float = 0.0,
    now: datetime | None = None,
    feedback_dir: str | Path | None = None,
    exports: bool | None = None,
    thresholds: Thresholds | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> ConsolidationResult:
    """Validate ``paths`` and merge the accepted files of ``year`` into the store.

    The twin of ``cmacop consolidate``. ``targets`` is the COM targets file
    and ``key`` the allocation key: with the key, a chamber's target is its COM
    target, else the derived one (as ``cmacop template`` fills them). Without
    either, the workbook's Cible column is the target. The ``cible`` column
    holds the target validation compared the workbook with.
    ``wait`` seconds are waited for another run's lock (0: fail at once with
    :class:`~cmacop.store.StoreLockedError`, exit code 3). With ``feedback_dir``
    the annotated workbooks are written there (validation runs once, with the
    plausibility ``thresholds`` given). The CSV/Excel exports are rewritten when
    a table changed or one is missing (``exports`` None), always (True: after an
    interrupted run) or never (False: ``cmacop run``'s batches but the year's last).
    """
    from .validate import validate_paths

    items = [Path(p) for p in paths]
    if not items:
        raise UsageError("aucun fichier ni dossier à consolider")
    missing = [str(p) for p in items if not p.exists()]
    if missing:
        raise UsageError(f"introuvable : {', '.join(missing)}")
    root = Path(store) if store is not None else default_store(items)
    for item in items:
        if item.is_dir() and _inside(root, item):
            raise UsageError(
                f"le dépôt de consolidation {root} est dans le dossier à consolider {item}",
                hint="Choisissez avec --store un dossier hors des dossiers de dépôt.",
            )
    catalogue = catalogue or load_catalogue()
    registry = registry or load_registry()
    now = now or datetime.now(UTC)
    reference: str | Path | Mapping[tuple[str, int, str], int] | None = targets
    if key is not None:
        from .pipeline import template_targets

        reference = template_targets(
            year,
            targets_file=None if targets is None else Path(targets),
            key_file=Path(key),
            catalogue=catalogue,
            registry=registry,
        )
    st = Store(root)
    with st.lock(timeout=wait, command=f"consolidate --year {year}"):
        report = validate_paths(
            items,
            year=year,
            targets=reference,
            history=root if st.years() else None,
            feedback_dir=feedback_dir,
            thresholds=thresholds,
            catalogue=catalogue,
            registry=registry,
        )
        state = _Year(st, year, now)
        outcomes = []
        for result in report.files:
            outcomes.append(state.apply(result, stored_name(result.path, root)))
        try:
            written = state.commit()
            comp = completeness(st, year, registry=registry, catalogue=catalogue)
            if exports or (exports is None and (written or exports_missing(st, year))):
                written += write_store_exports(st, year, comp)
        except OSError as exc:
            raise unwritable(root, exc) from None
    return ConsolidationResult(
        year=year,
        store=root,
        files=tuple(outcomes),
        audit=tuple(state.added_audit),
        completeness=comp,
        written=tuple(written),
        skipped=tuple((s.path, s.reason) for s in report.skipped),
        validation=report,
    )
