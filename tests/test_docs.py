"""The README is the front door: every command is documented and has French help."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from cmacop.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_there_are_commands():
    assert {"catalogue", "chambres", "template"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme(command):
    assert re.search(rf"`cmacop {command}\b", README), f"cmacop {command} absent du README"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_french_help(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Affiche cette aide et quitte." in result.output
    docstring = get_command(app).commands[command].help  # type: ignore[attr-defined]
    assert docstring and docstring[0].isupper()


def test_readme_quick_start_has_two_commands_and_one_test_command():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S)
    assert block is not None
    assert len(block.group(1).strip().splitlines()) == 2
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_command = re.search(r"`(python -m pytest[^`]*)`", README)
    assert test_command is not None and test_command.group(1) in ci


def test_finding_codes_table_is_in_the_readme():
    from cmacop.validate.findings import codes_markdown

    assert codes_markdown().strip() in README


def test_quick_start_main_job_runs_on_the_examples(tmp_path, monkeypatch, capsys):
    """The README's second command, run as written on a copy of the examples, succeeds."""
    import shlex
    import shutil

    from cmacop.cli import main

    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S)
    command = shlex.split(block.group(1).strip().splitlines()[1])
    assert command[:2] == ["cmacop", "run"]
    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "examples" / "campagne" / "depot", tmp_path / "examples/campagne/depot")
    shutil.copytree(
        root / "examples" / "campagne" / "referentiel", tmp_path / "examples/campagne/referentiel"
    )
    shutil.copy(root / "examples" / "campagne" / "cmacop.toml", tmp_path / "examples/campagne")
    monkeypatch.chdir(tmp_path)
    try:
        main([*command[1:], "--quiet"])
    except SystemExit as exc:
        assert exc.code in (0, None), capsys.readouterr().err
    assert (tmp_path / "examples/campagne/bilans/2024/bilan_cop_2024.html").is_file()
    assert len(list((tmp_path / "examples/campagne/bilans/2024/com").glob("*.md"))) == 18
