"""Parts of the bilan view model shared by the national bilan and the bilans de COM.

The chambers × axes table, the TFCMA modulation and the data-quality section
(see :mod:`cmacop.render.model`). Values only: nothing here is formatted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from cmacop.campaign.statuses import MISSING, REJECTED, TRANSMITTED
from cmacop.cop.rules import NO_RESULTS_FLAG
from cmacop.render.inputs import Finding, InputFile, ReportInputs, Status
from cmacop.render.rulesview import RulesView, typo

# Comments shown per chamber in « Qualité des données »: those of its largest gaps.
COMMENTED_GAPS = 3
# Errors of a rejected submission quoted in the national bilan (all are in the COM bilan).
QUOTED_ERRORS = 3
# A target under this many units is flagged: one unit missed is 20 % of the rate or more.
SMALL_TARGET = 5


@dataclass(frozen=True)
class AxisRef:
    """An axis for the network: the mean attainment of the CMAR (capped, as the modulation)
    and, a different figure, how many national targets of the axis the network reached."""

    number: int
    title: str
    short_title: str
    weight: Decimal
    rate: Fraction | None  # mean attainment of the CMAR (their capped axis rates)
    previous_rate: Fraction | None
    chambers: int  # CMAR whose axis rate entered the mean
    chambers_attained: int  # CMAR at 100 % or more on the axis
    national_met: int = 0  # indicators whose network realisation reached the national target
    national_targets: int = 0  # indicators of the axis with a national target


@dataclass(frozen=True)
class ChamberRow:
    """One reporting chamber's axis rates, overall rate and, when asked, rank (section 3).

    ``rank`` is None unless the bilan ranks the CMAR (``--classement``): the contract asks
    for no ranking, and the CM of Alsace and Moselle, outside the modulation, never get one.
    """

    code: str
    name: str
    kind: str
    status: Status
    late: bool
    receives_tfcma: bool
    axis_rates: tuple[Fraction | None, ...]  # in catalogue axis order; None: not measured
    no_indicator: tuple[bool, ...]
    overall: Fraction | None  # Σ weight × axis rate: the rate the modulation applies
    rank: int | None = None  # 1 = best overall rate among the CMAR; ties share a rank


@dataclass(frozen=True)
class SubmissionLine:
    code: str
    name: str
    status: Status
    late: bool
    transmitted_on: date | None
    file: str | None
    errors: int
    warnings: int  # still open: a justified warning is not counted
    unjustified: int
    quoted_errors: tuple[Finding, ...]
    justified: int = 0  # warnings explained in referentiel/justifications.csv


@dataclass(frozen=True)
class Gap:
    """An indicator below its target: an « écart », with the chamber's comment if any."""

    code: str
    name: str
    indicator: str
    label: str
    target: int
    realised: int | Decimal | None
    rate: Fraction
    comment: str | None
    justification: str | None = None  # the gap explained in justifications.csv

    @property
    def explained(self) -> bool:
        return self.comment is not None or self.justification is not None


@dataclass(frozen=True)
class DataRow:
    """One value of one chamber (sheet « Données »): activity or impact indicator."""

    year: int
    code: str
    name: str
    indicator: str
    axis: int
    objective: int | None
    label: str
    impact: bool
    unit: str
    target: int | None
    origin: str | None
    realised_previous: Any
    realised: Any
    rate: Fraction | None
    comment: str | None


@dataclass(frozen=True)
class OutlierLine:
    """A value far from the network's level for the chamber's size (W-PLAUS-006)."""

    code: str
    name: str
    indicator: str
    label: str
    realised: Any
    level: float  # per 1 000 enterprises of the chamber
    median: float  # the network's median level
    z: float  # robust z-score
    chambers: int


@dataclass(frozen=True)
class SmallTargets:
    """A chamber's targets under :data:`SMALL_TARGET` (one unit missed weighs 20 % or more)."""

    code: str
    name: str
    targets: tuple[tuple[str, int], ...]  # (indicator, target), catalogue order


@dataclass(frozen=True)
class QualityView:
    submissions: tuple[SubmissionLine, ...]  # every reporting chamber, registry order
    findings: tuple[Finding, ...]
    rejected: tuple[SubmissionLine, ...]
    missing: tuple[SubmissionLine, ...]
    late: tuple[SubmissionLine, ...]
    unjustified: tuple[Gap, ...]  # neither commented nor justified
    commented: tuple[Gap, ...]
    total_warnings: int  # still open
    gaps: tuple[Gap, ...] = ()  # every gap to the target, explained or not (R. 323-24)
    outliers: tuple[OutlierLine, ...] = ()
    total_justified: int = 0
    outlier_threshold: float = 3.5
    small_targets: tuple[SmallTargets, ...] = ()


@dataclass(frozen=True)
class ModulationRow:
    code: str
    name: str
    base: Decimal
    operating: Decimal
    performance: Decimal
    axis_reductions: tuple[Decimal, ...]  # rounded per axis, for display
    reduction: Decimal  # the exact sum rounded once
    final: Decimal
    withheld: Fraction | None  # reduction / performance part
    no_data: bool
    outside: bool = False  # no results, no reduction: « sans résultats : à arbitrer »

    @property
    def flag(self) -> str | None:
        """What the row says of a CMAR without results, if anything."""
        if self.outside:
            return NO_RESULTS_FLAG
        return "sans données" if self.no_data else None


@dataclass(frozen=True)
class ModulationView:
    results_year: int
    tax_year: int
    share: Decimal
    weights: tuple[tuple[int, str, Decimal], ...]  # (axis, short title, weight)
    cap: Fraction | None
    rows: tuple[ModulationRow, ...]
    total_base: Decimal
    total_operating: Decimal
    total_performance: Decimal
    total_axis_reductions: tuple[Decimal, ...]
    pool: Decimal
    total_final: Decimal
    pool_share: Fraction | None  # pool / total performance part
    outside: tuple[str, ...]  # reporting chambers outside the modulation (names)
    proposal: bool = False  # some rule it uses is still a cmacop default
    undecided: tuple[str, ...] = ()  # labels of those rules
    share_provisional: bool = False  # p is cmacop's indicative path, not decided
    share_source: str = ""  # « décision : … », « contrat » or « provisoire : … »
    axis_rate: str = ""  # how an axis rate is made, as people read it


@dataclass(frozen=True)
class Source:
    """Where the figures come from (section « Méthode »)."""

    catalogue_title: str
    catalogue_version: str
    catalogue_hash: str
    registry_version: str
    cmacop_version: str
    generated_on: date
    cap: Fraction
    input_files: tuple[InputFile, ...]
    rules: RulesView | None = None  # the rules applied, in three groups


def _name(inputs: ReportInputs, code: str) -> str:
    found = inputs.registry.get(code)
    return found.name if found else code


def chamber_rows(
    inputs: ReportInputs, states: Mapping[str, Status], *, ranking: bool = False
) -> tuple[ChamberRow, ...]:
    """Every reporting chamber in registry order, with its axis rates (and rank, if asked)."""
    axes = [ax.number for ax in inputs.catalogue.axes]
    weights = {ax.number: ax.weight for ax in inputs.catalogue.axes}
    rates: dict[str, dict[int, tuple[Fraction, bool]]] = {}
    for row in inputs.attainment.axes:
        rates.setdefault(row.chamber, {})[row.axis] = (row.rate, row.no_indicator)
    late = {s.chamber for s in inputs.submissions if s.late}
    overall: dict[str, Fraction] = {
        chamber: sum((Fraction(weights[a]) * r for a, (r, _) in by_axis.items()), Fraction(0))
        for chamber, by_axis in rates.items()
    }
    # Only the CMAR are ranked: the two CM of Alsace and Moselle are outside the modulation.
    ranked = sorted(
        (v for c, v in overall.items() if c not in inputs.attainment.outside_modulation),
        reverse=True,
    )
    rows = []
    for chamber in inputs.registry.reporting:
        mine = rates.get(chamber.code)
        value = overall.get(chamber.code)
        in_ranking = ranking and value is not None and chamber.receives_tfcma
        rows.append(
            ChamberRow(
                code=chamber.code,
                name=chamber.name,
                kind=chamber.kind_label,
                status=states[chamber.code],
                late=chamber.code in late,
                receives_tfcma=chamber.receives_tfcma,
                axis_rates=tuple(mine[a][0] if mine and a in mine else None for a in axes),
                no_indicator=tuple(bool(mine and a in mine and mine[a][1]) for a in axes),
                overall=value,
                # Competition ranking: chambers with equal rates share the better rank.
                rank=ranked.index(value) + 1 if in_ranking and value in ranked else None,
            )
        )
    return tuple(rows)


def small_targets(inputs: ReportInputs) -> tuple[SmallTargets, ...]:
    """Per chamber (registry order), its targets of the year between 1 and 4 units."""
    order = [i.code for i in inputs.catalogue.indicators]
    by_chamber: dict[str, list[tuple[str, int]]] = {}
    for row in inputs.targets:
        if row.target is not None and 0 < row.target < SMALL_TARGET:
            by_chamber.setdefault(row.chamber, []).append((row.code, row.target))
    return tuple(
        SmallTargets(
            c.code,
            c.name,
            tuple(sorted(by_chamber[c.code], key=lambda item: order.index(item[0]))),
        )
        for c in inputs.registry.reporting
        if c.code in by_chamber
    )


def _gaps(inputs: ReportInputs) -> list[Gap]:
    labels = {i.code: i.label for i in inputs.catalogue.indicators}
    gaps = []
    for row in inputs.attainment.indicators:
        if row.rate is None or row.rate >= 1 or row.target is None:
            continue
        gaps.append(
            Gap(
                code=row.chamber,
                name=_name(inputs, row.chamber),
                indicator=row.code,
                label=labels[row.code],
                target=row.target,
                realised=row.realised,
                rate=row.rate,
                comment=(inputs.comments.get((row.chamber, row.code)) or "").strip() or None,
                justification=inputs.gap_justifications.get((row.chamber, row.code)),
            )
        )
    return gaps


def _outliers(inputs: ReportInputs, order: Mapping[str, int]) -> tuple[OutlierLine, ...]:
    labels = {i.code: i.label for i in inputs.catalogue.all_indicators}
    lines = [
        OutlierLine(
            code=o.chamber,
            name=_name(inputs, o.chamber),
            indicator=o.indicator,
            label=labels.get(o.indicator, o.indicator),
            realised=int(o.realised) if float(o.realised).is_integer() else o.realised,
            level=o.level,
            median=o.median,
            z=o.z,
            chambers=o.chambers,
        )
        for o in inputs.outliers
    ]
    return tuple(sorted(lines, key=lambda o: (order.get(o.code, len(order)), o.indicator)))


def quality_view(
    inputs: ReportInputs, states: Mapping[str, Status], rows: tuple[ChamberRow, ...]
) -> QualityView:
    """Rejected, missing and late submissions, warnings, gaps and their comments."""
    given = {s.chamber: s for s in inputs.submissions}
    order = {r.code: pos for pos, r in enumerate(rows)}
    gaps = sorted(_gaps(inputs), key=lambda g: (order.get(g.code, len(order)), g.rate))
    # « écart non justifié » (code de l'artisanat, R. 323-24): below target, no explanation
    # (neither a comment in the file nor a line of referentiel/justifications.csv).
    unjustified = [g for g in gaps if not g.explained]
    commented: list[Gap] = []
    for chamber in order:
        commented.extend(
            [g for g in gaps if g.code == chamber and g.comment is not None][:COMMENTED_GAPS]
        )
    lines = []
    for row in rows:
        state = given.get(row.code)
        errors = [f for f in inputs.findings if f.chamber == row.code and f.severity == "erreur"]
        lines.append(
            SubmissionLine(
                code=row.code,
                name=row.name,
                status=states[row.code],
                late=row.late,
                transmitted_on=state.transmitted_on if state else None,
                file=state.file if state else None,
                errors=len(errors),
                warnings=sum(
                    1 for f in inputs.findings if f.chamber == row.code and f.is_open_warning
                ),
                unjustified=sum(1 for g in unjustified if g.code == row.code),
                quoted_errors=tuple(errors[:QUOTED_ERRORS]),
                justified=sum(
                    1
                    for f in inputs.findings
                    if f.chamber == row.code and f.justification is not None
                ),
            )
        )
    return QualityView(
        submissions=tuple(lines),
        findings=tuple(inputs.findings),
        rejected=tuple(s for s in lines if s.status == REJECTED),
        missing=tuple(s for s in lines if s.status == MISSING),
        late=tuple(s for s in lines if s.late and s.status == TRANSMITTED),
        unjustified=tuple(unjustified),
        commented=tuple(commented),
        total_warnings=sum(s.warnings for s in lines),
        gaps=tuple(gaps),
        outliers=_outliers(inputs, order),
        total_justified=sum(s.justified for s in lines),
        outlier_threshold=inputs.outlier_threshold,
        small_targets=small_targets(inputs),
    )


def modulation_view(inputs: ReportInputs) -> ModulationView | None:
    """The modulation of tax year N + 1, or None when no TFCMA base was given."""
    mod = inputs.modulation
    if mod is None:
        return None
    axes = [ax.number for ax in inputs.catalogue.axes]
    rows = tuple(
        ModulationRow(
            code=line.chamber,
            name=_name(inputs, line.chamber),
            base=line.base,
            operating=line.operating_part,
            performance=line.performance_part,
            axis_reductions=tuple(line.axis_reductions.get(a, Decimal("0.00")) for a in axes),
            reduction=line.reduction,
            final=line.final,
            withheld=Fraction(line.reduction) / Fraction(line.performance_part)
            if line.performance_part
            else None,
            no_data=line.no_data,
            outside=line.outside,
        )
        for line in mod.lines
    )
    undecided = mod.rules.undecided(mod.used_rules)
    in_modulation = {line.chamber for line in mod.lines}
    return ModulationView(
        results_year=mod.results_year,
        tax_year=mod.tax_year,
        share=mod.share,
        weights=tuple(
            (ax.number, ax.short_title, mod.axis_weights.get(ax.number, ax.weight))
            for ax in inputs.catalogue.axes
        ),
        cap=mod.cap,
        rows=rows,
        total_base=mod.total_base,
        total_operating=mod.total_operating,
        total_performance=mod.total_performance,
        total_axis_reductions=tuple(
            sum((r.axis_reductions[i] for r in rows), Decimal("0.00")) for i in range(len(axes))
        ),
        pool=mod.pool,
        total_final=mod.total_final,
        pool_share=Fraction(mod.pool) / Fraction(mod.total_performance)
        if mod.total_performance
        else None,
        outside=tuple(
            c.name
            for c in inputs.registry.reporting
            if c.code not in in_modulation and not c.receives_tfcma
        ),
        proposal=bool(undecided),
        undecided=tuple(typo(r.label) for r in undecided),
        share_provisional=mod.rules.share_provisional,
        share_source=typo(mod.rules.share_source),
        axis_rate=typo(mod.rules.rule("taux_axe").shown),
    )


def data_rows(inputs: ReportInputs, chamber: str | None = None) -> tuple[DataRow, ...]:
    """Every value of the year, per chamber (only ``chamber``'s when given), catalogue order."""
    cat = inputs.catalogue
    previous: dict[tuple[str, str], Any] = {}
    if inputs.previous is not None:
        previous = {(r.chamber, r.code): r.realised for r in inputs.previous.indicators}
    rates = {(r.chamber, r.code): r for r in inputs.attainment.indicators}
    rows = []
    for code in inputs.attainment.chambers:
        if chamber is not None and code != chamber:
            continue
        for ind in cat.all_indicators:
            rate = rates.get((code, ind.code))
            rows.append(
                DataRow(
                    year=inputs.year,
                    code=code,
                    name=_name(inputs, code),
                    indicator=ind.code,
                    axis=ind.axis,
                    objective=ind.objective,
                    label=ind.label,
                    impact=ind.impact,
                    unit=ind.unit,
                    target=rate.target if rate else None,
                    origin=rate.origin if rate and rate.target is not None else None,
                    realised_previous=previous.get((code, ind.code)),
                    realised=rate.realised if rate else inputs.impact_values.get((code, ind.code)),
                    rate=rate.rate if rate else None,
                    comment=(inputs.comments.get((code, ind.code)) or "").strip() or None,
                )
            )
    return tuple(rows)
