"""The bilan de COM of one CMAR as a view model (see :mod:`cmacop.render.model`).

Its indicators against its own targets, its axis rates next to the network's,
its position among the chambers, its modulation line and its findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from cmacop.cop.followup import Appreciation
from cmacop.render.inputs import Finding, ReportInputs
from cmacop.render.model import AxisRef, ImpactLine, axis_refs, impacts_of, source_of, states_of
from cmacop.render.model_commitments import SignatureLine, signatures_view
from cmacop.render.modelparts import (
    ChamberRow,
    DataRow,
    Gap,
    ModulationRow,
    ModulationView,
    OutlierLine,
    QualityView,
    Source,
    SubmissionLine,
    chamber_rows,
    data_rows,
    modulation_view,
    quality_view,
)


@dataclass(frozen=True)
class ComAxisLine:
    axis: AxisRef
    rate: Fraction | None  # the chamber's axis rate; None when not transmitted
    previous_rate: Fraction | None
    no_indicator: bool


@dataclass(frozen=True)
class ComIndicatorLine:
    code: str
    objective: int | None
    label: str
    unit: str
    target: int | None
    origin: str | None
    realised_previous: int | Decimal | None
    realised: int | Decimal | None
    rate: Fraction | None
    missing: bool
    comment: str | None

    @property
    def not_applicable(self) -> bool:
        """« sans objet »: no target (or a COM target of 0) and nothing reported."""
        return not self.target and self.realised is None


@dataclass(frozen=True)
class ComIndicatorSection:
    axis: AxisRef
    indicators: tuple[ComIndicatorLine, ...]
    impacts: tuple[ImpactLine, ...]


@dataclass(frozen=True)
class ComBilan:
    """The bilan de COM of one CMAR."""

    year: int
    title: str
    generated_on: date
    chamber: ChamberRow
    region: str | None
    departments: tuple[str, ...]
    submission: SubmissionLine
    axes: tuple[ComAxisLine, ...]
    ranked: int  # CMAR ranked (0 unless the bilan ranks them: ``--classement``)
    sections: tuple[ComIndicatorSection, ...]
    network: tuple[ChamberRow, ...]  # every chamber, for the position table
    network_submissions: tuple[SubmissionLine, ...]
    modulation: ModulationRow | None
    modulation_params: ModulationView | None
    findings: tuple[Finding, ...]
    unjustified: tuple[Gap, ...]  # neither commented nor justified
    source: Source
    has_history: bool
    data: tuple[DataRow, ...]
    # Every gap to the target, explained or not (the COM report explains them, R. 323-24).
    gaps: tuple[Gap, ...] = ()
    outliers: tuple[OutlierLine, ...] = ()
    outlier_threshold: float = 3.5
    signature: SignatureLine | None = None  # §10.2; None: no signature file
    appreciation: Appreciation | None = None  # the préfet's, for this year (note 4)
    appreciations_given: bool = False  # an appreciations file was given
    ranking: bool = False


@dataclass(frozen=True)
class ComShared:
    """What every bilan de COM of one computation shows alike: computed once for all."""

    rows: tuple[ChamberRow, ...]
    axes: tuple[AxisRef, ...]
    quality: QualityView
    modulation: ModulationView | None
    signatures: dict[str, SignatureLine] | None = None
    ranking: bool = False


def com_shared(inputs: ReportInputs, *, ranking: bool = False) -> ComShared:
    """The parts the bilans de COM of ``inputs`` share (see :func:`com_bilan`)."""
    states = states_of(inputs)
    rows = chamber_rows(inputs, states, ranking=ranking)
    signatures = signatures_view(inputs)
    return ComShared(
        rows=rows,
        axes=axis_refs(inputs),
        quality=quality_view(inputs, states, rows),
        modulation=modulation_view(inputs),
        signatures={s.code: s for s in signatures.signed + signatures.unsigned}
        if signatures.given
        else None,
        ranking=ranking,
    )


def com_bilan(
    inputs: ReportInputs, chamber: str, generated_on: date, shared: ComShared | None = None
) -> ComBilan:
    """The bilan de COM of ``chamber`` (a CMAR of the registry).

    ``shared``: :func:`com_shared` of ``inputs``, when several bilans are made from them.
    """
    cat, att = inputs.catalogue, inputs.attainment
    reg = inputs.registry.get(chamber)
    if reg is None:
        raise KeyError(chamber)
    shared = shared or com_shared(inputs)
    rows = shared.rows
    me = next(r for r in rows if r.code == chamber)
    previous_axes = (
        {r.axis: r for r in inputs.previous.axes if r.chamber == chamber} if inputs.previous else {}
    )
    my_axes = {r.axis: r for r in att.axes if r.chamber == chamber}
    axes = []
    for ref in shared.axes:
        mine, before = my_axes.get(ref.number), previous_axes.get(ref.number)
        axes.append(
            ComAxisLine(
                axis=ref,
                rate=mine.rate if mine else None,
                previous_rate=before.rate if before else None,
                no_indicator=bool(mine and mine.no_indicator),
            )
        )
    mine_ind = {r.code: r for r in att.indicators if r.chamber == chamber}
    prev_ind = (
        {r.code: r.realised for r in inputs.previous.indicators if r.chamber == chamber}
        if inputs.previous
        else {}
    )
    targets = {t.code: t for t in inputs.targets if t.chamber == chamber}
    sections = []
    for line in axes:
        lines = []
        for ind in cat.indicators_of_axis(line.axis.number):
            rate_row = mine_ind.get(ind.code)
            # Not measured (not transmitted): the target still shows, from the targets table.
            target_row = targets.get(ind.code)
            lines.append(
                ComIndicatorLine(
                    code=ind.code,
                    objective=ind.objective,
                    label=ind.label,
                    unit=ind.unit,
                    target=rate_row.target
                    if rate_row
                    else (target_row.target if target_row else None),
                    origin=rate_row.origin
                    if rate_row
                    else (target_row.origin if target_row else None),
                    realised_previous=prev_ind.get(ind.code),
                    realised=rate_row.realised if rate_row else None,
                    rate=rate_row.rate if rate_row else None,
                    missing=bool(rate_row and rate_row.missing),
                    comment=inputs.comments.get((chamber, ind.code)) or None,
                )
            )
        sections.append(
            ComIndicatorSection(
                line.axis, tuple(lines), impacts_of(inputs, line.axis.number, chamber)
            )
        )
    quality, modulation = shared.quality, shared.modulation
    submission = next(s for s in quality.submissions if s.code == chamber)
    return ComBilan(
        year=inputs.year,
        title=f"Bilan de COM {inputs.year} — {reg.name}",
        generated_on=generated_on,
        chamber=me,
        region=reg.region,
        departments=reg.departments,
        submission=submission,
        axes=tuple(axes),
        ranked=sum(1 for r in rows if r.rank is not None),
        sections=tuple(sections),
        network=rows,
        network_submissions=quality.submissions,
        modulation=next((m for m in modulation.rows if m.code == chamber), None)
        if modulation
        else None,
        modulation_params=modulation,
        findings=tuple(f for f in inputs.findings if f.chamber == chamber),
        unjustified=tuple(g for g in quality.unjustified if g.code == chamber),
        gaps=tuple(g for g in quality.gaps if g.code == chamber),
        outliers=tuple(o for o in quality.outliers if o.code == chamber),
        outlier_threshold=quality.outlier_threshold,
        source=source_of(inputs, generated_on, chamber),
        has_history=inputs.previous is not None,
        data=data_rows(inputs, chamber),
        signature=shared.signatures.get(chamber) if shared.signatures is not None else None,
        appreciation=inputs.references.appreciations.get((chamber, inputs.year)),
        appreciations_given=inputs.references.given.get("appreciations_prefet") is not None,
        ranking=shared.ranking,
    )
