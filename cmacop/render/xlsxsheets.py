"""What each sheet of a bilan workbook holds: columns, display formats and rows.

Values come straight from the view model (numbers stay numbers); a missing
value is an empty cell, explained in a « Remarque » column ("sans cible",
"non renseigné", "non transmis"). :mod:`cmacop.render.xlsx` writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cmacop.campaign.statuses import TRANSMITTED
from cmacop.french import fmt_date, fmt_number
from cmacop.render.documents import status_label
from cmacop.render.model import Bilan
from cmacop.render.model_com import ComBilan
from cmacop.render.modelparts import (
    ChamberRow,
    DataRow,
    Gap,
    ModulationRow,
    ModulationView,
    OutlierLine,
    Source,
    SubmissionLine,
)
from cmacop.render.xlsxcommitments import (
    _com_commitments_summary,
    _commitments_summary,
    _timetable_summary,
    commitments_table,
    impacts_table,
    progress_state,
    targets_table,
)
from cmacop.render.xlsxtable import (
    COUNT,
    DATE,
    EURO,
    HEADING,
    NUMBER,
    PERCENT,
    SHARE,
    Column,
    SummaryLine,
    Table,
)
from cmacop.validate.checks.network import level_text


def _remark(target: int | None, realised: Any, status: str | None = None) -> str | None:
    """Why a cell is empty: « sans objet » when nothing was due, « non renseigné » when a
    target existed and nothing came, « sans cible » for a value given without a target."""
    if status is not None:
        return status
    if not target:
        return "sans objet" if realised is None else "sans cible"
    return "non renseigné" if realised is None else None


def _sources(source: Source) -> list[SummaryLine]:
    lines: list[SummaryLine] = [
        ("", None, None),
        ("Sources", None, HEADING),
        ("Contrat", source.catalogue_title, None),
        ("Catalogue", source.catalogue_version, None),
        ("Empreinte du catalogue (SHA-256)", source.catalogue_hash, None),
        ("Registre des chambres", source.registry_version or None, None),
        ("Logiciel", f"cmacop {source.cmacop_version}".strip(), None),
        ("Plafond du taux d'un indicateur", source.cap, PERCENT),
    ]
    if source.rules is not None:
        for title, group in (
            ("Règles fixées par le contrat", source.rules.contract),
            ("Règles décidées par CMA France", source.rules.decided),
            ("Défauts de cmacop, non encore décidés par CMA France", source.rules.defaults),
        ):
            if group:
                lines.append((title, None, HEADING))
                lines.extend((r.label, f"{r.value} — {r.source}", None) for r in group)
    lines.extend((f"{f.role} : {f.name}", f.sha256, None) for f in source.input_files)
    return lines


def _modulation_summary(m: ModulationView | None, year: int) -> list[SummaryLine]:
    lines: list[SummaryLine] = [
        ("", None, None),
        (f"Modulation de la TFCMA {year + 1}", None, HEADING),
    ]
    if m is None:
        return [*lines, ("Modulation", "non calculée : aucune base TFCMA fournie", None)]
    if m.proposal:
        lines[-1] = (f"Proposition de modulation de la TFCMA {year + 1}", None, HEADING)
        lines.append(("Règles non encore décidées par CMA France", " ; ".join(m.undecided), None))
    lines.append(("Part performance p", m.share, SHARE))
    lines.append(("Source de la part performance", m.share_source, None))
    lines.extend((f"Poids de l'axe {n} ({short})", w, SHARE) for n, short, w in m.weights)
    return lines


def _chambers_table(
    rows: Sequence[ChamberRow],
    submissions: Sequence[SubmissionLine],
    axes: int,
    *,
    ranking: bool = False,
) -> Table:
    """Every chamber's axis rates; the rank (CMAR only) only when the bilan ranks them."""
    lines = {s.code: s for s in submissions}
    columns = (
        Column("Code"),
        Column("Chambre"),
        Column("Type"),
        Column("Modulation"),
        Column("État"),
        Column("Transmis le", DATE),
        *(Column(f"Axe {n}", PERCENT) for n in range(1, axes + 1)),
        Column("Taux global", PERCENT),
        *((Column("Rang (CMAR)", COUNT),) if ranking else ()),
        Column("Erreurs", COUNT),
        Column("Avertissements", COUNT),
        Column("Écarts non justifiés", COUNT),
    )
    body = []
    for r in rows:
        s = lines[r.code]
        body.append(
            (r.code, r.name, r.kind, "oui" if r.receives_tfcma else "hors modulation",
             status_label(r), s.transmitted_on, *r.axis_rates, r.overall,
             *((r.rank,) if ranking else ()), s.errors, s.warnings, s.unjustified)
        )  # fmt: skip
    return Table("Chambres", columns, tuple(body), freeze_columns=2)


def _modulation_table(m: ModulationView | None, rows: Sequence[ModulationRow]) -> Table:
    if m is None:
        return Table(
            "Modulation",
            (Column("Modulation", width=80),),
            (("Modulation non calculée : aucune base TFCMA n'a été fournie.",),),
        )
    columns = (
        Column("Code"),
        Column("Chambre"),
        Column("Base", EURO),
        Column("Part fonctionnement", EURO),
        Column("Part performance", EURO),
        *(Column(f"Réduction axe {n}", EURO) for n, _, _ in m.weights),
        Column("Réduction totale", EURO),
        Column("Dotation finale", EURO),
        Column("Part retenue", PERCENT),
        Column("Signalement"),
    )
    body = tuple(
        (r.code, r.name, r.base, r.operating, r.performance, *r.axis_reductions, r.reduction,
         r.final, r.withheld, r.flag)
        for r in rows
    )  # fmt: skip
    footer: tuple[tuple[Any, ...], ...] = ()
    if len(rows) > 1:
        footer = (
            (None, "Total", m.total_base, m.total_operating, m.total_performance,
             *m.total_axis_reductions, m.pool, m.total_final, m.pool_share, None),
        )  # fmt: skip
    return Table("Modulation", columns, body, footer, freeze_columns=2)


QUALITY_COLUMNS = (
    Column("Code"),
    Column("Chambre"),
    Column("Nature"),
    Column("Indicateur"),
    Column("Cellule"),
    Column("Cible", COUNT),
    Column("Réalisé", COUNT),
    Column("Taux", PERCENT),
    Column("Détail", wrap=True, width=70),
)


def _gap_row(g: Gap, nature: str) -> tuple[Any, ...]:
    detail = g.comment or (f"justification : {g.justification}" if g.justification else g.label)
    return (g.code, g.name, nature, g.indicator, None, g.target, g.realised, g.rate,
            detail)  # fmt: skip


def _gap_nature(g: Gap) -> str:
    if g.comment is not None:
        return "écart commenté"
    return "écart justifié" if g.justification is not None else "écart non justifié"


def _outlier_row(o: OutlierLine) -> tuple[Any, ...]:
    detail = (
        f"{level_text(o.level)} pour 1 000 entreprises, médiane du réseau "
        f"{level_text(o.median)} ({o.chambers} chambres), écart robuste {fmt_number(o.z, 1)}"
    )
    return (o.code, o.name, "valeur atypique", o.indicator, None, None, o.realised, None, detail)


def _quality_rows(bilan: Bilan | ComBilan) -> tuple[tuple[Any, ...], ...]:
    if isinstance(bilan, Bilan):
        q = bilan.quality
        lines, findings, outliers = q.submissions, q.findings, q.outliers
    else:
        lines, findings, outliers = (bilan.submission,), bilan.findings, bilan.outliers
    names = {s.code: s.name for s in lines}
    rows: list[tuple[Any, ...]] = []
    for s in lines:
        if s.status != TRANSMITTED or s.late:
            detail = f"transmis le {fmt_date(s.transmitted_on)}" if s.transmitted_on else None
            if s.file:
                detail = f"{detail or 'fichier'} : {s.file}" if detail else f"fichier {s.file}"
            rows.append((s.code, s.name, status_label(s), None, None, None, None, None, detail))
    for f in findings:
        severity: str = f.severity
        message = f.message
        if f.justification is not None:
            severity, message = (
                f"{severity} justifié",
                f"{message} — justification : {f.justification}",
            )
        rows.append(
            (f.chamber, names.get(f.chamber, f.chamber), severity, f.indicator, f.location,
             None, None, None, message)
        )  # fmt: skip
    if isinstance(bilan, Bilan):
        rows.extend(_gap_row(g, "écart non justifié") for g in bilan.quality.unjustified)
        rows.extend(_gap_row(g, "commentaire sur un écart") for g in bilan.quality.commented)
    else:
        rows.extend(_gap_row(g, _gap_nature(g)) for g in bilan.gaps)
    rows.extend(_outlier_row(o) for o in outliers)
    return tuple(rows)


def _data_table(rows: Sequence[DataRow], year: int) -> Table:
    columns = (
        Column("Année"),
        Column("Code chambre"),
        Column("Chambre"),
        Column("Code indicateur"),
        Column("Axe"),
        Column("Objectif"),
        Column("Indicateur", wrap=True, width=50),
        Column("Nature"),
        Column("Unité"),
        Column("Cible", COUNT),
        Column("Origine de la cible"),
        Column(f"Réalisé {year - 1}", NUMBER),
        Column(f"Réalisé {year}", NUMBER),
        Column("Taux", PERCENT),
        Column("Commentaire de la chambre", wrap=True, width=60),
    )
    body = tuple(
        (r.year, r.code, r.name, r.indicator, r.axis, r.objective, r.label,
         "impact" if r.impact else "activité", r.unit, r.target, r.origin, r.realised_previous,
         r.realised, r.rate, r.comment)
        for r in rows
    )  # fmt: skip
    return Table("Données", columns, body, freeze_columns=4)


def national_sheets(b: Bilan) -> tuple[list[SummaryLine], list[Table]]:
    """The summary lines and tables of the national bilan's workbook."""
    s, m = b.synthesis, b.modulation
    summary: list[SummaryLine] = [
        ("Établi le", b.generated_on, DATE),
        ("Année des résultats", b.year, None),
        ("", None, None),
        (f"Transmission des bilans de COM {b.year}", None, HEADING),
        ("Chambres attendues", s.expected, COUNT),
        ("Bilans transmis et recevables", s.transmitted, COUNT),
        ("Bilans rejetés", s.rejected, COUNT),
        ("Chambres n'ayant rien transmis", s.missing, COUNT),
        ("Transmissions hors délai", s.late, COUNT),
        ("", None, None),
        (f"Atteinte moyenne des CMAR par axe, {b.year} (taux plafonnés)", None, HEADING),
        *((f"Axe {a.number} — {a.short_title}", a.rate, PERCENT) for a in s.axes),
        *_timetable_summary(b),
        *_commitments_summary(b),
        *_modulation_summary(m, b.year),
    ]
    if m is not None:
        summary += [
            ("Base totale des CMAR", m.total_base, EURO),
            ("Part performance totale", m.total_performance, EURO),
            ("Montant retenu pour les projets nationaux", m.pool, EURO),
            ("Part de la part performance retenue", m.pool_share, PERCENT),
            ("Dotations finales", m.total_final, EURO),
        ]
    summary += _sources(b.source)
    prev = b.year - 1
    axes = Table(
        "Axes",
        (Column("Axe"), Column("Intitulé", wrap=True, width=60), Column("Intitulé court"),
         Column("Poids", PERCENT), Column(f"Moyenne des CMAR {prev}", PERCENT),
         Column(f"Moyenne des CMAR {b.year}", PERCENT), Column("CMAR mesurées", COUNT),
         Column("CMAR à 100 %", COUNT), Column("Cibles nationales atteintes", COUNT),
         Column("Indicateurs avec cible nationale", COUNT)),
        tuple(
            (a.number, a.title, a.short_title, a.weight, a.previous_rate, a.rate, a.chambers,
             a.chambers_attained, a.national_met, a.national_targets)
            for a in s.axes
        ),
    )  # fmt: skip
    indicators = Table(
        "Indicateurs",
        (Column("Code"), Column("Axe"), Column("Objectif"), Column("Indicateur", wrap=True, width=50),
         Column("Unité"), Column("Résultat connu", COUNT), Column(f"Réalisé {prev}", COUNT),
         Column(f"Réalisé {b.year}", COUNT), Column(f"Cible {b.year}", COUNT),
         Column("Taux de réalisation du réseau (non plafonné)", PERCENT),
         Column("Atteinte moyenne des CMAR (plafonnée)", PERCENT), Column("Cible 2027", COUNT),
         Column("Progression vers 2027", PERCENT), Column("Progression : état", wrap=True, width=40),
         Column("Chambres à la cible", COUNT), Column("Chambres avec cible", COUNT),
         Column("Chambres ayant renseigné", COUNT), Column("Remarque")),
        tuple(
            (i.code, ax.axis.number, o.number, i.label, i.unit, i.baseline, i.realised_previous,
             i.realised, i.target, i.realisation, i.cmar_mean, i.target_2027, i.progress.rate,
             progress_state(i.progress), i.chambers_at_target, i.chambers_with_target,
             i.chambers_reporting, _remark(i.target, i.realised))
            for ax in b.axes for o in ax.objectives for i in o.indicators
        ),
        freeze_columns=1,
    )  # fmt: skip
    tables = [
        axes,
        indicators,
        targets_table(b),
        impacts_table(b.axes, b.year),
        _chambers_table(b.chambers, b.quality.submissions, len(s.axes), ranking=b.ranking),
        _modulation_table(m, m.rows if m else ()),
        commitments_table(b),
        Table("Qualité", QUALITY_COLUMNS, _quality_rows(b), freeze_columns=2),
        _data_table(b.data, b.year),
    ]
    return summary, tables


def com_sheets(b: ComBilan) -> tuple[list[SummaryLine], list[Table]]:
    """The summary lines and tables of a bilan de COM's workbook."""
    c, m, p = b.chamber, b.modulation, b.modulation_params
    status = None if c.overall is not None else status_label(b.submission)
    summary: list[SummaryLine] = [
        ("Chambre", f"{c.code} — {c.name}", None),
        ("Établi le", b.generated_on, DATE),
        ("Année des résultats", b.year, None),
        ("Bilan", status_label(b.submission), None),
        ("Transmis le", b.submission.transmitted_on, DATE),
        ("", None, None),
        (f"Résultats {b.year}", None, HEADING),
        ("Taux global d'atteinte (axes pondérés)", c.overall, PERCENT),
        *(
            (("Rang parmi les CMAR", c.rank, COUNT), ("Nombre de CMAR classées", b.ranked, COUNT))
            if b.ranking
            else ()
        ),
        ("Écarts à la cible non expliqués", len(b.unjustified), COUNT),
        *_com_commitments_summary(b),
        *_modulation_summary(p if m else None, b.year),
    ]
    if m is not None:
        summary += [
            ("Base avant modulation", m.base, EURO),
            ("Part fonctionnement", m.operating, EURO),
            ("Part performance", m.performance, EURO),
            ("Réduction", m.reduction, EURO),
            ("Dotation finale", m.final, EURO),
        ]
    summary += _sources(b.source)
    prev = b.year - 1
    axes = Table(
        "Axes",
        (Column("Axe"), Column("Intitulé court"), Column("Poids", PERCENT),
         Column(f"Taux chambre {prev}", PERCENT), Column(f"Taux chambre {b.year}", PERCENT),
         Column(f"Moyenne des CMAR {b.year}", PERCENT), Column("Remarque")),
        tuple(
            (a.axis.number, a.axis.short_title, a.axis.weight, a.previous_rate, a.rate,
             a.axis.rate, status or ("sans indicateur" if a.no_indicator else None))
            for a in b.axes
        ),
    )  # fmt: skip
    indicators = Table(
        "Indicateurs",
        (Column("Code"), Column("Axe"), Column("Objectif"), Column("Indicateur", wrap=True, width=50),
         Column(f"Cible {b.year}", COUNT), Column("Origine de la cible"),
         Column(f"Réalisé {prev}", COUNT), Column(f"Réalisé {b.year}", COUNT),
         Column("Taux", PERCENT), Column("Remarque"),
         Column("Commentaire de la chambre", wrap=True, width=60)),
        tuple(
            (i.code, sec.axis.number, i.objective, i.label, i.target or None,
             i.origin if i.target else None, i.realised_previous, i.realised, i.rate,
             _remark(i.target, i.realised, status), i.comment)
            for sec in b.sections for i in sec.indicators
        ),
        freeze_columns=1,
    )  # fmt: skip
    modulation_rows = (m,) if m is not None else ()
    tables = [
        axes,
        indicators,
        impacts_table(b.sections, b.year, chamber=True),
        _chambers_table(b.network, b.network_submissions, len(b.axes), ranking=b.ranking),
        _modulation_table(p if m else None, modulation_rows),
        Table("Qualité", QUALITY_COLUMNS, _quality_rows(b), freeze_columns=2),
        _data_table(b.data, b.year),
    ]
    return summary, tables
