"""The run lock ``.cmacop-run.lock``, the errors that stop a run, and fault injection.

Fault injection, for tests only: with ``CMACOP_TEST_KILL_AT=N`` in the environment the
process kills itself (SIGKILL) just before its N-th atomic rename, that is between any
two durable writes of the run.
"""

from __future__ import annotations

import contextlib
import copy
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cmacop.campaign.config import Config
from cmacop.campaign.layout import RUN_LOCK
from cmacop.errors import CmacopError, failed_folder, folder_error
from cmacop.files.lockfile import hold, holder_text
from cmacop.run.result import Problem, problem_of

RESUME = "Puis relancez « cmacop run » : il reprend où il s'est arrêté."


RUN_LOCK_NAME = RUN_LOCK
KILL_ENV = "CMACOP_TEST_KILL_AT"

Progress = Callable[[str, int, int], None]


class RunLockedError(CmacopError):
    """Another ``cmacop run`` works on this campaign (documented exit code 3)."""

    code = "E-VERROU"
    exit_code = 3


class RunError(CmacopError):
    """The campaign folder cannot be written or read (read-only or full drive…)."""

    code = "E-EXECUTION"
    exit_code = 4


@contextlib.contextmanager
def run_lock(
    root: Path, *, on_stale: Callable[[dict[str, Any] | None], None] | None = None
) -> Iterator[None]:
    """Hold ``root/.cmacop-run.lock``: one run per campaign, a second one fails at once."""
    path = root / RUN_LOCK_NAME

    def locked(holder: dict[str, Any] | None) -> CmacopError:
        who = f" ({holder_text(holder)})" if holder is not None else ""
        return RunLockedError(
            f"une autre exécution de « cmacop run » est en cours sur la campagne {root}{who}",
            hint="Elle se termine d'elle-même : relancez plus tard. Si aucune exécution n'est "
            f"en cours, supprimez le fichier {path}.",
        )

    def unwritable(exc: OSError) -> CmacopError:
        return folder_error(
            exc, folder=str(root), what="pose du verrou d'exécution", cls=RunError, then=RESUME
        )

    with hold(path, command="run", locked=locked, unwritable=unwritable, on_stale=on_stale):
        yield


@contextlib.contextmanager
def fault_injection() -> Iterator[None]:
    """``CMACOP_TEST_KILL_AT=N``: SIGKILL just before the N-th ``os.replace`` (tests only)."""
    raw = os.environ.get(KILL_ENV, "")
    if not raw.isdigit():
        yield
        return
    target, real, calls = int(raw), os.replace, [0]

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        calls[0] += 1
        if calls[0] == target:
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
        real(src, dst, *args, **kwargs)

    os.replace = replace
    try:
        yield
    finally:
        os.replace = real


def stopped(
    cfg: Config, step: str | None, exc: CmacopError | OSError
) -> tuple[CmacopError, Problem, CmacopError]:
    """The error that stops a run: its step, the folder, the cause and what to do; the
    same as a :class:`Problem` for the last run's record.

    Returns the error to raise, the record, and the same error worded for the campaign's
    own files (journal, manifest). The error to raise keeps the folder as the system
    named it (``error.folder``: the command line shows it so that it opens from where the
    command ran); the record and the journal name it relative to the campaign, where the
    dashboard and ``cmacop statut`` show it.
    """
    if isinstance(exc, OSError):
        folder = failed_folder(exc) or cfg.root
        exc = folder_error(
            exc, folder=str(folder), writing=not _inside(folder, cfg.deposit), cls=RunError
        )
    resume = RESUME if exc.folder is not None else ""
    problem = problem_of(cfg.root, step or "préparation", exc, then=resume)
    error, logged = copy.copy(exc), copy.copy(exc)
    if resume:
        error.hint = f"{exc.hint} {resume}" if exc.hint else resume
    logged.message, logged.hint = problem.cause, problem.hint
    for told in (error, logged):
        if step is not None:
            told.message = (
                f"{step} : {told.message} — exécution interrompue, le travail fait jusque-là "
                "est conservé"
            )
    return error, problem, logged


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True
