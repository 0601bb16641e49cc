"""``xl/styles.xml`` with fills, fonts and cell formats appended; existing indexes never move."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cmacop.files.xlsxpatch.markup import (
    Element,
    UnsupportedWorkbook,
    attributes,
    children,
    root_of,
    set_attr,
    splice,
)


@dataclass(frozen=True)
class Style:
    """The look of a cell of a new sheet; everything else is the workbook's default."""

    bold: bool = False
    size: float | None = None
    color: str | None = None  # RGB, e.g. "FFFFFF"
    fill: str | None = None
    wrap: bool = False
    top: bool = False
    link: bool = False  # the « Hyperlink » cell style (blue, underlined)


LINK_COLOR = "0563C1"  # Excel's hyperlink blue
_SECTIONS = ("fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles")
_FONT_LOOK = frozenset(("b", "i", "sz", "color", "u", "strike"))


Sections = dict[str, Element]
Items = dict[str, tuple[str, ...]]


@lru_cache(maxsize=8)
def _parse(text: str) -> tuple[str, Sections, Items]:
    """Prefix, sections and their items of a style sheet (shared: never modified).

    A campaign's workbooks come from one template: most share their style sheet.
    """
    root = root_of(text)
    sections = {
        e.local: e for e in children(text, root.tag_end, root.close) if e.local in _SECTIONS
    }
    if any(s not in sections for s in _SECTIONS[:5]):
        raise UnsupportedWorkbook("feuille de styles incomplète")
    items = {
        name: tuple(text[c.start : c.end] for c in children(text, e.tag_end, e.close))
        for name, e in sections.items()
    }
    if not items["cellXfs"] or not items["fonts"]:
        raise UnsupportedWorkbook("feuille de styles sans police ou sans format de cellule")
    return root.prefix, sections, items


class Styles:
    """The workbook's style sheet, being extended."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.p, self.sections, self.items = _parse(text)
        self.added: dict[str, list[str]] = {name: [] for name in self.sections}
        self._fills: dict[str, int] = {}
        self._fonts: dict[tuple[bool, float | None, str | None, bool], int] = {}
        self._marked: dict[tuple[int, int, bool], int] = {}
        self._styles: dict[Style, int] = {}
        self._link_style: int | None = None

    def _add(self, section: str, xml: str) -> int:
        self.added[section].append(xml)
        return len(self.items[section]) + len(self.added[section]) - 1

    def fill(self, rgb: str) -> int:
        """A solid fill of colour ``rgb``."""
        if rgb not in self._fills:
            p = self.p
            self._fills[rgb] = self._add(
                "fills",
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{rgb}"/>'
                f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>',
            )
        return self._fills[rgb]

    def font(self, bold: bool, size: float | None, color: str | None, underline: bool) -> int:
        """The default font (font 0) made bold, resized, recoloured or underlined."""
        key = (bold, size, color, underline)
        if key not in self._fonts:
            p, base = self.p, self.items["fonts"][0]
            inner = []
            if not base.endswith("/>"):
                inner = children(base, base.index(">") + 1, base.rindex("<"))
            kept = {c.local: base[c.start : c.end] for c in inner}
            look = f"<{p}b/>" if bold else ""
            look += f'<{p}sz val="{size:g}"/>' if size is not None else kept.get("sz", "")
            look += f'<{p}color rgb="FF{color}"/>' if color else kept.get("color", "")
            look += f'<{p}u val="single"/>' if underline else ""
            rest = "".join(base[c.start : c.end] for c in inner if c.local not in _FONT_LOOK)
            self._fonts[key] = self._add("fonts", f"<{p}font>{look}{rest}</{p}font>")
        return self._fonts[key]

    def marked(self, xf: int, rgb: str, general: bool = False) -> int:
        """Cell format ``xf`` with its fill replaced; font and protection kept, and the number
        format too unless ``general`` (« Standard »: ``3,5`` shown as typed, not rounded)."""
        key = (xf, self.fill(rgb), general)
        if key not in self._marked:
            xfs = self.items["cellXfs"]
            if not 0 <= xf < len(xfs):
                raise UnsupportedWorkbook(f"format de cellule {xf} inexistant")
            clone = xfs[xf]
            tag_end = clone.index(">") + 1
            tag = set_attr(set_attr(clone[:tag_end], "fillId", str(key[1])), "applyFill", "1")
            if general:
                tag = set_attr(set_attr(tag, "numFmtId", "0"), "applyNumberFormat", "1")
            self._marked[key] = self._add("cellXfs", tag + clone[tag_end:])
        return self._marked[key]

    def cell_style(self, style: Style) -> int:
        """A cell format for a cell of a new sheet."""
        found = self._styles.get(style)
        if found is not None:
            return found
        p = self.p
        font = 0
        if style.link:
            font = self.font(style.bold, style.size, LINK_COLOR, True)
        elif style.bold or style.size or style.color:
            font = self.font(style.bold, style.size, style.color, False)
        fill = self.fill(style.fill) if style.fill else 0
        align = (' vertical="top"' if style.top else "") + (' wrapText="1"' if style.wrap else "")
        attrs = (
            f'numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" '
            f'xfId="{self._hyperlink_style(font) if style.link else 0}"'
            + (' applyFont="1"' if font else "")
            + (' applyFill="1"' if fill else "")
            + (' applyAlignment="1"' if align else "")
        )
        xml = f"<{p}xf {attrs}><{p}alignment{align}/></{p}xf>" if align else f"<{p}xf {attrs}/>"
        index = self._styles[style] = self._add("cellXfs", xml)
        return index

    def _hyperlink_style(self, font: int) -> int:
        """The cell style « Hyperlink » (built-in 8): the workbook's own, else a new one."""
        if self._link_style is None:
            self._link_style = 0
            if "cellStyles" not in self.sections:
                return 0
            for item in self.items["cellStyles"]:
                attrs = attributes(item[: item.index(">")])
                if attrs.get("builtinId") == "8" or attrs.get("name") == "Hyperlink":
                    self._link_style = int(attrs.get("xfId", "0"))
                    return self._link_style
            p = self.p
            self._link_style = self._add(
                "cellStyleXfs",
                f'<{p}xf numFmtId="0" fontId="{font}" fillId="0" borderId="0" '
                'applyNumberFormat="0" applyFill="0" applyBorder="0" applyAlignment="0" '
                'applyProtection="0"/>',
            )
            self._add(
                "cellStyles",
                f'<{p}cellStyle name="Hyperlink" xfId="{self._link_style}" builtinId="8"/>',
            )
        return self._link_style

    def render(self) -> str:
        """The style sheet with the additions and updated counts."""
        edits = []
        for name, new in self.added.items():
            if not new:
                continue
            e = self.sections[name]
            tag = e.tag(self.text)
            count = str(len(self.items[name]) + len(new))
            if e.end == e.tag_end:  # an empty section written <fills count="0"/>
                opened = set_attr(tag, "count", count)[:-2].rstrip() + ">"
                edits.append((e.start, e.end, f"{opened}{''.join(new)}</{self.p}{name}>"))
            else:
                edits.append((e.start, e.tag_end, set_attr(tag, "count", count)))
                edits.append((e.close, e.close, "".join(new)))
        return splice(self.text, edits)
