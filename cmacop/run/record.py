"""The last run's record, ``journal/derniere_execution.json``: what ``cmacop statut`` shows.

The run manifest, beside the store, holds the same record (« derniere_execution »);
this copy, in the journal's folder, is what remains when the store's drive is the
one that failed. Both are written after every run that did something or failed, and
never make a run fail: the journal already holds the same lines.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cmacop.campaign.layout import RUN_RECORD
from cmacop.campaign.statuses import NOT_RECORDED, REJECTED
from cmacop.errors import CmacopError
from cmacop.files.fsutil import write_text_atomic
from cmacop.run.result import FileReport, Problem, RunResult

RECORD_NAME = RUN_RECORD


def save_record(log_dir: Path, record: dict[str, Any]) -> None:
    """Write the record beside the journal (best effort)."""
    with contextlib.suppress(OSError):
        text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
        write_text_atomic(log_dir / RECORD_NAME, text)


def load_record(log_dir: Path) -> dict[str, Any] | None:
    """The record beside the journal; None when absent or unreadable."""
    try:
        raw = json.loads((log_dir / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) and isinstance(raw.get("debut"), str) else None


def latest_record(*records: dict[str, Any] | None) -> dict[str, Any] | None:
    """The most recent of records (by start time, ISO strings with their offset); of two
    runs started in the same second, the record given last (the journal's: it is always
    written after the manifest's)."""
    from datetime import datetime

    best: tuple[datetime, dict[str, Any]] | None = None
    for record in records:
        if not record:
            continue
        try:
            when = datetime.fromisoformat(str(record["debut"]))
        except (KeyError, ValueError):
            continue
        if best is None or when >= best[0]:  # a tie: the later record given wins
            best = (when, record)
    return best[1] if best else None


def run_record(result: RunResult) -> dict[str, Any]:
    """The last run as the manifest and ``journal/derniere_execution.json`` keep it."""
    return {
        "debut": result.started.isoformat(timespec="seconds"),
        "fin": result.finished.isoformat(timespec="seconds"),
        "traites": len(result.files),
        "rejetes": len(result.rejected),
        "non_traites": len(result.not_recorded),
        "code_sortie": result.exit_code,
        "problemes": [p.to_dict() for p in result.all_problems],
    }


def stop_record(
    started: datetime,
    done: Sequence[FileReport],
    problems: Sequence[Problem],
    error: CmacopError,
    stop: Problem,
) -> dict[str, Any]:
    """The record of a run stopped by ``error`` (``stop``: its step, folder, cause, fix)."""
    return {
        "debut": started.isoformat(timespec="seconds"),
        "fin": datetime.now(UTC).isoformat(timespec="seconds"),
        "traites": len(done),
        "rejetes": sum(1 for f in done if f.outcome == REJECTED),
        "non_traites": sum(1 for f in done if f.outcome == NOT_RECORDED),
        "code_sortie": error.exit_code,
        "problemes": [p.to_dict() for p in problems]
        + [f.problem.to_dict() for f in done if f.problem],
        "interruption": stop.to_dict(),
    }
