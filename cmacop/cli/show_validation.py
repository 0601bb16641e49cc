"""Rendering a validation report for the terminal (rich tables); its JSON is ``to_dict()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cmacop.campaign.statuses import VALID
from cmacop.french import plural, safe_text
from cmacop.validate.findings import ERROR, counts_text

if TYPE_CHECKING:
    from rich.console import Console

    from cmacop.validate.engine import FileResult, ValidationReport

STYLES = {ERROR: "bold red", "avertissement": "yellow"}


def summary_line(result: FileResult) -> str:
    """``COM_2024_CMAR-84.xlsx : valide`` or ``… : 2 erreurs, 1 avertissement``."""
    verdict = VALID if not result.findings else counts_text(result.errors, result.warnings)
    return f"{safe_text(result.display)} : {verdict}"


def total_line(report: ValidationReport) -> str:
    files = len(report.files)
    valid = sum(1 for f in report.files if f.valid)
    text = (
        f"Total : {plural(files, 'fichier contrôlé', 'fichiers contrôlés')}, "
        f"{plural(valid, 'valide')}, {counts_text(report.errors, report.warnings)}"
    )
    if report.skipped:
        text += f", {plural(len(report.skipped), 'ignoré')}"
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
