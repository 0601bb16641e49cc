"""Turning results into text people read: French number formats, tables, CSV and JSON.

``compute.py`` and ``validate.py`` return data; only this module (and the Jinja
templates) formats it.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

NBSP = "\u202f"  # narrow no-break space: French thousands separator and before « % »
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def _group(digits: str) -> str:
    out: list[str] = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return NBSP.join(out)


def fmt_number(value: int | Decimal | float | None, decimals: int = 0) -> str:
    """``1234567`` → ``1 234 567``; ``1234.5`` with 2 decimals → ``1 234,50``; None → ``—``."""
    if value is None:
        return "—"
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):f}".partition(".")
    text = sign + _group(whole)
    return f"{text},{frac}" if decimals else text


def fmt_percent(fraction: Decimal | Fraction | float | None, decimals: int = 1) -> str:
    """``0.875`` → ``87,5 %``; an exact :class:`Fraction` (``Fraction(7, 8)``) too."""
    if fraction is None:
        return "—"
    if isinstance(fraction, Fraction):
        exact = Decimal(fraction.numerator) * 100 / Decimal(fraction.denominator)
        return f"{fmt_number(exact, decimals)}{NBSP}%"
    return f"{fmt_number(Decimal(str(fraction)) * 100, decimals)}{NBSP}%"


def fmt_euro(amount: Decimal | int | None) -> str:
    """``1234567.891`` → ``1 234 567,89 €``."""
    if amount is None:
        return "—"
    return f"{fmt_number(amount, 2)}{NBSP}€"


def fmt_date(value: date | datetime | None) -> str:
    """``2025-06-15`` → ``15 juin 2025``."""
    if value is None:
        return "—"
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


@functools.cache
def _escape_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category[0] != "C" and category not in ("Zl", "Zp"):
        return ch
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """Text for a CSV field a spreadsheet opens: a leading ``'`` when it could start a formula.

    ``=1+1``, ``+33…``, ``-x``, ``@SUM(…)`` are shown as typed, never evaluated
    (formula injection, OWASP « CSV injection »).
    """
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def safe_text(text: object) -> str:
    """Submission text for a terminal: control and format characters shown as ``\\xNN``."""
    text = "" if text is None else str(text)
    if text.isprintable():  # no control, format nor separator character: the usual case
        return text
    return "".join(map(_escape_char, text))


def to_json(data: Any) -> str:
    """Stable JSON for machines (UTF-8, sorted keys are not imposed: order is meaningful)."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"non sérialisable : {type(value).__name__}")


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], delimiter: str = ",") -> str:
    """Machine CSV (UTF-8, ``,``, ``.`` decimals); empty cell for None."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell_text(row.get(c)) for c in columns])
    return buf.getvalue()


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


def rich_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Any:
    """A rich Table (imported lazily: rich is not needed for ``--help``)."""
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*[safe_text(v) if v is not None else "—" for v in row])
    return table
