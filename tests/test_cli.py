"""The command-line shell: French help and errors, exit codes, light start-up."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cmacop import __version__
from cmacop.cli import app, main

runner = CliRunner()


def test_python_m_cmacop_help_is_light_and_french():
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cmacop", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Commandes" in proc.stdout
    assert "Affiche cette aide et quitte." in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "cmacop.cli" in imported  # the import log is complete
    assert not imported & {"polars", "pandera", "openpyxl"}


def test_subprocess_smoke():
    proc = subprocess.run(
        [sys.executable, "-m", "cmacop", "--help"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert "catalogue" in proc.stdout


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"cmacop {__version__}\n"


def test_catalogue_csv():
    result = runner.invoke(app, ["catalogue", "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 35
    assert rows[1] == {
        "code": "I1.2", "axe": "1", "objectif": "1", "type": "flux", "unite": "nombre",
        "resultat_connu": "", "cible_2023": "2500", "cible_2027": "", "plafond": "I1.1",
        "libelle": "PME industrielles accompagnées (prise de RV pour un diagnostic)",
    }  # fmt: skip


def test_catalogue_json_equals_library(catalogue):
    result = runner.invoke(app, ["catalogue", "--format", "json"])
    assert json.loads(result.output) == json.loads(json.dumps(catalogue.to_dict()))


def test_chambres_json_equals_library(registry):
    result = runner.invoke(app, ["chambres", "--format", "json"])
    assert json.loads(result.output) == registry.to_rows()


def test_catalogue_table_in_french():
    result = runner.invoke(app, ["catalogue"])
    assert result.exit_code == 0
    assert "Résultat connu" in result.output
    assert "130\u202f000" in result.output


def test_template_writes_files(tmp_path):
    result = runner.invoke(
        app, ["template", "--year", "2024", "-c", "CMAR-53", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0
    assert (tmp_path / "COM_2024_CMAR-53.xlsx").is_file()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (
            ["template"],
            2,
            "Erreur : année non indiquée : ajoutez --year (par exemple --year 2024)\n",
        ),
        (
            ["template", "--year", "deux"],
            2,
            "Erreur : valeur non valide pour --year / -a : « deux » (nombre entier attendu)\n",
        ),
        (
            ["catalog"],
            2,
            "Erreur : commande inconnue : « catalog » (vouliez-vous dire « catalogue » ?)",
        ),
        (["catalogue", "--zzz"], 2, "Erreur : option inconnue : --zzz"),
        (
            ["template", "--year", "2024", "-c", "CMAR-99"],
            2,
            "Erreur : chambre « CMAR-99 » inconnue",
        ),
        (
            ["catalogue", "--catalogue", "/nonexistent.toml"],
            4,
            "Erreur : catalogue introuvable : /nonexistent.toml",
        ),
    ],
)
def test_errors_are_french_with_exit_codes(capsys, argv, code, message):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == code
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert "Traceback" not in err


def test_debug_shows_the_traceback():
    with pytest.raises(Exception, match="catalogue introuvable"):
        main(["--debug", "catalogue", "--catalogue", "/nonexistent.toml"])


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("validate", "Usage: cmacop validate [OPTIONS] CHEMIN..."),
        ("consolidate", "Usage: cmacop consolidate [OPTIONS] [CHEMIN...]"),
        ("init", "Usage: cmacop init [OPTIONS] DOSSIER"),
    ],
)
def test_usage_line_names_arguments_in_french(command, usage):
    result = runner.invoke(app, [command, "--help"], terminal_width=100)
    assert result.exit_code == 0
    assert usage in result.output


def test_the_program_exits_fast_with_its_code_and_all_its_output(tmp_path):
    """``python -m cmacop`` ends with os._exit: the output must be whole, the code kept."""
    from pathlib import Path

    depot = Path(__file__).resolve().parent.parent / "examples" / "campagne" / "depot" / "2024"
    proc = subprocess.run(
        [sys.executable, "-m", "cmacop", "validate", str(depot), "--format", "json", "--strict"],
        capture_output=True,
    )
    report = json.loads(proc.stdout)  # hundreds of kB through a pipe: nothing cut
    assert len(report["fichiers"]) == 20
    assert proc.returncode == 1  # --strict: the examples' warnings count as errors
    proc = subprocess.run(
        [sys.executable, "-m", "cmacop", "compute", "--year", "deux"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("Erreur : valeur non valide pour --year")


def test_the_run_journal_is_complete_after_a_fast_exit(campaign):
    proc = subprocess.run(
        [sys.executable, "-m", "cmacop", "run", "--config", str(campaign), "--quiet"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    journal = (campaign / "journal" / "cmacop.log").read_text(encoding="utf-8")
    assert "fin du traitement : 40 fichiers traités" in journal.rstrip().splitlines()[-1]


# --------------------------------------------------------------------------- issue 13


def _commands():
    import typer.main

    return typer.main.get_command(app).commands  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(_commands()))
def test_each_help_ends_with_two_or_three_real_examples(name):
    import shlex

    command = _commands()[name]
    result = runner.invoke(app, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0
    lines = [line.strip() for line in result.output.rstrip().splitlines()]
    start = max(i for i, line in enumerate(lines) if line == "Exemples :")
    examples = lines[start + 1 :]
    assert 2 <= len(examples) <= 3, examples
    known = {opt for param in command.params for opt in param.opts + param.secondary_opts}
    known |= {"--help", "-h"}
    for line in examples:
        words = shlex.split(line.split(" > ")[0])
        assert words[:2] == ["cmacop", name], line
        for word in words[2:]:
            if word.startswith("-"):
                assert word in known, f"{line} : option {word} inconnue"


def _with_year(name):
    args = {"validate": ["."], "init": ["campagne"]}.get(name, [])
    return [name, *args]


YEAR_COMMANDS = sorted(n for n, c in _commands().items() if any(p.name == "year" for p in c.params))


@pytest.mark.parametrize("name", YEAR_COMMANDS)
@pytest.mark.parametrize("year", ["24", "2021", "2029", "0"])
def test_a_year_outside_the_cop_is_a_usage_error_in_every_command(
    name, year, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main([*_with_year(name), "--year", year])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"Erreur : année {year} hors du COP 2023-2027 : indiquez une année de 2022 à 2028, "
        "sur quatre chiffres (par exemple --year 2024)\n"
    ), err
    assert not (tmp_path / "campagne").exists()  # nothing done


def test_every_command_with_a_year_is_covered():
    assert set(YEAR_COMMANDS) >= {"template", "validate", "consolidate", "compute", "report",
                                  "init", "run", "statut"}  # fmt: skip


@pytest.mark.parametrize("year", [2022, 2028])
def test_the_years_next_to_the_cop_are_accepted(year, tmp_path):
    from cmacop.validate.engine import validate_paths

    assert validate_paths([tmp_path], year=year).exit_code == 0
