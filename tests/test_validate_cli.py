"""``cmacop validate`` in a terminal or a pipe: exit codes, exact messages, JSON, hostile text."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cmacop.cli import app, main
from cmacop.french import to_json
from cmacop.validate.engine import validate_paths
from cmacop.validate.findings import CODES, codes_markdown

runner = CliRunner()


def test_a_valid_file(make_workbook):
    path = make_workbook()
    result = runner.invoke(app, ["validate", str(path), "--year", "2024"])
    assert result.exit_code == 0
    assert result.output == (
        f"{path} : valide\nTotal : 1 fichier contrôlé, 1 valide, 0 erreur, 0 avertissement.\n"
    )


def test_errors_give_blocks_a_summary_per_file_and_exit_1(make_workbook):
    """In a pipe: plain lines, one block per finding (issue 13: no table, no padding)."""
    bad = make_workbook(values={"I1.4": "NC"})
    good = make_workbook("CMAR-11", targets=make_workbook.targets("CMAR-11"))
    result = runner.invoke(app, ["validate", str(bad), str(good)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{bad} — CMAR-84 2024",
        "erreur E-VAL-001 Indicateurs!G5 (I1.4)",
        "  texte « NC » au lieu d'un nombre",
        "  → Saisissez un nombre (0 si aucune réalisation), sans texte ni unité. Une "
        "explication va dans la colonne Commentaire.",
        "",
        f"{bad} : 1 erreur, 0 avertissement",
        f"{good} : valide",
        "Total : 2 fichiers contrôlés, 1 valide, 1 erreur, 0 avertissement.",
    ]


def test_warnings_pass_unless_strict(make_workbook):
    path = make_workbook(values={"I1.4": 1000})
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    result = runner.invoke(app, ["validate", str(path), "--strict"])
    assert result.exit_code == 1
    assert f"{path} : 0 erreur, 1 avertissement" in result.output


def test_json_equals_the_library_report(make_workbook, tmp_path):
    paths = [make_workbook(values={"I1.4": -2}), make_workbook.csv(values={"I1.3": "n/a"})]
    (tmp_path / "depot" / "2024" / "~$COM_2024_CMAR-84.xlsx").write_bytes(b"")
    folder = tmp_path / "depot"
    result = runner.invoke(app, ["validate", str(folder), "--format", "json", "--year", "2024"])
    assert result.exit_code == 1
    report = validate_paths([folder], year=2024)
    assert json.loads(result.output) == report.to_dict()
    assert [f["fichier"] for f in report.to_dict()["fichiers"]] == [str(p) for p in paths[::-1]]


def test_skipped_files_are_listed(make_workbook, tmp_path):
    make_workbook()
    lock = tmp_path / "depot" / "2024" / ".~lock.COM_2024_CMAR-84.xlsx#"
    lock.write_bytes(b"")
    result = runner.invoke(app, ["validate", str(tmp_path / "depot")])
    assert f"Ignoré : {lock} (fichier de verrouillage de LibreOffice)" in result.output
    assert result.output.endswith(
        "Total : 1 fichier contrôlé, 1 valide, 0 erreur, 0 avertissement, 1 ignoré.\n"
    )


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["validate"], 2, "Erreur : paramètre obligatoire manquant : CHEMIN"),
        (["validate", "/nulle/part.xlsx"], 2, "Erreur : chemin introuvable : /nulle/part.xlsx"),
        (["validate", ".", "--format", "xml"], 2,
         "Erreur : valeur non valide pour --format / -f : « xml » (valeurs possibles : table, json)\n"),
        (["validate", ".", "--history", "/nulle/part"], 2,
         "Erreur : dossier d'historique introuvable : /nulle/part"),
        (["validate", ".", "--targets", "/nulle/cibles.csv"], 4, "Erreur : /nulle/cibles.csv"),
    ],
)  # fmt: skip
def test_usage_errors_are_french_with_exit_codes(capsys, argv, code, message):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == code
    err = capsys.readouterr().err
    assert err.startswith(message), err
    assert "Traceback" not in err


def test_exit_code_through_main(make_workbook, capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate", str(make_workbook(values={"I1.4": "NC"})), "--format", "json"])
    assert info.value.code == 1
    assert json.loads(capsys.readouterr().out)["code_sortie"] == 1


HOSTILE = "NC\x1b[2J\x07\u202e[red]gras[/]\u2028fin"


def _hostile_workbook(make_workbook, rezip, tmp_path):
    """A workbook whose I1.4 holds ESC and BEL as Excel stores them (``_x001B_``)."""
    source = make_workbook(values={"I1.4": "NC@ESC@[2J@BEL@\u202e[red]gras[/]\u2028fin"})
    return rezip(
        source, tmp_path / "hostile" / source.name, "xl/worksheets/sheet2.xml",
        lambda d: d.replace(b"@ESC@", b"_x001B_").replace(b"@BEL@", b"_x0007_"),
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_control_characters_do_not_reach_the_terminal(make_workbook, rezip, tmp_path, kind):
    if kind == "xlsx":
        path = _hostile_workbook(make_workbook, rezip, tmp_path)
    else:
        path = make_workbook.csv(values={"I1.4": HOSTILE}, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\u202e" not in result.output and "\u2028" not in result.output
    assert "NC\\x1b[2J\\x07\\u202e[red]gras[/]\\u2028fin" in result.output.replace("\n", "")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_control_characters_are_escaped_in_json(make_workbook, rezip, tmp_path, kind):
    if kind == "xlsx":
        path = _hostile_workbook(make_workbook, rezip, tmp_path)
    else:
        path = make_workbook.csv(values={"I1.4": HOSTILE}, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    for raw in ("\x1b", "\x07", "\u202e", "\u2028"):
        assert raw not in result.output
    assert "NC\\u001b[2J\\u0007\\u202e[red]gras[/]\\u2028fin" in result.output
    (finding,) = json.loads(result.output)["fichiers"][0]["constats"]
    assert (finding["code"], finding["valeur"]) == ("E-VAL-001", HOSTILE)


def test_json_escaping_keeps_french_spaces_and_non_bmp_characters():
    data = {"a": "1\u202f200 €", "b": "\U000e0001"}
    text = to_json(data)
    assert "1\u202f200 €" in text
    assert "\\udb40\\udc01" in text
    assert json.loads(text) == data


def test_codes_table_for_the_readme_lists_every_code_once():
    table = codes_markdown()
    assert table.splitlines()[0] == "| Code | Gravité | Famille | Signification |"
    assert "| `E-VAL-001` | erreur | Valeurs | texte au lieu d'un nombre" in table
    assert "| `W-DELAI-001` | avertissement | Délai | transmis hors délai |" in table
    assert len(table.splitlines()) == 2 + len(CODES)


def test_config_file_gives_thresholds_and_references(make_workbook, tmp_path, monkeypatch):
    path = make_workbook(values={"I1.4": 120})
    config = "[controles]\nplausibilite_max = 2\ndelai_stabilite = 0\n"
    (tmp_path / "cmacop.toml").write_text(config, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    (finding,) = json.loads(result.output)["fichiers"][0]["constats"]
    assert finding["code"] == "W-PLAUS-001"
    assert finding["message"] == "réalisé (120) supérieur à 2 fois la cible (53)"


@pytest.mark.parametrize(
    ("module", "afterwards"),
    [("hypothesis", "hypothesis.strategies"), ("pandas", "pandas"), ("numpy", "numpy")],
)
def test_validation_imports_neither_hypothesis_nor_pandas(make_workbook, module, afterwards):
    """pandera would import hypothesis (~0,08 s of every start) for data synthesis only, and
    numpy and pandas with pyarrow (~0,8 s, where an analyst has them installed) for its
    pandas API."""
    import subprocess
    import sys

    pytest.importorskip(module)  # the test is meaningful where the module is installed
    path = make_workbook(values={"I1.1": "NC"})
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from cmacop.validate.engine import validate_paths\n"
        f"report = validate_paths([Path({str(path)!r})])\n"
        "assert 'pandera.polars' in sys.modules, 'pandera non utilisé'\n"
        f"print({module!r} in sys.modules, report.errors > 0)\n"
        f"import {afterwards}  # still importable afterwards\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True"]
