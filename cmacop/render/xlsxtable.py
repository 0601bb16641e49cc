"""The pieces of a bilan workbook's sheets: display formats, columns, tables, summary lines.

Shared by :mod:`cmacop.render.xlsxsheets` and :mod:`cmacop.render.xlsxcommitments`;
:mod:`cmacop.render.xlsx` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COUNT = "#,##0"
PERCENT = "0.0%"
SHARE = "0.00%"
EURO = '#,##0.00 "€"'
NUMBER = "number"  # a count shown as COUNT, a decimal value (impact indicators) as DECIMAL
DECIMAL = "#,##0.0#"
DATE = "dd/mm/yyyy"
HEADING = "heading"

SummaryLine = tuple[str, Any, str | None]  # (label, value, format); format HEADING: a heading


@dataclass(frozen=True)
class Column:
    """A column of a sheet table: header, display format (None: text), wrapping, width."""

    header: str
    fmt: str | None = None
    wrap: bool = False
    width: int | None = None


@dataclass(frozen=True)
class Table:
    """A sheet holding one autofiltered table (``footer``: totals below the filtered range)."""

    name: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    footer: tuple[tuple[Any, ...], ...] = ()
    freeze_columns: int = 0
