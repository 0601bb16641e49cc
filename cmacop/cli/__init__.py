"""Command-line interface: parse options, call one library function, render its result.

No computation lives here. This package holds the shared ``app``, the global
options and the one error boundary (:func:`main`); each command family is a
module that registers its commands on ``app``. Command modules import only
typer and the standard library at module level; heavy libraries (polars,
pandera, openpyxl) are imported inside commands so that ``cmacop --help``
starts fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from cmacop import __version__
from cmacop.cli.typer_fr import frenchify
from cmacop.errors import CmacopError

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
STORE_DEFAULT = Path("consolidation")  # compute and report, outside a campaign

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
BaseOption = Annotated[
    Path | None,
    typer.Option(
        "--base",
        help="Base TFCMA de l'année N+1 (chambre,montant). Par défaut : "
        "« referentiel.base_tfcma » de la campagne, sinon referentiel/tfcma_<N+1>.csv.",
    ),
]


class State:
    debug = False


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


# The command families register themselves on ``app`` when imported, in the order
# the help lists them (the README's): catalogue and chambres, template, validate,
# consolidate and compute, report, then init, run and statut.
# isort: off
from cmacop.cli import referentiels, modeles, controle, consolidation, bilans, campagne  # noqa: E402, F401
# isort: on

__all__ = ["State", "app", "main"]


# --------------------------------------------------------------------------- entrée


def _fail(message: str, code: int, hint: str | None = None) -> NoReturn:
    sys.stderr.write(f"Erreur : {message}\n")
    if hint:
        sys.stderr.write(f"  → {hint}\n")
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``cmacop`` and ``python -m cmacop``: errors become French messages."""
    from cmacop.cli.typer_fr import usage_message

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


def console() -> NoReturn:
    """The ``cmacop`` program (console script and ``python -m cmacop``): :func:`main`, then a
    fast exit.

    Once the command has returned and its output is flushed, the process ends with
    ``os._exit``: the interpreter's teardown (freeing every object of polars, pandera,
    rich…) would add about 0.03 s to each command, a tenth of a validation. Everything
    cmacop writes is closed by then (files are written atomically, locks released in
    ``finally`` blocks); the journal's handlers are closed here. Exceptions other than
    ``SystemExit`` (``--debug``) take the usual way out, with their traceback.
    """
    import gc

    # Fewer collections while polars, pandera and rich are imported (hundreds of thousands
    # of objects, no cycles worth collecting yet); cycles are still collected.
    gc.set_threshold(50_000, 20, 20)
    code = 0
    try:
        main()
    except SystemExit as exc:
        if isinstance(exc.code, int):
            code = exc.code
        elif exc.code is not None:
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    for stream in (sys.stdout, sys.stderr):
        # reader gone (``| head``), or stream closed
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    if "logging" in sys.modules:
        import logging

        logging.shutdown()
    os._exit(code)
