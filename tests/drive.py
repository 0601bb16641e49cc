"""Faults of a shared drive, injected for real where the machine allows it.

- :class:`Tmpfs`: a small tmpfs mounted on a campaign folder (needs ``mount``, i.e. root
  or a user namespace): a full drive (:meth:`Tmpfs.fill`), a read-only one
  (:meth:`Tmpfs.read_only`);
- :func:`unprivileged`: how to run ``cmacop`` as a process the folders' rights apply
  to (``nobody`` when it can run this interpreter, else root without the capabilities
  that bypass rights);
- :class:`FakeDrive`: a file-system layer refusing writes under a folder with a given
  errno, so that each cause is tested on any machine.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


class Tmpfs:
    """A tmpfs of ``size`` mounted on ``path`` (which must exist and be empty)."""

    def __init__(self, path: Path, size: str) -> None:
        self.path = path
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(
                "impossible de monter un tmpfs ici (« mount -t tmpfs » demande root) : "
                f"{done.stderr.strip() or done.returncode} — la couche simulée (FakeDrive) "
                "couvre ce cas"
            )

    def fill(self) -> Path:
        """Fill the drive to the last byte with a ballast file (removed by :meth:`free`)."""
        ballast = self.path / ".ballast"
        block = b"\0" * (1 << 16)
        with open(ballast, "wb", buffering=0) as fh:
            with contextlib.suppress(OSError):
                while True:
                    fh.write(block)
            size = 4096
            while size:  # the last partial block
                try:
                    fh.write(b"\0" * size)
                except OSError:
                    size //= 2
        return ballast

    def free(self) -> None:
        (self.path / ".ballast").unlink(missing_ok=True)

    def read_only(self, on: bool = True) -> None:
        subprocess.run(
            ["mount", "-o", f"remount,{'ro' if on else 'rw'}", str(self.path)], check=True
        )

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False)


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "4m") -> Iterator[Tmpfs]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = Tmpfs(path, size)
    try:
        yield mounted
    finally:
        mounted.unmount()


# --------------------------------------------------------------------------- rights

NOBODY = 65534
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 1, 2, 3


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _without_override() -> None:
    """Root without the capabilities that bypass file rights (they apply after exec)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")


def unprivileged(probe_dir: Path) -> tuple[str, Callable[[], None]]:
    """(who, preexec_fn) for a subprocess that the rights of folders apply to.

    ``nobody`` when it can run this interpreter (it cannot when Python lives in root's
    home); else this user without CAP_DAC_OVERRIDE. Skips when neither is refused
    writing into a read-only folder.
    """
    locked = probe_dir / "verrouille"
    locked.mkdir()
    locked.chmod(0o555)
    probe = f"open({str(locked / 'x')!r}, 'w')"
    try:
        for who, how in (("nobody", _as_nobody), ("root sans CAP_DAC_OVERRIDE", _without_override)):
            try:
                done = subprocess.run(
                    [sys.executable, "-c", "import polars, cmacop.cli; " + probe],
                    preexec_fn=how,
                    capture_output=True,
                    text=True,
                    check=False,
                )
            except (OSError, subprocess.SubprocessError):
                continue
            if done.returncode != 0 and "PermissionError" in done.stderr:
                return who, how
        pytest.skip("aucun utilisateur soumis aux droits des dossiers n'est disponible ici")
    finally:
        locked.chmod(0o755)
        locked.rmdir()


# --------------------------------------------------------------------------- simulated


class FakeDrive:
    """Writes under refused folders fail with the errno of the drive (the real call is made
    for everything else): ``os.open`` with a write flag, ``os.mkdir``, ``os.replace``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rules: list[tuple[str, int]] = []
        real_open, real_mkdir, real_replace = os.open, os.mkdir, os.replace

        def check(path: object) -> None:
            name = os.path.abspath(os.fsdecode(path))  # type: ignore[arg-type]
            for folder, code in self.rules:
                if name == folder or name.startswith(folder + os.sep):
                    raise OSError(code, os.strerror(code), name)

        def fake_open(path, flags, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                check(path)
            return real_open(path, flags, mode, dir_fd=dir_fd)

        def fake_mkdir(path, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
            check(path)
            return real_mkdir(path, mode, dir_fd=dir_fd)

        def fake_replace(src, dst, *, src_dir_fd=None, dst_dir_fd=None):  # type: ignore[no-untyped-def]
            check(dst)
            return real_replace(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

        monkeypatch.setattr(os, "open", fake_open)
        monkeypatch.setattr(os, "mkdir", fake_mkdir)
        monkeypatch.setattr(os, "replace", fake_replace)

    def refuse(self, folder: Path, code: int = errno.ENOSPC) -> None:
        self.rules.append((os.path.abspath(folder), code))

    def clear(self) -> None:
        self.rules.clear()
