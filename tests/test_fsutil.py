"""Atomic writes on the shared drive."""

from __future__ import annotations

import os
import stat

import pytest

from cmacop.files.fsutil import write_text_atomic


def test_atomic_writes_are_readable_by_colleagues(tmp_path):
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "rapport.md", "# Bilan\n")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "rapport.md").stat().st_mode)
    assert mode == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.md"]


def test_a_failed_write_leaves_the_previous_file(tmp_path):
    target = tmp_path / "bilan.md"
    target.write_text("ancien", encoding="utf-8")

    def boom(_path):
        raise OSError("disque plein")

    from cmacop.files.fsutil import write_with

    with pytest.raises(OSError, match="disque plein"):
        write_with(target, boom)
    assert target.read_text(encoding="utf-8") == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["bilan.md"]
