"""Merging files into a year's tables: a batch at once gives what file after file gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import _revise

from cmacop.consolidate.merge import YearTables
from cmacop.consolidate.store import AUDIT, COMMIT_ORDER, Store
from cmacop.cop.referentiel import template_targets
from cmacop.validate.engine import FileResult, validate_paths

ROOT = Path(__file__).resolve().parent.parent
DEPOT = ROOT / "examples" / "campagne" / "depot"
REFERENCES = ROOT / "examples" / "campagne" / "referentiel"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[FileResult]:
    """Accepted, rejected (broken, wrong year, no chamber) and corrected files of 2024."""
    folder = tmp_path_factory.mktemp("versions")
    files = sorted((DEPOT / "2024").iterdir())[:6]  # with the CSV of CM-MOSELLE
    files += sorted((ROOT / "examples" / "broken").glob("*.xlsx"))[:3]
    files.append(DEPOT / "2023" / "COM_2023_CMAR-84.xlsx")
    for n, impact in enumerate((12.5, 13.5, 14.5), start=2):  # versions of CMAR-01
        files.append(
            _revise(DEPOT / "2024" / "COM_2024_CMAR-01.xlsx", folder / f"v{n}.xlsx", impact=impact)
        )
    (folder / "notes.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    files.append(folder / "notes.csv")
    targets = template_targets(
        2024,
        targets=REFERENCES / "cibles_com.csv",
        key=REFERENCES / "cle_repartition.csv",
    )
    found = []
    for path in files:  # one by one: versions of a chamber are not duplicates of one another
        found += validate_paths([path], year=2024, targets=targets).files
    outcomes = {r.errors > 0 for r in found} | {r.chamber is None for r in found}
    assert outcomes == {True, False}
    return found


def test_a_batch_is_merged_as_its_files_one_by_one(
    results: list[FileResult], tmp_path: Path
) -> None:
    rnd = random.Random(2024)
    one, batch = Store(tmp_path / "un"), Store(tmp_path / "lot")
    start = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    replaced = audited_once = 0
    for round_ in range(12):
        now = start + timedelta(hours=round_ // 3)  # some rounds share their time
        files = [(r, f"depot/{rnd.randint(0, 2)}/{r.path.name}") for r in rnd.choices(results, k=8)]
        a, b = YearTables(one, 2024, now), YearTables(batch, 2024, now)
        expected = [a.apply(r, name) for r, name in files]
        assert b.apply_all(files) == expected
        if round_ % 4 == 3:  # killed after committing the audit only: the next one redoes it
            one.write(AUDIT, 2024, a.tables[AUDIT])
            batch.write(AUDIT, 2024, b.tables[AUDIT])
            a, b = YearTables(one, 2024, now), YearTables(batch, 2024, now)
            expected = [a.apply(r, name) for r, name in files]
            assert b.apply_all(files) == expected
            replacing = sum(f.outcome == "remplaçant" for f in expected)
            audited_once += len({line.new_sha256 for line in a.added_audit}) < replacing
        replaced += sum(f.outcome == "remplaçant" for f in expected)
        assert b.added_audit == a.added_audit
        for table in COMMIT_ORDER:
            assert b.tables[table].equals(a.tables[table]), table
        assert [p.relative_to(batch.root) for p in b.commit()] == [
            p.relative_to(one.root) for p in a.commit()
        ]
        for table in COMMIT_ORDER:
            assert batch.read(table, 2024).equals(one.read(table, 2024)), table
    assert replaced and audited_once
