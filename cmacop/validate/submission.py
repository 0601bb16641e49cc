"""Reading a chamber's submission (workbook or CSV) into cells that keep their location.

This layer does not judge: it reports what is in the file, where. Validation
(``validate.py``) decides what is wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmacop.cop.contract import (
    COL,
    CSV_COLUMNS,
    FIRST_DATA_ROW,
    HEADERS,
    ID_FIELDS,
    SHEET_ID,
    SHEET_IMPACT,
    SHEET_INDICATORS,
    SHEET_META,
)
from cmacop.errors import InputFileError, os_error_hint, os_error_text
from cmacop.files.xlsxread import RawCell, RawSheet, column_letter, read_xlsx

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
# Header of the CSV columns, mapped to the workbook's header names.
CSV_TO_HEADER = {"code": "Code", "realise": "Réalisé", "commentaire": "Commentaire"}


@dataclass(frozen=True)
class Cell:
    """A value with its place: ``Indicateurs!G14`` in a workbook, a line in a CSV."""

    sheet: str | None
    ref: str  # "G14" in a workbook; the column name in a CSV
    value: Any
    formula: str | None = None
    has_cached_value: bool = True
    line: int | None = None  # CSV line number

    @property
    def location(self) -> str:
        if self.line is not None:
            return f"ligne {self.line}, colonne {self.ref}"
        return f"{self.sheet}!{self.ref}"

    @property
    def is_blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass(frozen=True)
class Row:
    """One indicator row: its cells by header name (``Code``, ``Réalisé``…)."""

    sheet: str | None
    number: int  # sheet row, or CSV line
    cells: dict[str, Cell]

    def __getitem__(self, header: str) -> Cell:
        return self.cells[header]

    @property
    def code(self) -> str:
        value = self.cells["Code"].value
        return str(value).strip() if value is not None else ""


@dataclass
class Submission:
    """Everything read from one file, before any judgement."""

    path: Path
    kind: str  # "xlsx" or "csv"
    sheets: tuple[str, ...] = ()
    identification: dict[str, Cell] = field(default_factory=dict)
    headers: dict[str, tuple[Cell, ...]] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    merged: list[tuple[str, str]] = field(default_factory=list)  # (sheet, "A1:B2")
    truncated: list[str] = field(default_factory=list)  # sheets cut at the row limit
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only

    def value_of(self, label: str) -> Any:
        cell = self.identification.get(label)
        return None if cell is None else cell.value


def read_submission(path: str | Path, data: bytes | None = None) -> Submission:
    """Read a ``.xlsx``/``.xlsm`` or ``.csv`` submission; never modifies the file."""
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(
                f"{path} : fichier illisible ({os_error_text(exc)})",
                hint=os_error_hint(exc, str(path.parent), writing=False),
            ) from None
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _from_workbook(path, data)
    if suffix in CSV_SUFFIXES:
        return _from_csv(path, data)
    raise InputFileError(
        f"{path.name} : format non pris en charge : enregistrez le fichier au format .xlsx",
        hint="Formats acceptés : .xlsx, .xlsm (le modèle de CMA France) ou .csv (format long).",
    )


_EMPTY = RawCell(None)
_LETTERS = {col: column_letter(col) for col in range(1, 27)}


def _cell(sheet: RawSheet, row: int, col: int) -> Cell:
    raw = sheet.cells.get((row, col), _EMPTY)
    letter = _LETTERS.get(col) or column_letter(col)
    return Cell(sheet.name, f"{letter}{row}", raw.value, raw.formula, raw.has_cached_value)


def _from_workbook(path: Path, data: bytes) -> Submission:
    # Only the contract's sheets are parsed: a chamber's extra sheets cost nothing.
    book = read_xlsx(data, path.name, sheets=(SHEET_ID, SHEET_INDICATORS, SHEET_IMPACT, SHEET_META))
    sub = Submission(path, "xlsx", sheets=tuple(book.sheets))
    for sheet in book.sheets.values():
        sub.merged.extend((sheet.name, ref) for ref in sheet.merged)
        if sheet.truncated:
            sub.truncated.append(sheet.name)
    ident = book.sheets.get(SHEET_ID)
    if ident is not None:
        # Labels are looked up in column A wherever they are, so a moved row is still read.
        for row in range(1, min(ident.max_row, 50) + 1):
            label = ident.get(row, 1)
            if (
                label is not None
                and isinstance(label.value, str)
                and label.value.strip() in ID_FIELDS
            ):
                sub.identification[label.value.strip()] = _cell(ident, row, 2)
    meta = book.sheets.get(SHEET_META)
    if meta is not None:
        for row in range(1, min(meta.max_row, 50) + 1):
            key, value = meta.get(row, 1), meta.get(row, 2)
            if key is not None and key.value is not None:
                sub.metadata[str(key.value)] = (
                    "" if value is None or value.value is None else str(value.value)
                )
    for name in (SHEET_INDICATORS, SHEET_IMPACT):
        data_sheet = book.sheets.get(name)
        if data_sheet is None:
            continue
        sub.headers[name] = tuple(_cell(data_sheet, 1, COL[h]) for h in HEADERS)
        for row in range(FIRST_DATA_ROW, data_sheet.max_row + 1):
            cells = {h: _cell(data_sheet, row, COL[h]) for h in HEADERS}
            if all(c.is_blank for c in cells.values()):
                continue
            sub.rows.append(Row(name, row, cells))
    return sub


def _from_csv(path: Path, data: bytes) -> Submission:
    from cmacop.files.frenchcsv import read_csv

    table = read_csv(path, data)
    sub = Submission(
        path,
        "csv",
        encoding=table.encoding,
        delimiter=table.delimiter,
    )
    sub.headers["csv"] = tuple(Cell(None, name, name, line=1) for name in table.header)
    for line, record in table.rows:

        def cell(column: str, line: int = line, record: dict[str, str] = record) -> Cell:
            return Cell(None, column, record.get(column), line=line)

        cells = {CSV_TO_HEADER[c]: cell(c) for c in CSV_COLUMNS if c in CSV_TO_HEADER}
        cells["chambre"] = cell("chambre")
        cells["annee"] = cell("annee")
        if "__extra__" in record:  # more cells than header columns
            cells["__extra__"] = cell("__extra__")
        sub.rows.append(Row(None, line, cells))
        if "Code chambre" not in sub.identification:
            sub.identification["Code chambre"] = cells["chambre"]
            sub.identification["Année"] = cells["annee"]
    return sub
