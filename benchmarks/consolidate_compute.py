"""Consolidate both example years in one process, then compute 2024, as ``cmacop`` processes.

    python benchmarks/consolidate_compute.py [--repeat 7]

Each repetition starts from an empty store (a fresh copy of ``examples/campagne``:
``depot/``, ``referentiel/`` and ``cmacop.toml``) and runs, inside the campaign
folder, as a user would::

    cmacop consolidate --year 2023 --year 2024    # one process; references from cmacop.toml
    cmacop compute --year 2024

Prints the median wall time of the sequence (goal, issue 4: under 1.5 s) and of
each step, and, as a machine-independent figure, its ratio to a baseline
measured in the same run, interleaved with it: the start-up of
``cmacop --version``. When ``PYTHONDONTWRITEBYTECODE`` is set, a temporary
bytecode cache (``PYTHONPYCACHEPREFIX``) is used, so that modules are not
recompiled at every start, as in an installed package.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from _common import bench_env, copy_campaign, run

GOAL_S = 1.5
STEPS = {
    "consolidate 2023 + 2024": ["consolidate", "--year", "2023", "--year", "2024"],
    "compute 2024": ["compute", "--year", "2024"],
}
BASELINE = ["--version"]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="répétitions (défaut : 7)")
    repeat = parser.parse_args().repeat

    with tempfile.TemporaryDirectory(prefix="cmacop-bench-") as tmp:
        camp = Path(tmp) / "campagne"
        copy_campaign(camp)
        env = bench_env(Path(tmp))
        for args in (*STEPS.values(), BASELINE):  # warm the file cache and the bytecode
            run(args, camp, env)
        baseline: list[float] = []
        steps: dict[str, list[float]] = {name: [] for name in STEPS}
        totals = []
        for _ in range(repeat):
            for folder in ("consolidation", "resultats"):
                shutil.rmtree(camp / folder, ignore_errors=True)
            total = 0.0
            for name, args in STEPS.items():
                elapsed = run(args, camp, env)
                steps[name].append(elapsed)
                total += elapsed
            totals.append(total)
            baseline.append(run(BASELINE, camp, env))

    base = statistics.median(baseline)
    median = statistics.median(totals)
    print(f"répétitions : {repeat} (Python {sys.version.split()[0]}, {os.cpu_count()} processeurs)")
    for name, times in steps.items():
        print(f"  {name:<24} médiane {statistics.median(times):.3f} s")
    print(
        f"consolidate (2 années, 1 processus) + compute : médiane {median:.3f} s "
        f"(min {min(totals):.3f}, max {max(totals):.3f} ; objectif < {GOAL_S} s)"
    )
    print(f"référence « cmacop --version » : médiane {base:.3f} s")
    print(f"rapport à la référence : {median / base:.1f}")
    print("objectif atteint" if median < GOAL_S else "objectif NON atteint sur cette machine")


if __name__ == "__main__":
    main()
