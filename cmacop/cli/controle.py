"""``cmacop validate``: every problem of every submission, located to the cell."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmacop.cli.common import CONFIG_HELP, JustificationsOption, _err, _json, _out, app, examples


class ReportFormat(StrEnum):
    table = "table"
    json = "json"


@app.command(
    "validate",
    epilog=examples(
        "cmacop validate depot/2024 --year 2024",
        "cmacop validate depot/2024 --year 2024 --feedback retours/2024",
        "cmacop validate examples/broken --year 2024 --config examples/campagne",
    ),
)
def validate_cmd(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Fichiers .xlsx/.csv ou dossiers (parcourus récursivement).",
            metavar="CHEMIN",
            show_default=False,
        ),
    ],
    year: Annotated[
        int | None, typer.Option("--year", "-a", help="Année attendue des bilans (ex. 2024).")
    ] = None,
    targets: Annotated[
        Path | None,
        typer.Option("--targets", help="Cibles de COM (chambre,annee,code,cible) à vérifier."),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Clé de répartition (chambre,entreprises) des cibles dérivées."),
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option(
            "--history", help="Historique consolidé ou dossier des bilans de l'année précédente."
        ),
    ] = None,
    justifications: JustificationsOption = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Sortie : table ou json.")
    ] = ReportFormat.table,
    feedback: Annotated[
        Path | None,
        typer.Option("--feedback", help="Dossier où écrire les classeurs annotés à renvoyer."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Compte les avertissements comme des erreurs.")
    ] = False,
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
) -> None:
    """Contrôle les bilans déposés : chaque problème, à la cellule, avec la correction."""
    from cmacop.validate.engine import validate_paths

    # The expected year is --year only: a campaign holds several years' deposits.
    report = validate_paths(
        paths,
        year=year,
        config=config,
        targets=targets,
        key=key,
        history=history,
        justifications=justifications,
        strict=strict,
        feedback_dir=feedback,
    )
    if fmt is ReportFormat.json:
        _json(report.to_dict())
    elif sys.stdout.isatty():
        from rich.console import Console

        from cmacop.cli.show_validation import render_report

        render_report(report, Console(soft_wrap=False))
    else:  # a pipe, a file, cron: plain lines, no colour, no padding
        from cmacop.cli.show_validation import plain_lines

        _out("\n".join(plain_lines(report)) + "\n")
    from cmacop.french import safe_text

    for failed in report.feedback_errors:
        assert failed.feedback_error is not None
        error = failed.feedback_error
        _err(
            f"Erreur : classeur annoté de {safe_text(failed.display)} non écrit : {error.message}\n"
        )
        if error.hint:
            _err(f"  → {error.hint}\n")
    if report.exit_code:
        raise typer.Exit(report.exit_code)
