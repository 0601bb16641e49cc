"""The last runs of ``cmacop run``, for the dashboard: ``journal/passages.json``.

One entry per run: when, what it did, how it ended. Runs with nothing new that follow
one another are one entry (``repetitions``), so that an hourly cron still shows the last
runs that did something. Kept beside the log (not in the store's manifest, which a
re-check deletes); written atomically; a damaged file starts a new history.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from cmacop.campaign.layout import RUN_HISTORY
from cmacop.files.fsutil import write_bytes_atomic

HISTORY_FILE = RUN_HISTORY
KEPT = 10


@dataclass
class RunEntry:
    """One run (or several runs in a row with nothing new)."""

    started: str  # ISO timestamp of its start (the last of merged runs)
    finished: str
    processed: int = 0
    accepted: int = 0
    rejected: int = 0
    pending: int = 0  # files still being copied
    unreadable: int = 0
    reports: str | None = None  # établis, à jour, sans données
    mail_sent: int = 0
    mail_failed: int = 0  # emails the server refused or could not take: retried next run
    exit_code: int = 0
    error: str | None = None  # a run that stopped: its message
    repeats: int = 1  # runs in a row with nothing new merged into this entry
    first: str | None = None  # start of the first of the merged runs

    @property
    def nothing_new(self) -> bool:
        return self.processed == 0 and self.error is None and self.reports != "établis"

    @property
    def start(self) -> datetime:
        return datetime.fromisoformat(self.started)

    def to_dict(self) -> dict[str, Any]:
        return {
            "debut": self.started,
            "fin": self.finished,
            "premier_debut": self.first,
            "repetitions": self.repeats,
            "traites": self.processed,
            "acceptes": self.accepted,
            "rejetes": self.rejected,
            "en_attente": self.pending,
            "illisibles": self.unreadable,
            "bilans": self.reports,
            "courriels_envoyes": self.mail_sent,
            "courriels_en_echec": self.mail_failed,
            "code_sortie": self.exit_code,
            "erreur": self.error,
        }


_FIELDS = {f.name for f in fields(RunEntry)}


def history_path(log_dir: Path) -> Path:
    return Path(log_dir) / HISTORY_FILE


def load_history(path: Path) -> list[RunEntry]:
    """The recorded runs, oldest first (none when absent or damaged)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [RunEntry(**{k: v for k, v in e.items() if k in _FIELDS}) for e in raw["passages"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def record_run(path: Path, entry: RunEntry, keep: int = KEPT) -> list[RunEntry]:
    """Add ``entry`` (merged with the last one when both found nothing new); the last ``keep``."""
    runs = load_history(path)
    last = runs[-1] if runs else None
    same = (
        last is not None
        and last.nothing_new
        and entry.nothing_new
        and (last.exit_code, last.pending, last.mail_failed)
        == (entry.exit_code, entry.pending, entry.mail_failed)
        and entry.mail_sent == 0
    )
    if same and last is not None:
        entry.repeats = last.repeats + 1
        entry.first = last.first or last.started
        runs[-1] = entry
    else:
        runs.append(entry)
    runs = runs[-keep:]
    text = json.dumps({"passages": [asdict(r) for r in runs]}, ensure_ascii=False, indent=1)
    # Atomic, not forced to disk (the log holds the same): a crash leaves the previous list.
    write_bytes_atomic(path, (text + "\n").encode(), durable=False)
    return runs
