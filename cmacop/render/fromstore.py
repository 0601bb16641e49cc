"""From a computed year (:class:`cmacop.compute.year.YearResults`) to the bilan's inputs.

Reads what the computation leaves in the store and the bilan needs besides the
rates: comments, impact values, validation findings of the files kept for the
year (accepted or rejected), and the network's realised values of earlier years.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from cmacop import __version__
from cmacop.campaign.statuses import LATE, MISSING, REJECTED, TRANSMITTED
from cmacop.compute.year import YearResults
from cmacop.consolidate.completeness import Completeness
from cmacop.consolidate.store import DATA, FINDINGS, Store
from cmacop.cop.catalogue import Catalogue
from cmacop.cop.registry import Registry
from cmacop.cop.targets import FIRST_YEAR
from cmacop.render.inputs import (
    Finding,
    InputFile,
    ReportInputs,
    Status,
    SubmissionState,
)

_STATUS: dict[str, Status] = {REJECTED: REJECTED, MISSING: MISSING}


def _submissions(comp: Completeness) -> tuple[SubmissionState, ...]:
    return tuple(
        SubmissionState(
            chamber=row.chamber,
            status=_STATUS.get(row.status, TRANSMITTED),
            late=row.status == LATE,
            transmitted_on=row.sent_on,
            file=row.file,
        )
        for row in comp.rows
    )


def _findings(store: Store, comp: Completeness) -> tuple[Finding, ...]:
    """Findings of the file each chamber's status rests on (accepted or rejected)."""
    kept = {row.sha256 for row in comp.rows if row.sha256}
    frame = store.read(FINDINGS, comp.year).filter(pl.col("sha256").is_in(sorted(kept)))
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
            )
        )
    return tuple(findings)


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


def _history(store: Store, year: int, catalogue: Catalogue) -> dict[int, dict[str, int | None]]:
    """Network realised (sum over the chambers consolidated) of the years before N − 1."""
    activity = [i.code for i in catalogue.indicators]
    history: dict[int, dict[str, int | None]] = {}
    for past in store.years(DATA):
        if not FIRST_YEAR <= past < year - 1:
            continue
        frame = store.read(DATA, past).filter(
            pl.col("code").is_in(activity) & pl.col("realise").is_not_null()
        )
        sums = frame.group_by("code").agg(pl.col("realise").sum())
        found = {code: int(total) for code, total in sums.iter_rows()}
        history[past] = {code: found.get(code) for code in activity}
    return history


def _shown(path: str, root: Path) -> str:
    """An input path as the bilan prints it: relative to the campaign folder when inside it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return p.name


def _input_files(results: YearResults) -> tuple[InputFile, ...]:
    root = results.store.parent
    files = [
        InputFile(f["role"], _shown(f["chemin"], root), f["sha256"])
        for f in results.manifest.get("fichiers_entree", [])
    ]
    files += [
        InputFile(f"bilan de COM {d['chambre']}", d["fichier"], d["sha256"], chamber=d["chambre"])
        for d in results.manifest.get("depots", [])
    ]
    return tuple(files)


def inputs_from_results(
    results: YearResults, catalogue: Catalogue, registry: Registry
) -> ReportInputs:
    """Everything the bilans of ``results.year`` show."""
    store = Store(results.store)
    parameters = results.manifest.get("parametres", {})
    comments, impact_values = _texts(results.data, catalogue)
    return ReportInputs(
        year=results.year,
        catalogue=catalogue,
        registry=registry,
        targets=results.targets,
        attainment=results.attainment,
        previous=results.previous,
        history=_history(store, results.year, catalogue),
        modulation=results.modulation,
        submissions=_submissions(results.completeness),
        findings=_findings(store, results.completeness),
        comments=comments,
        impact_values=impact_values,
        input_files=_input_files(results),
        indicator_weights=tuple(sorted(parameters.get("poids_indicateurs", {}).items())),
        share_overridden=bool(parameters.get("part_performance_surchargee", False)),
        cmacop_version=str(results.manifest.get("cmacop", __version__)),
    )
