"""Command-line interface: parse options, call one library function, render its result.

No computation lives here. Heavy libraries (polars, pandera, openpyxl) are
imported inside commands so that ``cmacop --help`` starts fast.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from . import __version__
from ._typer_fr import frenchify
from .errors import CmacopError

frenchify()

app = typer.Typer(
    name="cmacop",
    help=(
        "Campagne annuelle du COP 2023-2027 des chambres de métiers et de l'artisanat : "
        "modèles de saisie, contrôle des bilans de COM, consolidation, modulation de la "
        "TFCMA et bilans pour la tutelle."
    ),
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


class State:
    debug = False


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class TemplateFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cmacop {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Affiche la version et quitte."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Affiche la trace complète en cas d'erreur (pour le support)."
        ),
    ] = False,
) -> None:
    State.debug = debug


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _print(renderable: Any) -> None:
    """Print a rich table: terminal width on a terminal, wide (no folding) in a pipe or cron."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else 200
    Console(soft_wrap=False, width=width).print(renderable)


# --------------------------------------------------------------------------- référentiels


@app.command("catalogue")
def catalogue_cmd(
    fmt: Annotated[
        TableFormat, typer.Option("--format", "-f", help="Format de sortie : table, csv ou json.")
    ] = TableFormat.table,
    catalogue: Annotated[
        Path | None, typer.Option("--catalogue", help="Fichier de catalogue à utiliser (TOML).")
    ] = None,
) -> None:
    """Affiche le catalogue du COP : axes, objectifs et indicateurs d'activité."""
    from .catalogue import load_catalogue
    from .render import rich_table, to_csv, to_json

    cat = load_catalogue(catalogue)
    rows = cat.to_rows()
    if fmt is TableFormat.csv:
        _out(to_csv(rows, list(rows[0])))
    elif fmt is TableFormat.json:
        _out(to_json(cat.to_dict()))
    else:
        from .render import fmt_number

        table = rich_table(
            f"{cat.title} — {cat.version}",
            ["Code", "Axe", "Obj.", "Type", "Résultat connu", "Cible 2023", "Cible 2027", "Plafond", "Indicateur"],
            [
                [
                    r["code"], r["axe"], r["objectif"], r["type"],
                    fmt_number(r["resultat_connu"]), fmt_number(r["cible_2023"]),
                    fmt_number(r["cible_2027"]), r["plafond"], r["libelle"],
                ]
                for r in rows
            ],
        )  # fmt: skip
        _print(table)


@app.command("chambres")
def chambres_cmd(
    fmt: Annotated[
        TableFormat, typer.Option("--format", "-f", help="Format de sortie : table, csv ou json.")
    ] = TableFormat.table,
) -> None:
    """Affiche le registre des chambres (CMAR, CM d'Alsace-Moselle, CMA France)."""
    from .registry import load_registry
    from .render import rich_table, to_csv, to_json

    reg = load_registry()
    rows = reg.to_rows()
    if fmt is TableFormat.csv:
        _out(to_csv(rows, list(rows[0])))
    elif fmt is TableFormat.json:
        _out(to_json(rows))
    else:
        table = rich_table(
            "Registre des chambres",
            ["Code", "Chambre", "Type", "Région", "Départements", "TFCMA"],
            [
                [r["code"], r["nom"], r["type"], r["region"], " ".join(r["departements"]),
                 "oui" if r["tfcma"] else "non"]
                for r in rows
            ],
        )  # fmt: skip
        _print(table)


# --------------------------------------------------------------------------- modèles


@app.command("template")
def template_cmd(
    year: Annotated[int, typer.Option("--year", "-a", help="Année du bilan (ex. 2024).")],
    chamber: Annotated[
        list[str] | None,
        typer.Option("--chamber", "-c", help="Code de chambre (répétable). Par défaut : toutes."),
    ] = None,
    targets: Annotated[
        Path | None,
        typer.Option("--targets", help="Fichier des cibles de COM (chambre,annee,code,cible)."),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="Clé de répartition (chambre,entreprises) : cible dérivée de la cible nationale "
            "quand le COM n'en donne pas.",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Dossier de sortie.")] = Path("."),
    fmt: Annotated[
        TemplateFormat, typer.Option("--format", "-f", help="xlsx (classeur) ou csv (format long).")
    ] = TemplateFormat.xlsx,
) -> None:
    """Génère le modèle de saisie de chaque chambre : COM_<année>_<chambre>.xlsx."""
    from .template import write_templates

    target_map = None
    if targets or key:
        from .pipeline import template_targets

        target_map = template_targets(year, targets_file=targets, key_file=key)
    result = write_templates(year, out, chambers=chamber, targets=target_map, fmt=fmt.value)
    for path in result.files:
        _out(f"{path}\n")
    sys.stderr.write(f"{len(result.files)} modèle(s) écrit(s) dans {out}\n")


# --------------------------------------------------------------------------- campagne


@app.command("init")
def init_cmd(
    folder: Annotated[
        Path, typer.Argument(help="Dossier de la campagne (créé s'il n'existe pas).")
    ],
    year: Annotated[
        int, typer.Option("--year", "-a", help="Année des résultats collectés.")
    ] = 2024,
) -> None:
    """Crée un dossier de campagne : cmacop.toml commenté, depot/, retours/, referentiel/…"""
    from .config import init_campaign

    created = init_campaign(folder, year)
    for path in created:
        _out(f"{path}\n")
    if created:
        sys.stderr.write(
            f"Campagne {year} prête dans {folder} : déposez les référentiels dans referentiel/.\n"
        )
    else:
        sys.stderr.write(
            f"Rien à créer : {folder} est déjà une campagne (aucun fichier modifié).\n"
        )


# --------------------------------------------------------------------------- contrôle


class ReportFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("validate")
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
    config: Annotated[
        Path | None,
        typer.Option("--config", help="cmacop.toml (par défaut : celui du dossier courant)."),
    ] = None,
) -> None:
    """Contrôle les bilans déposés : chaque problème, à la cellule, avec la correction."""
    from .config import load_config
    from .validate import Thresholds, validate_paths

    # Inside a campaign folder, cmacop.toml gives the reference files and thresholds.
    settings = load_config(config)
    thresholds = None
    if settings is not None:
        thresholds = Thresholds(
            high=float(settings.plausibility_max),
            low=float(settings.plausibility_min),
            change=float(settings.change_max),
        )
        if targets is None and settings.targets_file.is_file():
            targets = settings.targets_file
        if key is None and settings.key_file.is_file():
            key = settings.key_file
    report = validate_paths(
        paths,
        year=year,
        targets=targets,
        key=key,
        history=history,
        strict=strict,
        thresholds=thresholds,
        feedback_dir=feedback,
        settle_seconds=settings.settle_seconds if settings is not None else 0,
    )
    if fmt is ReportFormat.json:
        from .render_validation import report_json

        _out(report_json(report))
    else:
        from rich.console import Console

        from .render_validation import render_report

        render_report(report, Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200))
    if report.exit_code:
        raise typer.Exit(report.exit_code)


# --------------------------------------------------------------------------- consolidation et calcul


class ResultFormat(StrEnum):
    table = "table"
    json = "json"


STORE_DEFAULT = Path("consolidation")


@app.command("consolidate")
def consolidate_cmd(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Bilans .xlsx/.csv ou dossiers de dépôt (parcourus récursivement)."),
    ],
    year: Annotated[int, typer.Option("--year", "-a", help="Année des bilans (ex. 2024).")],
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Dossier de consolidation. Par défaut : consolidation/ à côté des dépôts "
            "(celui de la campagne pour …/depot/<année>/).",
        ),
    ] = None,
    targets: Annotated[
        Path | None,
        typer.Option("--targets", help="Cibles de COM (chambre,annee,code,cible) à vérifier."),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key", help="Clé de répartition (chambre,entreprises) : cibles dérivées hors COM."
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait", help="Secondes d'attente si une autre exécution écrit (0 : échec immédiat)."
        ),
    ] = 0.0,
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Sortie : table ou json.")
    ] = ResultFormat.table,
) -> None:
    """Consolide les bilans valides d'une année dans l'historique (Parquet, CSV, Excel)."""
    from .consolidate import consolidate_paths

    result = consolidate_paths(paths, year=year, store=store, targets=targets, key=key, wait=wait)
    if fmt is ResultFormat.json:
        from .render import to_json

        _out(to_json(result.to_dict()))
    else:
        from .outputs import consolidation_tables

        for table in consolidation_tables(result):
            _print(table)
    from .outputs import consolidation_summary

    sys.stderr.write(consolidation_summary(result))
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@app.command("compute")
def compute_cmd(
    year: Annotated[int, typer.Option("--year", "-a", help="Année des résultats (ex. 2024).")],
    store: Annotated[
        Path, typer.Option("--store", help="Dossier de consolidation de la campagne.")
    ] = STORE_DEFAULT,
    targets: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            help="Cibles de COM. Par défaut : referentiel/cibles_com.csv de la campagne.",
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="Clé de répartition. Par défaut : referentiel/cle_repartition.csv de la campagne.",
        ),
    ] = None,
    base: Annotated[
        Path | None,
        typer.Option(
            "--base",
            help="Base TFCMA de l'année N+1 (chambre,montant). "
            "Par défaut : referentiel/tfcma_<N+1>.csv de la campagne.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Dossier de sortie. Par défaut : resultats/<année>/ de la campagne."
        ),
    ] = None,
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Sortie : table ou json.")
    ] = ResultFormat.table,
) -> None:
    """Calcule cibles, taux d'atteinte et modulation de la TFCMA ; écrit les fichiers CSV."""
    from .outputs import compute_tables, default_out_dir, write_outputs
    from .pipeline import compute_year

    results = compute_year(year, store=store, targets_file=targets, key_file=key, base_file=base)
    written = write_outputs(results, out if out is not None else default_out_dir(store, year))
    if fmt is ResultFormat.json:
        from .render import to_json

        _out(to_json(results.to_dict()))
    else:
        for table in compute_tables(results):
            _print(table)
    if results.modulation is None:
        sys.stderr.write(
            f"Attention : pas de base TFCMA {year + 1} (--base) : modulation non calculée.\n"
        )
    for path in written:
        sys.stderr.write(f"écrit : {path}\n")


# --------------------------------------------------------------------------- bilans


@app.command("report")
def report_cmd(
    year: Annotated[int, typer.Option("--year", "-a", help="Année des résultats (ex. 2024).")],
    store: Annotated[
        Path, typer.Option("--store", help="Dossier de consolidation de la campagne.")
    ] = Path("consolidation"),
    targets: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            help="Cibles de COM. Par défaut : referentiel/cibles_com.csv de la campagne.",
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="Clé de répartition. Par défaut : referentiel/cle_repartition.csv de la campagne.",
        ),
    ] = None,
    base: Annotated[
        Path | None,
        typer.Option(
            "--base",
            help="Base TFCMA de l'année N+1 (chambre,montant). "
            "Par défaut : referentiel/tfcma_<N+1>.csv de la campagne.",
        ),
    ] = None,
    chamber: Annotated[
        list[str] | None,
        typer.Option(
            "--chamber",
            "-c",
            help="CMAR dont écrire le bilan de COM (répétable). Par défaut : les 18 CMAR.",
        ),
    ] = None,
    formats: Annotated[
        str,
        typer.Option("--format", "-f", help="Formats, séparés par des virgules : md,html,xlsx."),
    ] = "md,html,xlsx",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Dossier de sortie. Par défaut : bilans/<année>/ de la campagne."
        ),
    ] = None,
    when: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Date d'établissement imprimée (AAAA-MM-JJ). Par défaut : aujourd'hui.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Décrit les fichiers écrits en JSON sur la sortie.")
    ] = False,
) -> None:
    """Établit le bilan national du COP et le bilan de COM de chaque CMAR (Markdown, HTML, Excel)."""
    from datetime import date

    from .errors import UsageError
    from .report import build_report

    try:
        generated_on = date.fromisoformat(when) if when is not None else date.today()
    except ValueError:
        raise UsageError(
            f"date invalide : « {when} » (attendu : AAAA-MM-JJ, par exemple 2025-06-15)"
        ) from None
    result = build_report(
        year,
        store=store,
        targets_file=targets,
        key_file=key,
        base_file=base,
        chambers=chamber,
        formats=formats,
        out_dir=out,
        generated_on=generated_on,
    )
    if as_json:
        from .render import to_json

        _out(to_json(result.to_dict()))
    else:
        _out("".join(f"{path}\n" for path in result.files))
    coms = len({d.scope for d in result.documents}) - 1
    docs, data = len(result.documents), len(result.data_files)
    sys.stderr.write(
        f"Bilans {year} écrits dans {result.out_dir} : le bilan national et {coms} "
        f"bilan{'s' if coms > 1 else ''} de COM ({docs} document{'s' if docs > 1 else ''}), "
        f"{data} fichier{'s' if data > 1 else ''} de calcul.\n"
    )
    if not result.modulated:
        sys.stderr.write(
            f"Attention : pas de base TFCMA {year + 1} (--base) : modulation non calculée.\n"
        )


# --------------------------------------------------------------------------- exécution automatique


def _run_date(when: str | None) -> Any:
    from datetime import date

    from .errors import UsageError

    try:
        return date.fromisoformat(when) if when is not None else None
    except ValueError:
        raise UsageError(
            f"date invalide : « {when} » (attendu : AAAA-MM-JJ, par exemple 2025-06-15)"
        ) from None


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


CONFIG_HELP = "Dossier de campagne ou son cmacop.toml. Par défaut : le dossier courant."


@app.command("run")
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
) -> None:
    """Traite la campagne en une passe (cron) : nouveaux dépôts contrôlés, retours, consolidation, bilans."""
    from .render_run import problems_line, run_summary, run_tables
    from .run import run_campaign

    today = _run_date(when)
    if not quiet and fmt is ResultFormat.table and sys.stdout.isatty():
        result = _with_progress(
            lambda progress: run_campaign(config, year=year, today=today, progress=progress)
        )
    else:
        result = run_campaign(config, year=year, today=today)
    if not quiet and fmt is ResultFormat.json:
        from .render import to_json

        _out(to_json(result.to_dict()))
    elif not quiet:
        for table in run_tables(result):
            _print(table)
        _out(run_summary(result))
    if result.exit_code:
        sys.stderr.write(problems_line(result))
        raise typer.Exit(result.exit_code)


@app.command("statut")
def statut_cmd(
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-a", help="Année de la campagne. Par défaut : « campagne.annee »."),
    ] = None,
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Sortie : table ou json.")
    ] = ResultFormat.table,
) -> None:
    """Affiche où en est chaque chambre : dernier fichier reçu, validité, retard, dernier changement."""
    from .statut import campaign_status

    status = campaign_status(config, year=year)
    if fmt is ResultFormat.json:
        from .render import to_json

        _out(to_json(status.to_dict()))
    else:
        from .render_run import status_summary, status_table

        _print(status_table(status))
        _out(status_summary(status))


# --------------------------------------------------------------------------- entrée


def _fail(message: str, code: int, hint: str | None = None) -> NoReturn:
    sys.stderr.write(f"Erreur : {message}\n")
    if hint:
        sys.stderr.write(f"  → {hint}\n")
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``cmacop`` and ``python -m cmacop``: errors become French messages."""
    from ._typer_fr import usage_message

    try:
        result = app(args=argv, standalone_mode=False)
    except CmacopError as exc:
        if State.debug:
            raise
        _fail(exc.message, exc.exit_code, exc.hint)
    except KeyboardInterrupt:
        _fail("interrompu par l'utilisateur", 130)
    except Exception as exc:
        message = usage_message(exc)
        if message == "":  # no arguments at all: show the help
            app(args=["--help"], standalone_mode=False)
            return
        if message is not None:
            _fail(message, 2, "Consultez « cmacop --help » ou « cmacop COMMANDE --help ».")
        if State.debug:
            raise
        _fail(
            f"erreur interne inattendue ({type(exc).__name__} : {exc})",
            70,
            "Relancez avec --debug et transmettez la trace à l'équipe cmacop.",
        )
    if isinstance(result, int) and result:
        raise SystemExit(result)
