"""One finding per cause, in the order a person fixes them (issue 13): no cascade on a
cell with an error, groups of one code and cause, errors first, the gap tolerance, and
the one rule for versions."""

from __future__ import annotations

import json
import os
from datetime import date

import pytest
from typer.testing import CliRunner

from cmacop.campaign.settings import Settings, Thresholds
from cmacop.cli import app, main
from cmacop.validate.engine import validate_paths
from cmacop.validate.findings import FindingGroup, grouped

runner = CliRunner()


def _codes(report, index=0):
    return [(f.code, f.location) for f in report.files[index].findings]


@pytest.mark.parametrize(
    ("value", "code"),
    [(-5, "E-VAL-004"), (3.5, "E-VAL-003"), (-3.5, "E-VAL-004"), ("-5", "E-VAL-004")],
)
def test_a_cell_with_an_error_gets_nothing_else(make_workbook, value, code):
    """« −5 » used to give E-VAL-004, W-PLAUS-002 and W-PLAUS-005; « 3,5 » two findings."""
    report = validate_paths([make_workbook(values={"I1.4": value})])
    assert _codes(report) == [(code, "Indicateurs!G5")]


def test_a_bound_is_not_judged_against_a_wrong_value(make_workbook):
    """I1.1 negative: its error only, not a cascade onto I1.2 ≤ I1.1."""
    report = validate_paths([make_workbook(values={"I1.1": -1, "I1.2": 100})])
    assert _codes(report) == [("E-VAL-004", "Indicateurs!G2")]


def test_errors_first_then_warnings_each_in_sheet_and_row_order(make_workbook, tmp_path):
    path = make_workbook(
        values={"I1.3": 1000, "I1.4": "NC", "I1.5": 1, "I9.2": None}, sent=date(2025, 3, 5)
    )
    report = validate_paths([path])
    assert _codes(report) == [
        ("E-VAL-001", "Indicateurs!G5"),
        ("E-COMPL-001", "Indicateurs!G31"),
        ("W-DELAI-001", "Identification!B5"),
        ("W-PLAUS-001", "Indicateurs!G4"),
        ("W-PLAUS-002", "Indicateurs!G6"),
        ("W-PLAUS-005", "Indicateurs!H6"),
    ]


def test_a_short_csv_gives_one_line_for_people_and_one_entry_per_indicator(make_workbook):
    path = make_workbook.csv()
    lines = path.read_text(encoding="cp1252").splitlines()
    path.write_text("\n".join(lines[:3]) + "\n", encoding="cp1252")  # header + I1.1, I1.2
    report = validate_paths([path])
    findings = report.files[0].findings
    missing = [f for f in findings if f.code == "E-STRUCT-010"]
    assert len(missing) == 33
    assert {f.group for f in missing} == {"E-STRUCT-010/1"}
    (line,) = [g for g in grouped(findings) if isinstance(g, FindingGroup)]
    assert line.message.startswith("33 indicateurs absents du fichier : I1.3, I1.4, I1.5, I2.1, ")
    assert line.message.endswith(", I13.1, I13.2")
    data = json.loads(runner.invoke(app, ["validate", str(path), "--format", "json"]).output)
    entries = data["fichiers"][0]["constats"]
    assert sum(1 for e in entries if e["groupe"] == "E-STRUCT-010/1") == 33
    assert data["totaux"]["erreurs"] == 33


def test_a_finding_alone_has_no_group(make_workbook):
    (finding,) = validate_paths([make_workbook(values={"I1.4": "NC"})]).findings
    assert finding.group is None
    assert finding.to_dict()["groupe"] is None


def test_same_text_in_several_cells_is_one_cause(make_workbook):
    path = make_workbook(values={"I1.3": "NC", "I1.4": "NC", "I2.1": "n/a"})
    groups = grouped(validate_paths([path]).files[0].findings)
    assert [g.message for g in groups] == [
        "2 textes « NC » au lieu d'un nombre : I1.3 (G4), I1.4 (G5)",
        "texte « n/a » au lieu d'un nombre",
    ]


@pytest.mark.parametrize(
    ("realised", "target", "warned"),
    [(134, 136, False), (130, 136, False), (128, 136, True), (136, 136, False)],
)
def test_gap_without_comment_only_beyond_the_tolerance(make_workbook, realised, target, warned):
    targets = make_workbook.targets()
    targets[("CMAR-84", 2024, "I1.4")] = target
    path = make_workbook(values={"I1.4": realised}, targets=targets)
    codes = [f.code for f in validate_paths([path], targets=targets).findings]
    assert ("W-PLAUS-005" in codes) == warned


def test_gap_message_gives_the_gap(make_workbook):
    (finding,) = validate_paths([make_workbook(values={"I1.4": 40})]).findings
    assert finding.message == (
        "écart sans commentaire : réalisé (40) inférieur de 24,5\u202f% à la cible (53)"
    )


def test_gap_tolerance_is_a_setting(make_workbook, tmp_path, monkeypatch):
    targets = make_workbook.targets()
    targets[("CMAR-84", 2024, "I1.4")] = 136
    path = make_workbook(values={"I1.4": 134}, targets=targets)
    strict = Settings(thresholds=Thresholds(gap=0))
    assert [f.code for f in validate_paths([path], settings=strict).findings] == ["W-PLAUS-005"]
    config = "[controles]\ntolerance_ecart = 0\ndelai_stabilite = 0\n"
    (tmp_path / "cmacop.toml").write_text(config, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    assert [f["code"] for f in json.loads(result.output)["fichiers"][0]["constats"]] == [
        "W-PLAUS-005"
    ]


def test_gap_tolerance_out_of_range_is_refused(tmp_path, monkeypatch, make_workbook, capsys):
    path = make_workbook()
    (tmp_path / "cmacop.toml").write_text("[controles]\ntolerance_ecart = 2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["validate", str(path)])
    assert info.value.code == 2
    assert capsys.readouterr().err.startswith(
        "Erreur : tolérance d'écart non valide (2.0) : elle doit être entre 0 et 1"
    )


# --------------------------------------------------------------------------- versions


def _at(path, seconds):
    os.utime(path, (seconds, seconds))
    return path


def test_the_latest_transmission_date_is_the_current_version(make_workbook):
    newer = _at(make_workbook(values={"I1.4": "NC"}, sent=date(2025, 2, 20)), 1_700_000_000)
    older = _at(
        make_workbook(name="COM_2024_CMAR-84_v1.xlsx", sent=date(2025, 2, 10)), 1_800_000_000
    )
    report = validate_paths([newer.parent])
    by_name = {f.path.name: f for f in report.files}
    assert by_name[older.name].replaced_by == str(newer)
    assert by_name[newer.name].replaced_by is None
    assert "E-IDENT-004" not in [f.code for f in report.findings]
    assert report.exit_code == 1  # the current version has an error
    assert report.to_dict()["totaux"]["remplaces"] == 1
    assert by_name[older.name].to_dict()["statut"] == "remplacé"


def test_same_date_the_latest_modification_is_current(make_workbook):
    first = _at(make_workbook(values={"I1.4": "NC"}), 1_700_000_000)
    second = _at(make_workbook(name="COM_2024_CMAR-84_corrige.xlsx"), 1_700_000_100)
    report = validate_paths([first, second])
    assert [f.replaced_by for f in report.files] == [str(second), None]
    assert report.exit_code == 0  # the error was in the version replaced
    result = runner.invoke(app, ["validate", str(first), str(second)])
    assert result.exit_code == 0
    assert f"{first} : remplacé par {second}" in result.output
    assert "E-VAL-001" not in result.output
