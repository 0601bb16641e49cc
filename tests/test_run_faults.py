"""A run killed (SIGKILL) at many points, then a clean run: same store, same bilans.

The points are chosen from the renames of an uninterrupted run (every durable
write of a run is a rename): the killed runs go through ``CMACOP_TEST_KILL_AT``,
and run in parallel, as do the clean runs after them, to keep the test short.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cmacop.run.nightly import KILL_ENV, run_campaign
from cmacop.run.state import MANIFEST_NAME, RunState

DATE = "2025-06-15"


def _nth(targets: list[str], predicate, n: int = 1) -> int:
    """1-based index of the n-th rename whose target satisfies ``predicate``."""
    hits = [i for i, t in enumerate(targets, start=1) if predicate(t)]
    assert len(hits) >= n, targets
    return hits[n - 1]


# Where to kill, named after what a run is doing then.
POINTS = {
    "premier classeur annoté": lambda t: 1,
    "audit écrit, dépôts pas encore": lambda t: _nth(
        t, lambda p: p == "consolidation/depots/annee=2024/data.parquet", 2
    ),
    "dépôt écrit, exports pas encore": lambda t: _nth(
        t, lambda p: p == "consolidation/donnees_2024.csv"
    ),
    "accusé de réception": lambda t: _nth(t, lambda p: p.endswith("_accuse.txt"), 3),
    # after the first of the two batches of 2024 (its exports wait for the second)
    "manifeste d'un lot": lambda t: _nth(t, lambda p: p.endswith(MANIFEST_NAME), 2),
    "bilans à moitié publiés": lambda t: _nth(t, lambda p: p.startswith("bilans/2024/"), 20),
    "dernier renommage": lambda t: len(t),
}


@pytest.fixture(scope="module")
def reference(small_campaign, tmp_path_factory, run_date):
    """An uninterrupted run, recording the target of every rename in order."""
    root = Path(shutil.copytree(small_campaign, tmp_path_factory.mktemp("ref") / "campagne"))
    targets: list[str] = []
    real = os.replace

    def recording(src, dst, *args, **kwargs):
        targets.append(Path(dst).resolve().relative_to(root.resolve()).as_posix())
        return real(src, dst, *args, **kwargs)

    os.replace = recording
    try:
        run_campaign(root, today=run_date)
    finally:
        os.replace = real
    return root, targets


def _cmacop_run(root: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cmacop", "run", "--config", str(root), "--quiet", "--date", DATE],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def resumed(reference, small_campaign, tmp_path_factory):
    """For each point: a run killed there, then a clean run; point → (folder, kill rename)."""
    _, targets = reference
    base = tmp_path_factory.mktemp("tues")
    folders, killed = {}, {}
    for n, (name, where) in enumerate(POINTS.items()):
        folders[name] = Path(shutil.copytree(small_campaign, base / f"point{n}"))
        env = {**os.environ, KILL_ENV: str(where(targets))}
        killed[name] = _cmacop_run(folders[name], env)
    for name, proc in killed.items():
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, (name, proc.stderr.read())
    env = {k: v for k, v in os.environ.items() if k != KILL_ENV}
    clean = {name: _cmacop_run(folder, env) for name, folder in folders.items()}
    for name, proc in clean.items():
        out, err = proc.communicate()
        assert proc.returncode in (0, 1), (name, err.decode())
        assert out == b"" and b"Traceback" not in err
    return {name: (folders[name], where(targets)) for name, where in POINTS.items()}


def test_the_points_are_distinct_and_inside_the_run(reference):
    _, targets = reference
    points = [where(targets) for where in POINTS.values()]
    assert len(set(points)) == len(points) and all(1 <= p <= len(targets) for p in points)


@pytest.mark.parametrize("point", list(POINTS))
def test_a_killed_run_is_completed_by_the_next_one(
    point, reference, resumed, small_campaign, store_frames, tree_digest
):
    ref, _ = reference
    root, _ = resumed[point]
    # The store: every table identical (run timestamps aside), audit lines not repeated.
    expected, got = store_frames(ref / "consolidation"), store_frames(root / "consolidation")
    assert list(got) == list(expected)
    for name, frame in expected.items():
        assert got[name].equals(frame), name
    for year in (2023, 2024):
        for export in (f"donnees_{year}.csv", f"completude_{year}.csv"):
            assert (root / "consolidation" / export).read_bytes() == (
                ref / "consolidation" / export
            ).read_bytes()
    # The bilans: the same files, Markdown and HTML byte for byte.
    bilans = sorted(p.relative_to(ref).as_posix() for p in (ref / "bilans").rglob("*.*"))
    assert sorted(p.relative_to(root).as_posix() for p in (root / "bilans").rglob("*.*")) == [
        b for b in bilans if not Path(b).name.startswith(".")
    ]
    for name in bilans:
        if name.endswith((".md", ".html")):
            assert (root / name).read_bytes() == (ref / name).read_bytes(), name
    # Feedback for every file, the same verdicts in the manifest.
    visible = sorted(p.name for p in (ref / "retours").rglob("*") if not p.name.startswith("."))
    assert (
        sorted(p.name for p in (root / "retours").rglob("*") if not p.name.startswith("."))
        == visible
    )
    want = RunState.load(ref / "consolidation" / MANIFEST_NAME)
    have = RunState.load(root / "consolidation" / MANIFEST_NAME)
    # A file whose batch was committed just before the kill is « inchangé » when redone:
    # compare what the chamber is told — accepted or not, with the same findings.
    assert {k: (s.sha256, s.accepted, s.errors, s.warnings) for k, s in have.files.items()} == {
        k: (s.sha256, s.accepted, s.errors, s.warnings) for k, s in want.files.items()
    }
    # (their fingerprints differ: the deposits table holds each run's timestamps)
    assert {y: (r.files, r.generated_on) for y, r in have.reports.items()} == {
        y: (r.files, r.generated_on) for y, r in want.reports.items()
    }
    # Nothing dropped by a chamber was touched; no lock left behind.
    assert tree_digest(root / "depot") == tree_digest(small_campaign / "depot")
    assert not (root / ".cmacop-run.lock").exists()
    assert not (root / "consolidation" / ".cmacop.lock").exists()


def test_the_clean_run_took_over_the_killed_runs_lock(resumed):
    root, _ = resumed["audit écrit, dépôts pas encore"]
    log = (root / "journal" / "cmacop.log").read_text(encoding="utf-8")
    assert "ATTENTION" in log and "verrou d'une exécution interrompue repris (processus " in log
