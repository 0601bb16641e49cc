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
    out: Annotated[Path, typer.Option("--out", "-o", help="Dossier de sortie.")] = Path("."),
    fmt: Annotated[
        TemplateFormat, typer.Option("--format", "-f", help="xlsx (classeur) ou csv (format long).")
    ] = TemplateFormat.xlsx,
) -> None:
    """Génère le modèle de saisie de chaque chambre : COM_<année>_<chambre>.xlsx."""
    from .referentiel import read_targets
    from .template import write_templates

    target_map = read_targets(targets) if targets else None
    result = write_templates(year, out, chambers=chamber, targets=target_map, fmt=fmt.value)
    for path in result.files:
        _out(f"{path}\n")
    sys.stderr.write(f"{len(result.files)} modèle(s) écrit(s) dans {out}\n")


# --------------------------------------------------------------------------- campagne


@app.command("init")
def init_cmd(
    folder: Annotated[Path, typer.Argument(help="Dossier de la campagne (créé s'il n'existe pas).")],
    year: Annotated[int, typer.Option("--year", "-a", help="Année des résultats collectés.")] = 2024,
) -> None:
    """Crée un dossier de campagne : cmacop.toml commenté, depot/, retours/, referentiel/…"""
    from .config import init_campaign

    created = init_campaign(folder, year)
    for path in created:
        _out(f"{path}\n")
    if created:
        sys.stderr.write(f"Campagne {year} prête dans {folder} : déposez les référentiels dans referentiel/.\n")
    else:
        sys.stderr.write(f"Rien à créer : {folder} est déjà une campagne (aucun fichier modifié).\n")


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
