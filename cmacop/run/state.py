"""The run manifest ``consolidation/.cmacop-run.json``: what ``cmacop run`` already did.

For every deposited file: size and modification time (compared first, so an
unchanged file is never re-read), SHA-256 (compared when they differ) and the
verdict given to that content. For the bilans of a year: the fingerprint of
their inputs and the files written, so that a run with nothing new does nothing.

It lives beside the store it describes: restoring or deleting ``consolidation/``
restores or resets it too. It is written atomically and only after the work it
records is done, so a killed run is simply redone by the next one; a damaged
manifest only makes the next run check every file again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from json.encoder import encode_basestring
from operator import attrgetter
from pathlib import Path
from typing import Any

from cmacop.campaign.layout import RUN_MANIFEST
from cmacop.campaign.statuses import ACCEPTED_OUTCOMES, NOT_RECORDED
from cmacop.files.fsutil import sha256, write_text_atomic

MANIFEST_NAME = RUN_MANIFEST
FORMAT_VERSION = 1


@dataclass
class FileState:
    """The last content seen at one deposit path, and what the run made of it."""

    size: int
    mtime_ns: int
    sha256: str
    year: int
    chamber: str | None
    outcome: str  # ajouté, remplaçant, inchangé or rejeté (see merge.py)
    errors: int
    warnings: int
    received: str  # ISO timestamp of the run that first saw this content
    sent_on: str | None = None  # date of transmission the file declares (ISO)
    feedback: str | None = None  # annotated workbook, relative to the campaign folder
    receipt: str | None = None  # accusé de réception, relative to the campaign folder
    arrived: str | None = None  # its date of receipt (ISO): when it appeared in the deposit
    contact: str | None = None  # the workbook's « Courriel du contact »
    replaced: str | None = None  # the file this one replaced in the store
    # An output that could not be written (the line the journal holds): the next run
    # takes the file again (« non traité ») or writes its missing accusé.
    problem: str | None = None
    justified: int = 0  # warnings explained in referentiel/justifications.csv
    declared: str | None = None  # in another chamber's folder: the chamber it declares

    @property
    def accepted(self) -> bool:
        return self.outcome in ACCEPTED_OUTCOMES


@dataclass
class ReportState:
    """The bilans of one year as last written (``files`` empty: no data to report yet)."""

    fingerprint: str
    files: list[str] = field(default_factory=list)  # relative to the campaign folder
    generated_on: str | None = None
    # The network's attainment per axis: [{"axe", "titre", "taux", "poids"}] (rates as text).
    axes: list[dict[str, Any]] | None = None
    warnings: list[str] = field(default_factory=list)  # rules left to cmacop's defaults


@dataclass
class RunState:
    files: dict[str, FileState] = field(default_factory=dict)  # key: path under depot/
    reports: dict[int, ReportState] = field(default_factory=dict)
    last_run: dict[str, Any] | None = None
    # Years whose store exports wait for the last batch of a run that was interrupted.
    stale_exports: list[int] = field(default_factory=list)
    # Per year, where each chamber stands as last read from the store (run/standing.py).
    standing: dict[int, dict[str, Any]] = field(default_factory=dict)
    damaged: bool = False  # the file existed but could not be used

    @classmethod
    def load(cls, path: Path) -> RunState:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError):
            return cls(damaged=True)
        try:
            if raw.get("version") != FORMAT_VERSION:
                return cls(damaged=True)
            return cls(
                files={k: FileState(**v) for k, v in raw["fichiers"].items()},
                reports={int(k): ReportState(**v) for k, v in raw["bilans"].items()},
                last_run=raw.get("derniere_execution"),
                stale_exports=[int(y) for y in raw.get("exports_a_refaire", [])],
                standing={int(k): v for k, v in raw.get("situation", {}).items()},
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            return cls(damaged=True)

    def receipts_due(self) -> list[str]:
        """Deposits recorded by an earlier run whose accusé could not be written."""
        return [
            key
            for key, st in self.files.items()
            if st.problem is not None and st.outcome != NOT_RECORDED and st.receipt
        ]

    def to_json(self) -> str:
        """The manifest as ``json.dumps(…, ensure_ascii=False, indent=1)`` would write it.

        Written directly: the manifest is saved after every batch of a run and
        ``dataclasses.asdict`` plus the pure-Python indenting encoder cost tens of
        milliseconds a save at a thousand files.
        """
        out = ['{\n "version": ', _value(FORMAT_VERSION, 1), ',\n "fichiers": ']
        _entries(out, sorted(self.files.items()), _FILE_FIELDS)
        out.append(',\n "bilans": ')
        reports = [(str(k), v) for k, v in sorted(self.reports.items())]
        _entries(out, reports, _REPORT_FIELDS)
        out += [
            ',\n "derniere_execution": ',
            _value(self.last_run, 1),
            ',\n "exports_a_refaire": ',
            _value(sorted(self.stale_exports), 1),
        ]
        if self.standing:
            out += [',\n "situation": ', _value({str(k): v for k, v in self.standing.items()}, 1)]
        out += [
            "\n}\n",
        ]
        return "".join(out)

    def save(self, path: Path) -> None:
        write_text_atomic(path, self.to_json())


def _value(value: Any, level: int) -> str:
    """One JSON value as ``json.dumps(value, ensure_ascii=False, indent=1)`` nested at ``level``."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    # Anything else (floats, booleans, containers) through json itself: its lines after
    # the first are indented as if the value were nested ``level`` deep (strings never
    # hold a raw newline, so every newline starts an indented line).
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text.replace("\n", "\n" + " " * level) if level else text


_FILE_FIELDS = tuple(f.name for f in fields(FileState))
_REPORT_FIELDS = tuple(f.name for f in fields(ReportState))


def _entries(out: list[str], items: list[tuple[str, Any]], names: tuple[str, ...]) -> None:
    """``{key: dataclass}`` at level 1 of the manifest, as ``asdict`` then ``json.dumps``."""
    if not items:
        out.append("{}")
        return
    values_of = attrgetter(*names)
    heads = [f"\n   {encode_basestring(n)}: " for n in names]
    first = True
    for key, state in items:
        values = values_of(state)
        if len(names) == 1:
            values = (values,)
        body = ",".join(head + _value(v, 3) for head, v in zip(heads, values, strict=True))
        out += ("{" if first else ",", f"\n  {encode_basestring(key)}: {{{body}\n  }}")
        first = False
    out.append("\n }")


def file_digest(path: Path) -> str | None:
    """SHA-256 of a file, None when it does not exist."""
    try:
        return sha256(path)
    except FileNotFoundError:
        return None


def fingerprint(inputs: dict[str, Path | None], extra: dict[str, str]) -> str:
    """One hash over named input files' contents (absent files count) and settings."""
    lines = []
    for name in sorted(inputs):
        path = inputs[name]
        content = None if path is None else file_digest(path)
        lines.append(f"{name}={content or 'absent'}\n")
    lines += [f"{name}={extra[name]}\n" for name in sorted(extra)]
    return sha256("".join(lines).encode())
