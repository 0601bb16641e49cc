"""The contract's dated or checkable commitments (« jalons »), read from the catalogue.

Each ``[[jalons]]`` entry of the catalogue quotes the contract: its article, its words,
its deadline as the contract gives it (a year, a month, a day, or none: « sans date »),
whether it recurs (``periodicite``), who owes it and the axis. The campaign team follows
them in ``referentiel/suivi_jalons.csv`` (:mod:`cmacop.cop.referentiel`); the national
bilan shows those due by its year. Outside the modulation, unless an avenant says otherwise.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

# Who owes a commitment. The two CM of Alsace and Moselle owe one (§10.1, interoperability).
OWNERS = ("CMA France", "CMAR", "CM d'Alsace et de Moselle", "État")
STATE = "État"
PERIODICITIES = ("annuelle", "semestrielle")
_DUE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


@dataclass(frozen=True)
class Jalon:
    """One commitment of the contract.

    ``due`` is the deadline as precise as the contract gives it: ``"2023"``,
    ``"2023-05"`` or ``"2023-12-31"``; None when the contract gives none (« sans
    date »). A recurring commitment (``periodicity``) is due every year of the COP.
    """

    code: str
    article: str
    text: str
    owner: str
    axis: int | None
    due: str | None = None
    due_text: str | None = None  # the contract's own words for the deadline
    periodicity: str | None = None
    note: str | None = None

    @property
    def due_date(self) -> date | None:
        """The last day of the deadline's period (31/12 for a year), None without one."""
        if self.due is None:
            return None
        m = _DUE.match(self.due)
        assert m is not None  # checked when read
        year = int(m.group(1))
        if m.group(3):
            return date(year, int(m.group(2)), int(m.group(3)))
        if m.group(2):
            month = int(m.group(2))
            return date(year, month, calendar.monthrange(year, month)[1])
        return date(year, 12, 31)

    @property
    def due_label(self) -> str:
        """« 2023 », « mai 2023 », « 31 janvier 2023 », « chaque année » or « sans date »."""
        if self.periodicity is not None:
            return "chaque semestre" if self.periodicity == "semestrielle" else "chaque année"
        if self.due is None:
            return "sans date"
        m = _DUE.match(self.due)
        assert m is not None
        year = m.group(1)
        if m.group(3):
            day = int(m.group(3))
            return f"{'1er' if day == 1 else day} {_MONTHS[int(m.group(2)) - 1]} {year}"
        if m.group(2):
            return f"{_MONTHS[int(m.group(2)) - 1]} {year}"
        return year

    @property
    def owed_by_state(self) -> bool:
        return self.owner == STATE

    def due_by(self, year: int) -> bool:
        """Due by the end of ``year``: a deadline in or before it, or a recurring commitment."""
        if self.periodicity is not None:
            return True
        due = self.due_date
        return due is not None and due.year <= year

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "article": self.article,
            "libelle": self.text,
            "echeance": self.due,
            "echeance_libelle": self.due_label,
            "echeance_contrat": self.due_text,
            "periodicite": self.periodicity,
            "porteur": self.owner,
            "axe": self.axis,
            "note": self.note,
        }


class JalonError(ValueError):
    """A ``[[jalons]]`` entry that cannot be read (the catalogue turns it into a DataFileError)."""


def read_jalons(entries: Sequence[Mapping[str, Any]], axes: Sequence[int]) -> tuple[Jalon, ...]:
    """Check and read the ``[[jalons]]`` entries of a catalogue."""
    jalons: list[Jalon] = []
    seen: set[str] = set()
    for pos, entry in enumerate(entries):
        jalon = _jalon(f"jalons[{pos}] ({entry.get('code', '?')})", entry, axes)
        if jalon.code in seen:
            raise JalonError(f"jalons[{pos}] : code « {jalon.code} » défini deux fois")
        seen.add(jalon.code)
        jalons.append(jalon)
    return tuple(jalons)


def _jalon(where: str, entry: Mapping[str, Any], axes: Sequence[int]) -> Jalon:
    def text(key: str, *, required: bool = True) -> Any:
        value = entry.get(key)
        if value is None:
            if required:
                raise JalonError(f"{where} : champ « {key} » manquant")
            return None
        if not isinstance(value, str) or not value.strip():
            raise JalonError(f"{where} : champ « {key} » : texte non vide attendu")
        return value.strip()

    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise JalonError(f"{where} : champ(s) inconnu(s) : {', '.join(unknown)}")
    owner = text("porteur")
    if owner not in OWNERS:
        raise JalonError(f"{where} : porteur « {owner} » inconnu (attendu : {', '.join(OWNERS)})")
    axis = entry.get("axe")
    if axis is not None and (isinstance(axis, bool) or axis not in axes):
        raise JalonError(f"{where} : axe {axis!r} inconnu")
    due = entry.get("echeance")
    if due is not None:
        due = str(due)
        if not _valid_due(due):
            raise JalonError(
                f"{where} : échéance « {due} » : AAAA, AAAA-MM ou AAAA-MM-JJ attendu "
                "(sans échéance : omettez le champ)"
            )
    periodicity = text("periodicite", required=False)
    if periodicity is not None and periodicity not in PERIODICITIES:
        raise JalonError(
            f"{where} : périodicité « {periodicity} » inconnue "
            f"(attendu : {', '.join(PERIODICITIES)})"
        )
    if periodicity is not None and due is not None:
        raise JalonError(f"{where} : un jalon périodique n'a pas d'échéance unique")
    return Jalon(
        code=text("code"),
        article=text("article"),
        text=text("libelle"),
        owner=owner,
        axis=axis,
        due=due,
        due_text=text("echeance_contrat", required=False),
        periodicity=periodicity,
        note=text("note", required=False),
    )


_KEYS = {
    "code", "article", "libelle", "porteur", "axe", "echeance", "echeance_contrat",
    "periodicite", "note",
}  # fmt: skip


def _valid_due(due: str) -> bool:
    m = _DUE.match(due)
    if m is None:
        return False
    try:
        if m.group(3):
            date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif m.group(2) and not 1 <= int(m.group(2)) <= 12:
            return False
    except ValueError:
        return False
    return True
