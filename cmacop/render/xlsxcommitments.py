"""Workbook sheets and summary lines of issue #12: regional targets against the national one,
impact indicators by unit, the contract's commitments, the bilan's timetable.

Values only, as :mod:`cmacop.render.xlsxsheets` does: numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from cmacop.compute.progress import BELOW_BASELINE, REACHED, REASONS, Progress
from cmacop.render.documents import impact_text, weighted_text
from cmacop.render.model import Bilan, ImpactLine
from cmacop.render.model_com import ComBilan
from cmacop.render.modelparts import AxisRef
from cmacop.render.xlsxtable import (
    COUNT,
    DATE,
    DECIMAL,
    HEADING,
    NUMBER,
    PERCENT,
    Column,
    SummaryLine,
    Table,
)


class _Section(Protocol):
    @property
    def axis(self) -> AxisRef: ...

    @property
    def impacts(self) -> tuple[ImpactLine, ...]: ...


def progress_state(p: Progress) -> str | None:
    """The progression cell in words when it is not a rate (the reason of an empty cell)."""
    if p.state == REACHED:
        return "cible 2027 atteinte"
    if p.state == BELOW_BASELINE:
        return "en recul"
    if p.reason is not None:
        return REASONS[p.reason]
    return None


def targets_table(b: Bilan) -> Table:
    """Sheet « Cibles » : Σ regional targets against the national target, per indicator."""
    columns = (
        Column("Code"),
        Column("Indicateur", wrap=True, width=50),
        Column(f"Cible nationale {b.year}", COUNT),
        Column("Σ cibles des CMAR", COUNT),
        Column("CMAR avec cible de COM", COUNT),
        Column("CMAR avec cible", COUNT),
        Column("Cibles des chambres d'Alsace et de Moselle", COUNT),
        Column("Σ cibles des chambres", COUNT),
        Column("Écart à la cible nationale", COUNT),
        Column("Écart (part de la cible nationale)", PERCENT),
    )
    rows = tuple(
        (t.code, t.label, t.national, t.cmar, t.cmar_com, t.cmar_count, t.others, t.total,
         t.gap, t.gap_share)
        for t in b.targets_check
    )  # fmt: skip
    return Table("Cibles", columns, rows, freeze_columns=1)


def impacts_table(sections: Iterable[_Section], year: int, *, chamber: bool = False) -> Table:
    """Sheet « Impacts »: the network's figure of each impact indicator (and the chamber's)."""
    columns = (
        Column("Code"),
        Column("Axe"),
        Column("Indicateur", wrap=True, width=50),
        Column("Unité"),
        *((Column(f"Valeur de la chambre {year}", NUMBER),) if chamber else ()),
        Column("Chambres ayant renseigné", COUNT),
        Column("Chambres consolidées", COUNT),
        Column("Médiane", DECIMAL),
        Column("Minimum", DECIMAL),
        Column("Maximum", DECIMAL),
        Column("Moyenne pondérée", DECIMAL),
        Column("Somme", NUMBER),
        Column("Réseau", wrap=True, width=40),
        Column("Définition", wrap=True, width=60),
    )
    rows = []
    for sec in sections:
        for m in sec.impacts:
            f = m.figure
            rows.append(
                (m.code, sec.axis.number, m.label, m.unit, *((m.value,) if chamber else ()),
                 f.reporting, f.expected, f.median, f.low, f.high, f.weighted, f.total,
                 f"{impact_text(f)} ; moyenne pondérée : {weighted_text(f)}", m.definition)
            )  # fmt: skip
    return Table("Impacts", columns, tuple(rows), freeze_columns=1)


def _jalon_rows(b: Bilan) -> list[tuple[Any, ...]]:
    e = b.commitments
    if e is None:
        return []
    lines = [(g.title, j) for g in e.groups for j in g.lines]
    lines += [("Engagements de l'État", j) for j in e.state]
    lines += [(f"Échéance postérieure à {b.year}", j) for j in e.later]
    return [
        (j.code, group, j.article, j.owner, j.text, j.due, j.due_text, j.status,
         "oui" if j.late else None, j.on, j.from_year, j.comment, j.note)
        for group, j in lines
    ]  # fmt: skip


def commitments_table(b: Bilan) -> Table:
    """Sheet « Engagements »: every commitment due by the bilan's year, then the later ones."""
    columns = (
        Column("Jalon"),
        Column("Partie", wrap=True, width=30),
        Column("Article"),
        Column("Porteur"),
        Column("Engagement (mots du contrat)", wrap=True, width=70),
        Column("Échéance"),
        Column("Échéance (mots du contrat)", wrap=True, width=30),
        Column("État"),
        Column("En retard"),
        Column("Date", DATE),
        Column("État de l'année"),
        Column("Commentaire", wrap=True, width=50),
        Column("Note", wrap=True, width=40),
    )
    return Table("Engagements", columns, tuple(_jalon_rows(b)), freeze_columns=1)


def _timetable_summary(b: Bilan) -> list[SummaryLine]:
    t = b.timetable
    if t is None:
        return []
    lines: list[SummaryLine] = [
        ("", None, None),
        (f"Calendrier du bilan {b.year} (contrat, annexe I)", None, HEADING),
        ("À transmettre au ministre avant le", t.deadline, DATE),
    ]
    lines += [(s.step.capitalize(), s.on or "non renseignée", DATE) for s in t.steps]
    lines.append(("État", t.state, None))
    return lines


def _commitments_summary(b: Bilan) -> list[SummaryLine]:
    e, sg = b.commitments, b.signatures
    lines: list[SummaryLine] = []
    if e is not None:
        lines += [
            ("", None, None),
            (f"Engagements datés du contrat dus en {b.year}", None, HEADING),
            ("Engagements dus", e.total, COUNT),
            ("Faits", e.done, COUNT),
            ("En retard", e.late, COUNT),
            ("Non renseignés", e.unknown, COUNT),
        ]
    if sg is not None:
        unsigned = ", ".join(line.code for line in sg.unsigned) or "aucune"
        lines.append(
            ("CMAR sans COM signée (§10.2)", unsigned if sg.given else "non renseigné", None)
        )
    return lines


def _com_commitments_summary(b: ComBilan) -> Sequence[SummaryLine]:
    sig = b.signature
    signed: Any = "non renseigné"
    if sig is not None:
        signed = sig.signed_on or "non signée"
    appreciation: Any = "non renseignée"
    if b.appreciation is not None:
        appreciation = b.appreciation.text
    elif b.appreciations_given:
        appreciation = "non reçue"
    return (
        ("COM signée le (§10.2)", signed, DATE),
        (f"Appréciation du préfet de région sur le bilan {b.year} (note 4)", appreciation, None),
    )
