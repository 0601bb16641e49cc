"""French for the few words typer/click print themselves (help panels, usage errors).

typer hard-codes English strings; we override its documented rich-help
constants and translate usage errors by type. If a future typer renames
something, the help merely falls back to English: nothing breaks.
"""

from __future__ import annotations

import ast
import contextlib
import re
from typing import Any

_PANELS = {
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commandes",
    "ERRORS_PANEL_TITLE": "Erreur",
    "ABORTED_TEXT": "Interrompu.",
    "DEFAULT_STRING": "[par défaut : {}]",
    "REQUIRED_LONG_STRING": "[obligatoire]",
    "ENVVAR_STRING": "[variable d'environnement : {}]",
    "DEPRECATED_STRING": "(obsolète) ",
    "RICH_HELP": "Essayez [blue]'{command_path} {help_option}'[/] pour l'aide.",
}
HELP_TEXT = "Affiche cette aide et quitte."
_DONE = False


def _translate_panels() -> None:
    with contextlib.suppress(ImportError, AttributeError):
        from typer import rich_utils

        for name, text in _PANELS.items():
            if hasattr(rich_utils, name):
                setattr(rich_utils, name, text)


def frenchify() -> None:
    """Translate typer's help panels and the ``--help`` option text.

    The panels live in ``typer.rich_utils``, which costs ~60 ms to import: they
    are translated only when a help page is actually rendered.
    """
    global _DONE
    if _DONE:
        return
    _DONE = True
    with contextlib.suppress(ImportError, AttributeError):
        from typer import core

        for cls in (core.TyperCommand, core.TyperGroup):
            original_format = cls.format_help

            def format_help(
                self: Any, ctx: Any, formatter: Any, _original: Any = original_format
            ) -> Any:
                _translate_panels()
                return _original(self, ctx, formatter)

            cls.format_help = format_help  # type: ignore[method-assign]
    with contextlib.suppress(ImportError, AttributeError):
        # In the usage line, an argument reads ``CHEMIN...`` (several) or ``[CHEMIN...]``
        # (optional), as in click, rather than typer's ``{CHEMIN}``.
        original_metavar = core.TyperArgument.make_metavar

        def make_metavar(self: Any, ctx: Any, *args: Any, usage: bool = False) -> str:
            if self.metavar is None or not usage:
                return str(original_metavar(self, ctx, *args, usage=usage))
            var = str(self.metavar) + ("..." if self.nargs != 1 else "")
            return var if self.required else f"[{var}]"

        core.TyperArgument.make_metavar = make_metavar  # type: ignore[method-assign]
    with contextlib.suppress(ImportError, AttributeError):
        from typer._click import decorators

        original = decorators.help_option

        def help_option(param_decls: list[str]) -> Any:
            decorator = original(param_decls)

            def apply(command: Any) -> Any:
                command = decorator(command)
                command.params[-1].help = HELP_TEXT
                return command

            return apply

        decorators.help_option = help_option


def _param_hint(exc: Any) -> str | None:
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if hint is None and param is not None:
        try:
            hint = param.get_error_hint()
        except TypeError:
            hint = param.get_error_hint(exc.ctx)
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(hint)
    return str(hint).replace("'", "") if hint else None


# click's conversion errors start with the repr of what was typed: "'deux' is not a valid
# integer.", "'xml' is not one of 'table', 'json'."
_TYPED = re.compile(r"""^(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def _bad_input(exc: Any) -> str | None:
    """The value the user typed, read back from click's conversion message."""
    match = _TYPED.match(str(getattr(exc, "message", "")))
    if match is None:
        return None
    try:
        return str(ast.literal_eval(match["value"]))
    except (ValueError, SyntaxError):
        return None


def _expected(exc: Any) -> str:
    """What the option accepts, in French: `` (valeurs possibles : table, json)``."""
    kind = getattr(getattr(exc, "param", None), "type", None)
    choices = getattr(kind, "choices", None)
    if choices:
        return f" (valeurs possibles : {', '.join(str(c) for c in choices)})"
    name = getattr(kind, "name", "")
    if name.startswith("int"):
        return " (nombre entier attendu)"
    if name.startswith("float"):
        return " (nombre attendu)"
    return ""


_NO_SUCH_COMMAND = re.compile(
    r"No such command '(?P<cmd>[^']*)'\.(?: Did you mean '(?P<alt>[^']*)'\?)?"
)


def usage_message(exc: BaseException) -> str | None:
    """A French message for a click/typer usage error; None if ``exc`` is not one.

    The empty string means "no arguments at all": the caller shows the help.
    """
    try:
        from typer._click import exceptions as ce
    except ImportError:
        return None
    if not isinstance(exc, ce.UsageError):
        return None
    if type(exc).__name__ == "NoArgsIsHelpError":
        return ""
    hint = _param_hint(exc)
    if isinstance(exc, ce.MissingParameter):
        return (
            f"paramètre obligatoire manquant : {hint}" if hint else "paramètre obligatoire manquant"
        )
    if isinstance(exc, ce.BadParameter):
        typed = _bad_input(exc)
        shown = f"« {typed} »{_expected(exc)}" if typed is not None else exc.message
        return (
            f"valeur non valide pour {hint} : {shown}" if hint else f"valeur non valide : {shown}"
        )
    if isinstance(exc, ce.NoSuchOption):
        return f"option inconnue : {exc.option_name}"
    if isinstance(exc, ce.BadOptionUsage):
        return f"option mal employée : {exc.option_name}"
    match = _NO_SUCH_COMMAND.search(exc.format_message())
    if match:
        alt = f" (vouliez-vous dire « {match['alt']} » ?)" if match["alt"] else ""
        return f"commande inconnue : « {match['cmd']} »{alt}"
    return f"utilisation incorrecte : {exc.format_message()}"
