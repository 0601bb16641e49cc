"""Worksheet parts: formats of existing cells, the comments' drawing, and a new sheet."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from cmacop.files.xlsxpatch.markup import (
    ATTRS,
    NS_MAIN,
    NS_REL,
    XML_DECL,
    Element,
    UnsupportedWorkbook,
    attributes,
    children,
    drop_attr,
    element_at,
    parse_ref,
    root_of,
    set_attr,
    splice,
    xml_text,
)
from cmacop.files.xlsxpatch.styles import Style
from cmacop.files.xlsxread import column_index, column_letter

# Worksheet children that come after legacyDrawing (ECMA-376, CT_Worksheet sequence);
# form controls and OLE objects are wrapped in mc:AlternateContent.
_AFTER_LEGACY = frozenset(
    ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems")
) | {"tableParts", "extLst", "AlternateContent"}
_R = re.compile(r"""(?:^|\s)r\s*=\s*["']([A-Z]*)(\d+)["']""")
_S = re.compile(r"""(?:^|\s)s\s*=\s*["'](\d+)["']""")

Cell = tuple[int, int]  # (row, column), 1-based


@lru_cache(maxsize=1024)
def _column(letters: str) -> int:
    return column_index(letters)


@lru_cache(maxsize=8)
def _patterns(prefix: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    p = re.escape(prefix)
    return (
        re.compile(rf"<{p}sheetData\b{ATTRS}(/)?>"),
        re.compile(rf"<{p}row\b{ATTRS}(/)?>"),
        re.compile(rf"<{p}c\b{ATTRS}(/)?>"),
    )


@dataclass(frozen=True)
class _Row:
    number: int
    start: int
    tag_end: int
    end: int  # start of ``</row>``; == tag_end for ``<row …/>``
    attrs: str
    closed: bool  # written ``<row …/>``


class Worksheet:
    """A worksheet part being edited by splicing: cell formats and the legacy drawing."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root = root_of(text)
        self.p = self.root.prefix
        self.edits: list[tuple[int, int, str]] = []
        data_re, self._row_re, self._cell_re = _patterns(self.p)
        m = data_re.search(text, self.root.tag_end)
        if m is None:
            raise UnsupportedWorkbook("feuille sans sheetData")
        self.data_start, self.data_open = m.start(), m.end()
        if m.group(2):  # <sheetData/>
            self.data_close = self.data_end = m.end()
        else:
            self.data_close = text.find(f"</{self.p}sheetData>", m.end())
            if self.data_close < 0:
                raise UnsupportedWorkbook("sheetData non fermé")
            self.data_end = self.data_close + len(self.p) + 12
        self.top: list[Element] = children(text, self.root.tag_end, self.data_start)
        self.top += children(text, self.data_end, self.root.close)
        self.rows: dict[int, _Row] = {}
        close, previous = f"</{self.p}row>", self.data_open
        for r in self._row_re.finditer(text, self.data_open, self.data_close):
            num = _R.search(r.group(1))
            if num is None or num.group(1):
                raise UnsupportedWorkbook("ligne sans numéro")
            end = r.end() if r.group(2) else text.find(close, r.end(), self.data_close)
            if end < 0 or r.start() < previous:
                raise UnsupportedWorkbook("ligne non fermée ou imbriquée")
            previous = end
            number = int(num.group(2))
            self.rows[number] = _Row(number, r.start(), r.end(), end, r.group(1), bool(r.group(2)))

    def child(self, local: str) -> Element | None:
        return next((e for e in self.top if e.local == local), None)

    def merged(self) -> list[tuple[int, int, int, int]]:
        """Merged ranges as (first row, first column, last row, last column)."""
        merge = self.child("mergeCells")
        ranges = []
        for e in children(self.text, merge.tag_end, merge.close) if merge else []:
            first, _, last = attributes(e.attrs).get("ref", "").partition(":")
            a, b = parse_ref(first), parse_ref(last or first)
            if a and b:
                ranges.append((a[0], a[1], b[0], b[1]))
        return ranges

    def _cells(self, row: _Row) -> dict[int, re.Match[str]]:
        found = {}
        ref, number = _R.search, row.number
        for m in self._cell_re.finditer(self.text, row.tag_end, row.end):
            r = ref(m.group(1))
            if r is None:
                raise UnsupportedWorkbook("cellule sans référence")
            letters, digits = r.groups()
            if not letters or int(digits) != number:
                raise UnsupportedWorkbook("cellule sans référence")
            found[_column(letters)] = m
        return found

    def _default_style(self, row: _Row | None, col: int) -> int:
        """Format of a cell not written yet: its row's, else its column's (as Excel does)."""
        if row is not None:
            attrs = attributes(row.attrs)
            if attrs.get("customFormat") in ("1", "true") and "s" in attrs:
                return int(attrs["s"])
        cols = self.child("cols")
        for e in children(self.text, cols.tag_end, cols.close) if cols else []:
            a = attributes(e.attrs)
            if int(a.get("min", "0")) <= col <= int(a.get("max", "0")) and "style" in a:
                return int(a["style"])
        return 0

    def restyle(self, cells: Iterable[Cell], style: Callable[[Cell, int], int]) -> None:
        """Give each cell the format ``style(cell, current format)``, creating cells and rows."""
        by_row: dict[int, list[int]] = {}
        for row_no, col in sorted(set(cells)):
            by_row.setdefault(row_no, []).append(col)
        new_rows: list[tuple[int, str]] = []
        for row_no, cols in by_row.items():
            row = self.rows.get(row_no)
            existing = self._cells(row) if row is not None else {}
            created = []
            for col in cols:
                m = existing.get(col)
                if m is None:
                    s = style((row_no, col), self._default_style(row, col))
                    created.append((col, f'<{self.p}c r="{column_letter(col)}{row_no}" s="{s}"/>'))
                    continue
                current = _S.search(m.group(1))
                s = style((row_no, col), int(current.group(1)) if current else 0)
                self.edits.append((m.start(), m.end(), set_attr(m.group(0), "s", str(s))))
            if row is None:
                new_rows.append((row_no, "".join(xml for _, xml in created)))
            elif created:
                self._insert_cells(row, existing, created)
        if new_rows:
            self._insert_rows(new_rows)
        self._widen_dimension(by_row)

    def _insert_cells(
        self, row: _Row, existing: Mapping[int, re.Match[str]], created: list[tuple[int, str]]
    ) -> None:
        tag = self.text[row.start : row.tag_end]
        plain = drop_attr(tag, "spans")  # an optional hint that new cells could contradict
        if row.closed:  # <row …/>
            cells = "".join(xml for _, xml in created)
            self.edits.append((row.start, row.end, f"{plain[:-2].rstrip()}>{cells}</{self.p}row>"))
            return
        if plain != tag:
            self.edits.append((row.start, row.tag_end, plain))
        tail = next(
            (e.start for e in children(self.text, row.tag_end, row.end) if e.local != "c"), row.end
        )  # before a row-level extLst
        for col, xml in created:
            after = [m.start() for c, m in existing.items() if c > col]
            at = min(after) if after else tail
            self.edits.append((at, at, xml))

    def _insert_rows(self, new_rows: list[tuple[int, str]]) -> None:
        p = self.p
        if self.data_open == self.data_end:  # <sheetData/>
            rows = "".join(f'<{p}row r="{n}">{cells}</{p}row>' for n, cells in new_rows)
            self.edits.append(
                (self.data_start, self.data_end, f"<{p}sheetData>{rows}</{p}sheetData>")
            )
            return
        ordered = sorted(self.rows.values(), key=lambda r: r.number)
        for number, cells in new_rows:
            after = next((r.start for r in ordered if r.number > number), self.data_close)
            self.edits.append((after, after, f'<{p}row r="{number}">{cells}</{p}row>'))

    def _widen_dimension(self, by_row: Mapping[int, list[int]]) -> None:
        dim = self.child("dimension")
        if dim is None:
            return
        ref = attributes(dim.attrs).get("ref", "")
        first, _, last = ref.partition(":")
        a, b = parse_ref(first), parse_ref(last or first)
        if a is None or b is None:
            return
        rows = [a[0], b[0], *by_row]
        cols = [a[1], b[1], *(c for cs in by_row.values() for c in cs)]
        wide = f"{column_letter(min(cols))}{min(rows)}:{column_letter(max(cols))}{max(rows)}"
        if wide != f"{first}:{last or first}":
            self.edits.append((dim.start, dim.tag_end, set_attr(dim.tag(self.text), "ref", wide)))

    def add_legacy_drawing(self, rid: str) -> None:
        """``<legacyDrawing r:id=…/>`` at its place in the CT_Worksheet sequence."""
        prefix = self.root.namespace_prefix(NS_REL)
        if prefix is None:
            prefix = "r" if "xmlns:r" not in attributes(self.root.attrs) else "cmacopr"
            tag = self.text[self.root.start : self.root.tag_end]
            self.edits.append(
                (self.root.start, self.root.tag_end, set_attr(tag, f"xmlns:{prefix}", NS_REL))
            )
        after = next((e.start for e in self.top if e.local in _AFTER_LEGACY), self.root.close)
        attr = f"{prefix}:id" if prefix else "id"
        self.edits.append((after, after, f'<{self.p}legacyDrawing {attr}="{rid}"/>'))

    def render(self) -> str:
        return splice(self.text, self.edits)


def unselect_tab(text: str) -> str:
    """A sheet part (worksheet or chartsheet) whose views no longer say ``tabSelected``.

    The new first sheet is the selected one: two selected tabs open as a group.
    """
    if "tabSelected" not in text:
        return text
    p = root_of(text).prefix
    start = text.find(f"<{p}sheetViews")
    if start < 0:
        return text
    views = element_at(text, start)
    edits = []
    for view in children(text, views.tag_end, views.close):
        tag = view.tag(text)
        if "tabSelected" in tag:
            edits.append((view.start, view.tag_end, drop_attr(tag, "tabSelected")))
    return splice(text, edits)


# --------------------------------------------------------------------------- comments


@dataclass(frozen=True)
class Note:
    """A comment on a cell: its text and the height of its box in pixels."""

    row: int
    col: int
    text: str
    height: int


AUTHOR = "cmacop"


def comments_xml(notes: Sequence[Note]) -> str:
    body = "".join(
        f'<comment ref="{column_letter(n.col)}{n.row}" authorId="0">'
        f'<text><t xml:space="preserve">{xml_text(n.text)}</t></text></comment>'
        for n in notes
    )
    return (
        f'{XML_DECL}<comments xmlns="{NS_MAIN}"><authors><author>{AUTHOR}</author></authors>'
        f"<commentList>{body}</commentList></comments>"
    )


def vml_xml(blocks: Sequence[int], notes: Sequence[Note]) -> str:
    """The VML shapes Excel needs to show comments (hidden until the cell is pointed at).

    Shape ids live in blocks of 1 024 declared by ``o:idmap``: ``blocks`` are
    consecutive and unused by the workbook's other drawings.
    """
    shapes = "".join(
        f'<v:shape id="_x0000_s{blocks[0] * 1024 + 1 + i}" type="#_x0000_t202" '
        'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;'
        f'width:360px;height:{n.height}px;z-index:{i + 1};visibility:hidden" '
        'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
        '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:AutoFill>False</x:AutoFill><x:Row>{n.row - 1}</x:Row>"
        f"<x:Column>{n.col - 1}</x:Column></x:ClientData></v:shape>"
        for i, n in enumerate(notes)
    )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{",".join(map(str, blocks))}"/>'
        '</o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f"{shapes}</xml>"
    )


# --------------------------------------------------------------------------- a new sheet


@dataclass(frozen=True)
class NewCell:
    """A text cell of a new sheet; ``link`` is the (sheet, cell) it points to, if any."""

    value: str | None
    style: Style | None = None
    link: tuple[str, str] | None = None


@dataclass(frozen=True)
class NewSheet:
    """A sheet of text cells: rows by number, column widths, rows frozen at the top."""

    title: str
    rows: tuple[tuple[int, tuple[NewCell, ...]], ...]
    widths: tuple[float, ...] = ()
    frozen_rows: int = 0


def sheet_location(sheet: str, ref: str) -> str:
    """``'Indicateurs'!G14``: a link target (quotes in the name doubled)."""
    return "'" + sheet.replace("'", "''") + f"'!{ref}"


def sheet_xml(
    sheet: NewSheet, style_of: Callable[[Style], int], linkable: Callable[[str], bool]
) -> str:
    """The worksheet part of ``sheet``, selected; text is inline, never a formula."""
    rows, links = [], []
    last_col = max((len(cells) for _, cells in sheet.rows), default=1)
    letters = [column_letter(col) for col in range(1, last_col + 1)]
    styled: dict[Style, str] = {}  # ' s="N"' of each style met (``style_of`` adds it once)
    for number, cells in sheet.rows:
        xml = []
        for letter, cell in zip(letters, cells, strict=False):
            ref = f"{letter}{number}"
            style = cell.style
            if cell.link and linkable(cell.link[0]):
                style = Style(top=style.top if style else False, link=True)
                location = sheet_location(*cell.link)
                display = xml_text(cell.value or f"{cell.link[0]}!{cell.link[1]}")
                links.append(
                    f'<hyperlink ref="{ref}" location="{xml_text(location)}" display="{display}"/>'
                )
            if style:
                s = styled.get(style)
                if s is None:
                    s = styled[style] = f' s="{style_of(style)}"'
            else:
                s = ""
            if cell.value is None:
                xml.append(f'<c r="{ref}"{s}/>' if s else "")
            else:
                xml.append(
                    f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">'
                    f"{xml_text(cell.value)}</t></is></c>"
                )
        rows.append(f'<row r="{number}">{"".join(xml)}</row>')
    last_row = max((n for n, _ in sheet.rows), default=1)
    frozen = sheet.frozen_rows
    pane = (
        f'<pane ySplit="{frozen}" topLeftCell="A{frozen + 1}" activePane="bottomLeft" '
        f'state="frozen"/><selection pane="bottomLeft" activeCell="A{frozen + 1}" '
        f'sqref="A{frozen + 1}"/>'
        if frozen
        else ""
    )
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
        for i, w in enumerate(sheet.widths, start=1)
    )
    return (
        f'{XML_DECL}<worksheet xmlns="{NS_MAIN}">'
        f'<dimension ref="A1:{column_letter(last_col)}{last_row}"/>'
        f'<sheetViews><sheetView tabSelected="1" workbookViewId="0">{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f"<sheetData>{''.join(rows)}</sheetData>"
        + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
        + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/></worksheet>'
    )
