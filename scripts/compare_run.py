"""Behaviour check for refactorings: ``cmacop run`` on the example campaign, clock frozen.

    python scripts/compare_run.py snapshot DIR     # run the current code, keep its outputs in DIR
    python scripts/compare_run.py compare DIR      # run again, compare byte for byte with DIR

The run happens in a fresh copy of ``examples/campagne`` under ``faketime`` (Debian package
``faketime``), so every timestamp written (store, audit, receipts, bilans, manifest) is the
same from one run to the next. Compared: every file under ``retours/``, ``consolidation/``
and ``bilans/`` (the journal holds the process id and is left out; a workbook is compared part by part,
as its zip entries keep the real dates of temporary files), plus the JSON output of
``cmacop run --format json``.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from _common import copy_campaign  # noqa: E402

FROZEN = "2025-03-03 02:00:00"
COMPARED = ("retours", "consolidation", "bilans")
WORK = Path(tempfile.gettempdir()) / "cmacop-compare-run"


def _run(dest: Path) -> None:
    """Run the example campaign with the clock frozen; its outputs go to ``dest``.

    The run always happens in :data:`WORK`: absolute paths are part of the outputs.
    """
    _run_in(WORK)
    shutil.copytree(WORK, dest, dirs_exist_ok=True, symlinks=True)


def _run_in(dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    if shutil.which("faketime") is None:
        raise SystemExit("faketime est nécessaire : apt-get install faketime")
    campaign = copy_campaign(dest / "campagne")
    # Deposit files keep the dates of the copy: set them, the arrival order depends on them.
    stamp = 1_740_960_000  # 2025-03-03 00:00 UTC
    for i, path in enumerate(sorted((campaign / "depot").rglob("*"))):
        if path.is_file():
            os.utime(path, (stamp + i, stamp + i))
    env = dict(os.environ, TZ="Europe/Paris", FAKETIME_DONT_FAKE_MONOTONIC="1")
    proc = subprocess.run(
        ["faketime", "-f", FROZEN, sys.executable, "-m", "cmacop", "run", "--format", "json",
         "--config", str(campaign)],
        env=env, capture_output=True, text=True, cwd=dest,
    )  # fmt: skip
    if proc.returncode not in (0, 1):
        raise SystemExit(f"cmacop run a échoué ({proc.returncode}) :\n{proc.stderr}")
    (dest / "run.json").write_text(proc.stdout, encoding="utf-8")


def _same(a: Path, b: Path) -> bool:
    """Same bytes; for a workbook, the same parts (zip entries keep the files' real dates)."""
    if filecmp.cmp(a, b, shallow=False):
        return True
    if a.suffix != ".xlsx":
        return False
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        names = za.namelist()
        return names == zb.namelist() and all(za.read(n) == zb.read(n) for n in names)


def _files(top: Path) -> set[str]:
    return {p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file()}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("snapshot", "compare"):
        print(__doc__)
        return 2
    mode, target = argv[0], Path(argv[1]).resolve()
    if mode == "snapshot":
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        _run(target)
        print(f"sorties de référence dans {target}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp)
        _run(here)
        shutil.rmtree(WORK, ignore_errors=True)
        differences = []
        for name in COMPARED:
            old, new = target / "campagne" / name, here / "campagne" / name
            a, b = _files(old), _files(new)
            differences += [f"{name}/{f} : absent maintenant" for f in sorted(a - b)]
            differences += [f"{name}/{f} : nouveau" for f in sorted(b - a)]
            differences += [
                f"{name}/{f} : contenu différent"
                for f in sorted(a & b)
                if not _same(old / f, new / f)
            ]
        if (target / "run.json").read_text() != (here / "run.json").read_text():
            differences.append("sortie JSON de cmacop run différente")
        count = sum(len(_files(target / "campagne" / n)) for n in COMPARED)
        if differences:
            print("\n".join(differences))
            return 1
        print(f"identique : {count} fichiers et la sortie JSON")
        return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
