"""Files as they arrive: skipped files, formats, hostile files, real-world saves, untouched inputs."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmacop.campaign.settings import Settings
from cmacop.errors import UsageError
from cmacop.validate.engine import validate_paths

YEAR = 2024


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_lock_hidden_temporary_and_system_files_are_skipped(make_workbook, tmp_path):
    good = make_workbook()
    folder = good.parent
    for name in ("~$COM_2024_CMAR-84.xlsx", ".~lock.COM_2024_CMAR-84.xlsx#", ".cache.xlsx",
                 "COM_2024_CMAR-84.xlsx.tmp", "Thumbs.db"):  # fmt: skip
        (folder / name).write_bytes(b"\x00")
    (folder / ".git").mkdir()
    (folder / ".git" / "COM.xlsx").write_bytes(b"\x00")
    report = validate_paths([tmp_path / "depot"])
    assert [f.path for f in report.files] == [good]
    assert {(s.path.name, s.reason) for s in report.skipped} == {
        ("~$COM_2024_CMAR-84.xlsx", "fichier de verrouillage d'Excel"),
        (".~lock.COM_2024_CMAR-84.xlsx#", "fichier de verrouillage de LibreOffice"),
        (".cache.xlsx", "fichier caché"),
        ("COM_2024_CMAR-84.xlsx.tmp", "fichier temporaire"),
        ("Thumbs.db", "fichier système"),
        (".git", "dossier caché"),
    }
    assert report.exit_code == 0


def test_a_file_still_being_copied_is_skipped(make_workbook):
    report = validate_paths([make_workbook()], settings=Settings(settle_seconds=3600))
    assert report.files == ()
    assert report.skipped[0].reason.endswith("copie peut-être en cours")


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".pdf", ".docx", ""])
def test_other_formats_get_one_clear_error_each(tmp_path, suffix):
    path = tmp_path / f"bilan{suffix}"
    path.write_bytes(b"PK\x03\x04 n'importe quoi")
    (finding,) = validate_paths([path]).findings
    assert finding.code == "E-STRUCT-001"
    assert finding.message == "format non pris en charge : enregistrez le fichier au format .xlsx"
    assert finding.value == (suffix or "(sans extension)")


def test_a_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"chemin introuvable : .*absent"):
        validate_paths([tmp_path / "absent"])


MILLION_ROWS = (
    b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
)


@pytest.mark.parametrize(
    ("hostile", "code", "message"),
    [
        (
            lambda src, dst, rezip: rezip(
                src, dst, "xl/worksheets/sheet2.xml",
                lambda d: d.replace(b"</sheetData>", MILLION_ROWS).replace(
                    b'<dimension ref="A1:H36" />', b'<dimension ref="A1:XFD1048576"/>'),
            ),
            "E-STRUCT-004",
            "feuille « Indicateurs » anormalement grande : seules les premières lignes ont été lues",
        ),
        (
            lambda src, dst, rezip: rezip(
                src, dst, "xl/worksheets/sheet2.xml",
                lambda d: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>'
                + d.replace(b"<t>I1.1</t>", b"<t>&a;</t>"),
            ),
            "E-STRUCT-004",
            "classeur refusé par sécurité (déclaration DTD ou entités XML)",
        ),
        (
            lambda src, dst, rezip: dst.write_bytes(src.read_bytes()[:4000]) and dst,
            "E-STRUCT-002",
            "ce fichier n'est pas un classeur Excel lisible (archive .xlsx absente ou corrompue)",
        ),
        (
            lambda src, dst, rezip: rezip(
                src, dst, "xl/worksheets/sheet2.xml", lambda d: d[: d.index(b"</sheetData>") - 50]
            ),
            "E-STRUCT-002",
            "classeur Excel endommagé ou non conforme (XML illisible",
        ),
    ],
    ids=["un million de lignes", "entité externe", "copie tronquée", "XML tronqué"],
)  # fmt: skip
def test_hostile_files_fail_cleanly(make_workbook, rezip, tmp_path, hostile, code, message):
    target = tmp_path / "hostile" / "COM_2024_CMAR-84.xlsx"
    target.parent.mkdir()
    hostile(make_workbook(), target, rezip)
    report = validate_paths([target])
    assert any(f.code == code and f.message.startswith(message) for f in report.findings), [
        (f.code, f.message) for f in report.findings
    ]
    assert report.exit_code == 1


def test_too_many_cells_is_refused(make_workbook, monkeypatch):
    monkeypatch.setattr("cmacop.files.xlsxread.MAX_CELLS", 50)
    (finding,) = validate_paths([make_workbook()]).findings
    assert finding.code == "E-STRUCT-004"
    assert "anormalement grande (plus de 50 cellules)" in finding.message


def test_an_absurdly_large_file_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr("cmacop.validate.engine.MAX_INPUT_BYTES", 10)
    path = tmp_path / "COM_2024_CMAR-84.xlsx"
    path.write_bytes(b"x" * 100)
    (finding,) = validate_paths([path]).findings
    assert (finding.code, finding.message) == (
        "E-STRUCT-004",
        "fichier anormalement volumineux (0 Mo)",
    )


def test_inputs_are_never_modified(make_workbook, tmp_path):
    paths = [make_workbook(values={"I1.4": "NC"}), make_workbook.csv(values={"I1.4": -1})]
    before = [_sha(p) for p in paths]
    report = validate_paths(paths, feedback_dir=tmp_path / "retours")
    assert [_sha(p) for p in paths] == before
    assert [f.sha256 for f in report.files] == before


def test_french_excel_csv_validates_clean(make_workbook):
    path = make_workbook.csv(values={"I6.1": 12_500, "I3.2": 1_250})
    assert "12\u00a0500".encode("cp1252") in path.read_bytes()
    assert b"42,5" in path.read_bytes()  # a percentage with a decimal comma
    report = validate_paths([path], year=YEAR)
    assert report.findings == ()
    assert report.files[0].chamber == "CM-MOSELLE"


def test_utf8_csv_with_narrow_no_break_spaces_validates_clean(make_workbook):
    path = make_workbook.csv(values={"I6.1": "12\u202f500"}, encoding="utf-8-sig")
    assert validate_paths([path]).findings == ()


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) absent")
def test_a_template_saved_by_libreoffice_validates_clean(make_workbook, tmp_path):
    source = make_workbook(folder=tmp_path / "saisie")
    out = tmp_path / "libreoffice"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "xlsx", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    saved = out / source.name
    assert saved.read_bytes() != source.read_bytes()
    report = validate_paths([saved], targets=make_workbook.targets(), year=YEAR)
    assert report.findings == ()


ACTIVITY_VALUE = st.integers(min_value=0, max_value=50_000)
TARGET = st.one_of(st.none(), st.integers(min_value=0, max_value=20_000))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_template_filled_within_the_rules_has_no_error(make_workbook, catalogue, data):
    targets = {
        key: target
        for key, target in (
            (("CMAR-84", YEAR, i.code), data.draw(TARGET)) for i in catalogue.indicators
        )
        if target is not None
    }
    values: dict[str, object] = {}
    for ind in catalogue.indicators:  # a ceiling's own indicator comes first in the catalogue
        has_target = bool(targets.get(("CMAR-84", YEAR, ind.code)))
        value = data.draw(ACTIVITY_VALUE if has_target else st.one_of(st.none(), ACTIVITY_VALUE))
        if ind.ceiling and value is not None and values.get(ind.ceiling) is not None:
            value = min(value, values[ind.ceiling])  # type: ignore[call-overload]
        values[ind.code] = value
    for ind in catalogue.impacts:  # impact indicators are optional
        bound = 100 if ind.unit == "%" else 10_000_000
        number = st.integers(0, bound)
        if ind.unit != "nombre":
            number |= st.floats(0, bound, allow_nan=False).map(lambda x: round(x, 2))
        values[ind.code] = data.draw(st.one_of(st.none(), number))
    path = make_workbook(values=values, targets=targets)
    report = validate_paths([path], targets=targets, year=YEAR)
    assert [f for f in report.findings if f.is_error] == []
    assert report.exit_code == 0
