"""CMA France's rules file (``referentiel/regles.toml``): read, checked, or written blank.

A malformed file is a :class:`RulesError` (exit 2) naming the file, the key and what is
expected; nothing is computed from it. The decisions it holds are
:class:`~cmacop.cop.rules.Decisions`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cmacop.cop.catalogue import Catalogue
from cmacop.cop.rules import (
    AXIS_RATES,
    CONTRACT_SHARE_YEAR,
    FIRST_TAX_YEAR,
    LAST_TAX_YEAR,
    MODULATION_KEYS,
    NO_RESULTS,
    Decided,
    Decisions,
)
from cmacop.errors import CmacopError, toml_error_text


class RulesError(CmacopError):
    """The rules file cannot be used: nothing is computed from it."""

    code = "E-REGLES"
    exit_code = 2


# --------------------------------------------------------------------------- regles.toml

# What « cmacop init » writes: every key commented, so that nothing is decided yet.
RULES_TEMPLATE = """\
# Décisions de CMA France pour appliquer le contrat là où il laisse le choix.
#
# Le contrat (préambule) fixe les poids des axes, la part performance de 2023 (35 %),
# la réduction proportionnelle au taux de non-réalisation des objectifs de l'axe,
# l'affectation des montants retenus aux projets nationaux et le lien entre les
# résultats d'une année et la taxe de l'année suivante. Le reste est décidé ici ;
# tant qu'une clé est absente (ou commentée), cmacop applique son défaut et le dit
# dans les bilans, la console et le manifeste. Voir docs/formats/regles.md.

# [modulation]
# taux_axe = "indicateurs"          # ou "objectifs" : moyenne des objectifs de l'axe,
#                                   # chacun moyenne de ses indicateurs
# chambre_sans_resultats = "zero"   # ou "hors_modulation" : aucune réduction, signalée à arbitrer
# plafond_taux = "1"                # plafond du taux d'atteinte d'un indicateur (1 = 100 %)
# poids_indicateurs = { }           # ex. { "I1.3" = 2 } ; les autres indicateurs : 1
# decision = "Bureau de CMA France du 12 mars 2025"

# [part_performance.2025]           # année de taxe (résultats 2024)
# taux = "0.40"
# decision = "Assemblée générale de CMA France du 24 juin 2025"
"""


def load_decisions(path: str | Path, catalogue: Catalogue) -> Decisions:
    """Read and check a rules file; a wrong one is a :class:`RulesError` naming the key."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(
            f"fichier des règles introuvable : {path}",
            hint="Indiquez avec --regles le fichier des décisions de CMA France (regles.toml).",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(
            f"{path.name} : fichier TOML illisible, {toml_error_text(exc)}", hint=_hint(path)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path} : fichier illisible ({exc})") from None
    for key in raw:
        if key not in ("modulation", "part_performance"):
            raise _fail(
                path, key, "section ou clé inconnue", "[modulation] ou [part_performance.<année>]"
            )
    table = _table(path, "modulation", raw.get("modulation", {}))
    default_decision = table.get("decision")
    if default_decision is not None:
        default_decision = _decision(path, "modulation.decision", default_decision)
    modulation: dict[str, Decided] = {}
    for key, value in table.items():
        if key == "decision":
            continue
        where = f"modulation.{key}"
        if key not in MODULATION_KEYS:
            raise _fail(
                path, where, "clé inconnue", f"l'une de {', '.join(MODULATION_KEYS)}, decision"
            )
        decision = default_decision
        # { valeur = …, decision = "…" }: a decision of its own (a weights table has no « valeur »)
        if isinstance(value, Mapping) and (key != "poids_indicateurs" or "valeur" in value):
            extra = sorted(set(value) - {"valeur", "decision"})
            if extra or "valeur" not in value:
                raise _fail(path, where, f"table {dict(value)!r}", '{ valeur = …, decision = "…" }')
            if "decision" in value:
                decision = _decision(path, f"{where}.decision", value["decision"])
            value = value["valeur"]
        if decision is None:
            raise _fail(
                path, where, "valeur sans décision",
                'la décision qui l\'a arrêtée : decision = "Bureau de CMA France du 12 mars 2025" '
                "dans [modulation]",
            )  # fmt: skip
        modulation[key] = Decided(_value(path, where, key, value, catalogue), decision)
    shares: dict[int, Decided] = {}
    for year_key, entry in _table(
        path, "part_performance", raw.get("part_performance", {})
    ).items():
        where = f"part_performance.{year_key}"
        try:
            year = int(year_key)
        except ValueError:
            raise _fail(
                path, where, "l'année n'est pas un nombre", "[part_performance.2025]"
            ) from None
        if year == CONTRACT_SHARE_YEAR:
            raise _fail(
                path, where, "la part de 2023 est fixée par le contrat (35 %)",
                f"une année de taxe de {FIRST_TAX_YEAR} à {LAST_TAX_YEAR}",
            )  # fmt: skip
        if not FIRST_TAX_YEAR <= year <= LAST_TAX_YEAR:
            raise _fail(
                path, where, f"année de taxe {year} hors du contrat",
                f"une année de taxe de {FIRST_TAX_YEAR} à {LAST_TAX_YEAR} (résultats 2023 à 2027)",
            )  # fmt: skip
        entry = _table(path, where, entry)
        for key in entry:
            if key not in ("taux", "decision"):
                raise _fail(path, f"{where}.{key}", "clé inconnue", "taux, decision")
        if "taux" not in entry:
            raise _fail(path, f"{where}.taux", "absente", 'la part décidée, ex. taux = "0.40"')
        if "decision" not in entry:
            raise _fail(
                path, f"{where}.decision", "absente",
                'la décision qui l\'a arrêtée, ex. decision = "Assemblée générale du 24 juin 2025"',
            )  # fmt: skip
        share = _number(path, f"{where}.taux", entry["taux"], 'une part entre 0 et 1, ex. "0.40"')
        if not 0 <= share <= 1:
            raise _fail(
                path,
                f"{where}.taux",
                f"{entry['taux']!r} hors de 0 à 1",
                'une part entre 0 et 1, ex. "0.40"',
            )
        shares[year] = Decided(share, _decision(path, f"{where}.decision", entry["decision"]))
    return Decisions(modulation, shares, source=path, name=path.stem)


def _hint(path: Path) -> str:
    return f"Corrigez le fichier des règles {path} : rien n'a été calculé ni écrit."


def _fail(path: Path, key: str, problem: str, expected: str) -> RulesError:
    return RulesError(
        f"{path.name}, « {key} » : {problem} (attendu : {expected})", hint=_hint(path)
    )


def _table(path: Path, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, key, f"valeur {value!r}", f"une section [{key}]")
    return value


def _decision(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(
            path,
            key,
            f"valeur {value!r}",
            'le texte de la décision, ex. "Bureau de CMA France du 12 mars 2025"',
        )
    return value.strip()


def _number(path: Path, key: str, value: Any, expected: str) -> Decimal:
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _fail(path, key, f"valeur {value!r}", expected) from None
    if not number.is_finite():
        raise _fail(path, key, f"valeur {value!r}", expected)
    return number


def _value(path: Path, where: str, key: str, value: Any, catalogue: Catalogue) -> Any:
    if key == "taux_axe":
        if value not in AXIS_RATES:
            raise _fail(path, where, f"valeur {value!r}", " ou ".join(f'"{v}"' for v in AXIS_RATES))
        return value
    if key == "chambre_sans_resultats":
        if value not in NO_RESULTS:
            raise _fail(path, where, f"valeur {value!r}", " ou ".join(f'"{v}"' for v in NO_RESULTS))
        return value
    if key == "plafond_taux":
        cap = _number(path, where, value, 'un nombre au moins égal à 1, ex. "1" pour 100 %')
        if cap < 1:
            raise _fail(
                path, where, f"valeur {value!r}", 'un nombre au moins égal à 1, ex. "1" pour 100 %'
            )
        return cap
    weights = _table(path, where, value)
    codes = {i.code for i in catalogue.all_indicators}
    out = {}
    for code, weight in weights.items():
        if code not in codes:
            raise _fail(
                path,
                f"{where}.{code}",
                f"indicateur « {code} » inconnu du catalogue {catalogue.id}",
                "un code d'indicateur, ex. I1.3",
            )
        number = _number(path, f"{where}.{code}", weight, "un poids positif ou nul, ex. 2")
        if number < 0:
            raise _fail(
                path, f"{where}.{code}", f"valeur {weight!r}", "un poids positif ou nul, ex. 2"
            )
        out[str(code)] = number
    return out
