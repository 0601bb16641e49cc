"""Reference files of the bilan itself: its timetable, the jalons' follow-up, COM signatures,
the préfets' appreciations.

All four are optional CSV files of ``referentiel/`` (``;`` or ``,``, French Excel
encodings, dates as ``2025-06-24`` or ``24/06/2025``), kept by CMA France's campaign
team and described in ``docs/formats/referentiel.md``. Each reader checks every line and
raises a :class:`DataFileError` naming the file, the line and the column, in French.

- ``calendrier_bilan.csv`` ``annee,etape,date,commentaire``: when the bilan of a year went
  to the bureau élargi, the commission, the general assembly and the minister (contract,
  Annexe I: « présentés en bureau élargi, en commission, puis en assemblée générale de CMA
  France. Ils sont ensuite transmis à la tutelle »; note 4: « avant le 1er juillet de
  l'année suivante »).
- ``suivi_jalons.csv`` ``jalon,annee,statut,date,commentaire``: where each commitment
  (``[[jalons]]`` of the catalogue) stood for a year.
- ``signatures_com.csv`` ``chambre,date_signature,commentaire``: when each CMAR signed its
  COM (§10.2: « La signature des COM est une obligation inscrite dans le code de
  l'artisanat »); an empty date: not signed.
- ``appreciations_prefet.csv`` ``chambre,annee,date,appreciation``: the préfet de région's
  appreciation of a CMAR's bilan de COM (note 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from cmacop.cop.catalogue import Catalogue
from cmacop.cop.jalons import Jalon
from cmacop.cop.registry import Registry
from cmacop.errors import DataFileError, InputFileError
from cmacop.files.frenchcsv import CsvTable, parse_date, read_csv

# The steps of a bilan (Annexe I), in their order.
BUREAU, COMMISSION, ASSEMBLY, MINISTER = (
    "bureau élargi", "commission", "assemblée générale", "transmission au ministre",
)  # fmt: skip
STEPS = (BUREAU, COMMISSION, ASSEMBLY, MINISTER)
# Where a commitment stands (``statut`` of suivi_jalons.csv).
DONE, ONGOING, NOT_STARTED, DROPPED = "fait", "en cours", "non commencé", "abandonné"
JALON_STATUSES = (DONE, ONGOING, NOT_STARTED, DROPPED)
FIRST_YEAR = 2023  # the COP's first year


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class CalendarStep:
    year: int  # the results year of the bilan
    step: str
    on: date | None
    comment: str | None = None


@dataclass(frozen=True)
class JalonFollowUp:
    jalon: str
    year: int
    status: str
    on: date | None
    comment: str | None = None


@dataclass(frozen=True)
class ComSignature:
    chamber: str
    signed_on: date | None  # None: not signed
    comment: str | None = None


@dataclass(frozen=True)
class Appreciation:
    chamber: str
    year: int
    on: date | None
    text: str


@dataclass(frozen=True)
class BilanReferences:
    """What the four files hold; ``given`` says which files were found (None: absent)."""

    calendar: tuple[CalendarStep, ...] = ()
    follow_up: tuple[JalonFollowUp, ...] = ()
    signatures: Mapping[str, ComSignature] | None = None  # None: no signature file
    appreciations: Mapping[tuple[str, int], Appreciation] = field(default_factory=dict)
    given: Mapping[str, Path | None] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading


def _table(path: Path, columns: tuple[str, ...]) -> CsvTable:
    try:
        table = read_csv(Path(path))
    except InputFileError as exc:
        raise DataFileError(str(exc)) from None
    missing = [c for c in columns if c not in table.header]
    if missing:
        raise DataFileError(
            f"{path.name} : colonne(s) manquante(s) : {', '.join(missing)}",
            hint=f"L'en-tête attendu est : {','.join(columns)}",
        )
    return table


class _Line:
    """One line of a reference file: its cells, checked one by one with French errors."""

    def __init__(self, path: Path, line: int, row: Mapping[str, str]) -> None:
        self.path, self.line, self.row = path, line, row

    def fail(self, column: str | None, message: str, hint: str | None = None) -> DataFileError:
        where = f"{self.path.name}, ligne {self.line}"
        if column:
            where += f", colonne « {column} »"
        return DataFileError(f"{where} : {message}", hint=hint)

    def text(self, column: str) -> str:
        return self.row.get(column, "").strip()

    def year(self, column: str = "annee") -> int:
        text = self.text(column)
        if not text.isdigit() or not FIRST_YEAR <= int(text) <= 2100:
            raise self.fail(column, f"« {text} » n'est pas une année du COP (2023 ou après)")
        return int(text)

    def date(self, column: str, *, required: bool = False) -> date | None:
        text = self.text(column)
        if not text:
            if required:
                raise self.fail(column, "date manquante")
            return None
        parsed = parse_date(text)
        if parsed is None:
            raise self.fail(
                column, f"« {text} » n'est pas une date", "Écrivez 2025-06-24 ou 24/06/2025."
            )
        return parsed

    def choice(self, column: str, allowed: Iterable[str]) -> str:
        text = self.text(column)
        for value in allowed:
            if text.casefold() == value.casefold():
                return value
        raise self.fail(
            column,
            f"« {text} » inconnu",
            f"Valeurs possibles : {', '.join(f'« {v} »' for v in allowed)}.",
        )

    def cmar(self, registry: Registry) -> str:
        code = self.text("chambre").upper()
        found = registry.get(code)
        if found is None:
            raise self.fail("chambre", f"chambre « {code} » inconnue du registre")
        if found.kind != "CMAR":
            raise self.fail(
                "chambre",
                f"{code} ({found.name}) n'est pas une chambre de région : elle ne signe pas de COM",
            )
        return code


def _lines(path: Path, columns: tuple[str, ...]) -> Iterable[_Line]:
    table = _table(path, columns)
    for number, row in table.rows:
        line = _Line(path, number, row)
        if row.get("__extra__", "").strip(";, \t"):
            # Typically a comment holding the separator, not quoted: refuse rather than cut it.
            raise line.fail(
                None,
                "plus de cellules que de colonnes dans l'en-tête",
                f"Mettez entre guillemets un texte qui contient « {table.delimiter} » "
                "(Excel le fait en enregistrant au format CSV).",
            )
        yield line


def read_calendar(path: str | Path) -> tuple[CalendarStep, ...]:
    """Read ``calendrier_bilan.csv``: ``annee,etape,date,commentaire`` (one step per line)."""
    path = Path(path)
    steps: list[CalendarStep] = []
    seen: dict[tuple[int, str], int] = {}
    for ln in _lines(path, ("annee", "etape", "date")):
        key = (ln.year(), ln.choice("etape", STEPS))
        if key in seen:
            raise ln.fail(
                "etape", f"étape « {key[1]} » {key[0]} en double (déjà ligne {seen[key]})"
            )
        seen[key] = ln.line
        steps.append(CalendarStep(*key, ln.date("date"), ln.text("commentaire") or None))
    return tuple(steps)


def read_follow_up(path: str | Path, catalogue: Catalogue) -> tuple[JalonFollowUp, ...]:
    """Read ``suivi_jalons.csv``: exact columns ``jalon,annee,statut,date,commentaire``."""
    path = Path(path)
    codes = {j.code for j in catalogue.jalons}
    rows: list[JalonFollowUp] = []
    seen: dict[tuple[str, int], int] = {}
    for ln in _lines(path, ("jalon", "annee", "statut", "date", "commentaire")):
        code = ln.text("jalon")
        if code not in codes:
            raise ln.fail(
                "jalon",
                f"jalon « {code} » absent du catalogue {catalogue.id}",
                "Les codes sont ceux de « cmacop catalogue --format json » (clé « jalons »).",
            )
        year = ln.year()
        if (code, year) in seen:
            raise ln.fail(
                "jalon", f"jalon {code} en double pour {year} (déjà ligne {seen[(code, year)]})"
            )
        seen[(code, year)] = ln.line
        status = ln.choice("statut", JALON_STATUSES)
        rows.append(
            JalonFollowUp(code, year, status, ln.date("date"), ln.text("commentaire") or None)
        )
    return tuple(rows)


def read_signatures(path: str | Path, registry: Registry) -> dict[str, ComSignature]:
    """Read ``signatures_com.csv``: ``chambre,date_signature,commentaire`` (CMAR only)."""
    path = Path(path)
    out: dict[str, ComSignature] = {}
    lines: dict[str, int] = {}
    for ln in _lines(path, ("chambre", "date_signature")):
        code = ln.cmar(registry)
        if code in out:
            raise ln.fail("chambre", f"{code} en double (déjà ligne {lines[code]})")
        lines[code] = ln.line
        out[code] = ComSignature(code, ln.date("date_signature"), ln.text("commentaire") or None)
    return out


def read_appreciations(path: str | Path, registry: Registry) -> dict[tuple[str, int], Appreciation]:
    """Read ``appreciations_prefet.csv``: ``chambre,annee,date,appreciation``."""
    path = Path(path)
    out: dict[tuple[str, int], Appreciation] = {}
    lines: dict[tuple[str, int], int] = {}
    for ln in _lines(path, ("chambre", "annee", "date", "appreciation")):
        key = (ln.cmar(registry), ln.year())
        if key in out:
            raise ln.fail("chambre", f"{key[0]} {key[1]} en double (déjà ligne {lines[key]})")
        text = ln.text("appreciation")
        if not text:
            raise ln.fail("appreciation", "appréciation vide")
        lines[key] = ln.line
        out[key] = Appreciation(key[0], key[1], ln.date("date"), text)
    return out


# --------------------------------------------------------------------------- the timetable

# Its states, as the bilan and ``cmacop statut`` say them.
SENT_ON_TIME, SENT_LATE, TO_SEND, OVERDUE = (
    "transmis dans le délai", "transmis hors délai", "à transmettre", "en retard",
)  # fmt: skip


@dataclass(frozen=True)
class Timetable:
    """The bilan of ``year``: its legal deadline, its steps and whether the deadline was met.

    The contract (Annexe I, note 4; §10.2): consolidated by CMA France and « transmis au
    ministre, avant le 1er juillet de l'année suivante ».
    """

    year: int
    deadline: date  # 1 July N + 1: the bilan must be sent *before* it
    steps: tuple[CalendarStep, ...]  # the four steps in order, dated when known
    today: date

    @property
    def sent_on(self) -> date | None:
        return next((s.on for s in self.steps if s.step == MINISTER), None)

    @property
    def met(self) -> bool | None:
        """True: sent before the deadline; False: sent late, or not sent once it passed."""
        if self.sent_on is not None:
            return self.sent_on < self.deadline
        return False if self.today >= self.deadline else None

    @property
    def state(self) -> str:
        if self.sent_on is not None:
            return SENT_ON_TIME if self.sent_on < self.deadline else SENT_LATE
        return OVERDUE if self.today >= self.deadline else TO_SEND

    @property
    def in_order(self) -> bool:
        """The dated steps follow Annexe I's order (bureau, commission, AG, minister)."""
        dated = [s.on for s in self.steps if s.on is not None]
        return dated == sorted(dated)

    @property
    def dated(self) -> bool:
        return any(s.on is not None for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "date_limite": self.deadline.isoformat(),
            "regle": "transmis au ministre avant le 1er juillet de l'année suivante "
            "(contrat, annexe I, note 4)",
            "etapes": [
                {
                    "etape": s.step,
                    "date": s.on.isoformat() if s.on else None,
                    "commentaire": s.comment,
                }
                for s in self.steps
            ],
            "transmis_le": self.sent_on.isoformat() if self.sent_on else None,
            "delai_respecte": self.met,
            "etat": self.state,
            "ordre_respecte": self.in_order,
        }


def timetable(year: int, calendar: Iterable[CalendarStep], today: date) -> Timetable:
    """The timetable of the bilan of ``year`` from the calendar's lines of that year."""
    given = {s.step: s for s in calendar if s.year == year}
    steps = tuple(given.get(step, CalendarStep(year, step, None)) for step in STEPS)
    return Timetable(year, date(year + 1, 7, 1), steps, today)


# --------------------------------------------------------------------------- the jalons of a year


@dataclass(frozen=True)
class JalonState:
    """Where one commitment stands for the bilan of ``year``.

    ``status`` None: the follow-up file says nothing (« non renseigné »). A one-off
    commitment keeps the latest status given up to ``year`` (``from_year`` says which);
    a recurring one only that of ``year``. ``late``: its deadline passed by the end of
    ``year`` and it is neither done nor dropped.
    """

    jalon: Jalon
    year: int
    status: str | None
    on: date | None
    comment: str | None
    from_year: int | None
    late: bool
    done_late: bool  # done, after its deadline


def jalon_states(
    jalons: Iterable[Jalon], follow_up: Iterable[JalonFollowUp], year: int
) -> tuple[JalonState, ...]:
    """Every commitment due by the end of ``year`` (dated, recurring or without date)."""
    rows: dict[str, list[JalonFollowUp]] = {}
    for given in follow_up:
        if given.year <= year:
            rows.setdefault(given.jalon, []).append(given)
    end = date(year, 12, 31)
    states = []
    for jalon in jalons:
        if not (jalon.due_by(year) or jalon.due is None):
            continue  # due after the bilan's year
        mine = sorted(rows.get(jalon.code, []), key=lambda r: r.year)
        if jalon.periodicity is not None:
            mine = [r for r in mine if r.year == year]
        row = mine[-1] if mine else None
        status = row.status if row else None
        due = jalon.due_date
        settled = status in (DONE, DROPPED)
        states.append(
            JalonState(
                jalon=jalon,
                year=year,
                status=status,
                on=row.on if row else None,
                comment=row.comment if row else None,
                from_year=row.year if row else None,
                late=due is not None and due <= end and not settled,
                done_late=status == DONE
                and due is not None
                and row is not None
                and row.on is not None
                and row.on > due,
            )
        )
    return tuple(states)


def later_jalons(jalons: Iterable[Jalon], year: int) -> tuple[Jalon, ...]:
    """The commitments whose deadline falls after ``year`` (2027, for instance)."""
    return tuple(j for j in jalons if j.due is not None and not j.due_by(year))
