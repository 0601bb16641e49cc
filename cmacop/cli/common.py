"""What the commands share: the typer ``app``, the options common to several commands,
and the small writers of stdout and stderr (the only place cmacop prints)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cmacop import __version__
from cmacop.cli.typer_fr import frenchify

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

CONFIG_HELP = "Dossier de campagne ou son cmacop.toml. Par défaut : le dossier courant."

# Options shared by compute and report: the same computation from the same inputs.
YearOption = Annotated[
    int | None,
    typer.Option(
        "--year", "-a", help="Année des résultats (ex. 2024). Par défaut : « campagne.annee »."
    ),
]
StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Dossier de consolidation. Par défaut : « campagne.consolidation », sinon consolidation/.",
    ),
]
TargetsOption = Annotated[
    Path | None,
    typer.Option(
        "--targets",
        help="Cibles de COM. Par défaut : « referentiel.cibles » de la campagne, "
        "sinon referentiel/cibles_com.csv à côté du dossier de consolidation.",
    ),
]
KeyOption = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help="Clé de répartition. Par défaut : « referentiel.cle » de la campagne, "
        "sinon referentiel/cle_repartition.csv à côté du dossier de consolidation.",
    ),
]
JustificationsOption = Annotated[
    Path | None,
    typer.Option(
        "--justifications",
        help="Avertissements justifiés (chambre,annee,indicateur,constat,justification). "
        "Par défaut : « referentiel.justifications » de la campagne.",
    ),
]
BaseOption = Annotated[
    Path | None,
    typer.Option(
        "--base",
        help="Base TFCMA de l'année N+1 (chambre,montant). Par défaut : "
        "« referentiel.base_tfcma » de la campagne, sinon referentiel/tfcma_<N+1>.csv.",
    ),
]

RulesOption = Annotated[
    Path | None,
    typer.Option(
        "--regles",
        help="Décisions de CMA France (TOML) là où le contrat laisse le choix. Par défaut : "
        "« referentiel.regles » de la campagne, sinon referentiel/regles.toml ; sans fichier, "
        "les défauts de cmacop, signalés comme tels.",
    ),
]
AvenantsOption = Annotated[
    Path | None,
    typer.Option(
        "--avenants",
        help="Dossier des avenants au COP (un .toml par avenant). Par défaut : "
        "« referentiel.avenants » de la campagne, sinon referentiel/avenants/.",
    ),
]


class State:
    debug = False


def examples(*lines: str) -> str:
    """The end of a command's help: « Exemples : » and two or three real command lines."""
    return "\n".join(("Exemples :", *(f"  {line}" for line in lines)))


class ResultFormat(StrEnum):
    table = "table"
    json = "json"


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


def _err(text: str) -> None:
    sys.stderr.write(text)


def _print(renderable: Any) -> None:
    """Print a rich table: terminal width on a terminal, wide (no folding) in a pipe or cron."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else 200
    Console(soft_wrap=False, width=width).print(renderable)


def _json(data: Any) -> None:
    from cmacop.french import to_json

    _out(to_json(data))


def _date(when: str | None) -> Any:
    """``--date AAAA-MM-JJ`` as a date (None when not given); a French usage error otherwise."""
    from datetime import date

    from cmacop.errors import UsageError

    try:
        return date.fromisoformat(when) if when is not None else None
    except ValueError:
        raise UsageError(
            f"date invalide : « {when} » (attendu : AAAA-MM-JJ, par exemple 2025-06-15)"
        ) from None


def openable(root: Path, path: str | Path | None) -> str | None:
    """A path as the user can open it from where the command ran.

    ``path`` is relative to ``root`` (a campaign folder) or absolute: under the current
    folder it is shown relative to it (``examples/campagne/retours/2024/…``), elsewhere
    absolute.
    """
    import os

    if path is None:
        return None
    full = Path(root) / path
    try:
        return full.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return os.path.abspath(full)


def rich_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    whole: Sequence[str] = (),
) -> Any:
    """A rich Table (imported lazily: rich is not needed for ``--help``); cells made safe.

    ``whole``: columns whose cells are never broken across lines (paths to copy): the
    other columns wrap at their words first to make room.
    """
    from rich.table import Table

    from cmacop.french import safe_text

    table = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        table.add_column(col, overflow="fold", no_wrap=col in whole)
    for row in rows:
        table.add_row(*[safe_text(v) if v is not None else "—" for v in row])
    return table
