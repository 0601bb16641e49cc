"""Safe names for what cmacop writes beside a deposited file (feedback, receipt, temporary).

A chamber may deposit ``-rf.xlsx``, a name holding a newline, a 240-byte name or
``a:b?.xlsx`` (refused by an SMB share). What cmacop writes never starts with ``-``
or ``.``, never holds a control character, a path separator or a character Windows
refuses, and fits the file system's limit; a name that had to be changed carries
``_<8 hex>``, the start of the SHA-256 of the full original name, so that two
deposits never share an output name.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

# The limit of a file name in bytes on ext4, XFS, NTFS and SMB shares (255 UTF-16 units).
NAME_MAX = 255
HASH_CHARS = 8
# Characters a name written on the shared drive never holds: separators, and what Windows
# refuses on an SMB share (a Linux client then gets EINVAL).
_FORBIDDEN = frozenset('/\\<>:"|?*')
_LEADING = re.compile(r"^[-. ]+")


def name_hash(name: str) -> str:
    """The short hash of a full name that a changed name carries."""
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:HASH_CHARS]


def _clean(text: str) -> str:
    """Control, format and separator characters and forbidden ones replaced; spaces kept."""
    if text.isprintable() and not _FORBIDDEN.intersection(text):
        return text
    out = []
    for char in text:
        if char in _FORBIDDEN:
            out.append("_")
        elif char.isprintable():
            out.append(char)
        elif unicodedata.category(char) == "Zs":  # no-break spaces: a plain space
            out.append(" ")
        else:
            out.append("_")
    return "".join(out)


def _cut(text: str, max_bytes: int) -> str:
    """``text`` shortened to ``max_bytes`` of UTF-8, never inside a character."""
    data = text.encode("utf-8", "surrogateescape")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore").rstrip(" .")


def safe_stem(
    stem: str,
    *,
    full_name: str | None = None,
    reserve: int = 0,
    limit: int = NAME_MAX,
    tag: bool = False,
) -> str:
    """``stem`` as the start of a name cmacop writes, ``reserve`` bytes left for a suffix.

    Unchanged when safe and short enough (and ``tag`` false); otherwise cleaned,
    shortened and followed by ``_`` and the hash of ``full_name`` (default: ``stem``).
    """
    # Names from os.listdir may hold undecodable bytes (surrogate escapes): never printable.
    cleaned = _LEADING.sub("_", _clean(stem)) or "fichier"
    room = limit - reserve
    if not tag and cleaned == stem and len(stem.encode("utf-8", "surrogateescape")) <= room:
        return stem
    suffix = "_" + name_hash(full_name if full_name is not None else stem)
    return _cut(cleaned, room - len(suffix)) + suffix


def safe_component(name: str, limit: int = NAME_MAX) -> str:
    """A sub-folder name mirrored from ``depot/`` into ``retours/`` (``CMAR-84`` unchanged)."""
    return safe_stem(name, limit=limit)


def name_limit(folder: Path) -> int:
    """The longest file name (bytes) the file system of ``folder`` accepts, at most 255.

    Asked of the nearest existing folder (once per output folder, never per file).
    """
    for candidate in (folder, *folder.parents):
        try:
            return max(64, min(os.pathconf(candidate, "PC_NAME_MAX"), NAME_MAX))
        except FileNotFoundError:
            continue
        except (OSError, ValueError, AttributeError):  # not said (Windows, some shares)
            return NAME_MAX
    return NAME_MAX


def temp_name_part(name: str) -> str:
    """The part of a target's name its temporary file shows (``.<part>.XXXXXXXX.tmp``)."""
    return _cut(_LEADING.sub("", _clean(name)), 40) or "cmacop"
