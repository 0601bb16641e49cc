"""The [calcul] settings of an old ``cmacop.toml``: CMA France's decisions, now in regles.toml.

``plafond_taux``, ``part_performance`` and ``poids_indicateurs`` were settings; the contract
leaves them to CMA France, whose decisions are dated and kept in ``referentiel/regles.toml``
(issue 11). An old file that still has them is refused with the new place and an example.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cmacop.campaign.layout import REFERENCE_DIR, RULES_FILE

# Each moved setting, written as regles.toml now expects it.
MOVED = {
    "part_performance": '[part_performance.2026]\ntaux = "0.45"\ndecision = "…"',
    "plafond_taux": '[modulation]\nplafond_taux = "1"\ndecision = "…"',
    "poids_indicateurs": '[modulation]\npoids_indicateurs = { "I1.3" = 2 }\ndecision = "…"',
}


def moved_decision(path: Path, raw: Mapping[str, Any]) -> tuple[str, str] | None:
    """(message, hint) when ``raw`` still has a [calcul] setting; None otherwise."""
    calcul = raw.get("calcul")
    if calcul is None:
        return None
    keys = list(calcul) if isinstance(calcul, Mapping) else []
    if not keys and isinstance(calcul, Mapping):
        return None  # an empty [calcul] section decides nothing
    place = f"{REFERENCE_DIR}/{RULES_FILE}"
    key = keys[0] if keys else ""
    example = MOVED.get(key)
    if key:
        message = (
            f"{path.name} : « calcul.{key} » n'est plus un réglage de cmacop.toml : c'est une "
            f"décision de CMA France, qui s'inscrit désormais dans le fichier des règles "
            f"{place} (« referentiel.regles »), avec le texte de la décision"
        )
    else:
        message = (
            f"{path.name} : la section [calcul] n'existe plus : ses réglages sont des décisions "
            f"de CMA France, dans le fichier des règles {place}"
        )
    if example:
        hint = (
            f"Retirez la section [calcul] de {path} et reportez la décision dans {place}, "
            f"par exemple :\n{example}"
        )
    else:
        hint = f"Retirez la section [calcul] de {path} ; voir docs/formats/regles.md."
    return message, hint
