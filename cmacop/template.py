"""``cmacop template``: each chamber's Excel workbook (and the CSV format) for a year."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cmacop.campaign.config import Config
from cmacop.campaign.settings import Settings, settings_for
from cmacop.cop import selfcheck
from cmacop.cop.catalogue import Catalogue, Indicator, load_catalogue
from cmacop.cop.contract import (
    COL,
    COL_LETTER,
    CSV_COLUMNS,
    FIRST_DATA_ROW,
    HEADERS,
    ID_EDITABLE,
    ID_FIELDS,
    ID_ROW,
    SHEET_ID,
    SHEET_IMPACT,
    SHEET_INDICATORS,
    SHEET_META,
    TEMPLATE_FORMAT,
    template_version,
    workbook_name,
)
from cmacop.cop.registry import Chamber, Registry, load_registry
from cmacop.errors import UsageError
from cmacop.files.fsutil import write_text_atomic, write_with

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

TargetMap = Mapping[tuple[str, int, str], int | None]

# Pale fills alternating per axis so that axes read as groups (Indicateurs sheet).
AXIS_FILLS = ("EAF1FB", "FDF2E9", "EAF7EA", "F4ECF7", "FEF9E7", "EBEDEF")
EDITABLE_FILL = "FFF9D6"
HEADER_FILL = "1F3864"
ERROR_FILL, WARNING_FILL, READY_FILL = (
    selfcheck.ERROR_FILL,
    selfcheck.WARNING_FILL,
    selfcheck.READY_FILL,
)
WIDTHS = {
    "Code": 9,
    "Axe": 6,
    "Objectif": 9,
    "Indicateur": 70,
    "Unité": 9,
    "Cible": 11,
    "Réalisé": 12,
    "Commentaire": 60,
}


@dataclass(frozen=True)
class TemplateResult:
    """What ``write_templates`` produced, for the CLI to list."""

    files: tuple[Path, ...]

    def to_dict(self) -> dict[str, list[str]]:
        return {"fichiers": [str(p) for p in self.files]}


def select_chambers(registry: Registry, codes: Iterable[str] | None) -> list[Chamber]:
    """The requested chambers (all reporting chambers when none), unknown codes refused."""
    codes = list(codes or [])
    if not codes:
        return list(registry.reporting)
    chosen = []
    for code in codes:
        chamber = registry.get(code)
        if chamber is None or not chamber.reports:
            known = ", ".join(c.code for c in registry.reporting)
            raise UsageError(f"chambre « {code} » inconnue ou non déclarante (connues : {known})")
        chosen.append(chamber)
    return chosen


def write_templates(
    year: int | None = None,
    out_dir: str | Path = ".",
    *,
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    chambers: Iterable[str] | None = None,
    targets: str | Path | TargetMap | None = None,
    key: str | Path | Mapping[str, int] | None = None,
    fmt: str = "xlsx",
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> TemplateResult:
    """Write ``COM_<year>_<chamber>.xlsx`` (or ``.csv``) for each chamber into ``out_dir``.

    The twin of ``cmacop template``: ``settings`` (or ``config`` and the options) give
    the year (default ``campagne.annee``), the COM targets that fill the ``Cible``
    column and, with the allocation key, the derived targets where a COM sets none.
    """
    if fmt not in ("xlsx", "csv"):
        raise UsageError(f"format « {fmt} » inconnu (attendu : xlsx ou csv)")
    s = settings_for(settings, config, year=year, need_year=True, targets=targets, key=key)
    assert s.year is not None
    catalogue = catalogue or load_catalogue()
    registry = registry or load_registry()
    chosen = select_chambers(registry, chambers)  # unknown codes refused before any work
    cibles = (
        s.template_targets(s.year, catalogue, registry)
        if s.targets is not None or s.key is not None
        else {}
    )
    out = Path(out_dir)
    files = []
    for chamber in chosen:
        target = out / workbook_name(s.year, chamber.code, f".{fmt}")
        if fmt == "csv":
            write_text_atomic(
                target, csv_template(chamber, s.year, catalogue), encoding="utf-8-sig"
            )
        else:
            wb = build_workbook(chamber, s.year, catalogue, cibles, tolerance=s.thresholds.gap)
            write_with(target, wb.save)
        files.append(target)
    return TemplateResult(tuple(files))


def csv_template(chamber: Chamber, year: int, catalogue: Catalogue) -> str:
    """A blank long-format CSV (``;``, as French Excel reads it), one line per indicator."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for ind in catalogue.all_indicators:
        writer.writerow([chamber.code, year, ind.code, "", ""])
    return buf.getvalue()


def build_workbook(
    chamber: Chamber,
    year: int,
    catalogue: Catalogue,
    targets: TargetMap,
    *,
    tolerance: float = 0.05,
) -> Workbook:
    """The chamber's workbook: Identification, Indicateurs, Impact and the hidden metadata.

    The workbook checks itself while the chamber types (:mod:`cmacop.cop.selfcheck`):
    ``tolerance`` is the gap to the target beyond which an empty comment is highlighted
    (``controles.tolerance_ecart``).
    """
    from openpyxl import Workbook

    wb = Workbook()
    ident = wb.active
    assert ident is not None
    ident.title = SHEET_ID
    _identification(ident, chamber, year, catalogue)
    ws = wb.create_sheet(SHEET_INDICATORS)
    _indicator_sheet(ws, catalogue.indicators, chamber, year, targets)
    ws_imp = wb.create_sheet(SHEET_IMPACT)
    _indicator_sheet(ws_imp, catalogue.impacts, chamber, year, targets)
    _self_checks(ws, ws_imp, catalogue, tolerance)
    _metadata(wb.create_sheet(SHEET_META), chamber, year, catalogue)
    wb.active = 1
    wb.properties.title = f"Bilan de COM {year} — {chamber.name}"
    wb.properties.creator = "cmacop"
    return wb


def _protect(ws: Worksheet) -> None:
    # No password: protection only prevents accidental edits of codes, labels and targets.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _identification(ws: Worksheet, chamber: Chamber, year: int, catalogue: Catalogue) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    values = {
        "Code chambre": chamber.code,
        "Chambre": chamber.name,
        "Année": year,
        "Version du modèle": template_version(catalogue),
    }
    editable = PatternFill("solid", fgColor=EDITABLE_FILL)
    for label in ID_FIELDS:
        row = ID_ROW[label]
        ws.cell(row=row, column=1, value=label).font = Font(bold=True)
        cell = ws.cell(row=row, column=2, value=values.get(label))
        if label in ID_EDITABLE:
            cell.protection = Protection(locked=False)
            cell.fill = editable
    date_cell = ws.cell(row=ID_ROW["Date de transmission"], column=2)
    date_cell.number_format = "DD/MM/YYYY"
    dv = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="DATE(2000,1,1)",
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle="Date de transmission",
        prompt="Date d'envoi du bilan à CMA France (jj/mm/aaaa).",
        errorTitle="Date attendue",
        error="Saisissez une date au format jj/mm/aaaa.",
    )
    ws.add_data_validation(dv)
    dv.add(date_cell.coordinate)
    note = ws.cell(row=len(ID_FIELDS) + 2, column=1)
    note.value = (
        "Remplissez les cellules sur fond jaune ici et dans la feuille « Indicateurs » "
        "(colonnes Réalisé et Commentaire). Les autres cellules sont protégées."
    )
    note.alignment = Alignment(wrap_text=False)
    note.font = Font(italic=True, color="555555")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 44
    _protect(ws)


def _validation_for(ind: Indicator) -> DataValidation:
    from openpyxl.worksheet.datavalidation import DataValidation

    if ind.unit == "nombre":
        kind, op, f1, f2 = "whole", "greaterThanOrEqual", "0", None
        error = "Saisissez un nombre entier positif ou nul (0 si aucune réalisation)."
    elif ind.unit == "%":
        kind, op, f1, f2 = "decimal", "between", "0", "100"
        error = "Saisissez un pourcentage entre 0 et 100."
    else:
        kind, op, f1, f2 = "decimal", "greaterThanOrEqual", "0", None
        error = "Saisissez un nombre positif ou nul."
    return DataValidation(
        type=kind,
        operator=op,
        formula1=f1,
        formula2=f2,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle=ind.code[:32],
        prompt=ind.definition[:255],
        errorTitle="Valeur non valide",
        error=error,
    )


def _indicator_sheet(
    ws: Worksheet,
    indicators: tuple[Indicator, ...],
    chamber: Chamber,
    year: int,
    targets: TargetMap,
) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    for name in HEADERS:
        cell = ws.cell(row=1, column=COL[name], value=name)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(vertical="center")
        ws.column_dimensions[COL_LETTER[name]].width = WIDTHS[name]
    ws.freeze_panes = "A2"

    editable = PatternFill("solid", fgColor=EDITABLE_FILL)
    separator = Border(top=Side(style="medium", color="1F3864"))
    previous_axis = None
    for offset, ind in enumerate(indicators):
        row = FIRST_DATA_ROW + offset
        target = targets.get((chamber.code, year, ind.code))
        values = {
            "Code": ind.code,
            "Axe": ind.axis,
            "Objectif": ind.objective,
            "Indicateur": ind.label,
            "Unité": ind.unit,
            "Cible": target,
        }
        fill = PatternFill("solid", fgColor=AXIS_FILLS[(ind.axis - 1) % len(AXIS_FILLS)])
        for name in HEADERS:
            cell = ws.cell(row=row, column=COL[name], value=values.get(name))
            if name in ("Réalisé", "Commentaire"):
                cell.protection = Protection(locked=False)
                cell.fill = editable
            else:
                cell.fill = fill
            if previous_axis is not None and ind.axis != previous_axis:
                cell.border = separator
        ws.cell(row=row, column=COL["Cible"]).number_format = "#,##0"
        realised = ws.cell(row=row, column=COL["Réalisé"])
        # « Standard »: a value is shown as typed (3,5 stays 3,5; a format such as
        # « # ##0 » would show « 4 » while validation speaks of 3,5).
        realised.number_format = "General"
        ws.cell(row=row, column=COL["Commentaire"]).alignment = Alignment(wrap_text=True)
        dv = _validation_for(ind)
        ws.add_data_validation(dv)
        dv.add(realised.coordinate)
        previous_axis = ind.axis
    for name in ("Réalisé", "Commentaire"):
        ws.cell(row=1, column=COL[name]).font = Font(bold=True, color="FFFFFF", underline="single")
    _protect(ws)


def _self_checks(ws: Worksheet, impacts: Worksheet, catalogue: Catalogue, tolerance: float) -> None:
    """Conditional formatting and hidden helper formulas: the template checks itself.

    Red rules come first (they win over orange on the same cell); the count at the top of
    ``Indicateurs`` is the helper column's total (see :mod:`cmacop.cop.selfcheck`).
    """
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    def fill(rgb: str) -> PatternFill:
        return PatternFill(start_color=rgb, end_color=rgb, fill_type="solid")

    fills = {selfcheck.ERROR: fill(ERROR_FILL), selfcheck.WARNING: fill(WARNING_FILL)}
    helper = Protection(locked=True, hidden=True)
    for sheet, group in ((ws, catalogue.indicators), (impacts, catalogue.impacts)):
        rules: dict[tuple[str, str], list[str]] = {}
        for offset, ind in enumerate(group):
            row = FIRST_DATA_ROW + offset
            checks = selfcheck.row_checks(ind, row, catalogue, tolerance)
            for check in checks:
                rules.setdefault((check.severity, check.cell), []).append(check.condition)
            cell = sheet[f"{selfcheck.HELPER_COLUMN}{row}"]
            cell.value, cell.protection = selfcheck.helper_formula(checks), helper
        for severity in (selfcheck.ERROR, selfcheck.WARNING):
            for (level, ref), conditions in rules.items():
                if level == severity:
                    formula = (
                        conditions[0] if len(conditions) == 1 else f"OR({','.join(conditions)})"
                    )
                    sheet.conditional_formatting.add(
                        ref, FormulaRule(formula=[formula], fill=fills[severity])
                    )
        sheet.column_dimensions[selfcheck.HELPER_COLUMN].hidden = True
    total = ws[selfcheck.TOTAL_CELL]
    total.value = selfcheck.total_formula(
        len(catalogue.indicators), len(catalogue.impacts), impacts.title
    )
    total.protection = helper
    status = ws[selfcheck.STATUS_CELL]
    status.value, status.protection = selfcheck.status_formula(), helper
    status.font, status.alignment = Font(bold=True), Alignment(vertical="center")
    ws.column_dimensions[selfcheck.STATUS_COLUMN].width = 38
    total_ref = f"${selfcheck.HELPER_COLUMN}$1"
    ws.conditional_formatting.add(
        selfcheck.STATUS_CELL, FormulaRule(formula=[f"{total_ref}=0"], fill=fill(READY_FILL))
    )
    ws.conditional_formatting.add(
        selfcheck.STATUS_CELL, FormulaRule(formula=[f"{total_ref}>0"], fill=fill(WARNING_FILL))
    )


def _metadata(ws: Worksheet, chamber: Chamber, year: int, catalogue: Catalogue) -> None:
    from cmacop import __version__

    rows = (
        ("format_modele", TEMPLATE_FORMAT),
        ("version_modele", template_version(catalogue)),
        ("catalogue", catalogue.id),
        ("revision", catalogue.revision),
        ("empreinte_catalogue", catalogue.content_hash),
        ("chambre", chamber.code),
        ("annee", year),
        ("genere_par", f"cmacop {__version__}"),
    )
    for idx, (key, value) in enumerate(rows, start=1):
        ws.cell(row=idx, column=1, value=key)
        ws.cell(row=idx, column=2, value=value)
    ws.sheet_state = "hidden"
    _protect(ws)
