"""The checks behind ``cmacop validate``, one module per domain.

``discovery`` finds the files, ``structure`` and ``identity`` judge the
layout and who sent what, ``values`` reads each value cell, ``tabular`` runs
the pandera schema generated from the catalogue, ``plausibility`` compares
with targets and last year (``history``). They share the small types below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmacop.campaign.settings import TargetKey, Thresholds
from cmacop.cop.avenants import Avenants
from cmacop.cop.catalogue import Catalogue, Indicator
from cmacop.cop.registry import Registry
from cmacop.validate.findings import Finding, value_text

if TYPE_CHECKING:  # annotations only: cmacop compute uses the network check without a reader
    from cmacop.validate.submission import Cell, Submission

_UNSET: Any = object()


@dataclass
class Context:
    """Everything the checks compare a submission with."""

    catalogue: Catalogue
    registry: Registry
    year: int | None = None  # --year
    targets: Mapping[TargetKey, int] | None = None  # --targets (COM targets)
    key: Mapping[str, int] | None = None  # --key: allocation key of the derived targets
    history: Mapping[TargetKey, float] = field(default_factory=dict)  # --history
    thresholds: Thresholds = field(default_factory=Thresholds)
    # The allocation key the network comparison uses (W-PLAUS-006): ``key`` by default.
    enterprises: Mapping[str, int] | None = None
    avenants: Avenants | None = None  # national targets of a year, impact indicators that count
    _targets: dict[int, dict[str, dict[str, int | None]]] = field(default_factory=dict, repr=False)

    @cached_property
    def catalogue_hash(self) -> str:
        """The catalogue's fingerprint, computed once per run (templates record it)."""
        return self.catalogue.content_hash

    def targets_for(self, chamber: str, year: int) -> dict[str, int | None] | None:
        """The chamber's known targets of ``year`` by indicator code (None: no target).

        Without COM targets there is no reference: the workbook's Cible column
        is the target (None is returned). With them, an indicator without a
        COM target gets the target derived from the national target and the
        allocation key (``cmacop.cop.targets``) when a key is given; an indicator
        missing from the result is unknown, and its Cible column is used. The
        derived targets of a year are computed once, for every chamber of the key.
        """
        if self.targets is None:
            return None
        by_chamber = self._targets.get(year)
        if by_chamber is None:
            by_chamber = {}
            if self.key is not None:
                from cmacop.cop.targets import regional_targets

                rows = regional_targets(
                    year, self.catalogue, self.targets, self.key, self.key, self.avenants
                )
                for row in rows:
                    by_chamber.setdefault(row.chamber, {})[row.code] = row.target
            for (ch, yr, code), target in self.targets.items():
                if yr == year:
                    by_chamber.setdefault(ch, {})[code] = target
            self._targets[year] = by_chamber
        return by_chamber.get(chamber, {})

    def counted_impacts(self, year: int | None) -> frozenset[str]:
        """Impact indicators an avenant makes count in ``year``: they have a target."""
        if self.avenants is None or year is None:
            return frozenset()
        return frozenset(i.code for i in self.avenants.modulated_impacts(year, self.catalogue))


@dataclass
class Record:
    """One indicator value of one file, as parsed (input of the tabular and plausibility checks)."""

    file: int  # index of the file in the run
    indicator: Indicator
    cell: Cell  # the Réalisé cell (or CSV field)
    value: float | None  # None when blank or unreadable
    blank: bool
    target: int | None = None
    comment: str = ""
    comment_cell: Cell | None = None


@dataclass
class FileCheck:
    """The working state of one file while it is checked."""

    index: int
    path: Path
    display: str  # the path as the report shows it
    sha256: str | None = None
    sub: Submission | None = None
    findings: list[Finding] = field(default_factory=list)
    chamber: str | None = None
    year: int | None = None
    sent_on: date | None = None
    template_version: str | None = None
    records: list[Record] = field(default_factory=list)
    data: bytes | None = None  # kept only when a feedback workbook is asked for
    mtime_ns: int | None = None  # modification time: orders two versions of a file
    replaced_by: str | None = None  # a later version of the same chamber and year
    # Cells that have an error: no further check reports anything there (one cause each).
    failed: set[tuple[Any, ...]] = field(default_factory=set)
    output: Path | None = None  # where its feedback goes, when the caller chose (cmacop run)
    # The chamber whose folder holds the file (``depot/2024/CMAR-84/…``), if any; when the
    # file declares another one it is « misplaced »: nothing else is checked.
    folder_chamber: str | None = None
    misplaced: bool = False

    def has_error(self, cell: Cell | None) -> bool:
        """Whether ``cell`` already has an error (its value is not to be judged further)."""
        return cell is not None and _cell_key(cell.sheet, cell.ref, cell.line) in self.failed

    def add(
        self,
        code: str,
        message: str,
        hint: str | None = None,
        *,
        at: Cell | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        line: int | None = None,
        indicator: str | None = None,
        value: Any = _UNSET,
        command: str | None = None,
        cause: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Record a finding at ``at`` (a cell or CSV field), at ``sheet``/``cell`` or a CSV line.

        Once a cell has an error, nothing else is reported there: a later finding of that
        cell is dropped, and an error replaces the warnings already found there.
        """
        column = None
        if at is not None:
            if at.line is not None:
                line, column = at.line, at.ref
            else:
                sheet, cell = at.sheet, at.ref
            if value is _UNSET:
                value = at.value
        key = None
        if cell is not None or line is not None:
            key = _cell_key(sheet, column if line is not None else cell, line)
            if key in self.failed:
                return
            if code.startswith("E-"):
                self.failed.add(key)
                self.findings[:] = [f for f in self.findings if _finding_key(f) != key]
        self.findings.append(
            Finding(
                code=code,
                file=self.display,
                message=message,
                hint=hint,
                sheet=sheet,
                cell=cell,
                line=line,
                column=column,
                indicator=indicator,
                value=None if value is _UNSET else value_text(value),
                command=command,
                cause=cause,
                detail=detail,
            )
        )


def _cell_key(sheet: str | None, ref: str | None, line: int | None) -> tuple[Any, ...]:
    return (None, line, ref) if line is not None else (sheet, None, ref)


def _finding_key(f: Finding) -> tuple[Any, ...] | None:
    if f.line is not None:
        return _cell_key(None, f.column, f.line)
    return _cell_key(f.sheet, f.cell, None) if f.cell is not None else None
