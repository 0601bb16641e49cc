"""The bilan as an Excel workbook: one sheet per section, numbers kept as numbers.

Sheets ``Synthèse``, ``Axes``, ``Indicateurs``, ``Chambres``, ``Modulation``,
``Qualité`` and ``Données``. Each table has a bold frozen header, an autofilter
and French display formats (Excel shows ``1 234``, ``87,5 %``, ``1 234,56 €``
with the reader's locale separators). Text is never a live formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cmacop.french import FORMULA_PREFIXES
from cmacop.render.documents import plain
from cmacop.render.model import Bilan
from cmacop.render.model_com import ComBilan
from cmacop.render.xlsxsheets import com_sheets, national_sheets
from cmacop.render.xlsxtable import COUNT, DECIMAL, EURO, NUMBER, PERCENT, Column, Table

HEADER_FILL = PatternFill("solid", fgColor="E3E3FD")
HEADER_FONT = Font(bold=True, color="000091")
TITLE_FONT = Font(bold=True, size=14, color="000091")
RULE = Border(bottom=Side(style="thin", color="000091"))
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
BOLD = Font(bold=True)
LEFT = Alignment(wrap_text=True, vertical="top", horizontal="left")
MAX_WIDTH = 60


def cell_value(value: Any) -> Any:
    """What a cell holds: exact numbers as Excel numbers, text cleaned of control characters."""
    if isinstance(value, Fraction):
        return value.numerator / value.denominator
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str):
        return plain(value)
    return value


def _put(
    ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, *, wrap: bool = False
) -> None:
    value = cell_value(value)
    if value is None or value == "":
        return  # an empty cell is not written at all
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if wrap:
        cell.alignment = WRAP
    if isinstance(value, str):
        # Stored as text, never as a formula; a leading =, +, - or @ stays visible as typed.
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    elif fmt == NUMBER:
        cell.number_format = COUNT if value == int(value) else DECIMAL
    elif fmt is not None:
        cell.number_format = fmt


def _width(column: Column, values: Iterable[Any]) -> float:
    if column.width is not None:
        return column.width
    longest = max([len(column.header) * 0.9] + [_shown_len(v, column.fmt) for v in values])
    return min(max(longest + 2, 8), MAX_WIDTH)


def _shown_len(value: Any, fmt: str | None) -> float:
    if value is None:
        return 0
    if fmt == EURO:
        return len(f"{float(value):,.2f}") + 2
    if fmt == NUMBER:
        return len(f"{float(value):,.2f}")
    if fmt == PERCENT:
        return 7
    if fmt == COUNT:
        return len(f"{value:,}")
    if isinstance(value, date):
        return 10
    return len(str(value))


def write_table(ws: Worksheet, table: Table) -> None:
    """Header on row 1 (frozen, filtered), data below, footer after a blank row."""
    for col, column in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=col, value=column.header)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, RULE
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for r, row in enumerate(table.rows, start=2):
        for col, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            _put(ws, r, col, value, column.fmt, wrap=column.wrap)
    last = len(table.rows) + 1
    for offset, row in enumerate(table.footer, start=2):
        for col, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            _put(ws, last + offset, col, value, column.fmt)
            if value is not None:
                ws.cell(row=last + offset, column=col).font = BOLD
    for col, column in enumerate(table.columns, start=1):
        values = [row[col - 1] for row in table.rows + table.footer]
        ws.column_dimensions[get_column_letter(col)].width = _width(column, values)
    end = get_column_letter(len(table.columns))
    ws.auto_filter.ref = f"A1:{end}{max(last, 2)}"
    ws.freeze_panes = ws.cell(row=2, column=table.freeze_columns + 1)
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_summary(ws: Worksheet, title: str, lines: Sequence[tuple[str, Any, str | None]]) -> None:
    """The ``Synthèse`` sheet: a title, then « libellé | valeur » lines (None label: a heading)."""
    ws.cell(row=1, column=1, value=title).font = TITLE_FONT
    row = 3
    for label, value, fmt in lines:
        if label == "":
            row += 1
            continue
        if value is None and fmt == "heading":
            ws.cell(row=row, column=1, value=label).font = HEADER_FONT
        else:
            ws.cell(row=row, column=1, value=label).alignment = TOP
            _put(ws, row, 2, value, fmt)
            ws.cell(row=row, column=2).alignment = LEFT
        row += 1
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 70
    ws.freeze_panes = "A2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def build_workbook(bilan: Bilan | ComBilan) -> Workbook:
    """The workbook of a national bilan or of a bilan de COM."""
    summary, tables = national_sheets(bilan) if isinstance(bilan, Bilan) else com_sheets(bilan)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Synthèse"
    write_summary(ws, bilan.title, summary)
    for table in tables:
        write_table(wb.create_sheet(table.name), table)
    stamp = datetime(bilan.generated_on.year, bilan.generated_on.month, bilan.generated_on.day)
    wb.properties.title = bilan.title
    wb.properties.creator = "cmacop"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.language = "fr-FR"
    return wb


def write_workbook(bilan: Bilan | ComBilan, path: Path) -> None:
    build_workbook(bilan).save(path)
