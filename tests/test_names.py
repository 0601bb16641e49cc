"""Safe names for what cmacop writes beside a chamber's file (issue #15)."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmacop.files.fsutil import write_text_atomic
from cmacop.files.names import NAME_MAX, name_hash, name_limit, safe_stem
from cmacop.validate.feedback import SUFFIX_ROOM, feedback_folder, feedback_name, output_stem


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("COM_2024_CMAR-84.xlsx", "COM_2024_CMAR-84"),
        ("Bilan COM 2024 (v2).xlsx", "Bilan COM 2024 (v2)"),
        ("-rf.xlsx", f"_rf_{name_hash('-rf.xlsx')}"),
        ("--help.csv", f"_help_{name_hash('--help.csv')}"),
        ("a\nb.xlsx", f"a_b_{name_hash('a' + chr(10) + 'b.xlsx')}"),
        ("x\x1b[31m.xlsx", f"x_[31m_{name_hash('x' + chr(27) + '[31m.xlsx')}"),
        ("a:b?.xlsx", f"a_b__{name_hash('a:b?.xlsx')}"),
        ("bilan\u202egnp.xlsx", f"bilan_gnp_{name_hash('bilan' + chr(0x202E) + 'gnp.xlsx')}"),
    ],
)
def test_output_stems(name, expected):
    assert output_stem(Path(name)) == expected


def test_a_240_byte_name_fits_and_a_longer_one_is_shortened_with_its_hash():
    fits = "x" * 235 + ".xlsx"  # 240 bytes: its outputs (249 bytes) fit in 255
    assert output_stem(Path(fits)) == "x" * 235
    long = "é" * 125 + ".xlsx"  # 255 bytes
    stem = output_stem(Path(long))
    assert stem.endswith("_" + name_hash(long))
    assert len(f"{stem}_99_controle.xlsx".encode()) <= NAME_MAX
    assert stem.startswith("é" * 10)  # cut between characters, never inside one


FILE_NAMES = st.text(min_size=1, max_size=300).filter(
    lambda s: "/" not in s and "\x00" not in s and s not in (".", "..")
)


@settings(max_examples=300, deadline=None)
@given(FILE_NAMES, st.sampled_from([".xlsx", ".csv", ".xlsm", ""]))
def test_output_names_are_always_safe(stem, suffix):
    name = stem + suffix
    safe = output_stem(Path(name))
    for written in (f"{safe}_controle.xlsx", f"{safe}_accuse.txt", f"{safe}_99_controle.xlsx"):
        assert not written.startswith(("-", ".", " "))
        assert len(written.encode("utf-8", "surrogateescape")) <= NAME_MAX
        assert all(unicodedata.category(c)[0] not in "CZ" or c == " " for c in written), written
        assert not set(written) & set('/\\<>:"|?*')
    if safe != Path(name).stem:
        assert safe.endswith("_" + name_hash(name))


def test_two_names_that_had_to_change_never_meet():
    names = ["-a.xlsx", "_a.xlsx", ".a.xlsx", "a\n.xlsx", "a\r.xlsx", "a:.xlsx", "a?.xlsx"]
    stems = {output_stem(Path(n)).lower() for n in names}
    assert len(stems) == len(names)


def test_feedback_names_in_one_folder_are_numbered_when_taken():
    used: set[str] = set()
    assert feedback_name(Path("COM.xlsx"), used) == "COM_controle.xlsx"
    assert feedback_name(Path("COM.csv"), used) == "COM_2_controle.xlsx"
    assert feedback_name(Path("com.xlsx"), used) == "com_3_controle.xlsx"


def test_mirrored_sub_folders_are_made_safe(tmp_path):
    root, out = tmp_path / "depot" / "2024", tmp_path / "retours" / "2024"
    assert feedback_folder(root / "CMAR-84" / "a.xlsx", out, root) == out / "CMAR-84"
    odd = feedback_folder(root / "-x\n" / "a.xlsx", out, root)
    assert odd.parent == out and not odd.name.startswith("-") and "\n" not in odd.name


def test_the_temporary_file_of_a_long_name_stays_short(tmp_path):
    target = tmp_path / ("x" * 240 + "_controle.xlsx"[:0])
    write_text_atomic(target, "contenu")  # « .<name>.XXXXXXXX.tmp » would exceed 255 bytes
    assert target.read_text() == "contenu"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_name_limit_is_asked_of_the_nearest_existing_folder(tmp_path):
    assert name_limit(tmp_path / "pas" / "encore") == min(
        os.pathconf(tmp_path, "PC_NAME_MAX"), NAME_MAX
    )


def test_safe_stem_with_tag_always_carries_the_hash():
    assert safe_stem("COM", full_name="COM.csv", tag=True) == f"COM_{name_hash('COM.csv')}"
    assert len("_99_controle.xlsx") == SUFFIX_ROOM
