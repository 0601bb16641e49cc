"""Consolidate both example years then compute 2024, as whole ``cmacop`` processes.

    python benchmarks/consolidate_compute.py [--repeat 7]

Each repetition starts from an empty store (a fresh copy of
``examples/campagne``) and runs, as a user would::

    cmacop consolidate depot/2023 --year 2023 --targets … --key …
    cmacop consolidate depot/2024 --year 2024 --targets … --key …
    cmacop compute --year 2024

Prints the median wall time of the whole sequence (goal: under 1.5 s) and of
each step, and, as a machine-independent figure, its ratio to a baseline run
in the same command: the start-up of ``cmacop --version``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = ROOT / "examples" / "campagne"
GOAL_S = 1.5
REFERENCES = [
    "--targets",
    "referentiel/cibles_com.csv",
    "--key",
    "referentiel/cle_repartition.csv",
]
STEPS = {
    "consolidate 2023": ["consolidate", "depot/2023", "--year", "2023", *REFERENCES],
    "consolidate 2024": ["consolidate", "depot/2024", "--year", "2024", *REFERENCES],
    "compute 2024": ["compute", "--year", "2024"],
}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="répétitions (défaut : 7)")
    repeat = parser.parse_args().repeat

    with tempfile.TemporaryDirectory(prefix="cmacop-bench-") as tmp:
        camp = Path(tmp) / "campagne"
        shutil.copytree(CAMPAIGN, camp)
        # Bytecode is cached (in the temporary folder) as for an installed package, even
        # where PYTHONDONTWRITEBYTECODE is set.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        for args in STEPS.values():  # warm the file cache and the bytecode
            run(args, camp, env)
        baseline = [run(["--version"], camp, env) for _ in range(repeat)]
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

    base = statistics.median(baseline)
    median = statistics.median(totals)
    print(f"répétitions : {repeat} (Python {sys.version.split()[0]})")
    for name, times in steps.items():
        print(f"  {name:<18} médiane {statistics.median(times):.3f} s")
    print(f"consolidate ×2 + compute : médiane {median:.3f} s (objectif < {GOAL_S} s)")
    print(f"référence « cmacop --version » : médiane {base:.3f} s")
    print(f"rapport à la référence : {median / base:.1f}")
    print("objectif atteint" if median < GOAL_S else "objectif NON atteint sur cette machine")


if __name__ == "__main__":
    main()
