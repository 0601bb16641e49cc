"""Rendering a validation report for people; its JSON is ``to_dict()``.

Three layouts, one content: per file, each finding (or each group of findings of one
code and cause) with its place, message, the chamber's advice and, for the controller
only, the cmacop command that helps.

- a terminal wide enough: a table per file;
- a narrower terminal: one block per finding, ``erreur E-VAL-004 Indicateurs!G14 (I3.1)``
  then the message and the advice on indented lines, wrapped between words only (a
  code, a cell or an indicator code is never broken);
- a pipe or a file: the same blocks, unwrapped, without colour, padding or box characters.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from cmacop.campaign.statuses import VALID
from cmacop.french import plural, safe_text
from cmacop.validate.findings import ERROR, WARNING, Finding, FindingGroup, counts_text, grouped

if TYPE_CHECKING:
    from rich.console import Console

    from cmacop.validate.engine import FileResult, ValidationReport

JUSTIFIED = "avertissement justifié"
STYLES = {ERROR: "bold red", WARNING: "yellow", JUSTIFIED: "green"}
HEADERS = ("Gravité", "Code", "Cellule", "Indicateur", "Message", "Conseil")
# Narrowest Message and Conseil columns worth a table; below, blocks read better.
MIN_TEXT_COLUMN = 28
INDENT = "  "

Line = Finding | FindingGroup


def severity_word(item: Line) -> str:
    """``erreur``, ``avertissement``, or ``avertissement justifié`` (explained by the chamber)."""
    return JUSTIFIED if item.justification is not None else item.severity


def head(item: Line) -> str:
    """``erreur E-VAL-004 Indicateurs!G14 (I3.1)``: what a block starts with."""
    parts = [severity_word(item), item.code]
    location = safe_text(item.location)
    if location:
        parts.append(location)
    if item.indicator:
        parts.append(f"({item.indicator})")
    return " ".join(parts)


def body(item: Line) -> list[str]:
    """The message, the advice, the command and the justification, one entry each."""
    out = [safe_text(item.message)]
    if item.justification is not None:
        out.append(f"justification : {safe_text(item.justification)}")
    elif item.hint:
        out.append(f"→ {safe_text(item.hint)}")
    if item.command:
        out.append(f"commande : {item.command}")
    return out


def summary_line(result: FileResult) -> str:
    """``COM_2024_CMAR-84.xlsx : valide``, ``… : 2 erreurs, 1 avertissement``, ``… : remplacé par …``."""
    name = safe_text(result.display)
    if result.replaced_by is not None:
        return f"{name} : remplacé par {safe_text(result.replaced_by)}"
    if not result.findings:
        verdict = VALID
    else:
        verdict = counts_text(result.errors, result.warnings)
        if result.justified:
            verdict += f" (+ {plural(result.justified, 'justifié')})"
    if result.feedback is not None:
        verdict += f" ; classeur annoté : {safe_text(result.feedback)}"
    return f"{name} : {verdict}"


def total_line(report: ValidationReport) -> str:
    files = len(report.files)
    current = report.current
    valid = sum(1 for f in current if f.valid)
    text = (
        f"Total : {plural(files, 'fichier contrôlé', 'fichiers contrôlés')}, "
        f"{plural(valid, 'valide')}, {counts_text(report.errors, report.warnings)}"
    )
    if report.justified:
        text += (
            f", {plural(report.justified, 'avertissement justifié', 'avertissements justifiés')}"
        )
    if len(current) < files:
        text += f", {plural(files - len(current), 'remplacé')}"
    if report.skipped:
        text += f", {plural(len(report.skipped), 'ignoré')}"
    return text + "."


def file_title(result: FileResult) -> str:
    title = safe_text(result.display)
    if result.chamber or result.year:
        title += f" — {safe_text(result.chamber or '?')} {result.year or ''}".rstrip()
    return title


def shown(report: ValidationReport) -> Iterator[tuple[FileResult, list[Line]]]:
    """The files whose findings are shown (a replaced version is only named), grouped."""
    for result in report.files:
        if result.findings and result.replaced_by is None:
            yield result, grouped(result.findings)


def tail(report: ValidationReport) -> list[str]:
    """Per-file verdicts, skipped files and the total: the closing lines of every layout."""
    lines = [summary_line(r) for r in report.files]
    lines += [f"Ignoré : {safe_text(s.path)} ({s.reason})" for s in report.skipped]
    lines.append(total_line(report))
    return lines


# --------------------------------------------------------------------------- layouts


def plain_lines(report: ValidationReport) -> list[str]:
    """The pipe's layout: blocks unwrapped, a blank line between files."""
    lines: list[str] = []
    for result, items in shown(report):
        lines.append(file_title(result))
        for item in items:
            lines.append(head(item))
            lines += [INDENT + text for text in body(item)]
        lines.append("")
    return lines + tail(report)


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` in lines of at most ``width``, broken between words only (never inside a
    code such as ``E-STRUCT-010`` or a cell such as ``Identification!B3``)."""
    # French quotes stay with what they quote: « Entreprises … » never ends a line on «.
    text = text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")
    return textwrap.wrap(
        text,
        width=max(width, 20),
        initial_indent=indent,
        subsequent_indent=indent + INDENT if indent else INDENT,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent]


def table_width(items: Sequence[Line]) -> int:
    """The width a table of ``items`` needs without breaking a code, cell or indicator."""
    fixed = [len(h) for h in HEADERS[:4]]
    for item in items:
        cells = (severity_word(item), item.code, item.location or "—", item.indicator or "—")
        fixed = [max(w, len(c)) for w, c in zip(fixed, cells, strict=True)]
    # Each column has one space of padding on each side, plus the vertical rules.
    return sum(fixed) + 2 * MIN_TEXT_COLUMN + 3 * len(HEADERS) + 1


def render_report(report: ValidationReport, console: Console) -> None:
    """On a terminal: tables when they fit, blocks otherwise; colours on the severities."""
    from rich.table import Table
    from rich.text import Text

    width = console.width
    for result, items in shown(report):
        title = Text(file_title(result), style="bold")
        if table_width(items) <= width:
            table = Table(title=title, title_justify="left", header_style="bold", expand=False)
            for n, name in enumerate(HEADERS):
                table.add_column(name, no_wrap=n < 4, overflow="fold")
            for item in items:
                # Text objects, never markup: submitted text may contain "[red]" or "[/]".
                word = severity_word(item)
                advice = body(item)[1:]
                table.add_row(
                    Text(word, style=STYLES[word]),
                    Text(item.code),
                    Text(safe_text(item.location) or "—"),
                    Text(item.indicator or "—"),
                    Text(safe_text(item.message)),
                    Text("\n".join(a.removeprefix("→ ") for a in advice)),
                )
            console.print(table)
            continue
        console.print(title, soft_wrap=True)
        for item in items:
            word = severity_word(item)
            first = wrap(head(item), width)
            line = Text(first[0])
            line.stylize(STYLES[word], 0, len(word))
            console.print(line, soft_wrap=True)
            for rest in first[1:]:
                console.print(Text(rest), soft_wrap=True)
            for text in body(item):
                for part in wrap(text, width, INDENT):
                    console.print(Text(part), soft_wrap=True)
        console.print()
    for text in tail(report):  # one line each, as in a pipe: file paths are not to be cut
        console.print(Text(text), soft_wrap=True)
