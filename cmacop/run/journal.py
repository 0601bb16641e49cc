"""The run log ``journal/cmacop.log``: one line per event, timestamp and level, rotated.

``2025-03-03T02:00:01+01:00 INFO [4242] rien de nouveau (40 fichiers déjà traités)``

Rotation uses :class:`logging.handlers.RotatingFileHandler` with the sizes of
``cmacop.toml`` (``[journal]``). Logging never raises nor prints a traceback: a
log that cannot be written is reported once by :attr:`Journal.failed`.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from datetime import datetime
from pathlib import Path
from types import TracebackType

from cmacop.campaign.layout import LOG_FILE
from cmacop.errors import CmacopError, folder_error

LOG_NAME = LOG_FILE
LEVELS = {
    logging.DEBUG: "DÉTAIL",
    logging.INFO: "INFO",
    logging.WARNING: "ATTENTION",
    logging.ERROR: "ERREUR",
    logging.CRITICAL: "CRITIQUE",
}


class JournalError(CmacopError):
    """The log folder cannot be written (read-only or full drive, wrong path)."""

    code = "E-JOURNAL"
    exit_code = 4


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="seconds")
        level = LEVELS.get(record.levelno, record.levelname)
        # One event, one line: a message never spans lines in the log.
        text = " ⏎ ".join(record.getMessage().splitlines())
        return f"{when} {level} [{record.process}] {text}"


class _Handler(logging.handlers.RotatingFileHandler):
    """Rotating handler that records a write failure instead of printing a traceback."""

    failed: OSError | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        self.failed = exc if isinstance(exc, OSError) else OSError(str(exc))


class Journal:
    """A context manager around a private logger writing ``log_dir/cmacop.log``."""

    def __init__(self, log_dir: Path, *, max_bytes: int, backups: int) -> None:
        self.path = Path(log_dir) / LOG_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handler = _Handler(
                self.path,
                maxBytes=max_bytes,
                backupCount=backups,
                encoding="utf-8",
            )
        except OSError as exc:
            raise folder_error(
                exc, folder=str(self.path.parent), label="le journal", cls=JournalError
            ) from None
        handler.setFormatter(_Formatter())
        self._handler = handler
        # A logger per journal (not a shared name): tests and nested runs never mix lines.
        self._logger = logging.getLogger(f"cmacop.run.journal.{os.getpid()}.{id(self)}")
        self._logger.propagate = False
        self._logger.setLevel(logging.INFO)
        self._logger.addHandler(handler)

    @property
    def failed(self) -> OSError | None:
        """The error of the first line that could not be written, if any."""
        return self._handler.failed

    def info(self, message: str) -> None:
        self._logger.info(message)

    def warning(self, message: str) -> None:
        self._logger.warning(message)

    def error(self, message: str) -> None:
        self._logger.error(message)

    def close(self) -> None:
        self._logger.removeHandler(self._handler)
        self._handler.close()
        logging.Logger.manager.loggerDict.pop(self._logger.name, None)

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
