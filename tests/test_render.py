"""French formatting of numbers, money, percentages and dates; safe terminal text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cmacop.french import fmt_date, fmt_euro, fmt_number, fmt_percent, safe_text, to_csv

S = "\u202f"


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(1234567, 0, f"1{S}234{S}567"), (0, 0, "0"), (999, 0, "999"), (-1234, 0, f"-1{S}234"),
     (Decimal("1234.5"), 2, f"1{S}234,50"), (Decimal("0.125"), 2, "0,13"), (None, 0, "—")],
)  # fmt: skip
def test_fmt_number(value, decimals, text):
    assert fmt_number(value, decimals) == text


def test_fmt_percent_and_euro():
    assert fmt_percent(Decimal("0.875")) == f"87,5{S}%"
    assert fmt_percent(None) == "—"
    assert fmt_euro(Decimal("1234567.891")) == f"1{S}234{S}567,89{S}€"


@pytest.mark.parametrize(
    ("day", "text"), [(date(2025, 6, 15), "15 juin 2025"), (date(2025, 2, 1), "1er février 2025")]
)
def test_fmt_date(day, text):
    assert fmt_date(day) == text


def test_safe_text_neutralises_terminal_control():
    assert safe_text("ok\x1b[2J\u202e") == "ok\\x1b[2J\\u202e"
    assert safe_text("Écart « expliqué »") == "Écart « expliqué »"


def test_to_csv():
    assert (
        to_csv([{"a": 1, "b": None}, {"a": True, "b": "x,y"}], ["a", "b"]) == 'a,b\n1,\noui,"x,y"\n'
    )
