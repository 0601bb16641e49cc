"""Errors raised by the library: one boundary, stable codes, French messages.

The library never prints nor exits; ``cmacop.cli`` turns a :class:`CmacopError` into
a message on stderr and an exit code.
"""

from __future__ import annotations


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
