"""Time ``cmacop validate`` against ``frictionless validate`` on one year's 20 submissions.

Both run as whole processes (interpreter start, imports, work, exit), in the same
environment, interleaved, several times; the script prints medians and the ratio.
Goals: at least twice as fast as frictionless (issues 3 and 10), median ≤ 0,6 s (issue 3).

    python benchmarks/validate.py [--repeat 9] [--dir examples/campagne/depot/2024]
    python benchmarks/validate.py --environnements   # in two fresh virtual environments

With ``--environnements`` the comparison runs twice, each time in a new virtual
environment holding cmacop's runtime dependencies and frictionless, then the same plus
pandas and pyarrow (``pip install '.[bench]'``), as an analyst's environment usually
has: cmacop's speed must not depend on what else is installed beside it.

Without the example campaign (``python scripts/make_examples.py``), 20 filled
templates are generated in a temporary folder. When ``PYTHONDONTWRITEBYTECODE``
is set, both tools get a temporary bytecode cache (``PYTHONPYCACHEPREFIX``) so
that, as in an installed package, modules are not recompiled at every start.
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
DEFAULT_DIR = ROOT / "examples" / "campagne" / "depot" / "2024"
GOAL_SECONDS = 0.6
GOAL_RATIO = 2.0


def _tool(name: str) -> list[str]:
    """The console script next to this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name(name)
    if script.exists():
        return [str(script)]
    found = shutil.which(name)
    return [found] if found else [sys.executable, "-m", name]


def _generate(folder: Path) -> Path:
    """20 filled templates (the reporting chambers) when the example campaign is absent."""
    from datetime import date

    from openpyxl import load_workbook

    from cmacop.cop.catalogue import load_catalogue
    from cmacop.template import write_templates

    catalogue = load_catalogue()
    for n, path in enumerate(write_templates(2024, folder).files):
        wb = load_workbook(path)
        for row, ind in enumerate(catalogue.indicators, start=2):
            wb["Indicateurs"].cell(row=row, column=7).value = (
                100 + n + row * (-1 if ind.ceiling else 1)
            )
        wb["Identification"]["B5"] = date(2025, 2, 10)
        wb.save(path)
    return folder


def _cpu() -> float:
    """CPU time (user + system) of the finished child processes, 0 where unavailable."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) time of one run; a crash (exit code other than 0 or 1) stops the script."""
    cpu, start = _cpu(), time.perf_counter()
    proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.decode(errors="replace")
    # 1 is « invalid data found »; a tool that is not installed also exits 1 (python -m).
    if proc.returncode not in (0, 1) or "No module named" in stderr:
        sys.exit(f"échec de {' '.join(command[:2])} : {stderr}")
    return elapsed, _cpu() - cpu


def _fr(seconds: float) -> str:
    return f"{seconds:.3f}".replace(".", ",") + " s"


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*") if p.suffix in (".xlsx", ".csv"))


ENVIRONMENTS = {
    "dépendances de cmacop + frictionless": [".", "frictionless>=5"],
    "les mêmes + pandas et pyarrow": [".[bench]"],
}


def _environment(folder: Path, requirements: list[str]) -> Path:
    """A fresh virtual environment with ``requirements`` installed; its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", *requirements],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return folder / "bin"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9, help="exécutions mesurées par outil")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="dossier des dépôts")
    parser.add_argument("--cmacop", help="exécutable cmacop (défaut : celui de cet interpréteur)")
    parser.add_argument("--frictionless", help="exécutable frictionless")
    parser.add_argument(
        "--environnements",
        action="store_true",
        help="mesurer dans deux environnements neufs (sans puis avec pandas et pyarrow)",
    )
    args = parser.parse_args()
    if not args.environnements:
        compare(args)
        return
    with tempfile.TemporaryDirectory(prefix="cmacop-bench-env-") as tmp:
        for n, (label, requirements) in enumerate(ENVIRONMENTS.items()):
            print(f"== environnement {n + 1} : {label}")
            bin_dir = _environment(Path(tmp) / f"env{n}", requirements)
            args.cmacop, args.frictionless = str(bin_dir / "cmacop"), str(bin_dir / "frictionless")
            compare(args)


def compare(args: argparse.Namespace) -> None:
    """Both tools, interleaved, ``args.repeat`` times; medians, ratio and goal printed."""
    with tempfile.TemporaryDirectory(prefix="cmacop-bench-") as tmp:
        folder, files = args.dir, _files(args.dir)
        if len(files) < 20:
            print(f"{folder} absent ou incomplet : 20 modèles remplis générés pour la mesure.")
            folder = _generate(Path(tmp) / "depot")
            files = _files(folder)
        env = dict(os.environ)
        if env.pop("PYTHONDONTWRITEBYTECODE", None):
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        cmacop = [args.cmacop] if args.cmacop else _tool("cmacop")
        frictionless = [args.frictionless] if args.frictionless else _tool("frictionless")
        commands = {
            "cmacop validate": [*cmacop, "validate", str(folder), "--year", "2024",
                                "--format", "json"],
            # --trusted: frictionless refuses absolute paths otherwise (and stops at once)
            "frictionless validate": [*frictionless, "validate", "--trusted", *map(str, files)],
        }  # fmt: skip
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm-up: bytecode cache, file-system cache
            _time(command, env)
        for _ in range(args.repeat):
            for name, command in commands.items():
                elapsed, used = _time(command, env)
                wall[name].append(elapsed)
                cpu[name].append(used)

    medians = {name: statistics.median(values) for name, values in wall.items()}
    print(f"{len(files)} fichiers de {folder}")
    print(f"{args.repeat} exécutions par outil, processus complet, en alternance :")
    for name, values in wall.items():
        print(
            f"  {name:<22} médiane {_fr(medians[name])} (min {_fr(min(values))}, "
            f"max {_fr(max(values))}) ; temps CPU médian {_fr(statistics.median(cpu[name]))}"
        )
    ratio = medians["frictionless validate"] / medians["cmacop validate"]
    print(f"  rapport : cmacop est {ratio:.1f} fois plus rapide".replace(".", ","))
    reached = medians["cmacop validate"] <= GOAL_SECONDS and ratio >= GOAL_RATIO
    print(f"  objectif (≤ {_fr(GOAL_SECONDS)} et ≥ 2×) : {'atteint' if reached else 'non atteint'}")


if __name__ == "__main__":
    main()
