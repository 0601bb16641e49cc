"""Which of a chamber's files for a year is the current one: the one rule for versions.

Two files for the same chamber and year: the one with the latest date of transmission
(``Identification!B5``), then the latest modification time, is the current one; the
other is replaced by it. ``cmacop validate`` reports the other as « remplacé par … »,
``cmacop run`` consolidates the versions in this order (the current one last) and a
consolidation never lets an older version replace the one in force: all three ask
:func:`version_order`. Two files that neither tells apart (same date, same modification
time) cannot be ordered: validation rejects both (``E-IDENT-004``).

A cmacop rule (the contract says nothing of versions): the date of transmission is what
the chamber declares, the modification time what the shared drive saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Version:
    """What orders two files of one chamber and year; a greater version is more recent.

    ``sent_on`` None (not given or unreadable) is older than any date; ``mtime_ns`` None
    (a file consolidated earlier, whose modification time is not kept) is older than any
    file seen now, which arrived after it.
    """

    sent_on: date | None
    mtime_ns: int | None

    def _key(self) -> tuple[bool, date, bool, int]:
        return (
            self.sent_on is not None,
            self.sent_on or date.min,
            self.mtime_ns is not None,
            self.mtime_ns or 0,
        )

    def newer_than(self, other: Version) -> bool:
        return self._key() > other._key()

    def same_as(self, other: Version) -> bool:
        return self._key() == other._key()


def version_order(items: Sequence[T], version: Callable[[T], Version]) -> list[list[T]]:
    """``items`` (one chamber and year) from the oldest to the current version.

    Each entry is a list: items that neither date nor time tells apart share one, and
    there is no telling which of them is current.
    """
    ranked = sorted(items, key=lambda item: version(item)._key())
    out: list[list[T]] = []
    for item in ranked:
        if out and version(out[-1][0]).same_as(version(item)):
            out[-1].append(item)
        else:
            out.append([item])
    return out
