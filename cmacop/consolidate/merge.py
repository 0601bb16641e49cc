"""Merging validated files into one year's tables of the store, with the audit.

A file already recorded changes nothing but its findings; a corrected version
(same chamber and year, another SHA-256) replaces that chamber's rows, and every
changed value becomes an audit line. The four tables are updated in memory,
then committed in the store's order (deposits last).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cmacop.campaign.statuses import ACCEPTED, ADDED, REJECTED, REPLACED, REPLACING, UNCHANGED
from cmacop.consolidate.outcomes import AuditLine, FileFinding, FileOutcome, findings_of, values_of
from cmacop.consolidate.store import (
    AUDIT,
    COMMIT_ORDER,
    DATA,
    DEPOSITS,
    FINDINGS,
    SCHEMAS,
    Store,
    conform,
    empty,
)

if TYPE_CHECKING:
    from cmacop.validate.engine import FileResult

AUDITED_FIELDS = ("realise", "commentaire", "cible")


# --------------------------------------------------------------------------- merging a year


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


Change = tuple[str | None, str | None, str | None, str | None]  # code, field, old, new
Row = dict[str, Any]


def _diff(old: list[Row], new: list[Row]) -> list[Change]:
    """``(code, field, old, new)`` for every audited value that differs, in code order."""
    before = {r["code"]: r for r in old}
    after = {r["code"]: r for r in new}
    changes: list[Change] = []
    for code in sorted(set(before) | set(after)):
        b, a = before.get(code, {}), after.get(code, {})
        for name in AUDITED_FIELDS:
            old_value, new_value = _text(b.get(name)), _text(a.get(name))
            if old_value != new_value:
                changes.append((code, name, old_value, new_value))
    return changes


def _older(result: FileResult, current: Row) -> bool:
    """Whether ``result`` is an older version than the deposit in force (``current``).

    :mod:`cmacop.validate.versions` decides: the file in force was seen before this one
    (its modification time is not kept), so only an earlier date of transmission makes
    this one older.
    """
    from cmacop.validate.versions import Version

    seen_now = Version(result.sent_on, 0)
    return Version(current["transmis_le"], None).newer_than(seen_now)


def _same(value: Any, wanted: Any) -> bool:
    """Polars' ``==`` on one value: a missing value equals nothing."""
    return value is not None and wanted is not None and value == wanted


def _audited(frame: pl.DataFrame, *columns: str) -> list[Row]:
    """The values the audit compares (and ``columns``), one dict per row."""
    return frame.select(*columns, "code", *AUDITED_FIELDS).to_dicts()


Rows = tuple[pl.DataFrame, list[Row]]  # a file's rows of the data table, and their audited values


class YearTables:
    """The four tables of one year, updated in memory then committed in order.

    Each file changes few rows, so a file's changes are kept as Python rows and
    the tables are rebuilt once, when read or committed. The result is the
    same as changing the tables file by file: the deposits in their order, the
    rows a file replaces removed and its own appended after the rest.
    """

    def __init__(
        self,
        store: Store,
        year: int,
        now: datetime,
        received: Mapping[Path, datetime] | None = None,
    ) -> None:
        self.store, self.year, self.now = store, year, now
        # Each file's date of receipt (when it appeared in the deposit folder), by path.
        self.received = received or {}
        read = {t: store.read(t, year) for t in COMMIT_ORDER}
        self._read = read
        self._stored = dict(read)  # the partitions as they are on disk (under the lock)
        self._deposits: list[Row] = read[DEPOSITS].to_dicts()
        # The files (name and content) the store held before this consolidation.
        self._seen = {(r["fichier"], r["sha256"]) for r in self._deposits}
        # Rows of the files recorded in this run: each key's rows replace the stored
        # ones, in the order they were last replaced (a dict keeps insertion order).
        self._data: dict[str, Rows] = {}  # by chamber
        self._findings: dict[str | None, list[Row]] = {}  # by SHA-256
        self._audit: list[Row] = []
        self._stored_data: dict[str, list[Row]] | None = None  # audited values by chamber
        self._last_audit: dict[str, tuple[datetime, str, str]] | None = None
        self._stamp: tuple[Any, Any] | None = None
        self._tables: dict[str, pl.DataFrame] | None = None
        self.added_audit: list[AuditLine] = []

    # ------------------------------------------------------------------ the tables

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """The four tables as they stand (after :meth:`commit`: as stored)."""
        if self._tables is None:
            self._tables = self._build()
        return self._tables

    def _changed(self) -> None:
        self._tables = None

    def _build(self) -> dict[str, pl.DataFrame]:
        read = self._read
        tables = {AUDIT: read[AUDIT]}
        if self._audit:
            added = conform(AUDIT, pl.DataFrame(self._audit, infer_schema_length=None))
            tables[AUDIT] = pl.concat([read[AUDIT], added])
        findings = read[FINDINGS]
        if self._findings:
            shas = [s for s in self._findings if s is not None]
            hit = pl.col("sha256").is_in(shas).fill_null(False)
            if None in self._findings:
                hit = hit | pl.col("sha256").is_null()
            findings = findings.filter(~hit)
            rows = [r for found in self._findings.values() for r in found]
            if rows:
                added = conform(FINDINGS, pl.DataFrame(rows, infer_schema_length=None))
                findings = pl.concat([findings, added])
        tables[FINDINGS] = findings
        data = read[DATA]
        if self._data:
            kept = pl.col("chambre").is_not_null() & ~pl.col("chambre").is_in(list(self._data))
            data = pl.concat([data.filter(kept), *(frame for frame, _ in self._data.values())])
        tables[DATA] = data
        deposits = pl.DataFrame(self._deposits, schema=SCHEMAS[DEPOSITS])
        tables[DEPOSITS] = conform(DEPOSITS, deposits)
        return tables

    def _stamps(self) -> tuple[Any, Any]:
        """``now`` as the deposits and the audit store it (UTC, microseconds)."""
        if self._stamp is None:
            deposit = pl.DataFrame(
                [{"t": self.now}], schema={"t": SCHEMAS[DEPOSITS]["consolide_le"]}
            )
            audit = pl.DataFrame([{"t": self.now}], infer_schema_length=None).select(
                pl.col("t").cast(SCHEMAS[AUDIT]["horodatage"])
            )
            self._stamp = (deposit["t"][0], audit["t"][0])
        return self._stamp

    # ------------------------------------------------------------------ deposits

    def _current(self, chamber: str) -> Row | None:
        for row in self._deposits:
            if _same(row["chambre"], chamber) and row["statut"] == ACCEPTED:
                return dict(row)
        return None

    def _known(self, chamber: str | None, sha: str | None) -> Row | None:
        for row in self._deposits:
            if row["chambre"] == chamber and row["sha256"] == sha:
                return dict(row)
        return None

    def _set_findings(
        self, result: FileResult, name: str, findings: tuple[FileFinding, ...]
    ) -> None:
        rows = [
            {
                "annee": self.year,
                "chambre": result.chamber,
                "fichier": name,
                "sha256": result.sha256,
                **f.to_dict(),
            }
            for f in findings
        ]
        self._findings.pop(result.sha256, None)  # to the end, as if removed then appended
        self._findings[result.sha256] = rows
        self._changed()

    def _deposit(self, result: FileResult, name: str, status: str) -> None:
        chamber, sha = result.chamber, result.sha256
        # A content seen before keeps the date it was first received.
        received = self.received.get(result.path)
        kept = []
        for r in self._deposits:
            if r["chambre"] == chamber and r["sha256"] == sha:
                if r.get("recu_le") is not None and (received is None or r["recu_le"] < received):
                    received = r["recu_le"]
            else:
                kept.append(r)
        self._deposits = kept
        self._deposits.append(
            {
                "annee": self.year,
                "chambre": chamber,
                "fichier": name,
                "sha256": sha,
                "transmis_le": result.sent_on,
                "recu_le": received,
                "version_modele": result.template_version,
                "statut": status,
                "erreurs": result.errors,
                "avertissements": result.warnings,
                "consolide_le": self._stamps()[0],
            }
        )
        self._changed()

    def _set_status(self, chamber: str, sha: str, status: str) -> None:
        for row in self._deposits:
            if _same(row["chambre"], chamber) and _same(row["sha256"], sha):
                row["statut"] = status
        self._changed()

    def _refresh(self, result: FileResult) -> None:
        """Findings and their counts of an already known file, as today's checks see it."""
        errors, warnings = result.errors, result.warnings
        for row in self._deposits:
            if row["chambre"] == result.chamber and row["sha256"] == result.sha256:
                row["erreurs"], row["avertissements"] = errors, warnings
        self._changed()

    # ------------------------------------------------------------------ one file

    def apply_all(self, files: Sequence[tuple[FileResult, str]]) -> list[FileOutcome]:
        """:meth:`apply` to each ``(result, name)`` in turn; the rows built all at once."""
        wanted = [i for i, (result, _) in enumerate(files) if self._acceptable(result)]
        built = self._rows_of([files[i] for i in wanted])
        prepared = {i: built[k] for k, i in enumerate(wanted)}
        return [self.apply(r, n, prepared.get(i)) for i, (r, n) in enumerate(files)]

    def _acceptable(self, result: FileResult) -> bool:
        return not result.errors and result.chamber is not None and result.year == self.year

    def apply(self, result: FileResult, name: str, rows: Rows | None = None) -> FileOutcome:
        """Record one validated file; return what was done with it.

        Accepted: no error and the expected year. A file already recorded
        (same chamber, same SHA-256) changes nothing but its findings.
        ``rows``: the file's rows, when :meth:`apply_all` built them.
        """
        outcome = self._apply(result, name, rows)
        if (name, result.sha256) in self._seen:
            return replace(outcome, seen_before=True)
        return outcome

    def _apply(self, result: FileResult, name: str, rows: Rows | None = None) -> FileOutcome:
        chamber, sha, findings = result.chamber, result.sha256, findings_of(result)
        if not self._acceptable(result) or chamber is None:
            if sha is not None:  # an unreadable file has nothing to record but its listing
                if self._known(chamber, sha) is None:
                    self._deposit(result, name, REJECTED)
                else:
                    self._refresh(result)
                self._set_findings(result, name, findings)
            return FileOutcome(result.path, name, chamber, sha, REJECTED, findings)
        current = self._current(chamber)
        if current is not None and current["sha256"] == sha:
            self._refresh(result)
            self._set_findings(result, current["fichier"], findings)
            return FileOutcome(result.path, name, chamber, sha, UNCHANGED, findings)
        if current is not None and _older(result, current):
            # Dated before the version in force: an older version, which never replaces it.
            if self._known(chamber, sha) is None:
                self._deposit(result, name, REPLACED)
            else:
                self._refresh(result)
            self._set_findings(result, name, findings)
            return FileOutcome(result.path, name, chamber, sha, REPLACED, findings)
        new_rows = rows if rows is not None else self._rows_of([(result, name)])[0]
        if current is not None:
            self._audit_lines(current, result, name, self._data_of(chamber), new_rows[1])
            self._set_status(chamber, current["sha256"], REPLACED)
        self._data.pop(chamber, None)  # to the end, as if removed then appended
        self._data[chamber] = new_rows
        self._deposit(result, name, ACCEPTED)
        self._set_findings(result, name, findings)
        return FileOutcome(
            result.path,
            name,
            chamber,
            sha,
            ADDED if current is None else REPLACING,
            findings,
            replaced_sha256=None if current is None else current["sha256"],
        )

    def _data_of(self, chamber: str) -> list[Row]:
        """The audited values of ``chamber``'s rows as they stand."""
        if chamber in self._data:
            return self._data[chamber][1]
        if self._stored_data is None:
            self._stored_data = {}
            for row in _audited(self._read[DATA], "chambre"):
                self._stored_data.setdefault(row.pop("chambre"), []).append(row)
        return self._stored_data.get(chamber, [])

    def _rows_of(self, files: Sequence[tuple[FileResult, str]]) -> dict[int, Rows]:
        """The data rows of each file (by position in ``files``), made as one frame.

        The same rows as one frame per file: every column has one Python type
        (``values_of``) and is cast to the table's type.
        """
        rows: list[Row] = []
        spans: list[tuple[int, int]] = []
        for result, name in files:
            start = len(rows)
            rows += (
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
            )
            spans.append((start, len(rows) - start))
        if not rows:
            return {i: (empty(DATA), []) for i in range(len(files))}
        frame = conform(DATA, pl.DataFrame(rows, infer_schema_length=None))
        audited = _audited(frame)
        return {
            i: (frame.slice(start, length), audited[start : start + length])
            if length
            else (empty(DATA), [])
            for i, (start, length) in enumerate(spans)
        }

    def _audit_lines(
        self,
        current: Row,
        result: FileResult,
        name: str,
        old_rows: list[Row],
        new_rows: list[Row],
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
        self._audit.extend(line.to_row() for line in lines)
        self.added_audit.extend(lines)
        # The chamber's latest audit line: the first of the latest timestamp.
        stamp = self._stamps()[1]
        last = self._latest_audit().get(result.chamber)
        if last is None or stamp > last[0]:
            self._latest_audit()[result.chamber] = (stamp, current["sha256"], result.sha256)
        self._changed()
        return lines

    def _latest_audit(self) -> dict[str, tuple[datetime, str, str]]:
        """Per chamber, the first stored audit line of its latest timestamp."""
        if self._last_audit is None:
            audit = self._read[AUDIT]
            latest = audit.filter(
                pl.col("horodatage") == pl.col("horodatage").max().over("chambre")
            ).unique("chambre", keep="first", maintain_order=True)
            self._last_audit = {
                r[0]: (r[1], r[2], r[3])
                for r in latest.select(
                    "chambre", "horodatage", "ancien_sha256", "nouveau_sha256"
                ).iter_rows()
            }
        return self._last_audit

    def _already_audited(self, chamber: str, old: str, new: str) -> bool:
        last = self._latest_audit().get(chamber)
        return last is not None and last[1] == old and last[2] == new

    def commit(self) -> list[Path]:
        written = []
        tables = dict(self.tables)
        for table in COMMIT_ORDER:
            frame = tables[table]
            # Chamber order, each submission's rows in their own (catalogue) order.
            if table in (DATA, FINDINGS):
                frame = frame.sort("chambre", "sha256", nulls_last=True, maintain_order=True)
            elif table == DEPOSITS:
                frame = frame.sort("chambre", "consolide_le", "sha256", nulls_last=True)
            if self.store.write(table, self.year, frame, stored=self._stored[table]):
                written.append(self.store.partition(table, self.year))
            tables[table] = conform(table, frame)  # as stored: the exports' source
        self._tables = tables
        self._stored = dict(tables)
        return written
