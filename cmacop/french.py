"""French for people and safe text for machines: numbers, amounts, dates, plurals; JSON and CSV.

The library returns data; this module (and the Jinja templates of the bilans) formats
it. :func:`to_json` is the one JSON writer of every ``--format json`` output, and
:func:`to_csv` / :func:`french_csv` the CSV writers for machines and for French Excel.
Anyone may import it: it imports nothing of cmacop.
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


def plural(count: int, one: str, many: str | None = None) -> str:
    """``0 fichier``, ``1 fichier``, ``2 fichiers`` (French: the plural starts at 2).

    ``many`` for irregular plurals and agreements: ``plural(n, "dépôt rejeté", "dépôts
    rejetés")``.
    """
    return f"{count} {one if count < 2 else many or one + 's'}"


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
    """JSON for machines and terminals, the one writer of every ``--format json`` output.

    UTF-8, indented, keys in the order given (it is meaningful); decimals and dates as
    strings. Control and format characters (ESC, bidi overrides, line separators) that a
    submission may carry are ``\\u``-escaped, so that the output can be shown in a
    terminal as is; the no-break spaces of French numbers stay as they are.
    """
    text = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    if not text.isprintable():
        text = "".join(map(_json_char, text))
    return text + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"non sérialisable : {type(value).__name__}")


@functools.cache
def _json_char(ch: str) -> str:
    if ch == "\n" or ch.isprintable():
        return ch  # structural newlines only: newlines inside strings are already "\n"
    category = unicodedata.category(ch)
    if category[0] != "C" and category not in ("Zl", "Zp"):
        return ch  # no-break spaces of French numbers stay as they are
    code = ord(ch)
    if code > 0xFFFF:  # JSON escapes outside the BMP as a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


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


def _french_cell(value: Any) -> str:
    """A cell of a French-Excel CSV: decimal comma, dd/mm/yyyy, text made formula-safe."""
    if value is None:
        return ""
    if type(value) is str:  # most cells: skip the type tests
        return formula_safe(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone().strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return formula_safe(str(value))


def french_csv(rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> bytes:
    """CSV for French Excel: UTF-8 with BOM, ``;``, CRLF, formula-safe text."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_french_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def days_left(count: int) -> str:
    """Days before a date: ``dans 12 jours``, ``demain``, ``aujourd'hui``, ``passée depuis 3 jours``."""
    if count > 1:
        return f"dans {count} jours"
    if count == 1:
        return "demain"
    if count == 0:
        return "aujourd'hui"
    return f"passée depuis {plural(-count, 'jour')}"
