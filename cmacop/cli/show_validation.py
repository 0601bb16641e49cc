"""Rendering a validation report: rich tables for the terminal, JSON for machines,
and the Markdown table of finding codes for the README."""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING, Any

from cmacop.french import safe_text
from cmacop.validate.findings import CODES, ERROR, FAMILIES

if TYPE_CHECKING:
    from rich.console import Console

    from cmacop.validate.engine import FileResult, ValidationReport

STYLES = {ERROR: "bold red", "avertissement": "yellow"}


def plural(n: int, word: str) -> str:
    """French count: ``0 erreur``, ``1 erreur``, ``2 erreurs``."""
    return f"{n} {word}{'s' if n > 1 else ''}"


def counts_text(errors: int, warnings: int) -> str:
    return f"{plural(errors, 'erreur')}, {plural(warnings, 'avertissement')}"


def summary_line(result: FileResult) -> str:
    """``COM_2024_CMAR-84.xlsx : valide`` or ``… : 2 erreurs, 1 avertissement``."""
    verdict = "valide" if not result.findings else counts_text(result.errors, result.warnings)
    return f"{safe_text(result.display)} : {verdict}"


def total_line(report: ValidationReport) -> str:
    files = len(report.files)
    valid = sum(1 for f in report.files if f.valid)
    text = (
        f"Total : {plural(files, 'fichier')} contrôlé{'s' if files > 1 else ''}, "
        f"{valid} valide{'s' if valid > 1 else ''}, {counts_text(report.errors, report.warnings)}"
    )
    if report.skipped:
        count = len(report.skipped)
        text += f", {count} ignoré{'s' if count > 1 else ''}"
    return text + "."


def render_report(report: ValidationReport, console: Console) -> None:
    """A table per file with findings, a summary line per file, skipped files and the total."""
    from rich.table import Table
    from rich.text import Text

    for result in report.files:
        if not result.findings:
            continue
        title = safe_text(result.display)
        if result.chamber or result.year:
            title += f" — {safe_text(result.chamber or '?')} {result.year or ''}".rstrip()
        table = Table(title=Text(title), title_justify="left", header_style="bold", expand=False)
        for name in ("Gravité", "Code", "Cellule", "Indicateur", "Message", "Conseil"):
            table.add_column(name, overflow="fold")
        for f in result.findings:
            # Text objects, never markup: submitted text may contain "[red]" or "[/]".
            table.add_row(
                Text(f.severity, style=STYLES[f.severity]),
                Text(f.code),
                Text(safe_text(f.location) or "—"),
                Text(f.indicator or "—"),
                Text(safe_text(f.message)),
                Text(safe_text(f.hint or "")),
            )
        console.print(table)
    for result in report.files:
        console.print(Text(summary_line(result)))
    for skipped in report.skipped:
        console.print(Text(f"Ignoré : {safe_text(skipped.path)} ({skipped.reason})"))
    console.print(Text(total_line(report)))


def report_json(report: ValidationReport) -> str:
    """The report's ``to_dict()`` as JSON; every non-printable character is ``\\u``-escaped."""
    return dumps_safe(report.to_dict())


def dumps_safe(data: Any) -> str:
    """JSON (UTF-8, indented) in which control and format characters (ESC, bidi overrides,
    line separators) are escaped, so that the output can be shown in a terminal as is."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return "".join(_escape(ch) for ch in text) + "\n"


def _escape(ch: str) -> str:
    if ch == "\n" or ch.isprintable():
        return ch  # structural newlines only: newlines inside strings are already "\n"
    category = unicodedata.category(ch)
    if category[0] != "C" and category not in ("Zl", "Zp"):
        return ch  # no-break spaces of French numbers stay as they are
    code = ord(ch)
    if code > 0xFFFF:  # JSON escapes outside the BMP as a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def codes_markdown() -> str:
    """The README table of finding codes, generated from the registry."""
    lines = ["| Code | Gravité | Famille | Signification |", "|---|---|---|---|"]
    for entry in CODES.values():
        family = FAMILIES[entry.family]
        lines.append(f"| `{entry.code}` | {entry.severity} | {family} | {entry.title} |")
    return "\n".join(lines) + "\n"
