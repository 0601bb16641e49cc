"""Reading CSV files as French Excel and chambers' software write them.

Accepted: UTF-8 with or without BOM, or cp1252; ``;`` or ``,`` separator;
decimal comma; thousands separated by a space, U+00A0 or U+202F.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from cmacop.errors import InputFileError, library_error_text, os_error_hint, os_error_text

# Spaces French software puts between thousands: space, no-break space, narrow no-break space.
GROUP_SPACES = " \u00a0\u202f"
_GROUPED = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


@dataclass(frozen=True)
class ParsedNumber:
    """A number read from text; ``grouped`` tells it was written with thousands separators."""

    value: Decimal
    grouped: bool = False


def parse_number(text: str) -> ParsedNumber | None:
    """Parse ``"1 200"``, ``"12,5"``, ``"-3"``…; None when the text is not a number."""
    s = text.strip()
    if not s:
        return None
    grouped = bool(_GROUPED.match(s))
    if not grouped and not _PLAIN.match(s):
        return None
    for ch in GROUP_SPACES:
        s = s.replace(ch, "")
    try:
        return ParsedNumber(Decimal(s.replace(",", ".")), grouped)
    except InvalidOperation:
        return None


_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(text: str) -> date | None:
    """``2025-06-24`` or ``24/06/2025`` (as French Excel writes it); None when not a date."""
    s = text.strip()
    french = _FRENCH_DATE.match(s)
    try:
        if french:
            return date(int(french.group(3)), int(french.group(2)), int(french.group(1)))
        return date.fromisoformat(s) if len(s) == 10 else None
    except ValueError:
        return None


def decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (BOM or not) first, cp1252 otherwise. Returns (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(header_line: str) -> str:
    """``;`` (French Excel) unless the header has more commas than semicolons."""
    return "," if header_line.count(",") > header_line.count(";") else ";"


@dataclass(frozen=True)
class CsvTable:
    path: Path
    encoding: str
    delimiter: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number in the file, row by column name)


def read_csv(path: Path, data: bytes | None = None) -> CsvTable:
    """Read a CSV file into rows keyed by lower-cased, trimmed header names."""
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(
                f"{path} : fichier illisible ({os_error_text(exc)})",
                hint=os_error_hint(exc, str(path.parent), writing=False),
            ) from None
    text, encoding = decode(data)
    if "\x00" in text:
        raise InputFileError(
            f"{path.name} : ce fichier n'est pas un CSV texte",
            hint="Exportez le fichier au format « CSV (séparateur : point-virgule) ».",
        )
    first = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for record in reader:
            line = reader.line_num
            if not header:
                header = [h.strip().lower() for h in record]
                continue
            if not any(cell.strip() for cell in record):
                continue
            padded = record + [""] * (len(header) - len(record))
            row = {h: padded[i] for i, h in enumerate(header)}
            if len(record) > len(header):
                row["__extra__"] = delimiter.join(record[len(header) :])
            rows.append((line, row))
    except csv.Error as exc:
        raise InputFileError(
            f"{path.name}, ligne {reader.line_num} : CSV mal formé ({library_error_text(exc)})"
        ) from None
    return CsvTable(path, encoding, delimiter, header, rows)
