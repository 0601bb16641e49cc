"""The workbook a controller sends back to a chamber: ``<stem>_controle.xlsx``.

For a workbook: a copy of the chamber's own file (the original is never
touched), each offending cell filled red (error), orange (warning) or green (a warning
the chamber has justified) with an Excel comment holding the message and the hint (or
the justification), a value cell in the « Standard » format so that no decimal is hidden
(« 3,5 » in a count cell is shown as typed, not rounded to « 4 »), and a first sheet
``Contrôles`` listing every finding with a link to its cell. For a CSV or an
unreadable file: a workbook with the ``Contrôles`` sheet only, by line.

The copy is made by editing the chamber's ``.xlsx`` package (``xlsxpatch``, a
few milliseconds a file). openpyxl (~60 ms) is the fallback for what the
patcher leaves alone — a marked sheet that already has comments or a VML
drawing (a feedback workbook sent back corrected), a macro-enabled or Strict
Open XML workbook, XML it cannot make sense of: openpyxl then fills the cells
and writes the comments, and the patcher adds the ``Contrôles`` sheet to its
result. A workbook neither can open gets the ``Contrôles`` sheet alone.
"""

from __future__ import annotations

import io
import re
import warnings
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from cmacop.campaign.layout import FEEDBACK_SUFFIX
from cmacop.cop.selfcheck import ERROR_FILL, READY_FILL, WARNING_FILL
from cmacop.errors import CmacopError, failed_folder, folder_error
from cmacop.files.fsutil import flush_to_disk, write_bytes_atomic
from cmacop.files.names import NAME_MAX, name_limit, safe_component, safe_stem
from cmacop.files.xlsxpatch import (
    Mark,
    NewCell,
    NewSheet,
    Style,
    UnsupportedWorkbook,
    annotate,
    new_workbook,
)
from cmacop.files.xlsxpatch.sheets import AUTHOR
from cmacop.french import safe_text
from cmacop.validate.checks import FileCheck
from cmacop.validate.findings import ERROR, WARNING, Finding

SHEET = "Contrôles"
JUSTIFIED = "justifié"
# Red for an error, a clear orange for a warning (never the pale yellow of the template's
# editable cells, FFF9D6), green for a warning the chamber has justified.
FILLS = {ERROR: ERROR_FILL, WARNING: WARNING_FILL, JUSTIFIED: READY_FILL}
COLUMNS = ("Gravité", "Code", "Emplacement", "Indicateur", "Valeur", "Message", "Conseil")
WIDTHS = (14, 13, 26, 11, 22, 80, 70)
_TITLE = Style(bold=True, size=13)
_HEADER = Style(bold=True, color="FFFFFF", fill="1F3864")
_TOP, _WRAP = Style(top=True), Style(top=True, wrap=True)
_SEVERITY = {severity: Style(top=True, fill=rgb) for severity, rgb in FILLS.items()}
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


# Room kept after a stem for the longest suffix cmacop adds (``_2`` then ``_controle.xlsx``).
SUFFIX_ROOM = len(f"_99{FEEDBACK_SUFFIX}".encode())


def output_stem(path: Path, limit: int = NAME_MAX, *, tag: bool = False) -> str:
    """The stem of what cmacop writes for ``path``: its own stem when safe (``names.py``);
    ``tag``: with the hash of its name in any case (its own stem is another file's)."""
    return safe_stem(path.stem, full_name=path.name, reserve=SUFFIX_ROOM, limit=limit, tag=tag)


def feedback_name(path: Path, used: set[str], limit: int = NAME_MAX) -> str:
    """``COM_2024_CMAR-84.xlsx`` → ``COM_2024_CMAR-84_controle.xlsx`` (numbered if taken);
    ``-rf.xlsx`` → ``_rf_<hash>_controle.xlsx`` (see :func:`output_stem`)."""
    stem = output_stem(path, limit)
    name = f"{stem}{FEEDBACK_SUFFIX}"
    n = 2
    while name.lower() in used:
        name = f"{stem}_{n}{FEEDBACK_SUFFIX}"
        n += 1
    used.add(name.lower())
    return name


def feedback_folder(path: Path, out_dir: Path, root: Path | None) -> Path:
    """``out_dir`` and the sub-folders ``path`` has under ``root`` (made safe), if any."""
    if root is None:
        return out_dir
    try:
        parts = path.parent.relative_to(root).parts
    except ValueError:
        return out_dir
    return out_dir.joinpath(*(safe_component(p) for p in parts))


def write_feedback(
    files: Sequence[FileCheck], out_dir: Path, root: Path | None = None
) -> tuple[dict[int, Path], dict[int, CmacopError]]:
    """Write one feedback workbook per file into ``out_dir``: (file index → path written,
    file index → why it could not be written).

    ``root``: the folder the files were deposited in; a file in a sub-folder of it gets
    its feedback in the same sub-folder of ``out_dir`` (``depot/2024/CMAR-84/bilan.xlsx``
    → ``retours/2024/CMAR-84/bilan_controle.xlsx``), so that two chambers' files of the
    same name never share a feedback name, from one run to the next. A file whose
    feedback cannot be written (rights on its sub-folder, full disk) does not stop the
    others: the French error is returned for it.
    """
    written: dict[int, Path] = {}
    failed: dict[int, CmacopError] = {}
    used: dict[Path, set[str]] = defaultdict(set)
    limits: dict[Path, int] = {}
    for fc in files:
        if fc.output is not None:
            target = fc.output
        else:
            folder = feedback_folder(fc.path, out_dir, root)
            if folder not in limits:
                limits[folder] = name_limit(folder)
            target = folder / feedback_name(fc.path, used[folder], limits[folder])
        try:
            write_bytes_atomic(target, feedback_workbook(fc), durable=False)
        except OSError as exc:
            failed[fc.index] = folder_error(exc, folder=str(failed_folder(exc) or target.parent))
            continue
        written[fc.index] = target
    if written:
        flush_to_disk(out_dir)  # the batch made durable at once, before it is recorded as sent
    return written, failed


def feedback_workbook(fc: FileCheck) -> bytes:
    """The feedback workbook of one file: the annotated copy, else the listing alone."""
    sheet = controls_sheet(fc)
    if fc.sub is not None and fc.sub.kind == "xlsx" and fc.data is not None:
        marks = cell_marks(fc.findings)
        try:
            return annotate(fc.data, marks, sheet)
        except UnsupportedWorkbook:
            pass
        marked = marked_by_openpyxl(fc.data, marks)
        if marked is not None:
            try:
                return annotate(marked, (), sheet)
            except UnsupportedWorkbook:
                pass
    return new_workbook(sheet)


def cell_marks(findings: Sequence[Finding]) -> list[Mark]:
    """One mark per offending cell: the worse severity's colour, every message and hint."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet and f.cell:
            by_cell[(f.sheet, f.cell)].append(f)
    marks = []
    for (sheet, ref), found in by_cell.items():
        worst = max(found, key=lambda f: (f.is_error, not f.justified))
        text = "\n\n".join(_comment(f) for f in found)
        marks.append(
            Mark(
                sheet,
                ref,
                FILLS[severity_of(worst)],
                text,
                min(60 + 60 * len(found), 400),
                general=any(_hides_decimals(f.value) for f in found),
            )
        )
    return marks


def severity_of(f: Finding) -> str:
    """``erreur``, ``avertissement``, or ``justifié`` for a warning the chamber explained."""
    return JUSTIFIED if f.justified else f.severity


def _comment(f: Finding) -> str:
    """A finding in the cell's comment: for the chamber (no cmacop command)."""
    if f.justified:
        return f"{f.code} (justifié) : {_safe(f.message)}\n→ {_safe(f.justification or '')}"
    return f"{f.code} : {_safe(f.message)}" + (f"\n→ {_safe(f.hint)}" if f.hint else "")


def _hides_decimals(value: str | None) -> bool:
    """A number with decimals, which a template's whole-number format would round."""
    if value is None:
        return False
    try:
        number = float(value)
    except ValueError:
        return False
    return number == number and not number.is_integer()


def controls_sheet(fc: FileCheck) -> NewSheet:
    """The ``Contrôles`` sheet: title, summary, then one row per finding from row 5."""
    errors = sum(1 for f in fc.findings if f.is_error)
    justified = sum(1 for f in fc.findings if f.justified)
    rows: list[tuple[int, tuple[NewCell, ...]]] = [
        (1, (NewCell(f"Contrôle de {safe_text(fc.path.name)}", _TITLE),)),
        (2, (NewCell(_summary(errors, len(fc.findings) - errors - justified, justified)),)),
        (4, tuple(NewCell(name, _HEADER) for name in COLUMNS)),
    ]
    for row, f in enumerate(fc.findings, start=5):
        advice = f"Justification : {f.justification}" if f.justified else f.hint
        values = (severity_of(f), f.code, f.location, f.indicator, f.value, f.message, advice)
        cells = [
            NewCell(None if v is None else _safe(v), _WRAP if col >= 6 else _TOP)
            for col, v in enumerate(values, start=1)
        ]
        cells[0] = NewCell(severity_of(f), _SEVERITY[severity_of(f)])
        if f.sheet and f.cell and f.sheet != SHEET:
            cells[2] = NewCell(cells[2].value, _TOP, link=(f.sheet, f.cell))
        rows.append((row, tuple(cells)))
    return NewSheet(SHEET, tuple(rows), WIDTHS, frozen_rows=4)


def marked_by_openpyxl(data: bytes, marks: Sequence[Mark]) -> bytes | None:
    """The fallback: the workbook with ``marks`` applied by openpyxl (None if it cannot)."""
    from openpyxl import load_workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, data validation lists…
            book = load_workbook(io.BytesIO(data), rich_text=False)
        for mark in marks:
            ws = book[mark.sheet] if mark.sheet in book.sheetnames else None
            cell = ws[mark.ref] if isinstance(ws, Worksheet) else None
            if not isinstance(cell, Cell):  # a range, or inside a merged range: only listed
                continue
            cell.fill = PatternFill("solid", fgColor=f"FF{mark.fill}")  # opaque, as the patcher
            if mark.general:
                cell.number_format = "General"
            comment = Comment(mark.comment, AUTHOR)
            comment.width, comment.height = 360, mark.height
            cell.comment = comment
        out = io.BytesIO()
        book.save(out)
    except Exception:  # our reader accepted the file; openpyxl is stricter: the listing will do
        return None
    return out.getvalue()


@lru_cache(maxsize=4096)
def _safe(text: str) -> str:
    """:func:`safe_text`, quicker on the usual text: the same result when nothing needs escaping.

    ``isprintable`` is false for every character ``safe_text`` escapes (control,
    format, private, unassigned, line and paragraph separators); the spaces it
    also rejects are kept as they are by both.
    """
    return text if _SPACES.sub("", text).isprintable() else safe_text(text)


def _summary(errors: int, warnings_: int, justified: int = 0) -> str:
    from cmacop.french import plural
    from cmacop.validate.findings import counts_text

    if not errors and not warnings_:
        done = "Aucun problème détecté : le fichier est valide."
        if justified:
            done += f" ({plural(justified, 'avertissement justifié', 'avertissements justifiés')})"
        return done
    text = counts_text(errors, warnings_)
    if justified:
        text += f", {plural(justified, 'justifié')}"
    return text + " (détail ci-dessous ; cliquez sur un emplacement)"
