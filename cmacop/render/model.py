"""The bilan as a view model: plain dataclasses of already-chosen values, nothing formatted.

:func:`national_bilan` and :func:`com_bilan` pick, order and derive what the
documents show (counts, ranks, progress towards 2027) from a
:class:`~cmacop.render.inputs.ReportInputs`; the renderers only format them.
Rates stay exact :class:`~fractions.Fraction`, money :class:`~decimal.Decimal`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from cmacop.campaign.statuses import MISSING, REJECTED, TRANSMITTED
from cmacop.compute.attainment import IndicatorRate
from cmacop.compute.impacts import ImpactFigure, impact_figure
from cmacop.compute.progress import Progress, progress_toward_2027
from cmacop.cop.catalogue import Indicator
from cmacop.cop.followup import Timetable
from cmacop.cop.targets import COM, FIRST_YEAR, LAST_YEAR, national_target
from cmacop.render.inputs import ReportInputs, Status
from cmacop.render.model_commitments import (
    CommitmentsView,
    SignaturesView,
    bilan_timetable,
    commitments_view,
    signatures_view,
)
from cmacop.render.modelparts import (
    AxisRef,
    ChamberRow,
    DataRow,
    Gap,
    ModulationRow,
    ModulationView,
    QualityView,
    Source,
    SubmissionLine,
    chamber_rows,
    data_rows,
    modulation_view,
    quality_view,
)
from cmacop.render.rulesview import rules_of, rules_view

__all__ = [
    "AxisRef",
    "AxisSection",
    "Bilan",
    "ChamberRow",
    "DataRow",
    "Gap",
    "ImpactLine",
    "IndicatorLine",
    "ModulationRow",
    "ModulationView",
    "ObjectiveSection",
    "QualityView",
    "Source",
    "SubmissionLine",
    "Synthesis",
    "national_bilan",
]


@dataclass(frozen=True)
class Synthesis:
    """Section 1: who transmitted, the network per axis, the modulation in one paragraph."""

    expected: int
    transmitted: int
    rejected: int
    missing: int
    late: int
    chambers_measured: int  # chambers whose figures entered the rates
    axes: tuple[AxisRef, ...]
    cmar_measured: int = 0  # CMAR among them (the CMAR means)


@dataclass(frozen=True)
class IndicatorLine:
    """One activity indicator for the network (section 2).

    Two figures, two names: ``realisation`` is Σ realised of every chamber ÷ national
    target, not capped; ``cmar_mean`` the mean of the CMAR's capped rates (modulation).
    """

    code: str
    label: str
    unit: str
    baseline: int | None
    realised_previous: int | None
    realised: int | None
    target: int | None  # national target of the year; None: « sans cible »
    realisation: Fraction | None  # Σ realised ÷ national target, not capped
    cmar_mean: Fraction | None  # mean of the CMAR's capped rates
    target_2027: int | None
    progress: Progress  # toward the 2027 target, where it means something
    chambers_at_target: int
    chambers_with_target: int
    chambers_reporting: int
    trajectory: tuple[tuple[int, int | None], ...]  # national target 2023 → 2027
    history: tuple[tuple[int, int | None], ...]  # network realised 2023 → year
    baseline_note: str | None = None  # the contract's words on the baseline (« CMA France »…)

    @property
    def not_applicable(self) -> bool:
        """« sans objet »: no target this year and nothing reported (nothing was due)."""
        return self.target is None and self.realised is None


@dataclass(frozen=True)
class ImpactLine:
    """An impact indicator: no target, outside the modulation; its network figure by unit."""

    code: str
    label: str
    unit: str
    definition: str
    figure: ImpactFigure  # the network's median and range (rates) or sum (amounts)
    value: object | None = None  # one chamber's value (COM bilan only)

    @property
    def chambers_reporting(self) -> int:
        return self.figure.reporting


@dataclass(frozen=True)
class TargetSum:
    """An indicator's regional targets set against its national target (section 2)."""

    code: str
    label: str
    national: int
    cmar: int  # Σ targets of the CMAR (COM, else derived)
    cmar_com: int  # CMAR whose target comes from their COM
    cmar_count: int  # CMAR with a target
    others: int  # Σ targets of the chambers outside the modulation (CM, derived)
    total: int  # cmar + others

    @property
    def gap(self) -> int:
        """Σ regional targets − national target (> 0: the COM ask more than the contract)."""
        return self.total - self.national

    @property
    def gap_share(self) -> Fraction | None:
        return Fraction(self.gap, self.national) if self.national else None


@dataclass(frozen=True)
class ObjectiveSection:
    number: int
    title: str
    rate: Fraction | None  # mean of the CMAR's objective rates
    indicators: tuple[IndicatorLine, ...]


@dataclass(frozen=True)
class AxisSection:
    axis: AxisRef
    title: str
    objectives: tuple[ObjectiveSection, ...]
    impacts: tuple[ImpactLine, ...]


@dataclass(frozen=True)
class Bilan:
    """The national bilan: « Bilan annuel du COP — année N »."""

    year: int
    title: str
    generated_on: date
    synthesis: Synthesis
    axes: tuple[AxisSection, ...]
    chambers: tuple[ChamberRow, ...]
    modulation: ModulationView | None
    quality: QualityView
    source: Source
    has_history: bool
    data: tuple[DataRow, ...]
    targets_check: tuple[TargetSum, ...] = ()
    commitments: CommitmentsView | None = None
    signatures: SignaturesView | None = None
    timetable: Timetable | None = None
    ranking: bool = False  # the CMAR are ranked (``--classement``)

    @property
    def has_unmeasured_axes(self) -> bool:
        """Some chamber has an axis without applicable indicator (counted at 100 %)."""
        return any(any(row.no_indicator) for row in self.chambers)


# --------------------------------------------------------------------------- building


def source_of(inputs: ReportInputs, generated_on: date, chamber: str | None = None) -> Source:
    """Sources of a bilan; a bilan de COM lists only its own chamber's submission."""
    cat = inputs.catalogue
    return Source(
        catalogue_title=cat.title,
        catalogue_version=cat.version,
        catalogue_hash=cat.content_hash,
        registry_version=inputs.registry.version,
        cmacop_version=inputs.cmacop_version,
        generated_on=generated_on,
        cap=inputs.attainment.cap,
        rules=rules_view(rules_of(inputs)),
        input_files=tuple(
            f for f in inputs.input_files if chamber is None or f.chamber in (None, chamber)
        ),
    )


def states_of(inputs: ReportInputs) -> dict[str, Status]:
    """Status per reporting chamber: the store's table, else inferred from the figures."""
    given = {s.chamber: s.status for s in inputs.submissions}
    measured = set(inputs.attainment.chambers)
    return {
        c.code: given.get(c.code, TRANSMITTED if c.code in measured else MISSING)
        for c in inputs.registry.reporting
    }


def axis_refs(inputs: ReportInputs) -> tuple[AxisRef, ...]:
    att, prev = inputs.attainment, inputs.previous
    previous = {r.axis: r for r in prev.network_axes} if prev else {}
    attained: dict[int, int] = {}
    for row in att.axes:
        if not row.no_indicator and row.rate >= 1 and row.chamber not in att.outside_modulation:
            attained[row.axis] = attained.get(row.axis, 0) + 1
    axis_of = {i.code: i.axis for i in inputs.catalogue.indicators}
    national: dict[int, list[bool]] = {}
    for line in att.network_indicators:
        if line.realisation is not None:
            national.setdefault(axis_of[line.code], []).append(line.realisation >= 1)
    refs = []
    for net in att.network_axes:
        ax = inputs.catalogue.axis(net.axis)
        before = previous.get(net.axis)
        met = national.get(net.axis, [])
        refs.append(
            AxisRef(
                number=ax.number,
                title=ax.title,
                short_title=ax.short_title,
                weight=ax.weight,
                rate=None if net.no_indicator else net.rate,
                previous_rate=None if before is None or before.no_indicator else before.rate,
                chambers=net.chambers,
                chambers_attained=attained.get(net.axis, 0),
                national_met=sum(met),
                national_targets=len(met),
            )
        )
    return tuple(refs)


def _network_history(inputs: ReportInputs) -> dict[int, dict[str, int | None]]:
    """Network realised per year from 2023 to the bilan's year."""
    years: dict[int, dict[str, int | None]] = {
        y: dict(values) for y, values in inputs.history.items() if FIRST_YEAR <= y < inputs.year
    }
    if inputs.previous is not None:
        years.setdefault(
            inputs.previous.year, {r.code: r.realised for r in inputs.previous.network_indicators}
        )
    years[inputs.year] = {r.code: r.realised for r in inputs.attainment.network_indicators}
    return years


def _indicator_line(
    ind: Indicator,
    inputs: ReportInputs,
    by_code: Mapping[str, list[IndicatorRate]],
    history: Mapping[int, Mapping[str, int | None]],
) -> IndicatorLine:
    net = {r.code: r for r in inputs.attainment.network_indicators}[ind.code]
    prev = (
        {r.code: r.realised for r in inputs.previous.network_indicators} if inputs.previous else {}
    )
    rows = by_code.get(ind.code, [])
    with_target = [r for r in rows if r.applicable]
    at_target = [
        r for r in with_target if r.realised is not None and r.target and r.realised >= r.target
    ]
    return IndicatorLine(
        code=ind.code,
        label=ind.label,
        unit=ind.unit,
        baseline=ind.baseline,
        realised_previous=prev.get(ind.code),
        realised=net.realised,
        target=net.target,
        realisation=net.realisation,
        cmar_mean=net.cmar_mean,
        target_2027=ind.target_2027,
        progress=progress_toward_2027(ind, net.realised),
        chambers_at_target=len(at_target),
        chambers_with_target=len(with_target),
        chambers_reporting=net.chambers_reporting,
        trajectory=tuple((y, national_target(ind, y)) for y in range(FIRST_YEAR, LAST_YEAR + 1)),
        history=tuple(
            (y, history.get(y, {}).get(ind.code)) for y in range(FIRST_YEAR, inputs.year + 1)
        ),
        baseline_note=ind.baseline_note,
    )


def _mean(rates: Iterable[Fraction | None]) -> Fraction | None:
    values = [r for r in rates if r is not None]
    return sum(values, Fraction(0)) / len(values) if values else None


def impacts_of(
    inputs: ReportInputs, axis: int, chamber: str | None = None
) -> tuple[ImpactLine, ...]:
    """The impact indicators of ``axis``, with the network's figure (and ``chamber``'s value)."""
    lines = []
    for ind in inputs.catalogue.impacts:
        if ind.axis != axis:
            continue
        figure = impact_figure(ind, inputs.impact_values, inputs.attainment.chambers)
        value = inputs.impact_values.get((chamber, ind.code)) if chamber else None
        lines.append(ImpactLine(ind.code, ind.label, ind.unit, ind.definition, figure, value))
    return tuple(lines)


def target_sums(inputs: ReportInputs) -> tuple[TargetSum, ...]:
    """Per indicator with a national target, the sum of the regional targets and the gap."""
    outside = set(inputs.attainment.outside_modulation)
    rows: dict[str, list[tuple[str, int, str]]] = {}
    for t in inputs.targets:
        if t.target is not None:
            rows.setdefault(t.code, []).append((t.chamber, t.target, t.origin))
    sums = []
    for ind in inputs.catalogue.indicators:
        national = national_target(ind, inputs.year)
        mine = rows.get(ind.code, [])
        if national is None or not mine:
            continue
        # A COM target of 0 means « no target »: it adds nothing and is not counted.
        cmar = [(t, origin) for c, t, origin in mine if c not in outside and t > 0]
        others = sum(t for c, t, _ in mine if c in outside)
        total_cmar = sum(t for t, _ in cmar)
        sums.append(
            TargetSum(
                code=ind.code,
                label=ind.label,
                national=national,
                cmar=total_cmar,
                cmar_com=sum(1 for _, origin in cmar if origin == COM),
                cmar_count=len(cmar),
                others=others,
                total=total_cmar + others,
            )
        )
    return tuple(sums)


def national_bilan(inputs: ReportInputs, generated_on: date, *, ranking: bool = False) -> Bilan:
    """The national bilan of ``inputs.year`` (the CMAR ranked only when ``ranking``)."""
    cat, att = inputs.catalogue, inputs.attainment
    states = states_of(inputs)
    axes = axis_refs(inputs)
    history = _network_history(inputs)
    by_code: dict[str, list[IndicatorRate]] = {}
    for row in att.indicators:
        by_code.setdefault(row.code, []).append(row)
    sections = []
    for ref in axes:
        objectives = []
        for obj in cat.objectives:
            if obj.axis != ref.number:
                continue
            rates = [
                r.rate
                for r in att.objectives
                if r.objective == obj.number and r.chamber not in att.outside_modulation
            ]
            lines = tuple(
                _indicator_line(ind, inputs, by_code, history)
                for ind in cat.indicators
                if ind.objective == obj.number
            )
            objectives.append(ObjectiveSection(obj.number, obj.title, _mean(rates), lines))
        sections.append(
            AxisSection(ref, ref.title, tuple(objectives), impacts_of(inputs, ref.number))
        )
    rows = chamber_rows(inputs, states, ranking=ranking)
    late = sum(1 for s in inputs.submissions if s.late and states.get(s.chamber) == TRANSMITTED)
    synthesis = Synthesis(
        expected=len(states),
        transmitted=sum(1 for s in states.values() if s == TRANSMITTED),
        rejected=sum(1 for s in states.values() if s == REJECTED),
        missing=sum(1 for s in states.values() if s == MISSING),
        late=late,
        chambers_measured=len(att.chambers),
        axes=axes,
        cmar_measured=sum(1 for c in att.chambers if c not in att.outside_modulation),
    )
    return Bilan(
        year=inputs.year,
        title=f"Bilan annuel du COP — année {inputs.year}",
        generated_on=generated_on,
        synthesis=synthesis,
        axes=tuple(sections),
        chambers=rows,
        modulation=modulation_view(inputs),
        quality=quality_view(inputs, states, rows),
        source=source_of(inputs, generated_on),
        has_history=inputs.previous is not None,
        data=data_rows(inputs),
        targets_check=target_sums(inputs),
        commitments=commitments_view(inputs),
        signatures=signatures_view(inputs),
        timetable=bilan_timetable(inputs, generated_on),
        ranking=ranking,
    )
