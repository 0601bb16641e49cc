"""The COP catalogue: axes, objectives, indicators and schedules, loaded from data.

Nothing about an indicator is written in Python: everything comes from the
versioned TOML file in ``schemas/``. An avenant is an edit of that file.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from cmacop.cop.jalons import Jalon, JalonError, read_jalons
from cmacop.errors import DataFileError, library_error_text
from cmacop.files.fsutil import sha256
from cmacop.resources import data_dir

DEFAULT_CATALOGUE_FILE = "catalogue_cop_2023_2027.toml"
KINDS = ("flux", "stock")
UNITS = ("nombre", "%", "€", "tCO2e")
# What breaking a bound between indicators (``plafond``) is: an error rejects the file,
# a warning accepts it and asks for an explanation (``plafond_gravite`` in the catalogue).
CEILING_ERROR = "erreur"
CEILING_WARNING = "avertissement"
CEILING_SEVERITIES = (CEILING_ERROR, CEILING_WARNING)


@dataclass(frozen=True)
class Axis:
    number: int
    title: str
    short_title: str
    weight: Decimal


@dataclass(frozen=True)
class Objective:
    number: int
    axis: int
    title: str


@dataclass(frozen=True)
class Indicator:
    """One indicator; ``impact`` ones have no target and no effect on the tax."""

    code: str
    axis: int
    objective: int | None
    kind: str
    unit: str
    label: str
    definition: str
    impact: bool = False
    baseline: int | None = None
    target_2023: int | None = None
    target_2027: int | None = None
    ceiling: str | None = None
    ceiling_severity: str = CEILING_ERROR
    ceiling_hint: str | None = None  # the advice shown when the bound is broken
    # Impact rates: the impact indicator (unit « nombre ») giving the firms measured.
    sample: str | None = None
    baseline_note: str | None = None  # what the contract says of the baseline, in words
    baseline_comparable: bool = True  # False: not the CMA network's, no progression from it

    @property
    def is_count(self) -> bool:
        return self.unit == "nombre"


@dataclass(frozen=True)
class Catalogue:
    id: str
    title: str
    revision: str
    axes: tuple[Axis, ...]
    objectives: tuple[Objective, ...]
    indicators: tuple[Indicator, ...]
    impacts: tuple[Indicator, ...]
    performance_share: Mapping[int, Decimal]
    deadline_month: int
    source: Path | None = field(default=None, compare=False)
    jalons: tuple[Jalon, ...] = ()  # the contract's dated or checkable commitments
    # The consolidated bilan goes to the minister before the 1st of this month of N + 1
    # (COP, 10.2 and annex I, note 4). Not part of the fingerprint: templates do not show it.
    report_month: int = 7

    @property
    def version(self) -> str:
        """Human version string, e.g. ``cop-2023-2027 (révision 2023-12-01)``."""
        return f"{self.id} (révision {self.revision})"

    @property
    def all_indicators(self) -> tuple[Indicator, ...]:
        return self.indicators + self.impacts

    def indicator(self, code: str) -> Indicator:
        for ind in self.all_indicators:
            if ind.code == code:
                return ind
        raise KeyError(code)

    def axis(self, number: int) -> Axis:
        for ax in self.axes:
            if ax.number == number:
                return ax
        raise KeyError(number)

    def objective(self, number: int) -> Objective:
        for obj in self.objectives:
            if obj.number == number:
                return obj
        raise KeyError(number)

    def indicators_of_axis(self, number: int) -> Iterator[Indicator]:
        return (i for i in self.indicators if i.axis == number)

    def share_for_year(
        self, tax_year: int, overrides: Mapping[int, Decimal] | None = None
    ) -> Decimal:
        """Performance share ``p`` of a tax year: override, else schedule, flat outside it."""
        if overrides and tax_year in overrides:
            return Decimal(overrides[tax_year])
        years = sorted(self.performance_share)
        if tax_year in self.performance_share:
            return self.performance_share[tax_year]
        if tax_year > years[-1]:
            return self.performance_share[years[-1]]
        return self.performance_share[years[0]]

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the catalogue's content (not its layout): templates record it.

        Computed once per catalogue (the catalogue is immutable).
        """
        payload = {
            "id": self.id,
            "revision": self.revision,
            "axes": [_plain(asdict(a)) for a in self.axes],
            "objectives": [_plain(asdict(o)) for o in self.objectives],
            "indicators": [_indicator_payload(i) for i in self.all_indicators],
            "performance_share": {
                str(k): str(v) for k, v in sorted(self.performance_share.items())
            },
            "deadline_month": self.deadline_month,
        }
        # The jalons are left out: they change no template (the fingerprint says when a
        # template is outdated).
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return sha256(blob)

    def jalon(self, code: str) -> Jalon:
        for j in self.jalons:
            if j.code == code:
                return j
        raise KeyError(code)

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per activity indicator, with the CSV column names of ``cmacop catalogue``."""
        return [
            {
                "code": i.code,
                "axe": i.axis,
                "objectif": i.objective,
                "type": i.kind,
                "unite": i.unit,
                "resultat_connu": i.baseline,
                "cible_2023": i.target_2023,
                "cible_2027": i.target_2027,
                "plafond": i.ceiling,
                "libelle": i.label,
            }
            for i in self.indicators
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "titre": self.title,
            "revision": self.revision,
            "empreinte": self.content_hash,
            "axes": [
                {
                    "numero": a.number,
                    "titre": a.title,
                    "titre_court": a.short_title,
                    "poids": str(a.weight),
                }
                for a in self.axes
            ],
            "objectifs": [
                {"numero": o.number, "axe": o.axis, "titre": o.title} for o in self.objectives
            ],
            "indicateurs": [
                {
                    **row,
                    "plafond_gravite": ind.ceiling_severity if ind.ceiling else None,
                    "plafond_conseil": ind.ceiling_hint,
                    "resultat_connu_note": ind.baseline_note,
                    "resultat_connu_comparable": ind.baseline_comparable,
                }
                for row, ind in zip(self.to_rows(), self.indicators, strict=True)
            ],
            "impacts": [
                {
                    "code": i.code,
                    "axe": i.axis,
                    "unite": i.unit,
                    "libelle": i.label,
                    "definition": i.definition,
                    "effectif": i.sample,
                }
                for i in self.impacts
            ],
            "part_performance": {str(k): str(v) for k, v in sorted(self.performance_share.items())},
            "jalons": [j.to_dict() for j in self.jalons],
        }


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in d.items()}


# Fields added after catalogues were fingerprinted: in the payload only when set, so that
# the fingerprint (and every template already sent to the chambers) stays the same.
_LATER_FIELDS = ("sample",)


def _indicator_payload(ind: Indicator) -> dict[str, Any]:
    payload = _plain(asdict(ind))
    for key in _LATER_FIELDS:
        if payload.get(key) is None:
            payload.pop(key, None)
    return payload


def default_catalogue_path() -> Path:
    return data_dir("schemas") / DEFAULT_CATALOGUE_FILE


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and check a catalogue file; the shipped one when ``path`` is None (cached)."""
    if path is None:
        return _load_default()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _load_default() -> Catalogue:
    return _load(default_catalogue_path())


class _Reader:
    """Checks one TOML table entry field by field, naming the file and entry on error."""

    def __init__(self, path: Path, where: str, entry: Mapping[str, Any]) -> None:
        self.path, self.where, self.entry = path, where, entry

    def fail(self, message: str) -> DataFileError:
        return DataFileError(
            f"{self.path.name}, {self.where} : {message}",
            hint=f"Corrigez le fichier de catalogue {self.path}.",
        )

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        if key not in self.entry:
            if required:
                raise self.fail(f"champ « {key} » manquant")
            return None
        value = self.entry[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(f"champ « {key} » de type inattendu ({value!r})")
        return value

    def decimal(self, key: str) -> Decimal:
        raw = self.get(key, (str, int, float))
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            raise self.fail(f"champ « {key} » n'est pas un nombre ({raw!r})") from None

    def count(self, key: str) -> int | None:
        value = self.get(key, int, required=False)
        if value is not None and value < 0:
            raise self.fail(f"champ « {key} » négatif ({value})")
        return value


def _load(path: Path) -> Catalogue:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"catalogue introuvable : {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(
            f"{path.name} : fichier TOML illisible, {library_error_text(exc)}"
        ) from None

    head = _Reader(path, "[catalogue]", raw.get("catalogue", {}))
    axes = tuple(_axis(path, i, e) for i, e in enumerate(raw.get("axes", [])))
    axis_numbers = [a.number for a in axes]
    _unique(path, "axes", axis_numbers)
    total = sum((a.weight for a in axes), Decimal(0))
    if axes and total != 1:
        raise DataFileError(f"{path.name}, [[axes]] : la somme des poids vaut {total} au lieu de 1")

    objectives = tuple(
        _objective(path, i, e, axis_numbers) for i, e in enumerate(raw.get("objectifs", []))
    )
    _unique(path, "objectifs", [o.number for o in objectives])
    obj_axis = {o.number: o.axis for o in objectives}

    activity = tuple(
        _indicator(path, "indicateurs", i, e, axis_numbers, obj_axis, impact=False)
        for i, e in enumerate(raw.get("indicateurs", []))
    )
    impacts = tuple(
        _indicator(path, "impacts", i, e, axis_numbers, obj_axis, impact=True)
        for i, e in enumerate(raw.get("impacts", []))
    )
    if not axes or not activity:
        raise DataFileError(f"{path.name} : le catalogue doit définir des axes et des indicateurs")
    _unique(path, "indicateurs", [i.code for i in activity + impacts])
    activity_codes = {i.code for i in activity}
    for pos, ind in enumerate(activity):
        if ind.ceiling is not None and (
            ind.ceiling not in activity_codes or ind.ceiling == ind.code
        ):
            raise DataFileError(
                f"{path.name}, indicateurs[{pos}] ({ind.code}) : plafond « {ind.ceiling} » "
                "ne désigne pas un autre indicateur d'activité du catalogue"
            )

    share_raw = raw.get("part_performance", {})
    share: dict[int, Decimal] = {}
    for key, value in share_raw.items():
        entry = _Reader(path, f"[part_performance] {key}", {"valeur": value})
        try:
            year = int(key)
        except ValueError:
            raise entry.fail("l'année doit être un nombre") from None
        share[year] = entry.decimal("valeur")
        if not 0 <= share[year] <= 1:
            raise entry.fail(f"la part doit être comprise entre 0 et 1 ({share[year]})")
    if not share:
        raise DataFileError(f"{path.name} : table [part_performance] absente ou vide")
    calendar = _Reader(path, "[calendrier]", raw.get("calendrier", {}))
    deadline = calendar.get("mois_limite_depot", int)
    report_month = calendar.get("mois_bilan_ministre", int, required=False) or 7
    for key, month in (("mois_limite_depot", deadline), ("mois_bilan_ministre", report_month)):
        if not 1 <= month <= 12:
            raise DataFileError(f"{path.name}, [calendrier] : {key} doit être entre 1 et 12")

    for pos, ind in enumerate(impacts):
        if ind.sample is not None and (
            ind.unit != "%" or ind.sample not in {i.code for i in impacts if i.unit == "nombre"}
        ):
            raise DataFileError(
                f"{path.name}, impacts[{pos}] ({ind.code}) : effectif « {ind.sample} » : "
                "un taux (%) seul a un effectif, qui désigne un indicateur d'impact "
                "d'unité « nombre »"
            )
    try:
        jalons = read_jalons(raw.get("jalons", []), axis_numbers)
    except JalonError as exc:
        raise DataFileError(
            f"{path.name}, {exc}", hint=f"Corrigez le fichier de catalogue {path}."
        ) from None

    return Catalogue(
        id=head.get("id", str),
        title=head.get("titre", str),
        revision=head.get("revision", str),
        axes=axes,
        objectives=objectives,
        indicators=activity,
        impacts=impacts,
        performance_share=share,
        deadline_month=deadline,
        source=path,
        jalons=jalons,
        report_month=report_month,
    )


def _unique(path: Path, table: str, values: list[Any]) -> None:
    seen: set[Any] = set()
    for v in values:
        if v in seen:
            raise DataFileError(f"{path.name}, [[{table}]] : « {v} » est défini deux fois")
        seen.add(v)


def _axis(path: Path, pos: int, entry: Mapping[str, Any]) -> Axis:
    r = _Reader(path, f"axes[{pos}]", entry)
    weight = r.decimal("poids")
    if not 0 <= weight <= 1:
        raise r.fail(f"poids hors de [0, 1] ({weight})")
    return Axis(r.get("numero", int), r.get("titre", str), r.get("titre_court", str), weight)


def _objective(path: Path, pos: int, entry: Mapping[str, Any], axes: list[int]) -> Objective:
    r = _Reader(path, f"objectifs[{pos}]", entry)
    axis = r.get("axe", int)
    if axis not in axes:
        raise r.fail(f"axe {axis} inconnu")
    return Objective(r.get("numero", int), axis, r.get("titre", str))


def _indicator(
    path: Path,
    table: str,
    pos: int,
    entry: Mapping[str, Any],
    axes: list[int],
    objectives: Mapping[int, int],
    *,
    impact: bool,
) -> Indicator:
    code = entry.get("code", "?")
    r = _Reader(path, f"{table}[{pos}] ({code})", entry)
    code = r.get("code", str)
    axis = r.get("axe", int)
    if axis not in axes:
        raise r.fail(f"axe {axis} inconnu")
    objective = r.get("objectif", int, required=not impact)
    if objective is not None and objectives.get(objective) != axis:
        raise r.fail(f"objectif {objective} inconnu ou hors de l'axe {axis}")
    kind = r.get("type", str, required=not impact) or "flux"
    if kind not in KINDS:
        raise r.fail(f"type « {kind} » inconnu (attendu : {', '.join(KINDS)})")
    unit = r.get("unite", str)
    if unit not in UNITS:
        raise r.fail(f"unité « {unit} » inconnue (attendu : {', '.join(UNITS)})")
    definition = r.get("definition", str, required=False) or ""
    if len(definition) > 255:
        raise r.fail("définition trop longue pour Excel (255 caractères au plus)")
    ceiling = r.get("plafond", str, required=False)
    if impact and any(
        k in entry for k in ("cible_2023", "cible_2027", "plafond", "plafond_gravite")
    ):
        raise r.fail("un indicateur d'impact n'a ni cible ni plafond")
    severity = r.get("plafond_gravite", str, required=False) or CEILING_ERROR
    if severity not in CEILING_SEVERITIES:
        raise r.fail(
            f"plafond_gravite « {severity} » inconnue (attendu : {', '.join(CEILING_SEVERITIES)})"
        )
    hint = r.get("plafond_conseil", str, required=False)
    note = r.get("resultat_connu_note", str, required=False)
    comparable = entry.get("resultat_connu_comparable", True)
    if not isinstance(comparable, bool):
        raise r.fail(f"champ « resultat_connu_comparable » de type inattendu ({comparable!r})")
    if ceiling is None and ("plafond_gravite" in entry or hint is not None):
        raise r.fail("plafond_gravite et plafond_conseil demandent un plafond")
    if not impact and "effectif" in entry:
        raise r.fail("seul un indicateur d'impact (un taux) a un effectif")
    return Indicator(
        code=code,
        axis=axis,
        objective=objective,
        kind=kind,
        unit=unit,
        label=r.get("libelle", str),
        definition=definition,
        impact=impact,
        baseline=r.count("resultat_connu"),
        target_2023=r.count("cible_2023"),
        target_2027=r.count("cible_2027"),
        ceiling=ceiling,
        ceiling_severity=severity,
        ceiling_hint=hint,
        sample=r.get("effectif", str, required=False) if impact else None,
        baseline_note=note,
        baseline_comparable=comparable,
    )
