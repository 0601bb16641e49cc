"""The store read without cmacop: polars, DuckDB and pandas (pyarrow) give the same rows.

The three snippets of docs/formats/depot-consolidation.md are run as written there, on
each table of a consolidated campaign, and compared with what cmacop reads.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from cmacop.consolidate.store import COMMIT_ORDER, DEPOSITS, SCHEMAS, Store

duckdb = pytest.importorskip("duckdb")
pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

DOC = Path(__file__).resolve().parent.parent / "docs" / "formats" / "depot-consolidation.md"


def _snippets() -> dict[str, str]:
    section = DOC.read_text(encoding="utf-8").split("## Lire le dépôt sans cmacop", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    return {block.splitlines()[0].removeprefix("# ").split(" ")[0]: block for block in blocks}


SNIPPETS = _snippets()


def test_the_docs_give_the_three_snippets():
    assert list(SNIPPETS) == ["polars", "DuckDB", "pandas"]
    for code in SNIPPETS.values():
        assert "consolidation/donnees" in code


def _run(snippet: str, table: str, folder: Path, monkeypatch) -> pl.DataFrame:
    """The snippet as written, for ``table``, from the campaign folder: its ``donnees``."""
    monkeypatch.chdir(folder)
    scope: dict = {}
    exec(snippet.replace("consolidation/donnees", f"consolidation/{table}"), scope)
    found = scope["donnees"]
    frame = pl.from_pandas(found) if isinstance(found, pd.DataFrame) else found
    return _canonical(table, frame)


def _canonical(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The store's columns and types, datetimes in UTC, rows in a fixed order."""
    columns = []
    for name, kind in SCHEMAS[table].items():
        column = pl.col(name)
        if isinstance(kind, pl.Datetime):
            dtype = frame.schema[name]
            if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
                column = column.dt.replace_time_zone("UTC")
            column = column.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
        columns.append(column.cast(kind))
    out = frame.select(columns)
    return out.sort(out.columns, nulls_last=True)


@pytest.mark.parametrize("table", COMMIT_ORDER)
@pytest.mark.parametrize("tool", ["polars", "DuckDB", "pandas"])
def test_each_tool_reads_the_rows_cmacop_reads(consolidated_campaign, monkeypatch, table, tool):
    store = Store(consolidated_campaign / "consolidation")
    years = store.years(table) or store.years()
    expected = _canonical(table, pl.concat([store.read(table, y) for y in years]))
    got = _run(SNIPPETS[tool], table, consolidated_campaign, monkeypatch)
    assert got.height == expected.height > 0 or table == "audit"
    assert got.equals(expected)


@pytest.fixture(scope="module")
def with_audit(consolidated_campaign, tmp_path_factory):
    """The consolidated campaign plus a corrected version: the audit table has rows."""
    from conftest import _revise

    from cmacop.consolidate.year import consolidate_paths

    dest = tmp_path_factory.mktemp("audit") / "campagne"
    shutil.copytree(consolidated_campaign, dest)
    depot = dest / "depot" / "2024"
    new = _revise(depot / "COM_2024_CMAR-84.xlsx", depot / "COM_2024_CMAR-84_v2.xlsx", impact=61)
    consolidate_paths([new], year=2024, config=dest)
    return dest


@pytest.mark.parametrize("tool", ["polars", "DuckDB", "pandas"])
def test_the_audit_table_too(with_audit, monkeypatch, tool):
    store = Store(with_audit / "consolidation")
    expected = _canonical("audit", store.read("audit", 2024))
    assert expected.height > 0
    assert _run(SNIPPETS[tool], "audit", with_audit, monkeypatch).equals(expected)


def test_duckdb_reads_old_and_new_partitions_together(consolidated_campaign, tmp_path):
    """A partition written before ``recu_le`` existed, beside a new one (union_by_name)."""
    dest = tmp_path / "campagne"
    shutil.copytree(consolidated_campaign / "consolidation", dest / "consolidation")
    old = Store(dest / "consolidation").partition(DEPOSITS, 2023)
    pl.read_parquet(old).drop("recu_le").write_parquet(old)
    query = (
        "SELECT annee, count(recu_le) AS recus, count(*) AS depots FROM read_parquet("
        f"'{dest}/consolidation/depots/*/*.parquet', hive_partitioning = true, "
        "union_by_name = true) GROUP BY annee ORDER BY annee"
    )
    assert duckdb.sql(query).fetchall() == [(2023, 0, 20), (2024, 20, 20)]
