"""The store's Excel export: the common cells written inline exactly as ``_cell`` writes them."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cmacop.files.xlsxwrite import Column, _cell, _sheet_xml, column_letter, xlsx_bytes

TEXT = "ab&<>\"'=é€ _x0041_\x00\x01\t\n\x0b\r\x1f\ufffe\uffff\ud7ff"


class Code(str):
    """A str subclass (an enum's value, say): written through ``_cell``."""


def _reference(columns: Sequence[str | Column], rows: list[list[Any]]) -> str:
    """Every cell through ``_cell``, as the writer did before its inline cases."""
    specs = [c if isinstance(c, Column) else Column(c) for c in columns]
    letters = [column_letter(i) for i in range(1, len(specs) + 1)]
    head = "".join(_cell(f"{c}1", s.header, True) for c, s in zip(letters, specs, strict=True))
    body = "".join(
        f'<row r="{n}">'
        + "".join(
            _cell(f"{c}{n}", v, number=s.number)
            for c, v, s in zip(letters, row, specs, strict=True)
        )
        + "</row>"
        for n, row in enumerate(rows, start=2)
    )
    return f'<row r="1">{head}</row>{body}</sheetData>'


def _value(rnd: random.Random) -> Any:
    text = "".join(rnd.choice(TEXT) for _ in range(rnd.randint(0, 8)))
    return rnd.choice(
        [
            None,
            text,
            Code(text),
            rnd.randint(-(2**70), 2**70),
            rnd.choice((1.5, 2.0, -0.0, 1e300, 1e-7, 0.1 + 0.2, float("nan"), float("inf"))),
            rnd.random() < 0.5,
            date(2024, 1, 1) + timedelta(rnd.randint(-900, 900)),
            datetime(2024, 3, 31, 23, 30, tzinfo=UTC) + timedelta(seconds=rnd.randint(0, 10**7)),
            datetime(2024, 3, 31, 23, 30, 15, 250),
        ]
    )


def test_cells_are_written_as_cell_writes_them() -> None:
    rnd = random.Random(6)
    for width, height in ((1, 0), (1, 1), (3, 17), (12, 300)):
        columns: list[str | Column] = [f"col{i}" for i in range(width)]
        columns[0] = Column("Nombre", 12, "nombre")  # formatted numbers take the same path
        rows = [[_value(rnd) for _ in columns] for _ in range(height)]
        xml = _sheet_xml(columns, rows)
        last = f"{column_letter(width)}{height + 1}"
        assert xml.endswith(f'{_reference(columns, rows)}<autoFilter ref="A1:{last}"/></worksheet>')


def test_plain_text_is_written_as_it_is() -> None:
    xml = _sheet_xml(["code", "n", "message"], [("I1.1", 3, "a"), ("I1.2", None, "b > c")])
    assert '<c r="C3" t="inlineStr"><is><t xml:space="preserve">b &gt; c</t></is></c>' in xml
    assert '<row r="3"><c r="A3"' in xml and '<c r="B3"' not in xml
    assert '<c r="B2"><v>3</v></c>' in xml


def test_columns_have_widths_number_formats_and_a_filter(tmp_path) -> None:
    from openpyxl import load_workbook

    columns = [Column("Année", 8), Column("Réalisé", 12, "nombre"), "Reçu le"]
    rows = [(2024, 1234.5, datetime(2025, 2, 27, 14, 30)), (2023, 1200, None)]
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx_bytes([("Données d'essai", columns, rows)]))
    sheet = load_workbook(path)["Données d'essai"]
    assert [c.value for c in sheet[1]] == ["Année", "Réalisé", "Reçu le"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:C3"
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["C"].width) == (8, 10)
    assert sheet["A2"].number_format == "General"  # a year is no « 2 024 »
    assert (sheet["B2"].number_format, sheet["B3"].number_format) == ("#,##0.0###", "#,##0")
    assert sheet["C2"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["C2"].value == datetime(2025, 2, 27, 14, 30)
