"""``cmacop run`` on synthetic campaigns of 250, 500 and 1 000 workbooks, as whole processes.

    python benchmarks/run.py [--sizes 250,500,1000] [--repeat 5]

The workbooks: 20 chambers × 5 years (2023-2027) × 10 successive versions. One
filled template per chamber and year is built with openpyxl; each later version
is that workbook with its realised values scaled down, patched in the sheet's
XML (a zip rewrite, ~2 ms a file). Versions arrive in order (file dates), so
each one replaces the previous in the store, with its audit lines.

Per size, from an empty campaign folder (settling delay 0): wall time and peak
memory (``ru_maxrss`` of the child) of ``cmacop run --quiet`` — validation,
annotated workbooks and accusés, consolidation, bilans 2024. Then the steady
state: ``cmacop run`` with nothing new, as a ratio to ``cmacop --version`` run
in the same command. Goals (issue 6): 1 000 workbooks in under 30 s and
400 MB, cost growing linearly (a fixed part plus a cost per workbook: the
marginal cost per workbook must not climb with the size), steady state under 0,5 s.

The figure to improve (issue 10) is the **marginal cost per workbook as a multiple of
parsing that workbook once** with cmacop's own reader (unzipping and parsing every part
the validation reads), measured in the same command on the same files: machines differ
by 2× here, the ratio much less. Goal: at most 4×.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "examples" / "campagne" / "referentiel"
YEARS = (2023, 2024, 2025, 2026, 2027)
VERSIONS = 10
CAMPAIGN_YEAR = 2024
GOAL_S, GOAL_MB, GOAL_STEADY_S, GOAL_RATIO = 30.0, 400.0, 0.5, 4.0
# Runs the command given and prints its wall time, peak memory (KiB on Linux) and exit code.
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
    " code)\n"
)
_G_CELL = re.compile(rb'(<c r="G(\d+)"[^>]*>(?:<f>[^<]*</f>)?<v>)(\d+)(</v>)')


def _fr(value: float, unit: str, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",") + f"\u202f{unit}"


def _base_workbooks(folder: Path) -> dict[tuple[int, str], bytes]:
    """One filled, valid workbook per chamber and year (targets as the campaign derives them)."""
    from cmacop.cop.catalogue import load_catalogue
    from cmacop.cop.referentiel import template_targets
    from cmacop.cop.registry import load_registry
    from cmacop.template import build_workbook

    catalogue, registry = load_catalogue(), load_registry()
    units = {"%": 62.5, "€": 250_000, "tCO2e": 14.5, "nombre": 120}
    out = {}
    for year in YEARS:
        targets = template_targets(
            year,
            targets=REFERENCES / "cibles_com.csv",
            key=REFERENCES / "cle_repartition.csv",
        )
        for chamber in registry.reporting:
            wb = build_workbook(chamber, year, catalogue, targets)
            realised: dict[str, int | None] = {}
            for ind in catalogue.indicators:
                realised[ind.code] = targets.get((chamber.code, year, ind.code))
            for ind in catalogue.indicators:  # « dont » rows never exceed their total
                head = realised.get(ind.ceiling) if ind.ceiling else None
                value = realised[ind.code]
                if value is not None and head is not None:
                    realised[ind.code] = min(value, head)
            for row, ind in enumerate(catalogue.indicators, start=2):
                wb["Indicateurs"].cell(row=row, column=7).value = realised[ind.code]
            for row, ind in enumerate(catalogue.impacts, start=2):
                wb["Impact"].cell(row=row, column=7).value = units.get(ind.unit, 10)
            ident = wb["Identification"]
            ident["B5"] = date(year + 1, 2, 15)
            ident["B6"], ident["B7"] = "Claire Martin (fictif)", "claire.martin@example.fr"
            path = folder / f"base_{year}_{chamber.code}.xlsx"
            wb.save(path)
            out[(year, chamber.code)] = path.read_bytes()
    return out


def _indicators_part(data: bytes) -> str:
    """The zip part of the « Indicateurs » sheet (its target in the workbook's relations)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        book = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet[^>]*name="Indicateurs"[^>]*r:id="(rId\d+)"', book)
    assert rid is not None
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
    )
    assert target is not None
    name = target.group(1).lstrip("/")
    return name if name.startswith("xl/") else f"xl/{name}"


def _version(data: bytes, part: str, version: int) -> bytes:
    """A later version: every realised value scaled down (floor keeps « dont » ≤ total)."""
    factor = 1 - 0.015 * version

    def scale(m: re.Match[bytes]) -> bytes:
        if int(m.group(2)) < 2:  # header row
            return m.group(0)
        return m.group(1) + str(int(int(m.group(3)) * factor)).encode() + m.group(4)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == part:
                content = _G_CELL.sub(scale, content)
            dst.writestr(info, content)
    return out.getvalue()


def build_pool(folder: Path) -> list[tuple[Path, str]]:
    """The 1 000 files, in arrival order: (file in the pool, path under depot/)."""
    bases = _base_workbooks(folder)
    part = _indicators_part(next(iter(bases.values())))
    pool = []
    for version in range(VERSIONS):
        for (year, chamber), data in sorted(bases.items()):
            suffix = "" if version == 0 else f"_v{version + 1}"
            name = f"{year}/COM_{year}_{chamber}{suffix}.xlsx"
            path = folder / "pool" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data if version == 0 else _version(data, part, version))
            pool.append((path, name))
    return pool


def campaign(folder: Path, files: list[tuple[Path, str]]) -> Path:
    from cmacop.campaign.config import render_default_config

    shutil.copytree(REFERENCES, folder / "referentiel")
    config = render_default_config(CAMPAIGN_YEAR).replace(
        "delai_stabilite = 60", "delai_stabilite = 0"
    )
    (folder / "cmacop.toml").write_text(config, encoding="utf-8")
    start = time.time() - 86_400
    for n, (source, name) in enumerate(files):
        target = folder / "depot" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        os.utime(target, (start + n, start + n))  # arrival order
    return folder


def measure(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak MB, exit code) of one command, in its own measuring process."""
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True
    ).stdout.split()
    kib = int(out[1]) if sys.platform != "darwin" else int(out[1]) // 1024
    return float(out[0]), kib / 1024, int(out[2])


def parse_cost(pool: list[tuple[Path, str]], repeat: int) -> float:
    """Seconds to parse one workbook of ``pool`` once with cmacop's reader (median of runs)."""
    from cmacop.validate.submission import read_submission

    files = [(path, path.read_bytes()) for path, _ in pool]
    runs = []
    for _ in range(max(repeat, 3)):
        start = time.perf_counter()
        for path, data in files:
            read_submission(path, data)
        runs.append((time.perf_counter() - start) / len(files))
    return statistics.median(runs)


def _line(points: list[tuple[int, float]]) -> tuple[float, float]:
    """(intercept, slope) of the least-squares line through ``points``."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return 0.0, mean_y / mean_x
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / var
    return mean_y - slope * mean_x, slope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,500,1000", help="tailles (défaut : 250,500,1000)")
    parser.add_argument("--repeat", type=int, default=5, help="mesures de l'état stable")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    cmacop = [sys.executable, "-m", "cmacop"]
    with tempfile.TemporaryDirectory(prefix="cmacop-bench-run-") as tmp:
        started = time.perf_counter()
        pool = build_pool(Path(tmp))
        print(f"{len(pool)} classeurs générés en {_fr(time.perf_counter() - started, 's', 1)}")
        rows = []
        for size in sizes:
            folder = campaign(Path(tmp) / f"campagne_{size}", pool[:size])
            wall, peak, code = measure([*cmacop, "run", "--config", str(folder), "--quiet"])
            if code not in (0, 1):
                raise SystemExit(f"échec de cmacop run sur {size} classeurs (code {code})")
            rows.append((size, wall, peak))
            print(
                f"  {size:>5} classeurs : {_fr(wall, 's', 1)}, "
                f"{_fr(wall / size * 1000, 'ms')} par classeur, mémoire max {_fr(peak, 'Mo', 0)}"
            )
        largest = folder
        parse_s = parse_cost(pool[: sizes[-1]], args.repeat)
        steady = [
            measure([*cmacop, "run", "--config", str(largest)])[0] for _ in range(args.repeat)
        ]
        version = [measure([*cmacop, "--version"])[0] for _ in range(args.repeat)]
    per_file = [wall / size for size, wall, _ in rows]
    # Linear cost: a fixed part (start-up, the bilans, the exports of each year) plus a
    # cost per workbook, so small campaigns are dearer per workbook. What must not grow
    # is the marginal cost: each step's extra seconds per extra workbook, compared with
    # the first step's (a quadratic part would make it climb).
    growth = per_file[-1] / per_file[0]
    steps = [(w2 - w1) / (s2 - s1) for (s1, w1, _), (s2, w2, _) in pairwise(rows)]
    marginal = max(steps) / steps[0] if len(steps) > 1 and steps[0] > 0 else 1.0
    fixed, slope = _line([(size, wall) for size, wall, _ in rows])
    steady_s, version_s = statistics.median(steady), statistics.median(version)
    print(f"  croissance : coût par classeur de {_fr(per_file[0] * 1000, 'ms')} ({sizes[0]}) à "
          f"{_fr(per_file[-1] * 1000, 'ms')} ({sizes[-1]}), rapport {growth:.2f} ; droite des "
          f"moindres carrés : {_fr(fixed, 's', 1)} fixes + {_fr(slope * 1000, 'ms')} par "
          "classeur".replace(".", ",", 1))  # fmt: skip
    print("  coût marginal par classeur : " + " ; ".join(_fr(x * 1000, "ms") for x in steps)
          + f" (rapport {marginal:.2f})".replace(".", ","))  # fmt: skip
    ratio = slope / parse_s
    print(
        f"  lecture d'un classeur par cmacop (décompression et analyse) : "
        f"{_fr(parse_s * 1000, 'ms')} ; coût marginal par classeur = {ratio:.1f} fois "
        "cette lecture".replace(".", ",")
    )
    print(
        f"  état stable (rien de nouveau) : médiane {_fr(steady_s, 's', 3)}, soit "
        f"{steady_s / version_s:.1f} fois « cmacop --version » ({_fr(version_s, 's', 3)})".replace(
            ".", ",", 1
        )
    )
    size, wall, peak = rows[-1]
    goals = {
        f"{size} classeurs en moins de {GOAL_S:.0f} s": size < 1000 or wall < GOAL_S,
        f"mémoire sous {GOAL_MB:.0f} Mo": peak < GOAL_MB,
        "croissance linéaire (coût marginal stable à 30 % près)": marginal <= 1.3,
        f"état stable sous {_fr(GOAL_STEADY_S, 's', 1)}": steady_s < GOAL_STEADY_S,
        f"coût marginal au plus {GOAL_RATIO:.0f} fois la lecture d'un classeur": ratio
        <= GOAL_RATIO,
    }
    for goal, reached in goals.items():
        print(f"  objectif « {goal} » : {'atteint' if reached else 'NON ATTEINT'}")


if __name__ == "__main__":
    main()
