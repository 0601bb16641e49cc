"""CSV dialects as French Excel and chambers' software write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cmacop.files.frenchcsv import parse_number, read_csv


@pytest.mark.parametrize(
    ("text", "value", "grouped"),
    [
        ("1200", "1200", False),
        ("1 200", "1200", True),
        ("1\u00a0200", "1200", True),
        ("1\u202f200", "1200", True),
        ("12 345 678", "12345678", True),
        ("12,5", "12.5", False),
        ("1 234,56", "1234.56", True),
        ("-3", "-3", False),
        (" 42 ", "42", False),
    ],
)
def test_parse_number(text, value, grouped):
    parsed = parse_number(text)
    assert parsed is not None
    assert parsed.value == Decimal(value)
    assert parsed.grouped is grouped


@pytest.mark.parametrize("text", ["NC", "n/a", "-", "environ 300", "12 34", "1,2,3", "", "1 2000"])
def test_not_numbers(text):
    assert parse_number(text) is None


ROWS = [["chambre", "annee", "code", "realise", "commentaire"],
        ["CM-MOSELLE", "2024", "I6.1", "1\u00a0234", "Écart expliqué ; voir note"],
        ["CM-MOSELLE", "2024", "M1.1", "87,5", ""]]  # fmt: skip


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("cp1252", ";"), ("utf-8-sig", ";"), ("utf-8", ","), ("utf-8", ";"), ("cp1252", ",")],
)
def test_dialects(tmp_path, encoding, delimiter):
    def quote(cell: str) -> str:
        return f'"{cell}"' if delimiter in cell or ";" in cell else cell

    text = "\r\n".join(delimiter.join(quote(c) for c in row) for row in ROWS) + "\r\n"
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode(encoding))
    table = read_csv(path)
    assert table.delimiter == delimiter
    assert table.header == ROWS[0]
    assert [line for line, _ in table.rows] == [2, 3]
    assert table.rows[0][1]["commentaire"] == "Écart expliqué ; voir note"
    assert parse_number(table.rows[0][1]["realise"]).value == 1234
    assert parse_number(table.rows[1][1]["realise"]).value == Decimal("87.5")
