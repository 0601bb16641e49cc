"""What a run finds in ``depot/``: submissions to look at, and files left for the next run.

Files are found per year folder (``depot/2024/…``) with the same rules as
``cmacop validate`` (:func:`cmacop.validate.checks.discovery.discover`): Excel and
LibreOffice lock files, temporary, hidden and system files are ignored; a file
modified less than ``delai_stabilite`` seconds ago may still be copying and is
left for the next run, as is a file whose size or date changes while it is read.
Files are only read, never moved, renamed or modified.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmacop.validate.checks.discovery import discover, skip_reason

YEAR_DIR = re.compile(r"^\d{4}$")
# Files up to this size are read into memory (validation's own limit is the same, 20 MiB);
# bigger ones are only hashed, by blocks: validation then reports them as abnormal.
READ_MAX_BYTES = 20 * 1024 * 1024
CHANGED_WHILE_READING = "taille ou date modifiée pendant la lecture : copie en cours"


@dataclass(frozen=True)
class Candidate:
    """A settled submission file of a year folder, as ``stat`` sees it before reading."""

    path: Path
    key: str  # relative to the deposit folder, POSIX: "2024/COM_2024_CMAR-84.xlsx"
    year: int
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Left:
    """A file (or folder) this run does not process, with the reason in French."""

    key: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"fichier": self.key, "raison": self.reason}


@dataclass(frozen=True)
class Scan:
    candidates: tuple[Candidate, ...]
    pending: tuple[Left, ...]  # still being copied: looked at again by the next run
    ignored: tuple[Left, ...]  # lock, temporary, hidden files; files outside a year folder


def _key(path: Path, deposit: Path) -> str:
    try:
        return path.relative_to(deposit).as_posix()
    except ValueError:
        return path.as_posix()


def scan_deposit(deposit: Path, *, settle_seconds: float, exclude: Path | None = None) -> Scan:
    """Every file under ``deposit/<année>/``, sorted; the deposit folder must exist."""
    candidates: list[Candidate] = []
    pending: list[Left] = []
    ignored: list[Left] = []
    with os.scandir(deposit) as entries:
        children = sorted(entries, key=lambda e: e.name)
    for entry in children:
        path = Path(entry.path)
        if entry.is_dir() and YEAR_DIR.match(entry.name):
            found, skipped = discover([path], exclude=exclude, settle_seconds=settle_seconds)
            year = int(entry.name)
            for file in found:
                try:
                    st = file.stat()
                except OSError:  # removed meanwhile
                    continue
                candidates.append(
                    Candidate(file, _key(file, deposit), year, st.st_size, st.st_mtime_ns)
                )
            for skip in skipped:
                # discover() gives no kind: a plain file name it skipped is a settling file.
                settling = skip_reason(skip.path.name) is None and not skip.path.is_dir()
                (pending if settling else ignored).append(
                    Left(_key(skip.path, deposit), skip.reason)
                )
        elif (reason := skip_reason(entry.name)) is not None:
            ignored.append(Left(entry.name, reason))
        else:
            ignored.append(
                Left(
                    entry.name,
                    f"hors d'un dossier d'année : à déposer dans {deposit.name}/<année>/",
                )
            )
    return Scan(tuple(candidates), tuple(pending), tuple(ignored))


@dataclass(frozen=True)
class Read:
    """A file read whole and unchanged while read: its hash, and its bytes when small."""

    sha256: str
    data: bytes | None


def read_stable(candidate: Candidate) -> Read | None:
    """Hash the file; None when its size or date changed meanwhile (still being copied).

    An unreadable file raises OSError (the caller reports it).
    """
    path = candidate.path
    data: bytes | None = None
    if candidate.size <= READ_MAX_BYTES:
        data = path.read_bytes()
        digest, length = hashlib.sha256(data).hexdigest(), len(data)
    else:
        hasher, length = hashlib.sha256(), 0
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                hasher.update(block)
                length += len(block)
        digest = hasher.hexdigest()
    after = path.stat()
    if (length, after.st_size, after.st_mtime_ns) != (
        candidate.size,
        candidate.size,
        candidate.mtime_ns,
    ):
        return None
    return Read(digest, data)


def peek_chamber(path: Path, data: bytes | None) -> str | None:
    """The chamber code a submission declares, read cheaply; None when it cannot be told.

    Used only to keep two submissions of one chamber out of the same validation
    batch (validation would reject both as duplicates, E-IDENT-004); the
    verdict itself is validation's.
    """
    if data is None:
        return None
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _workbook_chamber(path, data)
        if suffix == ".csv":
            from cmacop.validate.checks.identity import chamber_and_year
            from cmacop.validate.submission import read_submission

            return chamber_and_year(read_submission(path, data))[0]
    except Exception:  # a damaged file: validation will say why
        return None
    return None


def _workbook_chamber(path: Path, data: bytes) -> str | None:
    from cmacop.cop.contract import ID_ROW, SHEET_ID, SHEET_META
    from cmacop.files.xlsxread import read_xlsx

    # As validation reads it: the value beside the label « Code chambre » (column A,
    # wherever the row is, else the template's row); the hidden sheet without that sheet.
    book = read_xlsx(data, path.name, sheets=(SHEET_ID, SHEET_META))
    ident = book.sheets.get(SHEET_ID)
    if ident is None:
        return _meta_chamber(book)
    row = ID_ROW["Code chambre"]
    for candidate in range(1, min(ident.max_row, 50) + 1):
        label = ident.get(candidate, 1)
        if label is not None and _text(label.value) == "Code chambre":
            row = candidate
            break
    value = ident.get(row, 2)
    return (_text(value.value) if value is not None else "") or None


def _meta_chamber(book: Any) -> str | None:
    from cmacop.cop.contract import SHEET_META

    meta = book.sheets.get(SHEET_META)
    if meta is None:
        return None
    for row in range(1, min(meta.max_row, 50) + 1):
        key, value = meta.get(row, 1), meta.get(row, 2)
        if key is not None and _text(key.value) == "chambre" and value is not None:
            return _text(value.value) or None
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
