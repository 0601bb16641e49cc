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


def test_durable_writes_are_synced_one_by_one_and_batches_at_once(tmp_path, monkeypatch):
    """A feedback workbook or an accusé is not synced alone: its batch is, once (syncfs)."""
    from cmacop.files import fsutil

    synced: list[str] = []
    monkeypatch.setattr(fsutil.os, "fsync", lambda fd: synced.append("fsync"))
    fsutil.write_bytes_atomic(tmp_path / "manifeste.json", b"{}")
    assert synced == ["fsync"]
    for n in range(3):
        fsutil.write_bytes_atomic(tmp_path / f"retour_{n}.xlsx", b"x", durable=False)
    assert synced == ["fsync"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifeste.json", "retour_0.xlsx", "retour_1.xlsx", "retour_2.xlsx",
    ]  # fmt: skip
    monkeypatch.setattr(fsutil, "_syncfs", lambda: lambda fd: synced.append("syncfs") or 0)
    fsutil.flush_to_disk(tmp_path)
    assert synced == ["fsync", "syncfs"]


def test_sha256_of_bytes_and_of_a_file_agree(tmp_path):
    from cmacop.files.fsutil import sha256

    data = os.urandom(3 << 20)  # more than one block
    (tmp_path / "f").write_bytes(data)
    assert sha256(data) == sha256(tmp_path / "f") == __import__("hashlib").sha256(data).hexdigest()
