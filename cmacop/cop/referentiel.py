"""Reference files of a campaign (``referentiel/``): COM targets, allocation key, TFCMA bases.

Each reader checks every line and raises a :class:`DataFileError` naming the
file, the line and the column, in French.

The COM targets and the allocation key are kept once read, by content: ``cmacop
run`` validates a year's files in many batches, and each batch needs the same
targets. A file changed on disk is read again (its content is compared, not
its date), so a cached file is never out of date.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from cmacop.cop.catalogue import Catalogue, load_catalogue
from cmacop.cop.registry import Registry, load_registry
from cmacop.cop.targets import TargetRow, regional_targets
from cmacop.errors import DataFileError, InputFileError
from cmacop.files.frenchcsv import CsvTable, parse_number, read_csv

TargetKey = tuple[str, int, str]  # (chambre, annee, code)
T = TypeVar("T")

# Parsed reference files and regional targets, by the contents they come from (see the
# module docstring); a few entries are enough (one campaign, a handful of years).
_CACHE: dict[tuple[Any, ...], tuple[tuple[object, ...], Any]] = {}
_CACHE_SIZE = 32


def _cached(key: tuple[Any, ...], keep: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or its result for the same ``key`` (errors are never kept).

    ``keep``: the objects whose ``id`` is part of ``key`` (catalogue, registry),
    held with the entry so that no other object can take their ``id``.
    """
    found = _CACHE.get(key)
    if found is not None:
        result: T = found[1]
        return result
    value = compute()
    if len(_CACHE) >= _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]  # oldest first
    _CACHE[key] = (keep, value)
    return value


def _content(path: Path) -> bytes | None:
    """The bytes of a reference file; None when unreadable (``read_csv`` then says why)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _table(path: Path, columns: tuple[str, ...], data: bytes | None = None) -> CsvTable:
    try:
        table = read_csv(Path(path), data)
    except InputFileError as exc:  # a reference file that cannot be read is a data error
        raise DataFileError(str(exc)) from None
    missing = [c for c in columns if c not in table.header]
    if missing:
        raise DataFileError(
            f"{Path(path).name} : colonne(s) manquante(s) : {', '.join(missing)}",
            hint=f"L'en-tête attendu est : {','.join(columns)}",
        )
    return table


def _whole(path: Path, line: int, column: str, text: str) -> int:
    parsed = parse_number(text)
    if parsed is None or parsed.value != parsed.value.to_integral_value() or parsed.value < 0:
        raise DataFileError(
            f"{Path(path).name}, ligne {line}, colonne « {column} » : "
            f"« {text} » n'est pas un nombre entier positif ou nul"
        )
    return int(parsed.value)


def read_targets(
    path: str | Path,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> dict[TargetKey, int]:
    """Read a COM targets file ``chambre,annee,code,cible`` (``;`` or ``,``)."""
    return dict(_targets_of(Path(path), catalogue or load_catalogue(), registry)[1])


def _targets_of(
    path: Path, catalogue: Catalogue, registry: Registry | None
) -> tuple[bytes | None, dict[TargetKey, int]]:
    """The content of a COM targets file and its targets (shared: never to be modified)."""
    registry = registry or load_registry()
    data = _content(path)
    if data is None:
        return data, _parse_targets(path, None, catalogue, registry)
    key = ("cibles", str(path), data, id(catalogue), id(registry))
    return data, _cached(
        key, (catalogue, registry), lambda: _parse_targets(path, data, catalogue, registry)
    )


def _parse_targets(
    path: Path, data: bytes | None, catalogue: Catalogue, registry: Registry
) -> dict[TargetKey, int]:
    codes = {i.code for i in catalogue.indicators}
    table = _table(path, ("chambre", "annee", "code", "cible"), data)
    targets: dict[TargetKey, int] = {}
    for line, row in table.rows:
        chamber = row["chambre"].strip()
        code = row["code"].strip()
        where = f"{path.name}, ligne {line}"
        if chamber not in registry:
            raise DataFileError(f"{where} : chambre « {chamber} » inconnue du registre")
        if code not in codes:
            raise DataFileError(
                f"{where} : indicateur « {code} » absent du catalogue {catalogue.id}"
            )
        year = _whole(path, line, "annee", row["annee"])
        key = (chamber, year, code)
        if key in targets:
            raise DataFileError(f"{where} : cible en double pour {chamber}, {year}, {code}")
        targets[key] = _whole(path, line, "cible", row["cible"])
    return targets


def _chamber(
    path: Path, line: int, row: dict[str, str], registry: Registry, seen: dict[str, int]
) -> str:
    """A known chamber code, not yet given in this file, on a line without extra cells."""
    if row.get("__extra__", "").strip(";, \t"):
        # Typically "1234,56" unquoted in a comma-separated file: refuse rather than truncate.
        raise DataFileError(
            f"{path.name}, ligne {line} : plus de cellules que de colonnes dans l'en-tête",
            hint="Dans un fichier séparé par des virgules, mettez les nombres à virgule "
            "entre guillemets, ou utilisez le point-virgule comme séparateur.",
        )
    chamber = row["chambre"].strip()
    where = f"{path.name}, ligne {line}, colonne « chambre »"
    if chamber not in registry:
        raise DataFileError(f"{where} : chambre « {chamber} » inconnue du registre")
    if chamber in seen:
        raise DataFileError(
            f"{where} : chambre « {chamber} » en double (déjà ligne {seen[chamber]})"
        )
    seen[chamber] = line
    return chamber


def read_key(path: str | Path, registry: Registry | None = None) -> dict[str, int]:
    """Read an allocation key ``chambre,entreprises`` (artisanal enterprises per chamber).

    Only reporting chambers can carry a share of the national targets: CMA
    France, which reports no indicator, is refused.
    """
    return dict(_key_of(Path(path), registry or load_registry())[1])


def _key_of(path: Path, registry: Registry) -> tuple[bytes | None, dict[str, int]]:
    """The content of an allocation key file and its key (shared: never to be modified)."""
    data = _content(path)
    if data is None:
        return data, _parse_key(path, None, registry)
    key = ("cle", str(path), data, id(registry))
    return data, _cached(key, (registry,), lambda: _parse_key(path, data, registry))


def _parse_key(path: Path, data: bytes | None, registry: Registry) -> dict[str, int]:
    table = _table(path, ("chambre", "entreprises"), data)
    key: dict[str, int] = {}
    seen: dict[str, int] = {}
    for line, row in table.rows:
        chamber = _chamber(path, line, row, registry, seen)
        found = registry.get(chamber)
        if found is not None and not found.reports:
            raise DataFileError(
                f"{path.name}, ligne {line}, colonne « chambre » : {chamber} ne transmet pas "
                "d'indicateurs et n'a pas de place dans la clé de répartition"
            )
        key[chamber] = _whole(path, line, "entreprises", row["entreprises"])
    if not key:
        raise DataFileError(f"{path.name} : la clé de répartition ne contient aucune chambre")
    return key


def read_base(path: str | Path, registry: Registry | None = None) -> dict[str, Decimal]:
    """Read the TFCMA bases ``chambre,montant`` in euros (French formats accepted).

    Only chambers that receive TFCMA from CMA France can have a base. A
    trailing « € », as Excel writes currency cells, is accepted.
    """
    path = Path(path)
    registry = registry or load_registry()
    table = _table(path, ("chambre", "montant"))
    bases: dict[str, Decimal] = {}
    seen: dict[str, int] = {}
    for line, row in table.rows:
        chamber = _chamber(path, line, row, registry, seen)
        found = registry.get(chamber)
        if found is not None and not found.receives_tfcma:
            raise DataFileError(
                f"{path.name}, ligne {line}, colonne « chambre » : {chamber} ne reçoit pas "
                "de TFCMA de CMA France et n'entre pas dans la modulation",
                hint="Retirez cette ligne du fichier des bases.",
            )
        bases[chamber] = _euros(path, line, "montant", row["montant"])
    if not bases:
        raise DataFileError(f"{path.name} : le fichier des bases ne contient aucune chambre")
    return bases


def _euros(path: Path, line: int, column: str, text: str) -> Decimal:
    where = f"{path.name}, ligne {line}, colonne « {column} »"
    parsed = parse_number(text.strip().removesuffix("€"))
    if parsed is None or parsed.value.is_signed():
        raise DataFileError(f"{where} : « {text} » n'est pas un montant en euros positif ou nul")
    exponent = parsed.value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise DataFileError(f"{where} : « {text} » a plus de deux décimales (montant au centime)")
    return parsed.value.quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- targets of a year


def load_targets(
    year: int,
    *,
    targets_file: Path | None = None,
    key_file: Path | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> list[TargetRow]:
    """Regional targets of every reporting chamber: the COM file wins, else derived by key."""
    catalogue = catalogue or load_catalogue()
    registry = registry or load_registry()
    com_data, com = (
        _targets_of(Path(targets_file), catalogue, registry) if targets_file else (None, None)
    )
    key_data, key = _key_of(Path(key_file), registry) if key_file else (None, None)

    def compute() -> list[TargetRow]:
        chambers = [c.code for c in registry.reporting]
        return regional_targets(year, catalogue, com, key, chambers=chambers)

    cache_key = (
        "regionales",
        year,
        str(targets_file) if targets_file else None,
        com_data,
        str(key_file) if key_file else None,
        key_data,
        id(catalogue),
        id(registry),
    )
    return list(_cached(cache_key, (catalogue, registry), compute))


def template_targets(
    year: int,
    *,
    targets_file: Path | None = None,
    key_file: Path | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> dict[TargetKey, int]:
    """The ``Cible`` values of the templates: ``{(chambre, annee, code): cible}``."""
    rows = load_targets(
        year, targets_file=targets_file, key_file=key_file, catalogue=catalogue, registry=registry
    )
    return {(r.chamber, year, r.code): r.target for r in rows if r.target is not None}
