"""A small, guarded reader of ``.xlsx`` workbooks (read-only, from bytes).

Why not openpyxl for reading: a submission needs both a formula and its cached
value (openpyxl gives one or the other per load), merged ranges, and hard
limits against hostile files; and validating 20 workbooks must stay well under
a second. This reader parses only what the contract needs, with defusedxml
(no entities, no DTD). openpyxl still writes every workbook cmacop produces.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import iterparse

from .errors import InputFileError

# Guards against zip bombs and absurd sheets (a filled template is ~60 KB unzipped).
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_PART_BYTES = 20 * 1024 * 1024
MAX_ROWS = 5_000
MAX_CELLS = 200_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
# Built-in number formats that display dates (ECMA-376, 18.8.30).
_DATE_FORMAT_IDS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}
_DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


@dataclass(frozen=True)
class CellError:
    """An Excel error value such as ``#DIV/0!``."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class RawCell:
    value: Any  # None, str, int, float, bool, datetime or CellError
    formula: str | None = None  # formula text (without "=") when the cell holds one
    has_cached_value: bool = True  # False for a formula saved without its result


@dataclass
class RawSheet:
    name: str
    state: str = "visible"
    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)  # (row, col), 1-based
    merged: list[str] = field(default_factory=list)
    truncated: bool = False  # more rows than MAX_ROWS: only the first ones were read

    def get(self, row: int, col: int) -> RawCell | None:
        return self.cells.get((row, col))

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)


@dataclass
class RawWorkbook:
    sheets: dict[str, RawSheet]


def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def read_xlsx(data: bytes, name: str) -> RawWorkbook:
    """Parse a workbook from its bytes; any unreadable file raises a French InputFileError."""
    if data.startswith(_OLE_MAGIC):
        raise InputFileError(
            f"{name} : classeur chiffré (protégé par mot de passe) ou ancien format Excel 97-2003",
            hint="Retirez le mot de passe d'ouverture et enregistrez le fichier au format .xlsx.",
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputFileError(
            f"{name} : ce fichier n'est pas un classeur Excel lisible (archive .xlsx absente ou corrompue)",
            hint="Ouvrez-le dans Excel et enregistrez-le à nouveau au format .xlsx.",
        ) from None
    if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
        raise InputFileError(
            f"{name} : classeur anormalement volumineux une fois décompressé (plus de "
            f"{MAX_UNZIPPED_BYTES // (1024 * 1024)} Mo)",
            hint="Repartez du modèle vierge généré par cmacop template.",
        )
    try:
        return _Parser(zf, name).workbook()
    except InputFileError:
        raise
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, SyntaxError) as exc:
        # ParseError and defusedxml's forbidden-construct errors derive from these.
        raise InputFileError(
            f"{name} : classeur Excel endommagé ou non conforme ({type(exc).__name__})",
            hint="Ouvrez-le dans Excel et enregistrez-le à nouveau au format .xlsx.",
        ) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Parser:
    def __init__(self, zf: zipfile.ZipFile, name: str) -> None:
        self.zf, self.name = zf, name
        self.names = set(zf.namelist())

    def _open(self, part: str) -> IO[bytes]:
        info = self.zf.getinfo(part)
        if info.file_size > MAX_PART_BYTES:
            raise InputFileError(
                f"{self.name} : la partie {part} du classeur est anormalement volumineuse",
                hint="Repartez du modèle vierge généré par cmacop template.",
            )
        return self.zf.open(info)

    def _elements(self, part: str) -> list[Element]:
        with self._open(part) as fh:
            return [el for _, el in iterparse(fh, forbid_dtd=True)]

    def workbook(self) -> RawWorkbook:
        if "xl/workbook.xml" not in self.names:
            raise InputFileError(
                f"{self.name} : ce fichier n'est pas un classeur Excel (.xlsx)",
                hint="Enregistrez le fichier au format « Classeur Excel (.xlsx) ».",
            )
        targets = {}
        if "xl/_rels/workbook.xml.rels" in self.names:
            for el in self._elements("xl/_rels/workbook.xml.rels"):
                if _local(el.tag) == "Relationship":
                    target = el.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    targets[el.get("Id")] = target
        date1904 = False
        sheets: list[tuple[str, str, str]] = []
        for el in self._elements("xl/workbook.xml"):
            tag = _local(el.tag)
            if tag == "workbookPr":
                date1904 = el.get("date1904", "0") in ("1", "true")
            elif tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
                sheets.append(
                    (el.get("name", ""), el.get("state", "visible"), targets.get(rid, ""))
                )
        self.shared = self._shared_strings()
        self.date_styles = self._date_styles()
        self.epoch = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
        book = RawWorkbook({})
        for sheet_name, state, part in sheets:
            sheet = RawSheet(sheet_name, state)
            if part in self.names:
                self._sheet(part, sheet)
            book.sheets[sheet_name] = sheet
        return book

    def _shared_strings(self) -> list[str]:
        part = "xl/sharedStrings.xml"
        if part not in self.names:
            return []
        strings: list[str] = []
        with self._open(part) as fh:
            for _, el in iterparse(fh, forbid_dtd=True):
                if _local(el.tag) == "si":
                    strings.append(_text_of(el))
                    el.clear()
        return strings

    def _date_styles(self) -> set[int]:
        part = "xl/styles.xml"
        if part not in self.names:
            return set()
        custom: dict[int, str] = {}
        xfs: list[int] = []
        in_cell_xfs = False
        with self._open(part) as fh:
            for event, el in iterparse(fh, events=("start", "end"), forbid_dtd=True):
                tag = _local(el.tag)
                if tag == "cellXfs":
                    in_cell_xfs = event == "start"
                elif event == "end" and tag == "numFmt":
                    custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
                elif event == "end" and tag == "xf" and in_cell_xfs:
                    xfs.append(int(el.get("numFmtId", "0")))
        dates = set()
        for idx, fmt_id in enumerate(xfs):
            code = _QUOTED.sub("", custom.get(fmt_id, ""))
            if fmt_id in _DATE_FORMAT_IDS or (fmt_id in custom and _DATE_CODE.search(code)):
                dates.add(idx)
        return dates

    def _sheet(self, part: str, sheet: RawSheet) -> None:
        row_no = 0
        count = 0
        with self._open(part) as fh:
            for _, el in iterparse(fh, forbid_dtd=True):
                tag = _local(el.tag)
                if tag == "row":
                    row_no = int(el.get("r") or row_no + 1)
                    if row_no > MAX_ROWS:
                        sheet.truncated = True
                        el.clear()
                        continue
                    col_no = 0
                    for c in el:
                        if _local(c.tag) != "c":
                            continue
                        ref = c.get("r")
                        match = _REF.match(ref) if ref else None
                        col_no = column_index(match.group(1)) if match else col_no + 1
                        cell = self._cell(c)
                        if cell is not None:
                            count += 1
                            if count > MAX_CELLS:
                                raise InputFileError(
                                    f"{self.name} : feuille « {sheet.name} » anormalement grande "
                                    f"(plus de {MAX_CELLS} cellules)",
                                    hint="Repartez du modèle vierge généré par cmacop template.",
                                )
                            sheet.cells[(row_no, col_no)] = cell
                    el.clear()
                elif tag == "mergeCell":
                    sheet.merged.append(el.get("ref", ""))

    def _cell(self, c: Element) -> RawCell | None:
        kind = c.get("t", "n")
        formula = value_text = None
        inline = None
        for child in c:
            tag = _local(child.tag)
            if tag == "f":
                formula = child.text or ""
            elif tag == "v":
                value_text = child.text
            elif tag == "is":
                inline = _text_of(child)
        if value_text == "":
            value_text = None
        if formula is None and value_text is None and inline is None:
            return None  # styled but empty
        cached = value_text is not None or inline is not None
        value: Any = None
        if kind == "inlineStr":
            value = inline or ""
        elif value_text is None:
            value = None
        elif kind == "s":
            value = self.shared[int(value_text)]
        elif kind == "str":
            value = value_text
        elif kind == "b":
            value = value_text.strip() in ("1", "true")
        elif kind == "e":
            value = CellError(value_text)
        elif kind == "d":
            value = datetime.fromisoformat(value_text.rstrip("Z"))
        else:
            number = float(value_text)
            if int(c.get("s", "0")) in self.date_styles:
                value = self.epoch + timedelta(days=number)
            elif number.is_integer() and "." not in value_text and "E" not in value_text.upper():
                value = int(value_text)
            else:
                value = number
        return RawCell(value, formula, cached)


def _text_of(el: Element) -> str:
    """Text of a string item, skipping phonetic runs (``rPh``)."""
    parts: list[str] = []
    for node in el.iter():
        tag = _local(node.tag)
        if tag == "t" and node.text:
            parts.append(node.text)
        elif tag == "rPh":
            # phonetic guides repeat text; skip them by clearing
            for sub in node.iter():
                sub.text = None
    return "".join(parts)
