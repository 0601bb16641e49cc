"""Lock files on a shared drive: one holder at a time, stale locks of dead processes taken over.

A lock is a small JSON file created with ``O_EXCL`` holding the PID, host, start
time, command and a random token. Used by the store (``consolidation/.cmacop.lock``)
and by ``cmacop run`` (``.cmacop-run.lock``). Light on purpose (no polars): the run
takes its lock before deciding whether there is anything to do.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

# A lock file that cannot be read (a process killed while writing it) is stale after this.
UNREADABLE_LOCK_GRACE_S = 30.0

Holder = dict[str, Any]


def host() -> str:
    return socket.gethostname()


def read_holder(path: Path) -> Holder | None:
    """The lock's content, or None when absent or unreadable."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def pid_alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT: never guess
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except (OverflowError, ValueError):
        return False
    return True


def is_stale(path: Path, holder: Holder | None) -> bool:
    """A lock left by a dead process of this host, or unreadable for too long."""
    if holder is None:
        try:
            age = time.time() - path.stat().st_mtime
        except OSError:
            return True  # gone meanwhile
        return age > UNREADABLE_LOCK_GRACE_S
    pid = holder.get("pid")
    if holder.get("hote") != host() or not isinstance(pid, int):
        return False  # another machine's process cannot be checked from here
    return not pid_alive(pid)


def holder_text(holder: Holder) -> str:
    """``processus 4242 sur srv-cma, depuis le 2025-03-03T02:00:01+01:00``."""
    return (
        f"processus {holder.get('pid')} sur {holder.get('hote')}, depuis le {holder.get('depuis')}"
    )


def _take_over(path: Path, stale: str) -> bool:
    """Remove a stale lock unless a live process replaced it in between; True if removed."""
    aside = path.with_name(f"{path.name}.{uuid.uuid4().hex}.perime")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return False  # another process took it over first
    try:
        moved = aside.read_text(encoding="utf-8")
    except OSError:
        moved = stale
    taken = moved == stale
    if not taken:  # we moved a fresh lock: put it back
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
    aside.unlink(missing_ok=True)
    return taken


@contextlib.contextmanager
def hold(
    path: Path,
    *,
    locked: Callable[[Holder | None], Exception],
    unwritable: Callable[[OSError], Exception],
    timeout: float = 0.0,
    command: str = "",
    on_stale: Callable[[Holder | None], None] | None = None,
) -> Iterator[Holder]:
    """Hold the lock file ``path`` for the ``with`` block; yield what it holds.

    Held by a live process: wait up to ``timeout`` seconds, then raise
    ``locked(holder)``. Left by a dead process of this host: taken over, and
    ``on_stale(holder)`` is told. An OSError creating it raises ``unwritable(exc)``.
    """
    token = uuid.uuid4().hex
    mine: Holder = {
        "pid": os.getpid(),
        "hote": host(),
        "depuis": datetime.now().astimezone().isoformat(timespec="seconds"),
        "commande": command,
        "jeton": token,
    }
    payload = json.dumps(mine, ensure_ascii=False)
    deadline = time.monotonic() + max(timeout, 0.0)
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                raw = path.read_text(encoding="utf-8")
            except OSError:
                raw = ""
            holder = read_holder(path)
            if is_stale(path, holder):
                if _take_over(path, raw) and on_stale is not None:
                    on_stale(holder)
                continue
            if time.monotonic() >= deadline:
                raise locked(holder) from None
            time.sleep(min(0.5, max(deadline - time.monotonic(), 0.01)))
            continue
        except OSError as exc:
            raise unwritable(exc) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:  # full disk: do not leave an empty lock behind
            path.unlink(missing_ok=True)
            raise unwritable(exc) from None
        break
    try:
        yield mine
    finally:
        holder = read_holder(path)
        if holder is not None and holder.get("jeton") == token:
            path.unlink(missing_ok=True)
