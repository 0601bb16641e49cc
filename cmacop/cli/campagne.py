"""``cmacop init``, ``cmacop run`` and ``cmacop statut``: the campaign folder, unattended."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cmacop.cli.common import (
    CONFIG_HELP,
    AvenantsOption,
    ResultFormat,
    RulesOption,
    _date,
    _err,
    _json,
    _out,
    _print,
    app,
    examples,
)


@app.command(
    "init",
    epilog=examples(
        "cmacop init /mnt/partage/cop/campagne --year 2024",
        "cmacop init . --year 2025 --changer-annee",
    ),
)
def init_cmd(
    folder: Annotated[
        Path,
        typer.Argument(metavar="DOSSIER", help="Dossier de la campagne (créé s'il n'existe pas)."),
    ],
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            "-a",
            help="Année des résultats collectés. Par défaut : « campagne.annee » d'une campagne "
            "existante, sinon l'année de la campagne en cours (celle d'il y a six mois).",
        ),
    ] = None,
    change_year: Annotated[
        bool,
        typer.Option(
            "--changer-annee",
            help="Passe une campagne existante à l'année --year (réécrit « campagne.annee » "
            "dans cmacop.toml).",
        ),
    ] = False,
    by_chamber: Annotated[
        bool,
        typer.Option(
            "--par-chambre",
            help="Crée aussi un dossier par chambre déclarante (depot/<année>/CMAR-84/, "
            "retours/<année>/CMAR-84/…) pour donner les droits chambre par chambre.",
        ),
    ] = False,
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Sortie : table ou json.")
    ] = ResultFormat.table,
) -> None:
    """Crée un dossier de campagne : cmacop.toml commenté, depot/, retours/, referentiel/…"""
    from cmacop.campaign.folder import init_campaign

    result = init_campaign(folder, year, change_year=change_year, by_chamber=by_chamber)
    if fmt is ResultFormat.json:
        _json(result.to_dict())
        return
    for path in result.created:
        _out(f"{path}\n")
    config = folder / "cmacop.toml"
    if result.changed:
        before = result.previous_year if result.previous_year is not None else "non indiquée"
        _err(
            f"Campagne passée de {before} à {result.year} : « campagne.annee » modifiée dans "
            f"{config} ; déposez les fichiers {result.year} dans le dossier de dépôt, "
            f"sous-dossier {result.year}/.\n"
        )
    elif not result.existed:
        chosen = "" if year is not None else " (la campagne en cours ; --year pour une autre)"
        _err(
            f"Campagne {result.year}{chosen} prête dans {folder} : déposez les référentiels "
            f"dans {folder / 'referentiel'}.\n"
        )
    elif result.created:
        _err(f"Campagne {result.year} complétée dans {folder} ({config} inchangé).\n")
    else:
        _err(
            f"Rien à créer : {folder} est déjà la campagne {result.year} (aucun fichier modifié).\n"
        )


def _with_progress(work: Any) -> Any:
    """Run ``work(progress)`` under a rich progress bar (only on a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True
    ) as bar:
        task = bar.add_task("recherche des nouveaux dépôts", total=None)

        def progress(message: str, done: int, total: int) -> None:
            bar.update(task, description=message, completed=done, total=total)

        return work(progress)


@app.command(
    "run",
    epilog=examples("cmacop run --config examples/campagne", "cmacop run --quiet"),
)
def run_cmd(
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-a", help="Année des bilans. Par défaut : « campagne.annee »."),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="N'écrit rien sur la sortie standard (cron) ; les problèmes restent signalés "
            "sur la sortie d'erreur et dans le journal.",
        ),
    ] = False,
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Sortie : table ou json.")
    ] = ResultFormat.table,
    when: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Date d'établissement des bilans régénérés (AAAA-MM-JJ). Par défaut : aujourd'hui.",
        ),
    ] = None,
    rules: RulesOption = None,
    avenants: AvenantsOption = None,
) -> None:
    """Traite la campagne en une passe (cron) : nouveaux dépôts contrôlés, retours, consolidation, bilans."""
    from cmacop.cli.show_run import problems_line, run_summary, run_tables
    from cmacop.run.nightly import run_campaign
    from cmacop.run.result import WRITTEN

    today = _date(when)
    if not quiet and fmt is ResultFormat.table and sys.stdout.isatty():
        result = _with_progress(
            lambda progress: run_campaign(
                config, year=year, today=today, progress=progress, rules=rules, avenants=avenants
            )
        )
    else:
        result = run_campaign(config, year=year, today=today, rules=rules, avenants=avenants)
    if not quiet and fmt is ResultFormat.json:
        _json(result.to_dict())
    elif not quiet:
        for table in run_tables(result):
            _print(table)
        _out(run_summary(result))
    elif result.reports is not None and result.reports.state == WRITTEN:
        # Under cron: bilans established with rules CMA France has not decided yet.
        for warning in result.reports.warnings:
            _err(f"Attention : bilans {result.year} : {warning}.\n")
    if result.exit_code:
        _err(problems_line(result))
        raise typer.Exit(result.exit_code)


class StatusFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"


@app.command(
    "statut",
    epilog=examples(
        "cmacop statut --config examples/campagne",
        "cmacop statut --year 2024 --format json",
        "cmacop statut --format html --sortie /tmp/tableau_de_bord.html",
    ),
)
def statut_cmd(
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-a", help="Année de la campagne. Par défaut : « campagne.annee »."),
    ] = None,
    fmt: Annotated[
        StatusFormat,
        typer.Option(
            "--format",
            "-f",
            help="Sortie : table, json, ou html (écrit le tableau de bord de la campagne).",
        ),
    ] = StatusFormat.table,
    out: Annotated[
        Path | None,
        typer.Option(
            "--sortie",
            "-o",
            help="Avec --format html : le fichier à écrire. Par défaut : tableau_de_bord.html "
            "à la racine de la campagne.",
        ),
    ] = None,
) -> None:
    """Affiche où en est chaque chambre : dernier fichier reçu, validité, retard, échéances, bilans."""
    from cmacop.run.status import campaign_status

    status = campaign_status(config, year=year)
    if fmt is StatusFormat.json:
        _json(status.to_dict())
    elif fmt is StatusFormat.html:
        from datetime import UTC, datetime

        from cmacop.cli.common import openable
        from cmacop.run.dashboard import write_dashboard

        written = write_dashboard(status, datetime.now(UTC), path=out, by="cmacop statut")
        _out(f"Tableau de bord écrit : {openable(Path.cwd(), written)}\n")
    else:
        from cmacop.cli.show_run import status_summary, status_table

        _print(status_table(status))
        _out(status_summary(status))


@app.command(
    "relancer",
    epilog=examples(
        "cmacop relancer --essai",
        "cmacop relancer --jours 7 --config /mnt/partage/cop/campagne",
        "cmacop relancer --year 2024 --jours 1 --format json",
    ),
)
def relancer_cmd(
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-a", help="Année de la campagne. Par défaut : « campagne.annee »."),
    ] = None,
    days: Annotated[
        int,
        typer.Option(
            "--jours",
            "-j",
            help="Relancer à partir de ce nombre de jours avant la date limite (une fois par "
            "chambre et par nombre de jours).",
        ),
    ] = 7,
    trial: Annotated[
        bool,
        typer.Option(
            "--essai", help="Affiche les courriels qui partiraient, sans rien envoyer ni écrire."
        ),
    ] = False,
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Sortie : table ou json.")
    ] = ResultFormat.table,
) -> None:
    """Relance par courriel les chambres sans bilan accepté, quelques jours avant la date limite."""
    from cmacop.run.reminders import remind_chambers

    result = remind_chambers(config, year=year, days=days, trial=trial)
    if fmt is ResultFormat.json:
        _json(result.to_dict())
    else:
        from cmacop.cli.show_run import reminder_lines, reminder_table

        if result.reminders:
            _print(reminder_table(result))
        _out(reminder_lines(result))
    if result.exit_code:
        raise typer.Exit(result.exit_code)
