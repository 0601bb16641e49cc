"""The date of receipt: when a file appeared in the deposit folder; timeliness is judged on it."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import polars as pl
import pytest

from cmacop.consolidate.completeness import completeness
from cmacop.consolidate.store import DEPOSITS, Store
from cmacop.consolidate.year import consolidate_paths
from cmacop.cop.referentiel import parse_receipt_date, read_receptions, reception_of
from cmacop.errors import DataFileError
from cmacop.run.nightly import run_campaign

ON_TIME = datetime(2025, 2, 20, 9, 30, tzinfo=UTC).timestamp()
LATE = datetime(2025, 3, 5, 16, 0, tzinfo=UTC).timestamp()


def _dated(path, when: float):
    os.utime(path, (when, when))
    return path


def _deposit(store_root, chamber: str) -> dict:
    rows = Store(store_root).read(DEPOSITS, 2024).filter(pl.col("chambre") == chamber)
    return rows.row(0, named=True)


def test_a_csv_received_after_the_deadline_is_late(make_workbook, tmp_path):
    """A CSV declares no date: before, it could never be late."""
    late = _dated(make_workbook.csv("CM-MOSELLE"), LATE)
    early = _dated(make_workbook.csv("CM-ALSACE"), ON_TIME)
    result = consolidate_paths([late, early], year=2024, store=tmp_path / "consolidation")
    assert result.completeness.status_of("CM-MOSELLE") == "hors délai"
    assert result.completeness.status_of("CM-ALSACE") == "transmis"
    row = _deposit(tmp_path / "consolidation", "CM-MOSELLE")
    assert row["transmis_le"] is None
    assert row["recu_le"] == datetime.fromtimestamp(LATE, UTC)


def test_a_workbook_declaring_an_early_date_but_received_late_is_late(make_workbook, tmp_path):
    path = _dated(make_workbook("CMAR-84", sent=date(2025, 2, 20)), LATE)
    result = consolidate_paths([path], year=2024, store=tmp_path / "consolidation")
    row = next(r for r in result.completeness.rows if r.chamber == "CMAR-84")
    assert (row.status, row.sent_on) == ("hors délai", date(2025, 2, 20))
    assert row.received == datetime.fromtimestamp(LATE, UTC)


def test_a_known_content_keeps_the_date_it_was_first_received(make_workbook, tmp_path):
    store = tmp_path / "consolidation"
    path = _dated(make_workbook("CMAR-84"), ON_TIME)
    consolidate_paths([path], year=2024, store=store)
    _dated(path, LATE)  # touched, or copied again: the same content
    result = consolidate_paths([path], year=2024, store=store)
    assert result.files[0].outcome == "inchangé"
    assert _deposit(store, "CMAR-84")["recu_le"] == datetime.fromtimestamp(ON_TIME, UTC)
    assert result.completeness.status_of("CMAR-84") == "transmis"


def test_a_store_written_before_dates_of_receipt_is_judged_on_declared_dates(
    make_workbook, tmp_path, registry
):
    store_root = tmp_path / "consolidation"
    path = _dated(make_workbook("CMAR-84", sent=date(2025, 3, 2)), ON_TIME)
    consolidate_paths([path], year=2024, store=store_root)
    partition = Store(store_root).partition(DEPOSITS, 2024)
    pl.read_parquet(partition).drop("recu_le").write_parquet(partition)  # as written before
    read = Store(store_root).read(DEPOSITS, 2024)
    assert read["recu_le"].to_list() == [None]
    comp = completeness(Store(store_root), 2024, registry=registry)
    assert comp.status_of("CMAR-84") == "hors délai"  # declared 2 March: late


def test_dates_recorded_by_hand_replace_the_file_date(campaign):
    """examples/campagne/referentiel/receptions.csv: the example's files arrived on time."""
    depot = campaign / "depot" / "2024"
    for path in depot.iterdir():
        _dated(path, LATE)
    result = consolidate_paths([depot], year=2024, config=campaign)
    counts = result.completeness.counts()
    assert counts == {"transmis": 19, "hors délai": 1, "rejeté": 0, "manquant": 0}
    row = next(r for r in result.completeness.rows if r.chamber == "CM-MOSELLE")
    assert row.received is not None and row.received.astimezone().date() == date(2025, 2, 4)


def test_a_recorded_date_may_name_one_content(tmp_path):
    sha = "a" * 64
    path = tmp_path / "receptions.csv"
    path.write_text(
        "fichier;recu_le;sha256\n"
        "2024/COM_2024_CMAR-84.xlsx;27/02/2025 14:30;\n"
        f"2024\\COM_2024_CMAR-84.xlsx;2025-02-20;{sha}\n",
        encoding="utf-8",
    )
    found = read_receptions(path)
    exact = reception_of(found, "2024/COM_2024_CMAR-84.xlsx", sha)
    other = reception_of(found, "2024/COM_2024_CMAR-84.xlsx", "b" * 64)
    assert exact == datetime(2025, 2, 20, 12, 0).astimezone()
    assert other == datetime(2025, 2, 27, 14, 30).astimezone()
    assert reception_of(found, "2024/COM_2024_CMAR-53.xlsx", sha) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024/x.xlsx,le 3 mars\n", "receptions.csv, ligne 2, colonne « recu_le » : « le 3 mars »"),
        ("2024/x.xlsx,2025-02-30\n", "n'est pas une date"),
        ("2024/x.xlsx,2025-02-03\n2024/x.xlsx,2025-02-04\n", "date de réception en double"),
    ],
)
def test_a_wrong_line_of_receptions_names_the_line(tmp_path, text, message):
    path = tmp_path / "receptions.csv"
    path.write_text("fichier,recu_le\n" + text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        read_receptions(path)
    assert message in info.value.message


def test_parse_receipt_date():
    assert parse_receipt_date("2025-02-27") == datetime(2025, 2, 27, 12).astimezone()
    assert parse_receipt_date("27/02/2025 08h05") == datetime(2025, 2, 27, 8, 5).astimezone()
    assert parse_receipt_date("27-02-2025") is None


def test_the_run_notes_the_date_a_file_appeared_and_keeps_it(processed_campaign, revise):
    depot = processed_campaign / "depot" / "2024"
    new = revise(depot / "COM_2024_CMAR-84.xlsx", depot / "COM_2024_CMAR-84_v2.xlsx", impact=58)
    _dated(new, LATE)
    first = run_campaign(processed_campaign, year=2022)
    (report,) = first.files
    assert report.received == datetime.fromtimestamp(LATE, UTC)
    assert report.checked == first.started
    assert report.to_dict()["recu_le"] == datetime.fromtimestamp(LATE, UTC).isoformat()
    store = processed_campaign / "consolidation"
    assert _deposit_of(store, "COM_2024_CMAR-84_v2.xlsx")["recu_le"] == report.received
    comp = completeness(Store(store), 2024)
    assert comp.status_of("CMAR-84") == "hors délai"


def _deposit_of(store_root, name: str) -> dict:
    rows = Store(store_root).read(DEPOSITS, 2024)
    return rows.filter(pl.col("fichier").str.ends_with(name)).row(0, named=True)
