"""Errors raised by the library: one boundary, stable codes, French messages.

The library never prints nor exits; ``cmacop.cli`` turns a :class:`CmacopError` into
a message on stderr and an exit code.
"""

from __future__ import annotations

import re
import tomllib


class CmacopError(Exception):
    """Base of every error cmacop reports to a user (message in French)."""

    code = "E-CMACOP"
    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class DataFileError(CmacopError):
    """A domain data file (catalogue, registry, targets, key, base) is unusable."""

    code = "E-DONNEES"
    exit_code = 4


class UsageError(CmacopError):
    """Options or arguments that do not make sense together."""

    code = "E-USAGE"
    exit_code = 2


class InputFileError(CmacopError):
    """A submission file cannot be read at all."""

    code = "E-FICHIER"
    exit_code = 1


# What Python's TOML parser says (tomllib, English), in French: exact messages, then prefixes.
_TOML_MESSAGES = {
    "Invalid statement": "ligne invalide (ni « clé = valeur », ni [section])",
    "Invalid value": "valeur invalide (un texte s'écrit entre guillemets droits)",
    "Cannot overwrite a value": "clé ou section définie deux fois",
    "Expected '=' after a key in a key/value pair": "« = » attendu après la clé",
    "Expected ']' at the end of a table declaration": "« ] » attendu à la fin du nom de section",
    "Expected ']]' at the end of an array declaration": "« ]] » attendu à la fin du nom de section",
    "Expected newline or end of document after a statement": (
        "fin de ligne attendue après la valeur (une seule « clé = valeur » par ligne)"
    ),
    "Invalid initial character for a key part": "caractère invalide au début d'une clé",
    "Unclosed array": "liste [ … ] non fermée",
    "Unclosed inline table": "table { … } non fermée (tout sur une ligne, sans virgule finale)",
    "Unterminated string": "texte non fermé (guillemet manquant)",
    "Unescaped '\\' in a string": "barre oblique inverse « \\ » à doubler dans un texte",
    "Invalid hex value": "code de caractère invalide dans un texte",
    "Escaped character is not a Unicode scalar value": "code de caractère invalide dans un texte",
    "Invalid date or datetime": "date invalide (attendu : AAAA-MM-JJ)",
    "Illegal character '\\n'": "texte non fermé sur sa ligne (guillemet manquant)",
}
_TOML_PREFIXES = (
    ("Cannot declare ", "section déclarée deux fois"),
    ("Cannot mutate immutable namespace ", "section déjà fermée redéfinie"),
    ("Cannot redefine namespace ", "section redéfinie"),
    ("Duplicate inline table key ", "clé en double dans une table { … }"),
    ("Found invalid character ", "caractère invalide"),
    ("Illegal character ", "caractère interdit"),
    ("Expected ", "caractère attendu manquant"),
)
_TOML_WHERE = re.compile(
    r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def toml_error_text(exc: tomllib.TOMLDecodeError) -> str:
    """A TOML syntax error in French, with where it is: « ligne 8, colonne 11 : … »."""
    text = str(exc)
    msg = getattr(exc, "msg", None)
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if msg is None or line is None:  # Python < 3.14: everything is in the message
        found = _TOML_WHERE.match(text)
        msg = found["msg"] if found else text
        line = int(found["line"]) if found and found["line"] else None
        col = int(found["col"]) if found and found["col"] else None
        at_end = bool(found) and line is None
    else:
        at_end = False
    french = _TOML_MESSAGES.get(msg)
    if french is None:
        french = next((fr for en, fr in _TOML_PREFIXES if msg.startswith(en)), None)
        french = french or f"syntaxe TOML invalide ({msg})"
    if line is not None:
        return f"ligne {line}, colonne {col} : {french}"
    return f"à la fin du fichier : {french}" if at_end else french
