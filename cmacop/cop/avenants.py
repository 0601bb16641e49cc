"""Avenants to the COP as data: national targets of a year, impact indicators that count.

An avenant (``referentiel/avenants/*.toml``) takes effect from a results year
(``effet``): results of earlier years are computed exactly as without it. It may set
the national target of an activity indicator for a year (Annexe II: targets « pourront
être partiellement ajustées ») and give an impact indicator targets, making it count in
its axis (préambule: impact indicators « définis et précisés … à travers un avenant »).
A malformed file is a :class:`AvenantError` (exit 2) naming the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cmacop.cop.catalogue import Catalogue, Indicator
from cmacop.errors import CmacopError, toml_error_text

FIRST_YEAR = 2023  # the COP's first results year
LAST_YEAR = 2027  # the COP's last results year
KEYS = ("id", "titre", "signe_le", "effet", "cibles_nationales", "impact")
IMPACT_KEYS = ("cibles", "dans_modulation")


class AvenantError(CmacopError):
    """An avenant file cannot be used: nothing is computed from it."""

    code = "E-AVENANT"
    exit_code = 2


@dataclass(frozen=True)
class ImpactTerms:
    """What an avenant says of an impact indicator: its targets, whether it counts."""

    code: str
    targets: Mapping[int, int]  # results year → national target (percent points for « % »)
    in_modulation: bool


@dataclass(frozen=True)
class Avenant:
    id: str
    title: str
    signed_on: date
    effect: int  # first results year concerned
    targets: Mapping[str, Mapping[int, int]]  # activity code → year → national target
    impacts: Mapping[str, ImpactTerms]
    source: Path | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "titre": self.title,
            "signe_le": self.signed_on.isoformat(),
            "effet": self.effect,
            "fichier": None if self.source is None else str(self.source),
            "cibles_nationales": {
                code: {str(y): t for y, t in sorted(years.items())}
                for code, years in self.targets.items()
            },
            "impact": {
                code: {
                    "cibles": {str(y): t for y, t in sorted(terms.targets.items())},
                    "dans_modulation": terms.in_modulation,
                }
                for code, terms in self.impacts.items()
            },
        }


@dataclass(frozen=True)
class Avenants:
    """Every avenant of a campaign, in the order they were signed."""

    items: tuple[Avenant, ...] = ()
    folder: Path | None = field(default=None, compare=False)

    def in_force(self, year: int) -> tuple[Avenant, ...]:
        """The avenants that apply to the results of ``year`` (``effet`` ≤ year)."""
        return tuple(a for a in self.items if a.effect <= year)

    def target(self, code: str, year: int) -> tuple[int, str] | None:
        """``(target, avenant id)`` when an avenant in force sets ``code``'s target of ``year``.

        Two avenants never set the same target (refused when read): the latest signed wins
        only in principle.
        """
        for avenant in reversed(self.in_force(year)):
            if code in avenant.targets and year in avenant.targets[code]:
                return avenant.targets[code][year], avenant.id
            terms = avenant.impacts.get(code)
            if terms is not None and year in terms.targets:
                return terms.targets[year], avenant.id
        return None

    def modulated_impacts(self, year: int, catalogue: Catalogue) -> tuple[Indicator, ...]:
        """Impact indicators that count in their axis for ``year``: a target, « dans_modulation »."""
        counted = {
            code
            for avenant in self.in_force(year)
            for code, terms in avenant.impacts.items()
            if terms.in_modulation and year in terms.targets
        }
        return tuple(i for i in catalogue.impacts if i.code in counted)

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(a.source for a in self.items if a.source is not None)

    def to_dict(self) -> list[dict[str, Any]]:
        return [a.to_dict() for a in self.items]


def load_avenants(folder: str | Path, catalogue: Catalogue) -> Avenants:
    """Read every ``*.toml`` of ``folder`` (name order), check them, sort them by signature."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AvenantError(
            f"dossier des avenants introuvable : {folder}",
            hint="Indiquez avec --avenants le dossier qui contient les fichiers avenant-*.toml.",
        )
    items = [_read(path, catalogue) for path in sorted(folder.glob("*.toml"))]
    seen: dict[str, Avenant] = {}
    set_by: dict[tuple[str, int], Avenant] = {}
    for avenant in items:
        assert avenant.source is not None
        if avenant.id in seen:
            raise _fail(
                avenant.source,
                "id",
                f"« {avenant.id} » est déjà l'identifiant de {seen[avenant.id].source}",
                "un identifiant propre à chaque avenant",
            )
        seen[avenant.id] = avenant
        pairs = [(c, y) for c, years in avenant.targets.items() for y in years] + [
            (c, y) for c, t in avenant.impacts.items() for y in t.targets
        ]
        for code, year in pairs:
            other = set_by.get((code, year))
            if other is not None:
                raise _fail(
                    avenant.source,
                    f"cible de {code} pour {year}",
                    f"déjà fixée par {other.id} ({other.source})",
                    "une seule cible par indicateur et par année : retirez-la de l'un des deux "
                    "avenants",
                )
            set_by[(code, year)] = avenant
    return Avenants(tuple(sorted(items, key=lambda a: (a.signed_on, a.id))), folder)


def _fail(path: Path, key: str, problem: str, expected: str) -> AvenantError:
    return AvenantError(
        f"{path.name}, « {key} » : {problem} (attendu : {expected})",
        hint=f"Corrigez l'avenant {path} : rien n'a été calculé ni écrit.",
    )


def _read(path: Path, catalogue: Catalogue) -> Avenant:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AvenantError(
            f"{path.name} : fichier TOML illisible, {toml_error_text(exc)}",
            hint=f"Corrigez l'avenant {path} : rien n'a été calculé ni écrit.",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AvenantError(f"{path} : fichier illisible ({exc})") from None
    for key in raw:
        if key not in KEYS:
            raise _fail(path, key, "clé inconnue", f"l'une de {', '.join(KEYS)}")

    def need(key: str, kind: type, expected: str) -> Any:
        value = raw.get(key)
        if value is None:
            raise _fail(path, key, "absente", expected)
        if isinstance(value, bool) or not isinstance(value, kind):
            raise _fail(path, key, f"valeur {value!r}", expected)
        return value

    ident = need("id", str, 'un identifiant, ex. "avenant-1"').strip()
    title = need("titre", str, 'un titre, ex. "Avenant n° 1 au COP 2023-2027"').strip()
    if not ident or not title:
        raise _fail(path, "id" if not ident else "titre", "vide", "un texte non vide")
    signed = raw.get("signe_le")
    if not isinstance(signed, date) or isinstance(signed, datetime):
        raise _fail(path, "signe_le", f"valeur {signed!r}", "une date, ex. 2024-06-30")
    effect = need("effet", int, f"une année de résultats de {FIRST_YEAR} à {LAST_YEAR}")
    if not FIRST_YEAR <= effect <= LAST_YEAR:
        raise _fail(
            path,
            "effet",
            f"{effect}",
            f"une année de résultats du contrat, {FIRST_YEAR} à {LAST_YEAR}",
        )
    activity = {i.code: i for i in catalogue.indicators}
    impacts = {i.code: i for i in catalogue.impacts}
    targets: dict[str, dict[int, int]] = {}
    table = raw.get("cibles_nationales", {})
    if not isinstance(table, Mapping):
        raise _fail(
            path, "cibles_nationales", "ce n'est pas une table", '"I6.1" = { 2025 = 140000 }'
        )
    for code, years in table.items():
        key = f"cibles_nationales.{code}"
        if code not in activity:
            known = 'un indicateur d\'impact se règle dans [impact."…"]' if code in impacts else ""
            raise _fail(
                path, key, f"indicateur « {code} » inconnu du catalogue {catalogue.id}"
                + (f" ({known})" if known else ""), "un code d'indicateur d'activité, ex. I6.1",
            )  # fmt: skip
        targets[code] = _targets(path, key, years, effect, activity[code])
    terms: dict[str, ImpactTerms] = {}
    table = raw.get("impact", {})
    if not isinstance(table, Mapping):
        raise _fail(path, "impact", "ce n'est pas une table", '[impact."M3.3"]')
    for code, entry in table.items():
        key = f"impact.{code}"
        if code not in impacts:
            raise _fail(
                path, key, f"indicateur d'impact « {code} » inconnu du catalogue {catalogue.id}",
                "un code d'indicateur d'impact, ex. M3.3",
            )  # fmt: skip
        if not isinstance(entry, Mapping):
            raise _fail(path, key, "ce n'est pas une table", "cibles = { 2025 = 0.75 }")
        for sub in entry:
            if sub not in IMPACT_KEYS:
                raise _fail(
                    path, f"{key}.{sub}", "clé inconnue", f"l'une de {', '.join(IMPACT_KEYS)}"
                )
        counted = entry.get("dans_modulation", False)
        if not isinstance(counted, bool):
            raise _fail(path, f"{key}.dans_modulation", f"valeur {counted!r}", "true ou false")
        years = _targets(path, f"{key}.cibles", entry.get("cibles", {}), effect, impacts[code])
        if counted and not years:
            raise _fail(
                path, f"{key}.dans_modulation", "true sans cible",
                "des cibles (cibles = { 2025 = 0.75 }) pour qu'il entre dans le taux de son axe",
            )  # fmt: skip
        terms[code] = ImpactTerms(code, years, counted)
    return Avenant(ident, title, signed, effect, targets, terms, path)


def _targets(path: Path, key: str, years: Any, effect: int, ind: Indicator) -> dict[int, int]:
    """``{ 2025 = 140000 }`` checked: results years from ``effet`` to 2027, values of the unit."""
    if not isinstance(years, Mapping):
        raise _fail(path, key, "ce n'est pas une table", "{ 2025 = 140000 }")
    out: dict[int, int] = {}
    for year_key, value in years.items():
        where = f"{key}.{year_key}"
        try:
            year = int(year_key)
        except ValueError:
            raise _fail(path, where, "l'année n'est pas un nombre", "une année, ex. 2025") from None
        if not effect <= year <= LAST_YEAR:
            raise _fail(
                path, where, f"année {year} hors de la période de l'avenant",
                f"une année de résultats de son effet ({effect}) à {LAST_YEAR}",
            )  # fmt: skip
        out[year] = _target_value(path, where, value, ind)
    return out


def _target_value(path: Path, where: str, value: Any, ind: Indicator) -> int:
    """A target in the unit the chambers report in: « % » as a share (0.75), kept in points."""
    number: Decimal | None = None
    if not isinstance(value, bool) and isinstance(value, int | float | str):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
    if ind.unit == "%":
        points = None if number is None else number * 100
        if points is None or not 0 <= points <= 100 or points != points.to_integral_value():
            raise _fail(
                path, where, f"valeur {value!r}",
                "un taux entre 0 et 1, au point de pourcentage près (0.75 pour 75 %)",
            )  # fmt: skip
        return int(points)
    if number is None or number < 0 or number != number.to_integral_value():
        unit = {"€": "en euros", "tCO2e": "en tonnes équivalent CO2"}.get(ind.unit, "")
        raise _fail(
            path, where, f"valeur {value!r}", f"un nombre entier positif ou nul {unit}".strip()
        )
    return int(number)
