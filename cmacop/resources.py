"""Where the shipped data lives: ``schemas/`` and ``templates/``.

In a source checkout (or an editable install) they sit at the repository's top
level; in an installed wheel they are copied into ``cmacop/_data/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``schemas`` or ``templates``, installed or in a checkout."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"dossier de données introuvable : {name}")
