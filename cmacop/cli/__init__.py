"""Command-line interface: parse options, call one library function, render its result.

No computation lives here. ``common.py`` holds the shared ``app`` and options; each
command family is a module that registers its commands on ``app``; the ``show_*``
modules turn results into terminal text (the only terminal output of cmacop); this
module holds the one error boundary (:func:`main`). Command modules import only typer
and the standard library at module level; heavy libraries (polars, pandera, openpyxl)
are imported inside commands so that ``cmacop --help`` starts fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

from cmacop.cli.common import State, app
from cmacop.errors import CmacopError, boundary_error

# The command families register themselves on ``app`` when imported, in the order
# the help lists them (the README's): catalogue and chambres, template, validate,
# consolidate and compute, report, then init, run and statut.
# isort: off
from cmacop.cli import referentiels, modeles, controle, consolidation, bilans, simulation, campagne  # noqa: F401
# isort: on

__all__ = ["State", "app", "main"]


# --------------------------------------------------------------------------- entrée


def _fail(message: str, code: int, hint: str | None = None) -> NoReturn:
    sys.stderr.write(f"Erreur : {message}\n")
    if hint:
        sys.stderr.write(f"  → {hint}\n")
    raise SystemExit(code)


def _openable(exc: CmacopError) -> tuple[str, int, str | None]:
    """The message, exit code and hint of ``exc``, its folder as it opens from here.

    The library names a folder as the system gave it (often inside the campaign, given
    with ``--config``); the user reads it relative to where the command ran, or in full.
    """
    message, hint, folder = exc.message, exc.hint, exc.folder
    if folder:
        from pathlib import Path

        from cmacop.cli.common import openable

        shown = openable(Path.cwd(), folder) or folder
        if shown != folder:
            message = message.replace(folder, shown)
            hint = hint.replace(folder, shown) if hint else hint
    return message, exc.exit_code, hint


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``cmacop`` and ``python -m cmacop``: errors become French messages."""
    from cmacop.cli.typer_fr import usage_message

    try:
        result = app(args=argv, standalone_mode=False)
    except CmacopError as exc:
        if State.debug:
            raise
        _fail(*_openable(exc))
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
        # A system or library failure (full or read-only disk, damaged file) is not a bug:
        # its French cause, the folder concerned and what to do, with exit code 4.
        translated = boundary_error(exc)
        if translated is not None:
            _fail(*_openable(translated))
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
