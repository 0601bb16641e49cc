"""The example campaign is what scripts/make_examples.py writes, byte for byte.

docs/developpement.md promises that the script rebuilds ``examples/`` to the
byte; this test keeps the promise true (and the shipped examples in step with
the code that writes templates, reference files and cmacop.toml).
"""

from __future__ import annotations

import runpy
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "examples"


def _tracked() -> set[str] | None:
    """Files of examples/ under version control (None outside a git clone)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "campagne", "broken"],
            cwd=SHIPPED, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return set(out.split()) or None


def test_make_examples_rebuilds_the_shipped_examples_byte_for_byte(tmp_path):
    script = runpy.run_path(str(ROOT / "scripts" / "make_examples.py"))
    script["main"]([str(tmp_path)])
    written = {
        str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
    }
    assert len(written) > 50
    different = [name for name, data in written.items() if (SHIPPED / name).read_bytes() != data]
    assert different == [], f"examples/ n'est plus ce qu'écrit make_examples.py : {different}"
    tracked = _tracked()
    if tracked is not None:  # nothing shipped that the script no longer writes
        assert tracked - set(written) == set()
