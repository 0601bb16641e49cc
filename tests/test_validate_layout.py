"""What ``cmacop validate`` looks like in an 80-column terminal, a wide one and a pipe
(issue 13): codes, cells and indicator codes never broken, no padding in a pipe, and the
README's controller demo as the command prints it."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ["validate", "examples/broken", "--year", "2024", "--config", "examples/campagne"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BOX = set("│┃─━┏┓┗┛┡┩└┘┌┐╇╈┬┴┼")


def _cmacop(*args: str) -> list[str]:
    return [sys.executable, "-m", "cmacop", *args]


def _in_terminal(args: list[str], columns: int) -> str:
    """The command's output in a real terminal (a pseudo-terminal) ``columns`` wide."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(_cmacop(*args), cwd=ROOT, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed: the command has ended
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def _piped(args: list[str]) -> str:
    proc = subprocess.run(_cmacop(*args), cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    return proc.stdout


def _tokens() -> set[str]:
    """Every code, cell and indicator code the demo's findings name."""
    report = json.loads(_piped([*DEMO, "--format", "json"]))
    found = set()
    for file in report["fichiers"]:
        for f in file["constats"]:
            found |= {f["code"], f["cellule"] or "", f["indicateur"] or ""}
            if f["feuille"] and f["cellule"] and not f["groupe"]:  # a group names the sheet once
                found.add(f"{f['feuille']}!{f['cellule']}")
    return found - {""}


def _unbroken(text: str, tokens: set[str]) -> None:
    lines = text.splitlines()
    for token in tokens:
        assert any(token in line for line in lines), f"{token} coupé ou absent"


def test_the_demo_at_80_columns_breaks_no_code_or_cell():
    text = ANSI.sub("", _in_terminal(DEMO, 80))
    _unbroken(text, _tokens())
    assert not BOX & set(text)  # blocks, not a table
    for line in text.splitlines():
        if not line.startswith(("examples/", "Total")):  # file names are never cut
            assert len(line) <= 80, line
    assert "erreur E-COHER-001 Indicateurs!G18 (I6.3)\n" in text


def test_the_demo_at_80_columns_has_colours():
    assert "\x1b[" in _in_terminal(DEMO, 80)


def test_a_wide_terminal_gets_tables():
    text = ANSI.sub("", _in_terminal(DEMO, 220))
    assert BOX & set(text)
    _unbroken(text, _tokens())


def test_piped_lines_are_plain_and_unpadded():
    text = _piped(DEMO)
    assert "\x1b" not in text
    assert not BOX & set(text)
    for line in text.splitlines():
        assert line == line.rstrip(), repr(line)
    _unbroken(text, _tokens())


def test_the_readme_demo_is_what_the_command_prints():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "cmacop " + " ".join(DEMO)
    match = re.search(re.escape(command) + r"\n```\n\n[^`]*?```\n(.*?)```\n", readme, re.S)
    assert match, "la démonstration du contrôleur manque dans le README"
    assert match.group(1) == _piped(DEMO)


@pytest.mark.parametrize("columns", [60, 80, 100])
def test_a_narrow_terminal_never_breaks_a_long_cell(make_workbook, columns):
    from io import StringIO

    from rich.console import Console

    from cmacop.cli.show_validation import render_report
    from cmacop.validate.engine import validate_paths

    path = make_workbook(values={"I13.2": "NC"}, sent="fin février")
    report = validate_paths([path])
    buffer = StringIO()
    render_report(report, Console(file=buffer, width=columns, color_system=None))
    text = buffer.getvalue()
    for token in ("E-IDENT-006", "Identification!B5", "E-VAL-001", "Indicateurs!G36", "I13.2"):
        assert any(token in line for line in text.splitlines()), token
