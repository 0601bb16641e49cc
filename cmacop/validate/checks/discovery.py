"""Which files a run looks at: the paths given, folders walked recursively.

Lock, hidden, temporary and system files are listed as skipped, never read:
Excel leaves ``~$name.xlsx`` next to an open workbook, LibreOffice
``.~lock.name.xlsx#``, and shared drives collect ``Thumbs.db``. A symbolic link met
while walking a folder is never followed (it may point anywhere on the server): it is
listed as skipped too. A path named on the command line is read as given.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cmacop.errors import UsageError

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".csv")
_TEMP_SUFFIXES = (".tmp", ".temp", ".crdownload", ".part", ".partial", ".download")
_SYSTEM_FILES = ("thumbs.db", "desktop.ini", ".ds_store")
SYMLINK = "lien symbolique ignoré"


@dataclass(frozen=True)
class Skipped:
    """A file or folder deliberately left out of the run, with the reason in French."""

    path: Path
    reason: str
    settling: bool = False  # still being copied (settling delay): looked at again later
    unreadable: bool = False  # a folder the system refuses to list: its files are unseen

    def to_dict(self) -> dict[str, str]:
        return {"fichier": str(self.path), "raison": self.reason}


def skip_reason(name: str) -> str | None:
    """Why a file of this name is not a submission to read; None when it is one."""
    lower = name.lower()
    if name.startswith("~$"):
        return "fichier de verrouillage d'Excel"
    if name.startswith(".~lock.") and name.endswith("#"):
        return "fichier de verrouillage de LibreOffice"
    if lower in _SYSTEM_FILES:
        return "fichier système"
    if name.startswith("."):
        return "fichier caché"
    if name.startswith("~") or name.endswith("~") or lower.endswith(_TEMP_SUFFIXES):
        return "fichier temporaire"
    return None


def discover(
    paths: Iterable[str | Path], exclude: Path | None = None, settle_seconds: float = 0
) -> tuple[list[Path], list[Skipped]]:
    """The files to check, in the order given (folders sorted by name), and those skipped.

    ``exclude`` is a folder never walked (the feedback folder when it sits
    inside a checked folder). A file modified less than ``settle_seconds`` ago
    may still be copying: it is skipped. A path that does not exist is a usage error.
    """
    files: list[Path] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    excluded = exclude.resolve() if exclude is not None else None
    now = time.time()

    def add(path: Path) -> None:
        key = path.resolve()
        if key in seen:
            return
        seen.add(key)
        reason = skip_reason(path.name)
        if reason is None and settle_seconds > 0:
            with contextlib.suppress(OSError):
                age = now - path.stat().st_mtime
                if age < settle_seconds:
                    reason = f"modifié il y a {max(int(age), 0)} s : copie peut-être en cours"
                    skipped.append(Skipped(path, reason, settling=True))
                    return
        if reason is not None:
            skipped.append(Skipped(path, reason))
        else:
            files.append(path)

    for raw in paths:
        path = Path(raw)
        if path.is_file():
            add(path)
        elif path.is_dir():
            for found in _walk(path, excluded, skipped):
                add(found)
        else:
            raise UsageError(
                f"chemin introuvable : {path}",
                hint="Indiquez des fichiers .xlsx ou .csv, ou des dossiers qui en contiennent.",
            )
    return files, skipped


def _walk(root: Path, excluded: Path | None, skipped: list[Skipped]) -> Iterable[Path]:
    def refused(exc: OSError) -> None:  # a folder that cannot be listed is said, not skipped
        from cmacop.errors import folder_error

        where = Path(os.fsdecode(exc.filename)) if exc.filename is not None else root
        error = folder_error(exc, folder=str(where), writing=False)
        reason = f"{error.message} — {error.hint}" if error.hint else error.message
        skipped.append(Skipped(where, reason, unreadable=True))

    for folder, dirs, names in os.walk(root, onerror=refused):
        here = Path(folder)
        kept = []
        for name in sorted(dirs):
            sub = here / name
            if sub.is_symlink():
                skipped.append(Skipped(sub, SYMLINK))
            elif name.startswith("."):
                skipped.append(Skipped(sub, "dossier caché"))
            elif excluded is not None and sub.resolve() == excluded:
                skipped.append(Skipped(sub, "dossier des retours de contrôle"))
            else:
                kept.append(name)
        dirs[:] = kept  # os.walk descends into what is left, in this order
        for name in sorted(names):
            path = here / name
            if path.is_symlink():
                skipped.append(Skipped(path, SYMLINK))
            else:
                yield path
