"""The documentation stays true: the README is the front door, docs/ holds the reference.

Every command is in the README and has French help; every option of every command is
in its reference section under docs/; the quick start runs; generated tables are the
ones the code generates; every relative link leads somewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from cmacop.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
DOC_FILES = sorted(DOCS.rglob("*.md"))
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]
README_MAX_CHARS = 12_000
TEST_COMMAND = "python -m pytest -q"


def _section(text: str, heading: str) -> str:
    """The body of the level-2 section ``## heading`` of a Markdown text."""
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def _prose(text: str) -> str:
    """A Markdown text without its fenced code blocks (links there are not links)."""
    return re.sub(r"^\s*```.*?^\s*```", "", text, flags=re.S | re.M)


def _headings(text: str) -> list[tuple[int, str]]:
    """(level, title) of each heading outside code blocks."""
    return [
        (len(m.group(1)), m.group(2).strip())
        for m in re.finditer(r"^(#{1,6}) (.+)$", _prose(text), re.M)
    ]


def _anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings: lower case, punctuation dropped, spaces → -."""
    seen: dict[str, int] = {}
    anchors = set()
    for _, title in _headings(text):
        slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _reference_sections() -> dict[str, list[str]]:
    """Command → the bodies of the docs/ sections titled exactly « `cmacop <command>` »."""
    found: dict[str, list[str]] = {}
    for path in DOC_FILES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = re.fullmatch(r"(#{2,4}) `cmacop (\w+)`", line)
            if not m:
                continue
            level, body = len(m.group(1)), []
            for following in lines[i + 1 :]:
                h = re.match(r"(#{1,6}) ", following)
                if h and len(h.group(1)) <= level:
                    break
                body.append(following)
            found.setdefault(m.group(2), []).append("\n".join(body))
    return found


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


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_of_every_command_is_documented_in_docs(command):
    """One reference section per command in docs/, naming each of its options."""
    sections = _reference_sections().get(command, [])
    assert len(sections) == 1, f"docs/ : une section « `cmacop {command}` » attendue"
    params = get_command(app).commands[command].params  # type: ignore[attr-defined]
    options = [
        max((o for o in p.opts if o.startswith("--")), key=len)
        for p in params
        if p.param_type_name == "option"
    ]
    assert options
    missing = [o for o in options if f"`{o}`" not in sections[0]]
    assert not missing, f"cmacop {command} : options absentes de docs/ : {missing}"


def test_readme_quick_start_has_two_commands_and_one_test_command():
    block = re.search(r"```bash\n(.*?)```", _section(README, "Démarrage rapide"), re.S)
    assert block is not None
    assert len(block.group(1).strip().splitlines()) == 2
    test_command = re.search(r"`(python -m pytest[^`]*)`", _section(README, "Lancer les tests"))
    assert test_command is not None and test_command.group(1) == TEST_COMMAND
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND in ci


def test_finding_codes_table_is_in_docs_codes():
    from cmacop.validate.findings import codes_markdown

    assert codes_markdown().strip() in (DOCS / "codes.md").read_text(encoding="utf-8")


def test_cmacop_toml_written_by_init_is_in_docs(tmp_path):
    """The commented cmacop.toml shown in docs/ is the one « cmacop init » writes."""
    result = CliRunner().invoke(app, ["init", str(tmp_path / "campagne"), "--year", "2024"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "campagne" / "cmacop.toml").read_text(encoding="utf-8")
    doc = (DOCS / "formats" / "cmacop-toml.md").read_text(encoding="utf-8")
    assert f"```toml\n{written}```" in doc


def test_readme_is_short():
    assert len(README) <= README_MAX_CHARS, f"README : {len(README)} caractères"


@pytest.mark.parametrize(
    "path",
    [ROOT / "README.md", ROOT / "examples" / "README.md", *DOC_FILES],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_relative_link_leads_to_a_file(path):
    text = path.read_text(encoding="utf-8")
    prose = re.sub(r"`[^`\n]*`", "", _prose(text))
    links = re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", prose)
    broken = []
    for link in links:
        if re.match(r"[a-z][a-z0-9+.-]*:", link):  # http:, https:, mailto:
            continue
        target, _, anchor = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.is_file() or (
            anchor
            and file.suffix == ".md"
            and anchor not in _anchors(file.read_text(encoding="utf-8"))
        ):
            broken.append(link)
    assert not broken, f"{path.name} : liens cassés {broken}"


def test_quick_start_main_job_runs_on_the_examples(tmp_path, monkeypatch, capsys):
    """The README's second command, run as written on a copy of the examples, succeeds."""
    import shlex
    import shutil

    from cmacop.cli import main

    block = re.search(r"```bash\n(.*?)```", _section(README, "Démarrage rapide"), re.S)
    assert block is not None
    command = shlex.split(block.group(1).strip().splitlines()[1])
    assert command[:2] == ["cmacop", "run"]
    shutil.copytree(ROOT / "examples" / "campagne" / "depot", tmp_path / "examples/campagne/depot")
    shutil.copytree(
        ROOT / "examples" / "campagne" / "referentiel", tmp_path / "examples/campagne/referentiel"
    )
    shutil.copy(ROOT / "examples" / "campagne" / "cmacop.toml", tmp_path / "examples/campagne")
    monkeypatch.chdir(tmp_path)
    try:
        main([*command[1:], "--quiet"])
    except SystemExit as exc:
        assert exc.code in (0, None), capsys.readouterr().err
    assert (tmp_path / "examples/campagne/bilans/2024/bilan_cop_2024.html").is_file()
    assert len(list((tmp_path / "examples/campagne/bilans/2024/com").glob("*.md"))) == 18
