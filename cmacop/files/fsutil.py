"""File-system helpers: atomic writes and hashes (outputs live on a shared drive)."""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from cmacop.files.names import temp_name_part


@contextlib.contextmanager
def atomic_path(target: Path, *, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    A crash leaves either the previous file or the new one, never half of one. With
    ``durable`` the content is forced to disk before the rename (``fsync``, ~2 ms a
    file); without, the caller makes a batch of such files durable at once with
    :func:`flush_to_disk` before recording them as done (a killed process loses
    nothing either way: only a power cut between the rename and that flush could
    leave an empty file, and the batch is then not recorded as done).

    The temporary name is short (``.<start of the name>.XXXXXXXX.tmp``), whatever the
    target's length. A writer failing with something other than an ``OSError`` (polars
    raises ``ComputeError`` when the disk fills during a Parquet write) is checked
    against the disk: a full, read-only or forbidden folder becomes the ``OSError`` it is.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{temp_name_part(target.name)}.", suffix=".tmp", dir=target.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        # mkstemp creates 0600 files: give them the usual permissions (0666 less the
        # umask) so colleagues on the shared drive can read what cmacop publishes.
        os.chmod(tmp_path, 0o666 & ~_umask())
        yield tmp_path
        if durable:
            with open(tmp_path, "rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    except OSError:
        raise
    except Exception as exc:
        # Diagnosed while the temporary file still holds what was written.
        cause = disk_cause(target.parent)
        if cause is None:
            raise
        raise OSError(cause, os.strerror(cause), str(target)) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp_path.unlink()


# A write probe this size, and free space under this, mean the disk is full.
PROBE_BYTES = 64 * 1024
LOW_SPACE_BYTES = 1024 * 1024


def disk_cause(folder: Path) -> int | None:
    """Why writing in ``folder`` fails, as the disk says it (an errno); None if it does not.

    Only called after a write failed: a probe file is written and synced (the system's
    own answer: ENOSPC, EDQUOT, EROFS, EACCES…), then the file system's flags and free
    space are read.
    """
    probe: str | None = None
    try:
        fd, probe = tempfile.mkstemp(prefix=".cmacop-sonde.", suffix=".tmp", dir=folder)
        try:
            left = memoryview(bytes(PROBE_BYTES))
            while left:
                left = left[os.write(fd, left) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno is not None:
            return exc.errno
    finally:
        if probe is not None:
            with contextlib.suppress(OSError):
                os.unlink(probe)
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # AttributeError: Windows has no statvfs
        return None
    if st.f_flag & os.ST_RDONLY:
        return errno.EROFS
    if st.f_bavail * st.f_frsize < LOW_SPACE_BYTES or (st.f_files and not st.f_favail):
        return errno.ENOSPC
    return None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_bytes_atomic(target: Path, data: bytes, *, durable: bool = True) -> None:
    with atomic_path(target, durable=durable) as tmp:
        tmp.write_bytes(data)


def flush_to_disk(folder: Path) -> None:
    """Force what was written on ``folder``'s file system to disk: one call for a batch of
    non-durable writes (Linux ``syncfs``, that file system only; elsewhere ``sync``).

    A write error the file system reports only now (a full or failing network share)
    raises :class:`OSError`, as the ``fsync`` of each file would have: the caller then
    records nothing of the batch as done.
    """
    syncfs = _syncfs()
    if syncfs is not None:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            fd = -1  # the folder cannot be opened: fall back to sync below
        if fd >= 0:
            try:
                if syncfs(fd) == 0:
                    return
                code = _last_errno()
            finally:
                os.close(fd)
            if code not in (0, errno.ENOSYS):
                raise OSError(code, os.strerror(code), str(folder))
    if hasattr(os, "sync"):
        os.sync()


def _last_errno() -> int:
    import ctypes

    return ctypes.get_errno()


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        function: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    return function


def write_text_atomic(target: Path, text: str, encoding: str = "utf-8") -> None:
    write_bytes_atomic(target, text.encode(encoding))


def write_with(target: Path, writer: Callable[[Path], object]) -> None:
    """Call ``writer(tmp_path)`` then move the result into place atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)


def sha256(source: bytes | Path) -> str:
    """SHA-256 (hex) of bytes, or of a file read by blocks (large files never held whole).

    The one hash of cmacop: submissions, reference files, outputs, manifests. A file that
    cannot be read raises :class:`OSError`; the caller says which file, in French.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return hashlib.sha256(source).hexdigest()
    digest = hashlib.sha256()
    with open(source, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
