"""What a bilan is made from: the computed year, as ``compute_results`` returns it.

:class:`ReportInputs` is the boundary between the computation and the documents: the
view model is built from it alone, so that documents can be built — and tested — from
plain compute-layer objects. :func:`inputs_from_results` converts a computed year; it
reads nothing (neither the store nor the manifest).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cmacop import __version__
from cmacop.campaign.statuses import LATE, MISSING, REJECTED, TRANSMITTED
from cmacop.compute.attainment import Attainment
from cmacop.compute.modulation import Modulation
from cmacop.consolidate.completeness import receipt_day
from cmacop.cop.catalogue import Catalogue
from cmacop.cop.followup import BilanReferences
from cmacop.cop.registry import Registry
from cmacop.cop.rules import YearRules
from cmacop.cop.targets import TargetRow
from cmacop.validate.checks.network import Outlier
from cmacop.validate.justifications import Justifications

# The warning a gap to the target without comment gives: its justification explains the gap.
GAP_CODE = "W-PLAUS-005"

if TYPE_CHECKING:
    import polars as pl

    from cmacop.compute.results import YearResults
    from cmacop.consolidate.completeness import Completeness

# A submission's status in a bilan: transmis, rejeté or manquant (campaign/statuses.py);
# « hors délai » is a transmitted file with ``late`` set.
Status = str
Severity = Literal["erreur", "avertissement"]


@dataclass(frozen=True)
class SubmissionState:
    """Where a chamber's submission of the year stands (completeness table)."""

    chamber: str
    status: Status
    late: bool = False
    transmitted_on: date | None = None
    file: str | None = None


@dataclass(frozen=True)
class Finding:
    """A validation finding kept by the store, as far as a bilan shows it."""

    chamber: str
    severity: Severity
    code: str
    message: str
    indicator: str | None = None
    location: str | None = None
    file: str | None = None
    justification: str | None = None  # a warning the chamber explained (justifications.csv)

    @property
    def is_open_warning(self) -> bool:
        return self.severity == "avertissement" and self.justification is None


@dataclass(frozen=True)
class InputFile:
    """One input of the run, with its fingerprint (run manifest)."""

    role: str
    name: str
    sha256: str
    chamber: str | None = None  # a chamber's own submission


@dataclass(frozen=True)
class ReportInputs:
    """Everything a bilan of ``year`` shows, already computed.

    ``history`` holds the network's realised value per activity indicator for
    the years before ``year`` that the store knows (``{year: {code: value}}``);
    ``comments`` the chambers' comments of ``year`` (``{(chamber, code): text}``).
    """

    year: int
    catalogue: Catalogue
    registry: Registry
    targets: tuple[TargetRow, ...]
    attainment: Attainment
    previous: Attainment | None = None
    history: Mapping[int, Mapping[str, int | None]] = field(default_factory=dict)
    modulation: Modulation | None = None
    submissions: tuple[SubmissionState, ...] = ()
    findings: tuple[Finding, ...] = ()
    comments: Mapping[tuple[str, str], str] = field(default_factory=dict)
    impact_values: Mapping[tuple[str, str], Any] = field(default_factory=dict)
    input_files: tuple[InputFile, ...] = ()
    rules: YearRules | None = None  # the rules applied (None: cmacop's defaults)
    cmacop_version: str = ""
    # A gap to the target explained in referentiel/justifications.csv (W-PLAUS-005):
    # ``{(chambre, indicateur): texte}``.
    gap_justifications: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # Values far from the network's level for the chamber's size (W-PLAUS-006).
    outliers: tuple[Outlier, ...] = ()
    outlier_threshold: float = 3.5  # the robust z-score beyond which a value is shown
    # The bilan's own reference files: timetable, jalons' follow-up, COM signatures, préfets.
    references: BilanReferences = field(default_factory=BilanReferences)


def _submissions(comp: Completeness) -> tuple[SubmissionState, ...]:
    return tuple(
        SubmissionState(
            chamber=row.chamber,
            status=row.status if row.status in (REJECTED, MISSING) else TRANSMITTED,
            late=row.status == LATE,
            # The day it was received, on which « hors délai » is judged (else the declared one).
            transmitted_on=receipt_day(row.received, row.sent_on),
            file=row.file,
        )
        for row in comp.rows
    )


def _findings(frame: pl.DataFrame, year: int, explained: Justifications) -> tuple[Finding, ...]:
    """The stored findings of the files the chambers' statuses rest on, each warning
    justified as the justifications file stands today."""
    findings = []
    for row in frame.iter_rows(named=True):
        sheet, cell = row["feuille"], row["cellule"]
        location = f"{sheet}!{cell}" if sheet and cell else cell or sheet
        findings.append(
            Finding(
                chamber=row["chambre"],
                severity="erreur" if row["gravite"] == "erreur" else "avertissement",
                code=row["code"],
                message=row["message"] or "",
                indicator=row["indicateur"],
                location=location,
                file=row["fichier"],
                justification=explained.text_for(
                    row["chambre"], year, row["indicateur"], row["code"]
                ),
            )
        )
    return tuple(findings)


def _gap_justifications(explained: Justifications, year: int) -> dict[tuple[str, str], str]:
    return {
        (chamber, indicator): text
        for (chamber, y, indicator, code), text in explained.texts.items()
        if y == year and code == GAP_CODE and indicator is not None
    }


def _number(value: Any) -> Any:
    """A stored realised value as the bilan shows it: whole numbers as int, else Decimal."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return Decimal(str(value))


def _texts(
    data: pl.DataFrame, catalogue: Catalogue
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], Any]]:
    impacts = {i.code for i in catalogue.impacts}
    comments: dict[tuple[str, str], str] = {}
    values: dict[tuple[str, str], Any] = {}
    for chamber, code, realised, comment in data.select(
        "chambre", "code", "realise", "commentaire"
    ).iter_rows():
        if comment is not None and str(comment).strip():
            comments[(chamber, code)] = str(comment)
        if code in impacts:
            values[(chamber, code)] = _number(realised)
    return comments, values


def _shown(path: str, root: Path) -> str:
    """An input path as the bilan prints it: relative to the campaign folder when inside it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return p.name


def _input_files(results: YearResults) -> tuple[InputFile, ...]:
    root = results.store.parent
    return tuple(
        InputFile(f.role, f.path, f.sha256, chamber=f.chamber)
        if f.chamber is not None
        else InputFile(f.role, _shown(f.path, root), f.sha256)
        for f in results.inputs
    )


def inputs_from_results(
    results: YearResults, catalogue: Catalogue, registry: Registry
) -> ReportInputs:
    """Everything the bilans of ``results.year`` show."""
    comments, impact_values = _texts(results.data, catalogue)
    return ReportInputs(
        year=results.year,
        catalogue=catalogue,
        registry=registry,
        targets=results.targets,
        attainment=results.attainment,
        previous=results.previous,
        history=results.history,
        modulation=results.modulation,
        submissions=_submissions(results.completeness),
        findings=_findings(results.findings, results.year, results.justifications),
        comments=comments,
        impact_values=impact_values,
        input_files=_input_files(results),
        rules=results.parameters.rules,
        cmacop_version=__version__,
        gap_justifications=_gap_justifications(results.justifications, results.year),
        outliers=results.outliers,
        outlier_threshold=results.outlier_threshold,
        references=results.bilan_references,
    )
