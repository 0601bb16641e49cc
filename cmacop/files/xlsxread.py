"""A small, guarded reader of ``.xlsx`` workbooks (read-only, from bytes).

Why not openpyxl for reading: a submission needs both a formula and its cached
value (openpyxl gives one or the other per load), merged ranges, and hard
limits against hostile files; and validating 20 workbooks must stay well under
a second. This reader parses only what the contract needs with the C
ElementTree parser (defusedxml wraps the pure-Python one, 3× slower) and,
like defusedxml's ``forbid_dtd``, refuses any DTD: each part's prolog is first
read by an expat parser that rejects a document type declaration. Without a
DTD no entity can be declared, so entity expansion and external entities are
impossible. Writing is done by openpyxl (templates, bilans), cmacop.files.xlsxwrite (store
exports) and cmacop.files.xlsxpatch (feedback copies of a chamber's own workbook).
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import pyexpat
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast
from xml.etree.ElementTree import Element, ParseError, XMLParser, XMLPullParser

from cmacop.errors import InputFileError, library_error_text

# Guards against zip bombs and absurd sheets (a filled template is ~60 KB unzipped).
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_PART_BYTES = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
MAX_ROWS = 5_000
MAX_CELLS = 200_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Name of the stream holding an encrypted workbook inside its OLE container (UTF-16LE).
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
# Built-in number formats that display dates (ECMA-376, 18.8.30).
_DATE_FORMAT_IDS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}
_DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Worksheet children that only come after ``mergeCells`` (ECMA-376 CT_Worksheet
# sequence), and their first children: parsing stops at the first one that ends.
# The template's data validations are half of the sheet's bytes.
_AFTER_MERGE = frozenset(("conditionalFormatting", "cfRule", "dataValidations"))
_AFTER_MERGE |= {"dataValidation", "hyperlinks", "hyperlink"}
_REBUILD_HINT = "Ouvrez-le dans Excel et enregistrez-le à nouveau au format .xlsx."
_TEMPLATE_HINT = "Repartez du modèle vierge de l'année, à demander à CMA France."


class EncryptedWorkbookError(InputFileError):
    """The workbook is password-protected (an OLE container holding an encrypted package)."""


class LegacyWorkbookError(InputFileError):
    """An Excel 97-2003 ``.xls`` file, whatever its name says."""


class UnsafeWorkbookError(InputFileError):
    """Refused for safety: zip bomb, DTD or entities, absurd number of cells."""


@dataclass(frozen=True)
class CellError:
    """An Excel error value such as ``#DIV/0!``."""

    code: str

    def __str__(self) -> str:
        return self.code


class RawCell(NamedTuple):
    """A cell as stored (a named tuple: validation creates thousands of them per run)."""

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


def read_xlsx(data: bytes, name: str, sheets: Collection[str] | None = None) -> RawWorkbook:
    """Parse a workbook from its bytes; any unreadable file raises a French InputFileError.

    ``sheets`` limits the sheets whose cells are read (all of them when None);
    the other sheets are listed, empty.
    """
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise EncryptedWorkbookError(
                f"{name} : classeur chiffré (protégé par un mot de passe d'ouverture)",
                hint="Retirez le mot de passe (Fichier > Informations > Protéger le classeur) "
                "et enregistrez le fichier au format .xlsx.",
            )
        raise LegacyWorkbookError(
            f"{name} : ancien format Excel 97-2003 (.xls) : format non pris en charge",
            hint="Enregistrez le fichier au format « Classeur Excel (.xlsx) ».",
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise InputFileError(
            f"{name} : ce fichier n'est pas un classeur Excel lisible (archive .xlsx absente ou "
            "corrompue)",
            hint=f"{_REBUILD_HINT} S'il était en cours de copie, relancez le contrôle.",
        ) from None
    # zipfile never inflates a member beyond its declared size: declared sizes bound the work.
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
        raise UnsafeWorkbookError(
            f"{name} : classeur anormalement volumineux une fois décompressé (plus de "
            f"{MAX_UNZIPPED_BYTES // (1024 * 1024)} Mo ou de {MAX_ZIP_ENTRIES} parties)",
            hint=_TEMPLATE_HINT,
        )
    try:
        return _Parser(zf, name, sheets).workbook()
    except InputFileError:
        raise
    except (ParseError, pyexpat.ExpatError) as exc:
        raise InputFileError(
            f"{name} : classeur Excel endommagé ou non conforme ({library_error_text(exc)})",
            hint=_REBUILD_HINT,
        ) from None
    except (KeyError, IndexError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputFileError(
            f"{name} : classeur Excel endommagé ou non conforme ({_cause(exc)})",
            hint=_REBUILD_HINT,
        ) from None


class _RootReached(Exception):
    """The prolog check met the root element: no DTD came before it."""


def _local(tag: str) -> str:
    """``{namespace}row`` → ``row``."""
    return tag[tag.rfind("}") + 1 :]


def _attr(el: Element, local: str) -> str | None:
    """An attribute by local name, whatever its namespace (``r:id``)."""
    for key, value in el.attrib.items():
        if _local(key) == local:
            return value
    return None


def _text_of(el: Element) -> str:
    """Text of a string item (``si`` or ``is``), skipping phonetic runs (``rPh``)."""
    if len(el) == 1 and el[0].tag[-2:] in ("}t", "t"):  # the usual single plain run
        text = el[0].text or ""
        return _unescape(text) if "_x" in text else text
    parts: list[str] = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    text = "".join(parts)
    return _unescape(text) if "_x" in text else text


def _unescape(text: str) -> str:
    """Decode ``_x001B_``: how Excel stores characters XML cannot hold (ECMA-376, ST_Xstring)."""
    return _XSTRING_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


class _Parser:
    def __init__(self, zf: zipfile.ZipFile, name: str, wanted: Collection[str] | None) -> None:
        self.zf, self.name, self.wanted = zf, name, wanted
        self.names = set(zf.namelist())
        self.shared: list[str] = []
        self.date_styles: set[str] = set()  # indexes of the cell styles that display dates
        self.epoch = datetime(1899, 12, 30)
        self.row_no = 0  # last row read in the current sheet

    def _refuse_dtd(self, *_: Any) -> None:
        raise UnsafeWorkbookError(
            f"{self.name} : classeur refusé par sécurité (déclaration DTD ou entités XML)",
            hint=_TEMPLATE_HINT,
        )

    def _bytes(self, part: str) -> bytes:
        """A part's XML, after checking its size and that no DTD precedes its root element."""
        info = self.zf.getinfo(part)
        if info.file_size > MAX_PART_BYTES:
            raise UnsafeWorkbookError(
                f"{self.name} : la partie {part} du classeur est anormalement volumineuse",
                hint=_TEMPLATE_HINT,
            )
        data = self.zf.read(info)
        # A DTD can only come before the root element: expat reads the prolog and stops there.
        check = pyexpat.ParserCreate()
        check.StartDoctypeDeclHandler = self._refuse_dtd
        check.EntityDeclHandler = self._refuse_dtd

        def root(*_: Any) -> None:
            raise _RootReached

        check.StartElementHandler = root
        with contextlib.suppress(_RootReached):
            check.Parse(data, True)
        return data

    def _tree(self, part: str) -> Element:
        parser = XMLParser()
        parser.feed(self._bytes(part))
        return parser.close()

    def workbook(self) -> RawWorkbook:
        if "xl/workbook.xml" not in self.names:
            raise InputFileError(
                f"{self.name} : ce fichier n'est pas un classeur Excel (.xlsx)",
                hint="Enregistrez le fichier au format « Classeur Excel (.xlsx) ».",
            )
        targets: dict[str | None, str] = {}
        if "xl/_rels/workbook.xml.rels" in self.names:
            for el in self._tree("xl/_rels/workbook.xml.rels"):
                if _local(el.tag) == "Relationship":
                    target = el.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    targets[el.get("Id")] = posixpath.normpath(target)
        sheets: list[tuple[str, str, str]] = []
        for el in self._tree("xl/workbook.xml").iter():
            tag = _local(el.tag)
            if tag == "workbookPr" and el.get("date1904", "0") in ("1", "true"):
                self.epoch = datetime(1904, 1, 1)
            elif tag == "sheet":
                part = targets.get(_attr(el, "id"), "")
                sheets.append((el.get("name", ""), el.get("state", "visible"), part))
        if "xl/sharedStrings.xml" in self.names:
            self.shared = [_text_of(si) for si in self._tree("xl/sharedStrings.xml")]
        if "xl/styles.xml" in self.names:
            self.date_styles = self._date_styles(self._tree("xl/styles.xml"))
        result = RawWorkbook({})
        for sheet_name, state, part in sheets:
            sheet = RawSheet(sheet_name, state)
            if part in self.names and (self.wanted is None or sheet_name in self.wanted):
                self._sheet(part, sheet)
            result.sheets[sheet_name] = sheet
        return result

    @staticmethod
    def _date_styles(styles: Element) -> set[str]:
        custom: dict[int, str] = {}
        xfs: list[int] = []
        for child in styles:
            tag = _local(child.tag)
            if tag == "numFmts":
                for fmt in child:
                    custom[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
            elif tag == "cellXfs":
                xfs.extend(int(xf.get("numFmtId", "0")) for xf in child)
        dates = set()
        for idx, fmt_id in enumerate(xfs):
            code = _QUOTED.sub("", custom.get(fmt_id, ""))
            if fmt_id in _DATE_FORMAT_IDS or (fmt_id in custom and _DATE_CODE.search(code)):
                dates.add(str(idx))
        return dates

    def _sheet(self, part: str, sheet: RawSheet) -> None:
        """Cells of ``sheetData`` and ranges of ``mergeCells``, streamed row by row."""
        data = self._bytes(part)
        pull: XMLPullParser[Element] = XMLPullParser(events=("end",))
        local: dict[str, str] = {}
        count = 0
        self.row_no = 0
        for offset in range(0, len(data), _CHUNK):
            pull.feed(data[offset : offset + _CHUNK])
            # "end" events always carry an element
            for _, el in cast("Iterator[tuple[str, Element]]", pull.read_events()):
                tag = local.get(el.tag)
                if tag is None:
                    tag = local[el.tag] = _local(el.tag)
                if tag == "row":
                    count = self._row(el, sheet, local, count)
                    el.clear()
                elif tag == "mergeCell":
                    sheet.merged.append(el.get("ref", ""))
                elif tag in _AFTER_MERGE:
                    return
        pull.close()

    def _row(self, row: Element, sheet: RawSheet, local: dict[str, str], count: int) -> int:
        row_no = self.row_no = int(row.get("r") or self.row_no + 1)
        if row_no > MAX_ROWS:
            sheet.truncated = True
            return count
        col_no = 0
        cells, dates = sheet.cells, self.date_styles
        for c in row:
            ref = c.get("r")
            col_no = (_column_of(ref) if ref else None) or col_no + 1
            text = formula = inline = None
            for child in c:
                tag = local.get(child.tag) or _local(child.tag)
                if tag == "v":
                    text = child.text or None
                elif tag == "f":
                    formula = child.text or ""
                elif tag == "is":
                    inline = _text_of(child)
            if formula is None and text is None and inline is None:
                continue  # styled but empty
            count += 1
            if count > MAX_CELLS:
                raise UnsafeWorkbookError(
                    f"{self.name} : feuille « {sheet.name} » anormalement grande "
                    f"(plus de {MAX_CELLS} cellules)",
                    hint=_TEMPLATE_HINT,
                )
            kind = c.get("t", "n")
            if (
                kind == "n"
                and text
                and text.isascii()
                and text.isdigit()
                and c.get("s") not in dates
            ):
                value: Any = int(text)  # the usual case: a whole number, no date format
            else:
                value = self._value(kind, c.get("s", "0"), text, inline)
            cells[(row_no, col_no)] = RawCell(
                value, formula, text is not None or inline is not None
            )
        return count

    def _value(self, kind: str, style: str, text: str | None, inline: str | None) -> Any:
        if kind == "inlineStr":
            return inline or ""
        if text is None:
            return None
        if kind == "n":
            number = float(text)
            if style in self.date_styles:
                return self.epoch + timedelta(days=number)
            if number.is_integer() and "." not in text and "E" not in text.upper():
                return int(text)
            return number
        if kind == "s":
            return self.shared[int(text)]
        if kind == "str":
            return _unescape(text) if "_x" in text else text
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "e":
            return CellError(text)
        if kind == "d":
            return datetime.fromisoformat(text.rstrip("Z"))
        raise ValueError(f"unknown cell type {kind!r}")


def _column_of(ref: str) -> int | None:
    """Column number of a cell reference (``G14`` → 7), memoised: every file has the same refs."""
    col = _COLUMNS.get(ref)
    if col is None:
        match = _REF.match(ref)
        if match is None:
            return None
        col = column_index(match.group(1))
        if len(_COLUMNS) < 10_000:
            _COLUMNS[ref] = col
    return col


_COLUMNS: dict[str, int] = {}
_CHUNK = 4096  # bytes fed at a time: the sheet is read as a stream and can stop early


def _cause(exc: BaseException) -> str:
    """Why a workbook's package cannot be read, in French."""
    if isinstance(exc, KeyError):
        return "partie manquante dans l'archive"
    if isinstance(exc, IndexError | ValueError):
        return "structure inattendue"
    return library_error_text(exc) or "structure inattendue"
