"""What the benchmark scripts share: a fresh copy of the example campaign and timed processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = ROOT / "examples" / "campagne"
# What « cmacop run » writes in the example folder (git-ignored): never part of a copy.
OUTPUTS = (
    "retours", "consolidation", "bilans", "journal", "resultats", ".cmacop-run.lock",
    "tableau_de_bord.html",
)  # fmt: skip


def copy_campaign(dest: Path) -> Path:
    """The example campaign's inputs (depot/, referentiel/, cmacop.toml), without outputs."""
    shutil.copytree(CAMPAIGN, dest, ignore=shutil.ignore_patterns(*OUTPUTS))
    return dest


def bench_env(tmp: Path) -> dict[str, str]:
    """The environment of the timed processes.

    When ``PYTHONDONTWRITEBYTECODE`` is set, a temporary bytecode cache is used so that
    modules are not recompiled at every start, as in an installed package.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall time of one ``python -m cmacop …`` process; fails loudly on a non-zero exit."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "cmacop", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"échec de « cmacop {' '.join(args)} » :\n{proc.stderr}")
    return elapsed
