"""Reference files of a campaign (``referentiel/``): COM targets, allocation key, TFCMA bases,
the chambers' email addresses and the dates of receipt recorded by hand.

Each reader checks every line and raises a :class:`DataFileError` naming the
file, the line and the column, in French. A command reads each file once: its
:class:`~cmacop.campaign.settings.Settings` keeps what it read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from cmacop.cop.catalogue import Catalogue, load_catalogue
from cmacop.cop.registry import Registry, load_registry
from cmacop.cop.targets import TargetRow, regional_targets
from cmacop.errors import DataFileError, InputFileError
from cmacop.files.frenchcsv import CsvTable, parse_number, read_csv

TargetKey = tuple[str, int, str]  # (chambre, annee, code)
T = TypeVar("T")


def _table(path: Path, columns: tuple[str, ...]) -> CsvTable:
    try:
        table = read_csv(Path(path))
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
    path = Path(path)
    catalogue = catalogue or load_catalogue()
    registry = registry or load_registry()
    codes = {i.code for i in catalogue.indicators}
    table = _table(path, ("chambre", "annee", "code", "cible"))
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
    path = Path(path)
    registry = registry or load_registry()
    table = _table(path, ("chambre", "entreprises"))
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
    targets: str | Path | None = None,
    key: str | Path | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> list[TargetRow]:
    """Regional targets of every reporting chamber: the COM file wins, else derived by key."""
    catalogue = catalogue or load_catalogue()
    registry = registry or load_registry()
    com = read_targets(targets, catalogue, registry) if targets else None
    shares = read_key(key, registry) if key else None
    chambers = [c.code for c in registry.reporting]
    return regional_targets(year, catalogue, com, shares, chambers=chambers)


def template_targets(
    year: int,
    *,
    targets: str | Path | None = None,
    key: str | Path | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> dict[TargetKey, int]:
    """The ``Cible`` values of the templates: ``{(chambre, annee, code): cible}``."""
    rows = load_targets(year, targets=targets, key=key, catalogue=catalogue, registry=registry)
    return {(r.chamber, year, r.code): r.target for r in rows if r.target is not None}


# --------------------------------------------------------------------------- email addresses

# An address as a person types it: no space, no comma or angle bracket, one @, a dotted
# domain. Enough to refuse what is not an address (and anything that could add a header).
EMAIL = re.compile(r"[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+")


def is_email(text: str) -> bool:
    return EMAIL.fullmatch(text) is not None


def read_contacts(path: str | Path, registry: Registry | None = None) -> dict[str, tuple[str, ...]]:
    """Read ``chambre,courriel``: the addresses of each chamber (several lines allowed).

    A chamber may have several lines: its contact and, for instance, its regional
    controller, who then receives every receipt and reminder of that chamber.
    """
    path = Path(path)
    registry = registry or load_registry()
    table = _table(path, ("chambre", "courriel"))
    found: dict[str, list[str]] = {}
    for line, row in table.rows:
        chamber, address = row["chambre"].strip(), row["courriel"].strip()
        where = f"{path.name}, ligne {line}"
        if chamber not in registry:
            raise DataFileError(f"{where} : chambre « {chamber} » inconnue du registre")
        if not is_email(address):
            raise DataFileError(
                f"{where}, colonne « courriel » : « {address} » n'est pas une adresse de courriel",
                hint="Une adresse par ligne, de la forme prenom.nom@cma-exemple.fr.",
            )
        addresses = found.setdefault(chamber, [])
        if address.lower() not in (a.lower() for a in addresses):
            addresses.append(address)
    return {chamber: tuple(addresses) for chamber, addresses in found.items()}


# --------------------------------------------------------------------------- dates of receipt


@dataclass(frozen=True)
class Reception:
    """A date of receipt recorded by hand for a file received by another channel."""

    received: datetime  # aware (local time of the server)
    sha256: str | None  # only the content of that hash, when given
    line: int


_DATE = re.compile(
    r"(?:(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})|(?P<d2>\d{1,2})/(?P<m2>\d{1,2})/(?P<y2>\d{4}))"
    r"(?:[ T](?P<H>\d{1,2})[:h](?P<M>\d{2}))?"
)


def parse_receipt_date(text: str) -> datetime | None:
    """``2025-02-27``, ``27/02/2025``, optionally ``14:30``: local time (noon without time)."""
    m = _DATE.fullmatch(text.strip())
    if m is None:
        return None
    year, month, day = (
        (m["y"], m["m"], m["d"]) if m["y"] is not None else (m["y2"], m["m2"], m["d2"])
    )
    try:
        day_of = datetime(int(year), int(month), int(day)).date()
        at = time(int(m["H"]), int(m["M"])) if m["H"] is not None else time(12, 0)
        return datetime.combine(day_of, at).astimezone()
    except ValueError:
        return None


def read_receptions(path: str | Path) -> dict[str, tuple[Reception, ...]]:
    """Read ``fichier,recu_le[,sha256]``: by path under the deposit folder (``2024/x.xlsx``).

    The date replaces the file's modification time as its date of receipt when cmacop
    first sees it: a file received by email on 27 February and dropped on 3 March.
    """
    path = Path(path)
    table = _table(path, ("fichier", "recu_le"))
    found: dict[str, list[Reception]] = {}
    for line, row in table.rows:
        where = f"{path.name}, ligne {line}"
        name = row["fichier"].strip().replace("\\", "/").strip("/")
        if not name:
            raise DataFileError(f"{where}, colonne « fichier » : chemin vide")
        received = parse_receipt_date(row["recu_le"])
        if received is None:
            raise DataFileError(
                f"{where}, colonne « recu_le » : « {row['recu_le']} » n'est pas une date",
                hint="Format attendu : AAAA-MM-JJ ou JJ/MM/AAAA, éventuellement suivi de HH:MM.",
            )
        sha = (row.get("sha256") or "").strip().lower() or None
        if sha is not None and re.fullmatch(r"[0-9a-f]{64}", sha) is None:
            raise DataFileError(f"{where}, colonne « sha256 » : empreinte SHA-256 invalide")
        same = [r for r in found.get(name, []) if r.sha256 == sha]
        if same:
            raise DataFileError(
                f"{where} : date de réception en double pour {name} (déjà ligne {same[0].line})"
            )
        found.setdefault(name, []).append(Reception(received, sha, line))
    return {name: tuple(items) for name, items in found.items()}


def reception_of(
    receptions: dict[str, tuple[Reception, ...]], key: str, sha256: str | None
) -> datetime | None:
    """The recorded date of receipt of the file ``key`` with content ``sha256``, if any.

    A line naming that content wins over a line for the path alone.
    """
    items = receptions.get(key, ())
    for wanted in (sha256, None):
        for item in items:
            if item.sha256 == wanted and (wanted is not None or item.sha256 is None):
                return item.received
    return None
