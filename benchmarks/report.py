"""Time ``cmacop report --year 2024`` on the example campaign, as a whole process.

    python benchmarks/report.py [--repeat 7]

The example campaign is copied to a temporary folder and both years are
consolidated once (not timed). Then, interleaved, several runs of::

    cmacop report --year 2024 --date 2025-06-15      # all formats, national + 18 COM bilans
    cmacop --version                                   # baseline: interpreter and CLI start-up

Prints the median wall time of the report (goal, issue 5: under 3 s) and, as a
machine-independent figure, its ratio to the baseline. When
``PYTHONDONTWRITEBYTECODE`` is set, a temporary bytecode cache
(``PYTHONPYCACHEPREFIX``) is used, so that modules are not recompiled at every
start, as in an installed package.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from _common import bench_env, copy_campaign, run

GOAL_S = 3.0
REPORT = ["report", "--year", "2024", "--date", "2025-06-15"]
REFERENCES = ["--targets", "referentiel/cibles_com.csv", "--key", "referentiel/cle_repartition.csv"]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="répétitions (défaut : 7)")
    repeat = parser.parse_args().repeat

    with tempfile.TemporaryDirectory(prefix="cmacop-bench-") as tmp:
        camp = Path(tmp) / "campagne"
        copy_campaign(camp)
        env = bench_env(Path(tmp))
        for year in ("2023", "2024"):
            run(["consolidate", f"depot/{year}", "--year", year, *REFERENCES], camp, env)
        run(REPORT, camp, env)  # warm the file cache and the bytecode
        documents = sum(1 for p in (camp / "bilans" / "2024").rglob("bilan_*") if p.is_file())
        baseline, report = [], []
        for _ in range(repeat):
            baseline.append(run(["--version"], camp, env))
            report.append(run(REPORT, camp, env))

    median, base = statistics.median(report), statistics.median(baseline)
    print(f"cmacop report --year 2024 ({documents} documents, {repeat} exécutions)")
    print(f"  médiane : {median:.2f} s (min {min(report):.2f} s, max {max(report):.2f} s)")
    print(f"  référence « cmacop --version » : {base:.2f} s ; rapport : {median / base:.1f} ×")
    verdict = "atteint" if median < GOAL_S else "NON atteint"
    print(f"  objectif < {GOAL_S:.0f} s : {verdict}")


if __name__ == "__main__":
    main()
