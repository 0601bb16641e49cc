"""What the bilan says of the contract's commitments: jalons, the State's, COM signatures and
the bilan's own timetable (see :mod:`cmacop.cop.followup` for the files they come from).

Values only, nothing formatted: the templates and the workbook show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cmacop.cop.followup import (
    ComSignature,
    JalonState,
    Timetable,
    jalon_states,
    later_jalons,
    timetable,
)
from cmacop.cop.jalons import Jalon
from cmacop.render.inputs import ReportInputs

NOT_REPORTED = "non renseigné"  # a commitment the follow-up file says nothing about
GENERAL = "Dispositions générales (préambule et annexes)"


@dataclass(frozen=True)
class JalonLine:
    """One commitment as the bilan lists it."""

    code: str
    article: str
    text: str
    owner: str
    due: str  # « mai 2023 », « 2024 », « chaque année », « sans date »
    due_text: str | None  # the contract's words for the deadline
    status: str  # fait, en cours, non commencé, abandonné or « non renseigné »
    on: date | None
    comment: str | None
    from_year: int | None  # the follow-up year the status comes from, when earlier
    late: bool
    done_late: bool
    note: str | None


@dataclass(frozen=True)
class JalonGroup:
    """The commitments of one axis (or of the preamble and annexes), late ones first."""

    axis: int | None
    title: str
    lines: tuple[JalonLine, ...]


@dataclass(frozen=True)
class CommitmentsView:
    """Section « Engagements datés du contrat » and « Engagements de l'État »."""

    year: int
    followed: bool  # a suivi_jalons.csv was given
    groups: tuple[JalonGroup, ...]  # CMA France, CMAR and CM commitments, per axis
    state: tuple[JalonLine, ...]  # the State's commitments
    later: tuple[JalonLine, ...]  # due after the bilan's year
    total: int
    done: int
    late: int
    unknown: int  # due, and nothing in the follow-up file


@dataclass(frozen=True)
class SignatureLine:
    code: str
    name: str
    signed_on: date | None
    comment: str | None


@dataclass(frozen=True)
class SignaturesView:
    """§10.2: each CMAR's COM, signed or not; ``given`` False: no signature file."""

    given: bool
    signed: tuple[SignatureLine, ...]
    unsigned: tuple[SignatureLine, ...]


def _line(state: JalonState) -> JalonLine:
    j = state.jalon
    return JalonLine(
        code=j.code,
        article=j.article,
        text=j.text,
        owner=j.owner,
        due=j.due_label,
        due_text=j.due_text,
        status=state.status or NOT_REPORTED,
        on=state.on,
        comment=state.comment,
        from_year=state.from_year if state.from_year != state.year else None,
        late=state.late,
        done_late=state.done_late,
        note=j.note,
    )


def _later_line(jalon: Jalon) -> JalonLine:
    return JalonLine(
        jalon.code, jalon.article, jalon.text, jalon.owner, jalon.due_label, jalon.due_text,
        NOT_REPORTED, None, None, None, False, False, jalon.note,
    )  # fmt: skip


def _order(state: JalonState) -> tuple[int, date, int]:
    """Late first (oldest deadline first), then dated, recurring, and without date."""
    due = state.jalon.due_date
    if state.late:
        return (0, due or date.max, 0)
    if due is not None:
        return (1, due, 0)
    return (2 if state.jalon.periodicity else 3, date.max, 0)


def commitments_view(inputs: ReportInputs) -> CommitmentsView:
    """The commitments due by the end of the bilan's year, with their follow-up."""
    cat, year = inputs.catalogue, inputs.year
    states = jalon_states(cat.jalons, inputs.references.follow_up, year)
    network = [s for s in states if not s.jalon.owed_by_state]
    groups = []
    for axis in [None, *(a.number for a in cat.axes)]:
        mine = sorted((s for s in network if s.jalon.axis == axis), key=_order)
        if not mine:
            continue
        title = GENERAL if axis is None else f"Axe {axis} — {cat.axis(axis).short_title}"
        groups.append(JalonGroup(axis, title, tuple(_line(s) for s in mine)))
    state = tuple(
        _line(s) for s in sorted((s for s in states if s.jalon.owed_by_state), key=_order)
    )
    return CommitmentsView(
        year=year,
        followed=inputs.references.given.get("suivi_jalons") is not None,
        groups=tuple(groups),
        state=state,
        later=tuple(_later_line(j) for j in later_jalons(cat.jalons, year)),
        total=len(states),
        done=sum(1 for s in states if s.status == "fait"),
        late=sum(1 for s in states if s.late),
        unknown=sum(1 for s in states if s.status is None),
    )


def signatures_view(inputs: ReportInputs) -> SignaturesView:
    """Every CMAR's COM: signed (and when) or not, in registry order."""
    given = inputs.references.signatures
    signed: list[SignatureLine] = []
    unsigned: list[SignatureLine] = []
    for chamber in inputs.registry.chambers:
        if chamber.kind != "CMAR":
            continue
        sig = (given or {}).get(chamber.code) or ComSignature(
            chamber.code, None, "absente du fichier des signatures" if given else None
        )
        line = SignatureLine(chamber.code, chamber.name, sig.signed_on, sig.comment)
        (signed if sig.signed_on else unsigned).append(line)
    return SignaturesView(given is not None, tuple(signed), tuple(unsigned))


def bilan_timetable(inputs: ReportInputs, today: date) -> Timetable:
    """The timetable of the bilan of ``inputs.year`` as of ``today`` (its date)."""
    return timetable(inputs.year, inputs.references.calendar, today)
