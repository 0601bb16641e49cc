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


# --------------------------------------------------------------------------- a full or read-only drive


def _frame():
    import polars as pl

    return pl.DataFrame({"a": [f"{i:07d}" * 3 for i in range(200_000)]})


def test_a_parquet_write_on_a_full_drive_is_no_space_left_not_a_compute_error(tmp_path):
    """polars raises ComputeError when the disk fills while it writes Parquet: the write is
    checked against the disk and reported as the disk's errno."""
    import errno

    from drive import tmpfs

    from cmacop.files.fsutil import write_with

    frame = _frame()
    with tmpfs(tmp_path / "partage", "300k") as drive:
        target = drive.path / "donnees" / "annee=2024" / "data.parquet"
        with pytest.raises(OSError) as exc:
            write_with(target, lambda tmp: frame.write_parquet(tmp, compression="uncompressed"))
        assert exc.value.errno == errno.ENOSPC and exc.value.filename == str(target)
        assert list(target.parent.iterdir()) == []  # no temporary file left


def test_the_disk_says_why_a_write_failed(tmp_path):
    import errno

    from drive import tmpfs

    from cmacop.files.fsutil import disk_cause

    with tmpfs(tmp_path / "partage", "1m") as drive:
        assert disk_cause(drive.path) is None
        drive.fill()
        assert disk_cause(drive.path) == errno.ENOSPC
        drive.free()
        drive.read_only()
        assert disk_cause(drive.path) == errno.EROFS
        drive.read_only(False)
        assert disk_cause(drive.path) is None


@pytest.mark.parametrize("code", ["ENOSPC", "EDQUOT", "EACCES", "EROFS"])
def test_a_library_failure_on_a_refusing_drive_becomes_its_errno(tmp_path, monkeypatch, code):
    """The same on any machine: the simulated drive refuses the probe with each errno."""
    import errno

    from drive import FakeDrive

    from cmacop.files.fsutil import write_with

    fake = FakeDrive(monkeypatch)
    target = tmp_path / "sortie" / "data.parquet"
    target.parent.mkdir()

    class ComputeError(Exception):  # what polars raises, as seen from here
        pass

    def writer(tmp):
        fake.refuse(tmp_path / "sortie", getattr(errno, code))
        raise ComputeError("parquet: File out of specification: Invalid thrift")

    with pytest.raises(OSError) as exc:
        write_with(target, writer)
    assert exc.value.errno == getattr(errno, code)
    assert isinstance(exc.value.__cause__, ComputeError)


def test_a_library_failure_the_disk_does_not_explain_is_left_as_it_is(tmp_path):
    from cmacop.files.fsutil import write_with

    def writer(tmp):
        raise ValueError("un vrai bogue")

    with pytest.raises(ValueError, match="un vrai bogue"):
        write_with(tmp_path / "x.parquet", writer)
    assert list(tmp_path.iterdir()) == []


def test_a_write_error_reported_at_the_batch_flush_is_raised(tmp_path, monkeypatch):
    """A network share that reports a full disk only when flushed: the batch is not done."""
    import ctypes
    import errno

    from cmacop.files import fsutil

    def failing(fd):
        ctypes.set_errno(errno.ENOSPC)
        return -1

    monkeypatch.setattr(fsutil, "_syncfs", lambda: failing)
    with pytest.raises(OSError) as caught:
        fsutil.flush_to_disk(tmp_path)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(tmp_path)
