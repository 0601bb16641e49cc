"""A minimal SpreadsheetML writer for plain tables (the store's Excel export).

The exports are plain tables, and openpyxl takes ~1 s to import and serialise
12 000 cells, most of the consolidation's time budget. Text is always an inline
string, so a value typed as ``=…`` is never a formula; characters XML 1.0
cannot carry are dropped. The output is deterministic (fixed zip dates).

Each sheet has its header frozen and an autofilter; a :class:`Column` gives a header
its width and its numbers a format (``#,##0``: French Excel shows ``1 234``); dates
and times are real dates (``dd/mm/yyyy``, ``dd/mm/yyyy hh:mm``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from math import isfinite
from typing import Any

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# XML escapes, and the characters XML 1.0 cannot carry (a CSV comment may hold them)
# dropped, in one pass (xml.sax.saxutils would import urllib and http for nothing).
_XML_TEXT = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        **{chr(c): None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))},
        "\ufffe": None,
        "\uffff": None,
    }
)
# A character ``_XML_TEXT`` changes (derived from it): most text has none and is written as is.
_ESCAPED = re.compile("[" + "".join(re.escape(chr(c)) for c in _XML_TEXT) + "]")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_EPOCH_DAY = _EXCEL_EPOCH.date()
# cellXfs: 0 default, 1 date, 2 date and time, 3 bold header, 4 whole number with thousands
# separator, 5 decimal number (up to 4 decimals). Format codes are written in Excel's
# neutral notation: French Excel shows ``#,##0.0###`` as ``1 234,5``.
_STYLES = (
    f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/>'
    '<numFmt numFmtId="166" formatCode="#,##0.0###"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_WHOLE, _DECIMAL = 4, 5


@dataclass(frozen=True)
class Column:
    """A column's header, width (in characters) and number format.

    ``number``: ``""`` numbers as they are (a year: ``2024``), ``"nombre"`` with the
    thousands separator and, when not whole, up to four decimals.
    """

    header: str
    width: float | None = None
    number: str = ""

    @property
    def shown_width(self) -> float:
        return self.width if self.width is not None else max(len(self.header) + 3, 10)


# title, columns (a header or a Column), rows
Sheet = tuple[str, Sequence[str | Column], Iterable[Sequence[Any]]]


def column_letter(index: int) -> str:
    """``1`` → ``A``, ``27`` → ``AA``."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def xml_text(text: str) -> str:
    """Text escaped for an XML element, without the characters XML 1.0 forbids."""
    return text.translate(_XML_TEXT)


def _quoted(title: str) -> str:
    """A sheet name as a formula names it: ``'Dépôts'`` (quotes doubled)."""
    return "'" + title.replace("'", "''") + "'"


def _attribute(text: str) -> str:
    return '"' + xml_text(text).replace('"', "&quot;") + '"'


def _number_style(value: int | float, number: str) -> str:
    """`` s="4"`` (whole) or `` s="5"`` (decimal) in a formatted column, else nothing."""
    if not number:
        return ""
    whole = type(value) is int or (isinstance(value, float) and value.is_integer())
    return f' s="{_WHOLE if whole else _DECIMAL}"'


def _cell(ref: str, value: Any, header: bool = False, number: str = "") -> str:
    """One ``<c>``; text is always an inline string, so ``=…`` is never a formula."""
    if value is None:
        return ""
    if type(value) is not str:  # most cells are text: they skip the type tests
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float) and not (
            isinstance(value, float) and not isfinite(value)
        ):
            style = _number_style(value, number)
            shown = int(value) if isinstance(value, float) and value.is_integer() else value
            return f'<c r="{ref}"{style}><v>{shown!r}</v></c>'
        if isinstance(value, datetime):
            local = value.astimezone().replace(tzinfo=None) if value.tzinfo else value
            serial = (local - _EXCEL_EPOCH).total_seconds() / 86400
            return f'<c r="{ref}" s="2"><v>{serial!r}</v></c>'
        if isinstance(value, date):
            return f'<c r="{ref}" s="1"><v>{(value - _EXCEL_EPOCH_DAY).days}</v></c>'
    style = ' s="3"' if header else ""
    return (
        f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">'
        f"{str(value).translate(_XML_TEXT)}</t></is></c>"
    )


def _column(spec: str | Column) -> Column:
    return spec if isinstance(spec, Column) else Column(spec)


def _sheet_xml(columns: Sequence[str | Column], rows: Iterable[Sequence[Any]]) -> str:
    return _sheet(columns, rows)[0]


def _sheet(columns: Sequence[str | Column], rows: Iterable[Sequence[Any]]) -> tuple[str, int]:
    """The worksheet's XML and its last row number."""
    specs = [_column(c) for c in columns]
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{c.shown_width}" customWidth="1"/>'
        for i, c in enumerate(specs, start=1)
    )
    parts = [
        f'{_XML_DECL}<worksheet xmlns="{_NS}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        f"</sheetView></sheetViews><cols>{cols}</cols><sheetData>"
    ]
    letters = [column_letter(i) for i in range(1, len(specs) + 1)]
    header = "".join(
        _cell(f"{c}1", spec.header, True) for c, spec in zip(letters, specs, strict=True)
    )
    parts.append(f'<row r="1">{header}</row>')
    escaped, table = _ESCAPED.search, _XML_TEXT
    formats = [spec.number for spec in specs]
    number = 1
    for number, row in enumerate(rows, start=2):
        cells = [f'<row r="{number}">']
        for c, v, fmt in zip(letters, row, formats, strict=True):
            # The commonest cells inline (as ``_cell`` writes them): plain text, integers.
            kind = type(v)
            if kind is str:
                text = v.translate(table) if escaped(v) else v
                cells.append(
                    f'<c r="{c}{number}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{text}</t></is></c>"
                )
            elif kind is int and not fmt:
                cells.append(f'<c r="{c}{number}"><v>{v!r}</v></c>')
            elif v is not None:
                cells.append(_cell(f"{c}{number}", v, number=fmt))
        cells.append("</row>")
        parts.append("".join(cells))
    last = f"{letters[-1]}{number}" if letters else "A1"
    parts.append(f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>')
    return "".join(parts), number


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per ``(title, columns, rows)``, header row frozen, filtered."""
    count = len(sheets)
    written = [_sheet(columns, rows) for _, columns, rows in sheets]
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{xml_text(_quoted(title))}!$A$1:${column_letter(len(columns))}${last}</definedName>"
        for i, ((title, columns, _), (_, last)) in enumerate(zip(sheets, written, strict=True))
        if columns
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
        for i in range(1, count + 1)
    )
    parts = {
        "[Content_Types].xml": (
            f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'{_XML_DECL}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{_XML_DECL}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name={_attribute(title)} sheetId="{i}" r:id="rId{i}"/>'
                for i, (title, _, _) in enumerate(sheets, start=1)
            )
            + "</sheets>"
            + (f"<definedNames>{filters}</definedNames>" if filters else "")
            + "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_DECL}<Relationships xmlns="{_PKG}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, count + 1)
            )
            + f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _XML_DECL + _STYLES,
    }
    for i, (xml, _) in enumerate(written, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)),
                text.encode("utf-8"),
                zipfile.ZIP_DEFLATED,
            )
    return buf.getvalue()
