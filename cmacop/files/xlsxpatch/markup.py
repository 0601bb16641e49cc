"""Just enough XML for editing SpreadsheetML parts as text.

Parsing a part into a tree and serialising it again renames namespace
prefixes, which breaks ``mc:Ignorable`` and makes Excel call the file
corrupt. Parts are therefore scanned with a tokenizer that knows quoted
attributes, comments, CDATA and processing instructions, and edited by
splicing text. Nothing here expands an entity; a part with a DTD is refused.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from cmacop.files.xlsxread import column_index

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAX_ROW, MAX_COL = 1_048_576, 16_384

# Attribute values cannot hold a raw « < »: no pattern scans past the next tag.
ATTRS = r"""((?:\s+[^\s=/<>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*"""
_TAG = re.compile(r"<(/)?([^\s/<>!?]+)" + ATTRS + r"(/)?>")
_ATTR = re.compile(r"""([^\s=/<>]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
# Markup that is not an element: its end, and how long the end mark is.
_SKIPPED = (("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>"))
_REF = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XSTRING = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_PLAIN = re.compile("[^&<>\"'_\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]*")


class UnsupportedWorkbook(Exception):
    """A workbook the text patcher does not handle; the caller falls back on openpyxl."""


class Element(NamedTuple):
    """An element located in a part: ``text[start:end]`` is the whole element."""

    local: str
    start: int
    tag_end: int  # end of the start tag (== end for an empty element)
    close: int  # start of the end tag: the content is text[tag_end:close]
    end: int
    attrs: str  # raw attribute text of the start tag

    def tag(self, text: str) -> str:
        return text[self.start : self.tag_end]


def local_name(qname: str) -> str:
    return qname[qname.find(":") + 1 :]


def attributes(raw: str) -> dict[str, str]:
    """Attributes of a start tag (or of its raw attribute text): qualified name → value."""
    return {m.group(1): html.unescape(m.group(2) or m.group(3) or "") for m in _ATTR.finditer(raw)}


def xml_text(value: str) -> str:
    """Text or attribute value for XML: escaped, characters XML cannot hold dropped.

    Excel reads ``_x0041_`` as « A » (ECMA-376, ST_Xstring): a literal one is
    written ``_x005F_x0041_``.
    """
    if _PLAIN.fullmatch(value):
        return value
    value = _ILLEGAL_XML.sub("", value)
    if "_x" in value:
        value = _XSTRING.sub(r"_x005F_\1", value)
    return html.escape(value, quote=True).replace("&#x27;", "&apos;")


@lru_cache(maxsize=64)
def _attr_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"""(\s""" + re.escape(name) + r"""\s*=\s*)(?:"[^"]*"|'[^']*')""")


def set_attr(tag: str, name: str, value: str) -> str:
    """A start tag with attribute ``name`` set to ``value`` (added when missing)."""
    quoted = f'"{xml_text(value)}"'
    pattern = _attr_pattern(name)
    if pattern.search(tag):
        return pattern.sub(lambda m: m.group(1) + quoted, tag, count=1)
    cut = len(tag) - (2 if tag.endswith("/>") else 1)
    return f"{tag[:cut].rstrip()} {name}={quoted}{tag[cut:]}"


def drop_attr(tag: str, name: str) -> str:
    return _attr_pattern(name).sub("", tag)


def parse_ref(ref: str) -> tuple[int, int] | None:
    """``G14`` → ``(14, 7)``; None for a range, a column or anything beyond Excel's grid."""
    m = _REF.match(ref)
    if m is None:
        return None
    row, col = int(m.group(2)), column_index(m.group(1))
    return (row, col) if row <= MAX_ROW and col <= MAX_COL else None


def next_tag(text: str, pos: int, end: int) -> re.Match[str] | None:
    """The next start or end tag in ``text[pos:end]``; comments, CDATA and PIs are skipped.

    Every scan moves forward: the work is linear in the part's size, whatever it
    holds. A DTD (the only place entities are declared) is refused.
    """
    while True:
        lt = text.find("<", pos, end)
        if lt < 0:
            return None
        if text[lt + 1 : lt + 2] in ("!", "?"):
            for opening, closing in _SKIPPED:
                if text.startswith(opening, lt):
                    stop = text.find(closing, lt + len(opening), end)
                    break
            else:
                raise UnsupportedWorkbook("DTD ou XML mal formé")
            if stop < 0:
                raise UnsupportedWorkbook("XML mal formé")
            pos = stop + len(closing)
            continue
        m = _TAG.match(text, lt, end)
        if m is None:
            raise UnsupportedWorkbook("XML mal formé")
        return m


def children(text: str, start: int, end: int) -> list[Element]:
    """The elements directly inside ``text[start:end]``.

    Each child is skipped to its end tag by name, so nothing inside it is
    tokenized; a child holding an element of its own name is walked tag by tag.
    """
    found: list[Element] = []
    pos = start
    while (m := next_tag(text, pos, end)) is not None:
        qname = m.group(2)
        if m.group(1):
            raise UnsupportedWorkbook("XML mal formé")
        if m.group(4):
            e = m.end()
            found.append(Element(local_name(qname), m.start(), e, e, e, m.group(3)))
            pos = e
            continue
        opens, closes = _same_name(qname)
        close = closes.search(text, m.end(), end)
        if close is None:
            raise UnsupportedWorkbook("XML mal formé")
        if opens.search(text, m.end(), close.start()):
            element = element_at(text, m.start(), end)
        else:
            element = Element(
                local_name(qname), m.start(), m.end(), close.start(), close.end(), m.group(3)
            )
        found.append(element)
        pos = element.end
    return found


@lru_cache(maxsize=256)
def _same_name(qname: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    name = re.escape(qname)
    return re.compile(rf"<{name}[\s/>]"), re.compile(rf"</{name}\s*>")


def element_at(text: str, start: int, end: int | None = None) -> Element:
    """The element whose start tag begins at ``start`` (its end found by nesting)."""
    end = len(text) if end is None else end
    m = next_tag(text, start, end)
    if m is None or m.start() != start or m.group(1):
        raise UnsupportedWorkbook("XML mal formé")
    local = local_name(m.group(2))
    if m.group(4):
        return Element(local, start, m.end(), m.end(), m.end(), m.group(3))
    depth, pos = 1, m.end()
    while (t := next_tag(text, pos, end)) is not None:
        pos = t.end()
        if t.group(1):
            depth -= 1
            if depth == 0:
                return Element(local, start, m.end(), t.start(), t.end(), m.group(3))
        elif not t.group(4):
            depth += 1
    raise UnsupportedWorkbook("XML mal formé")


@dataclass(frozen=True)
class Root:
    """The root element of a part: its prefix (``x:`` or ``""``) and where its content lies."""

    qname: str
    start: int
    tag_end: int
    close: int  # start of the closing tag (== tag_end for an empty root)
    attrs: str

    @property
    def prefix(self) -> str:
        return self.qname[: self.qname.find(":") + 1]

    def namespace_prefix(self, uri: str) -> str | None:
        """The prefix bound to ``uri`` on the root (``""`` for the default namespace)."""
        for name, value in attributes(self.attrs).items():
            if value == uri and (name == "xmlns" or name.startswith("xmlns:")):
                return name[6:]
        return None


def root_of(text: str) -> Root:
    """The root element of a part; a DTD (entity declarations) is refused."""
    m = next_tag(text, 0, len(text))
    if m is None or m.group(1):
        raise UnsupportedWorkbook("élément racine introuvable")
    qname = m.group(2)
    if m.group(4):
        return Root(qname, m.start(), m.end(), m.end(), m.group(3))
    close = text.rfind(f"</{qname}")
    if close < m.end():
        raise UnsupportedWorkbook("élément racine non fermé")
    return Root(qname, m.start(), m.end(), close, m.group(3))


def splice(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """Apply non-overlapping ``(start, end, replacement)`` edits; insertions keep their order."""
    out: list[str] = []
    last = 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < last:
            raise UnsupportedWorkbook("modifications qui se chevauchent")
        out.append(text[last:start])
        out.append(new)
        last = end
    out.append(text[last:])
    return "".join(out)
