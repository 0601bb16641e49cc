"""The workbook a controller sends back to a chamber: ``<stem>_controle.xlsx``.

For a workbook: a copy of the chamber's own file (the original is never
touched), each offending cell filled red (error) or orange (warning) with an
Excel comment holding the message and the hint, and a first sheet
``Contrôles`` listing every finding with a link to its cell. For a CSV or an
unreadable file: a workbook with the ``Contrôles`` sheet only, by line.
"""

from __future__ import annotations

import io
import warnings
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checks import FileCheck
from .findings import ERROR, Finding
from .fsutil import write_with
from .render import safe_text

if TYPE_CHECKING:
    from openpyxl import Workbook

SHEET = "Contrôles"
FILLS = {ERROR: "FFC7CE", "avertissement": "FFEB9C"}  # Excel's "bad" red and "neutral" orange
COLUMNS = ("Gravité", "Code", "Emplacement", "Indicateur", "Valeur", "Message", "Conseil")
WIDTHS = (14, 13, 26, 11, 22, 80, 70)
SUFFIX = "_controle.xlsx"


def feedback_name(path: Path, used: set[str]) -> str:
    """``COM_2024_CMAR-84.xlsx`` → ``COM_2024_CMAR-84_controle.xlsx`` (numbered if taken)."""
    name = f"{path.stem}{SUFFIX}"
    n = 2
    while name.lower() in used:
        name = f"{path.stem}_{n}{SUFFIX}"
        n += 1
    used.add(name.lower())
    return name


def write_feedback(files: Sequence[FileCheck], out_dir: Path) -> dict[int, Path]:
    """Write one feedback workbook per file into ``out_dir``; file index → path written."""
    written: dict[int, Path] = {}
    used: set[str] = set()
    for fc in files:
        target = out_dir / feedback_name(fc.path, used)
        book = _annotated(fc) if fc.sub is not None and fc.sub.kind == "xlsx" else None
        if book is None:
            book = _listing_only(fc)
        write_with(target, book.save)
        written[fc.index] = target
    return written


def _annotated(fc: FileCheck) -> Workbook | None:
    """The chamber's workbook with marked cells and the Contrôles sheet; None if openpyxl fails."""
    from openpyxl import load_workbook

    if fc.data is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, data validation lists…
            book = load_workbook(io.BytesIO(fc.data), rich_text=False)
    except Exception:  # our reader accepted it; openpyxl is stricter: fall back on the listing
        return None
    _mark_cells(book, fc.findings)
    _controls_sheet(book, fc, index=0)
    book.active = 0
    return book


def _listing_only(fc: FileCheck) -> Workbook:
    from openpyxl import Workbook

    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    _controls_sheet(book, fc, index=0)
    return book


def _mark_cells(book: Workbook, findings: Sequence[Finding]) -> None:
    from openpyxl.cell.cell import Cell
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet and f.cell and f.sheet in book.sheetnames:
            by_cell[(f.sheet, f.cell)].append(f)
    for (sheet, ref), found in by_cell.items():
        cell = book[sheet][ref]
        if not isinstance(cell, Cell):  # inside a merged range: only listed
            continue
        worst = ERROR if any(f.is_error for f in found) else "avertissement"
        cell.fill = PatternFill("solid", fgColor=FILLS[worst])
        text = "\n\n".join(
            f"{f.code} : {safe_text(f.message)}" + (f"\n→ {safe_text(f.hint)}" if f.hint else "")
            for f in found
        )
        comment = Comment(text, "cmacop")
        comment.width, comment.height = 360, min(60 + 60 * len(found), 400)
        cell.comment = comment


def _controls_sheet(book: Workbook, fc: FileCheck, index: int) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws = book.create_sheet(SHEET, index)
    title = ws.cell(row=1, column=1, value=f"Contrôle de {safe_text(fc.path.name)}")
    title.data_type = "s"
    title.font = Font(bold=True, size=13)
    errors = sum(1 for f in fc.findings if f.is_error)
    summary = _summary(errors, len(fc.findings) - errors)
    ws.cell(row=2, column=1, value=summary)
    for col, (name, width) in enumerate(zip(COLUMNS, WIDTHS, strict=True), start=1):
        cell = ws.cell(row=4, column=col, value=name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F3864")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A5"
    for row, f in enumerate(fc.findings, start=5):
        values: list[Any] = [
            f.severity,
            f.code,
            f.location,
            f.indicator,
            f.value,
            f.message,
            f.hint,
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col)
            if value is not None:
                cell.value = safe_text(value)
                cell.data_type = "s"  # a value such as "=A1" stays text, never becomes a formula
            cell.alignment = Alignment(wrap_text=col >= 6, vertical="top")
        ws.cell(row=row, column=1).fill = PatternFill("solid", fgColor=FILLS[f.severity])
        if f.sheet and f.cell and f.sheet in book.sheetnames and f.sheet != SHEET:
            link = ws.cell(row=row, column=3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet}'!{f.cell}")
            link.style = "Hyperlink"


def _summary(errors: int, warnings_: int) -> str:
    from .render_validation import counts_text

    if not errors and not warnings_:
        return "Aucun problème détecté : le fichier est valide."
    return counts_text(errors, warnings_) + " (détail ci-dessous ; cliquez sur un emplacement)"
