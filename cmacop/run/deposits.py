"""What a run finds in ``depot/``: submissions to look at, and files left for the next run.

Files are found per year folder (``depot/2024/…``) with the same rules as
``cmacop validate`` (:func:`cmacop.validate.checks.discovery.discover`): Excel and
LibreOffice lock files, temporary, hidden and system files are ignored, and a symbolic
link is never followed (« lien symbolique ignoré »), wherever it is; a file
modified less than ``delai_stabilite`` seconds ago may still be copying and is
left for the next run, as is a file whose size or date changes while it is read.
Files are only read, never moved, renamed or modified.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cmacop.cop.registry import Registry
    from cmacop.validate.submission import Submission

from cmacop.files.fsutil import sha256
from cmacop.validate.checks.discovery import SUPPORTED_SUFFIXES, SYMLINK, discover, skip_reason

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
    unreadable: tuple[Left, ...] = ()  # folders that cannot be listed (rights): said, kept


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
    unreadable: list[Left] = []  # folders the system refuses to list
    with os.scandir(deposit) as entries:
        children = sorted(entries, key=lambda e: e.name)
    for entry in children:
        path = Path(entry.path)
        if entry.is_symlink():
            ignored.append(Left(entry.name, SYMLINK))
        elif entry.is_dir() and YEAR_DIR.match(entry.name):
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
                left = Left(_key(skip.path, deposit), skip.reason)
                (unreadable if skip.unreadable else pending if skip.settling else ignored).append(
                    left
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
    return Scan(tuple(candidates), tuple(pending), tuple(ignored), tuple(unreadable))


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
        data = _read_no_follow(path)
        digest = sha256(data)
    else:
        digest = sha256(path)  # by blocks; validation reports the file as abnormal
    after = path.lstat()
    read = len(data) if data is not None else after.st_size
    if (read, after.st_size, after.st_mtime_ns) != (
        candidate.size,
        candidate.size,
        candidate.mtime_ns,
    ):
        return None
    return Read(digest, data)


def _read_no_follow(path: Path) -> bytes:
    """The file's bytes; a symbolic link put in its place since the scan is not followed."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


@dataclass(frozen=True)
class Fresh:
    """A new or changed file to process, read once: its bytes, hash and parsed content."""

    candidate: Candidate
    sha256: str
    data: bytes | None  # None: too big to hold (validation reports it)
    submission: Submission | None  # None: unreadable (validation says why)
    chamber: str | None  # as declared: only to batch a chamber's versions apart
    sent_on: date | None = None  # as declared: orders a chamber's versions


def parse(path: Path, data: bytes | None) -> Submission | None:
    """The submission in a deposit's bytes, parsed once for batching and validation.

    None when it cannot be parsed (too big to hold, damaged, another format): validation
    reads it again and says why, as a finding of that file.
    """
    if data is None or path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return None
    from cmacop.validate.submission import read_submission

    try:
        return read_submission(path, data)
    except Exception:  # hostile input may break the reader anywhere: validation will say
        return None


def declared_chamber(
    sub: Submission | None, path: Path | None = None, registry: Registry | None = None
) -> str | None:
    """The chamber a deposit stands for: the one whose folder holds it
    (``depot/2024/CMAR-84/``, given ``path`` and ``registry``), else the code it declares;
    None when it cannot be told.

    Used only to keep two submissions of one chamber out of the same validation batch
    and in their order; the verdict itself is validation's (a file declaring another
    chamber than its folder's is rejected there, E-IDENT-007).
    """
    from cmacop.validate.checks.identity import chamber_and_year, chamber_folder

    if path is not None and registry is not None:
        folder = chamber_folder(path, registry)
        if folder is not None:
            return folder
    if sub is None:
        return None
    return chamber_and_year(sub)[0]


def declared_sent_on(sub: Submission | None) -> date | None:
    """The date of transmission a submission declares (None: none, or unreadable).

    With the modification time, it orders a chamber's versions
    (:mod:`cmacop.validate.versions`); the verdict is validation's.
    """
    from cmacop.validate.checks.identity import sent_on_of

    return sent_on_of(sub)


def batches(items: list[Fresh]) -> list[list[Fresh]]:
    """Each chamber's versions in the order of :func:`~cmacop.validate.versions.version_order`
    (date of transmission, then modification time), its n-th version in batch n: the
    current version is consolidated last and replaces the others, as ``cmacop validate``
    reports them. Versions nothing tells apart share a batch, where validation rejects
    them all (``E-IDENT-004``), as ``cmacop validate`` does.
    """
    from cmacop.validate.versions import Version, version_order

    batches: list[list[Fresh]] = [[]]
    # Arrival order (date, then name) inside a batch, as the deposits were listed.
    arrival = sorted(items, key=lambda f: (f.candidate.mtime_ns, f.candidate.key))
    by_chamber: dict[str, list[Fresh]] = {}
    for item in arrival:
        if item.chamber is None:
            # Files whose chamber cannot be told go together in the first batch: they
            # cannot be duplicates of one another for validation either.
            batches[0].append(item)
        else:
            by_chamber.setdefault(item.chamber, []).append(item)
    for versions in by_chamber.values():
        order = version_order(versions, lambda f: Version(f.sent_on, f.candidate.mtime_ns))
        for n, same in enumerate(order):
            while len(batches) <= n:
                batches.append([])
            batches[n].extend(same)
    rank = {id(item): i for i, item in enumerate(arrival)}
    return [sorted(b, key=lambda f: rank[id(f)]) for b in batches if b]


def arrival(item: Fresh, recorded: Mapping[Path, datetime]) -> datetime:
    """A new file's date of receipt: recorded by hand, else its modification time (UTC)."""
    path = item.candidate.path
    when = recorded.get(path) or datetime.fromtimestamp(item.candidate.mtime_ns / 1e9, UTC)
    return when.astimezone(UTC)


def contact_of(submission: Submission | None) -> str | None:
    """The workbook's « Courriel du contact » when it is an address (a CSV has none)."""
    if submission is None:
        return None
    from cmacop.cop.referentiel import is_email

    value = submission.value_of("Courriel du contact")
    text = str(value).strip() if value is not None else ""
    return text if text and is_email(text) else None
