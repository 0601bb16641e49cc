"""Annotate a workbook by editing its package: marked cells, comments, a new first sheet."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cmacop.files.xlsxpatch.markup import (
    NS_MAIN,
    NS_PKG_REL,
    NS_REL,
    XML_DECL,
    Element,
    UnsupportedWorkbook,
    attributes,
    children,
    parse_ref,
    root_of,
    set_attr,
    splice,
    xml_text,
)
from cmacop.files.xlsxpatch.package import CONTENT_TYPES, CT, Package
from cmacop.files.xlsxpatch.sheets import (
    NewSheet,
    Note,
    Worksheet,
    comments_xml,
    sheet_xml,
    unselect_tab,
    vml_xml,
)
from cmacop.files.xlsxpatch.styles import Styles

_SHEET_TYPES = ("worksheet", "chartsheet", "dialogsheet")
_SHEET_MAIN = f"{CT}.spreadsheetml.sheet.main+xml"
_INDEXED = ("bookViews", "definedNames")  # where sheets are referred to by position
_IDMAP = re.compile(rb"""idmap\b[^>]*?\bdata\s*=\s*["']([\d,\s]*)["']""")


@dataclass(frozen=True)
class Mark:
    """A cell to fill with ``fill`` (RGB) and to annotate with a comment."""

    sheet: str
    ref: str  # A1 reference; a range or a cell inside a merged range is left alone
    fill: str
    comment: str
    height: int = 120  # height of the comment box, in pixels
    general: bool = False  # number format « Standard »: a value never shown rounded


def annotate(data: bytes, marks: Sequence[Mark], sheet: NewSheet) -> bytes:
    """The workbook ``data`` with ``marks`` applied and ``sheet`` inserted first, selected.

    Raises :class:`UnsupportedWorkbook` for what the patcher leaves to openpyxl:
    a marked sheet that already has comments or a VML drawing, a macro-enabled
    or Strict Open XML workbook, or any part it cannot make sense of.
    """
    try:
        return _Annotation(Package(data)).run(marks, sheet)
    except UnsupportedWorkbook:
        raise
    except Exception as exc:  # a structure the patcher did not foresee: openpyxl may cope
        raise UnsupportedWorkbook(f"{type(exc).__name__} : {exc}") from exc


def new_workbook(sheet: NewSheet) -> bytes:
    """A workbook holding ``sheet`` only."""
    return annotate(_blank(), (), sheet)


class _Annotation:
    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.overrides: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        self.dropped: set[str] = set()
        self.blocks: set[int] | None = None

    def run(self, marks: Sequence[Mark], new: NewSheet) -> bytes:
        pkg = self.pkg
        office = [r for r in pkg.relationships("") if r.type == "officeDocument" and not r.external]
        if len(office) != 1:
            raise UnsupportedWorkbook("classeur introuvable dans l'archive")
        wb_part = office[0].target
        kind = pkg.override(wb_part)
        if kind is not None and kind != _SHEET_MAIN:
            if not kind.endswith("spreadsheetml.template.main+xml"):  # macros: openpyxl drops them
                raise UnsupportedWorkbook(f"type de classeur {kind}")
            self.dropped.add(wb_part)  # a template (.xltx) saved as .xlsx: a plain workbook
            self.overrides[wb_part] = _SHEET_MAIN
        text = pkg.text(wb_part)
        root = root_of(text)
        r_prefix = root.namespace_prefix(NS_REL)
        if root.namespace_prefix(NS_MAIN) is None or not r_prefix:
            raise UnsupportedWorkbook("espace de noms du classeur non pris en charge")
        rels = {r.id: r for r in pkg.relationships(wb_part)}
        top = {e.local: e for e in children(text, root.tag_end, root.close)}
        sheets_el = top.get("sheets")
        if sheets_el is None or sheets_el.end == sheets_el.tag_end:
            raise UnsupportedWorkbook("liste des feuilles absente")
        entries = [
            (attributes(e.attrs), e)
            for e in children(text, sheets_el.tag_end, sheets_el.close)
            if e.local == "sheet"
        ]
        parts = {}
        for a, _ in entries:
            rel = rels.get(a.get(f"{r_prefix}:id", ""))
            if rel is not None and rel.type in _SHEET_TYPES and not rel.external:
                parts[a.get("name", "")] = (rel.target, rel.type)
        styles_part = next((r.target for r in rels.values() if r.type == "styles"), None)
        if styles_part is None:
            raise UnsupportedWorkbook("feuille de styles absente")
        styles = Styles(pkg.text(styles_part))

        by_sheet: dict[str, list[Mark]] = {}
        for mark in marks:
            if parts.get(mark.sheet, ("", ""))[1] == "worksheet":
                by_sheet.setdefault(mark.sheet, []).append(mark)
        for name, found in by_sheet.items():
            self._mark(parts[name][0], found, styles)
        for part, _ in parts.values():
            original = pkg.text(part)
            unselected = unselect_tab(original)
            if unselected is not original:
                pkg.put(part, unselected)

        # The new first sheet: its part, its relationship, its entry in <sheets>.
        names = {n.lower() for n in parts} | {a.get("name", "").lower() for a, _ in entries}
        title, n = new.title, 0
        while title.lower() in names:  # as openpyxl names a duplicate: « Contrôles1 »
            n += 1
            title = f"{new.title}{n}"
        sheet_part = pkg.free_name("xl/worksheets/sheet{}.xml")
        pkg.put(sheet_part, sheet_xml(new, styles.cell_style, lambda s: s in parts))
        rid = pkg.relate(wb_part, "worksheet", sheet_part)
        self.overrides[sheet_part] = f"{CT}.spreadsheetml.worksheet+xml"
        ids = [int(a["sheetId"]) for a, _ in entries if a.get("sheetId", "").isdigit()]
        p = root.prefix
        edits = [
            (
                sheets_el.tag_end,
                sheets_el.tag_end,
                f'<{p}sheet name="{xml_text(title)}" sheetId="{max(ids, default=0) + 1}" '
                f'{r_prefix}:id="{rid}"/>',
            )
        ]
        edits += self._shift_indexes(text, [e for k, e in top.items() if k in _INDEXED])
        pkg.put(wb_part, splice(text, edits))

        for rel in rels.values():  # Excel rebuilds the calculation chain; openpyxl drops it too
            if rel.type == "calcChain":
                pkg.unrelate(wb_part, rel.id)
                pkg.remove(rel.target)
                self.dropped.add(rel.target)
        pkg.put(styles_part, styles.render())
        pkg.content_types(add=self.overrides, default=self.defaults, drop=self.dropped)
        return pkg.save()

    @staticmethod
    def _shift_indexes(text: str, lists: list[Element]) -> list[tuple[int, int, str]]:
        """Sheet positions move by one: the selected tab, defined names local to a sheet."""
        edits = []
        for e in lists:
            for child in children(text, e.tag_end, e.close):
                tag = child.tag(text)
                a = attributes(child.attrs)
                new = tag
                if child.local == "workbookView":
                    for key in ("activeTab", "firstSheet"):
                        if key in a:
                            new = set_attr(new, key, "0")
                elif child.local == "definedName" and a.get("localSheetId", "").isdigit():
                    new = set_attr(new, "localSheetId", str(int(a["localSheetId"]) + 1))
                if new != tag:
                    edits.append((child.start, child.tag_end, new))
        return edits

    def _mark(self, part: str, marks: list[Mark], styles: Styles) -> None:
        """Fill the marked cells of one worksheet and give them comments."""
        pkg = self.pkg
        ws = Worksheet(pkg.text(part))
        if ws.child("legacyDrawing") is not None or any(
            r.type in ("comments", "vmlDrawing") for r in pkg.relationships(part)
        ):
            raise UnsupportedWorkbook("feuille qui a déjà des commentaires ou un dessin VML")
        merged = ws.merged()
        fills: dict[tuple[int, int], str] = {}
        general: set[tuple[int, int]] = set()
        notes: list[Note] = []
        for mark in marks:
            cell = parse_ref(mark.ref)
            if cell is None or cell in fills:
                continue
            row, col = cell
            if any(
                r1 <= row <= r2 and c1 <= col <= c2 and cell != (r1, c1)
                for r1, c1, r2, c2 in merged
            ):
                continue  # inside a merged range: only listed, as openpyxl does
            fills[cell] = mark.fill
            if mark.general:
                general.add(cell)
            notes.append(Note(row, col, mark.comment, mark.height))
        if not notes:
            return
        notes.sort(key=lambda n: (n.row, n.col))
        ws.restyle(fills, lambda cell, s: styles.marked(s, fills[cell], cell in general))
        comments = pkg.free_name("xl/comments{}.xml")
        vml = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        pkg.put(comments, comments_xml(notes))
        pkg.put(vml, vml_xml(self._blocks(len(notes)), notes))
        pkg.relate(part, "comments", comments)
        ws.add_legacy_drawing(pkg.relate(part, "vmlDrawing", vml))
        pkg.put(part, ws.render())
        self.overrides[comments] = f"{CT}.spreadsheetml.comments+xml"
        self.defaults["vml"] = f"{CT}.vmlDrawing"

    def _blocks(self, shapes: int) -> list[int]:
        """Consecutive shape-id blocks (1 024 ids each) no other VML drawing uses."""
        if self.blocks is None:
            self.blocks = set()
            for info in self.pkg.infos:
                if info.filename.lower().endswith(".vml"):
                    for m in _IDMAP.finditer(self.pkg.zf.read(info)[:4096]):
                        self.blocks |= {int(b) for b in m.group(1).split(b",") if b.strip()}
        count = shapes // 1024 + 1
        first = 1
        while any(b in self.blocks for b in range(first, first + count)):
            first += 1
        taken = list(range(first, first + count))
        self.blocks.update(taken)
        return taken


_BLANK_STYLES = (
    f'<styleSheet xmlns="{NS_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '<family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>'
    '</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border>'
    '<left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@lru_cache(maxsize=1)
def _blank() -> bytes:
    """A workbook with no sheet yet: the base of a workbook made of a new sheet only."""
    parts = {
        CONTENT_TYPES: (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEET_MAIN}"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{CT}.spreadsheetml.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{NS_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><bookViews>'
            '<workbookView activeTab="0"/></bookViews><sheets></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{NS_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{NS_REL}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": _BLANK_STYLES,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), XML_DECL + text)
    return out.getvalue()
