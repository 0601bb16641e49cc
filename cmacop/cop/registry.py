"""The chamber registry (21 establishments), loaded from ``schemas/chambres.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cmacop.errors import DataFileError, library_error_text
from cmacop.resources import data_dir

KINDS = {"CMAR": "CMAR", "CM": "CM", "tete_de_reseau": "tête de réseau"}


@dataclass(frozen=True)
class Chamber:
    code: str
    name: str
    kind: str
    region: str | None
    departments: tuple[str, ...]
    receives_tfcma: bool
    reports: bool
    attached_to: str | None = None

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "nom": self.name,
            "type": self.kind_label,
            "region": self.region,
            "departements": list(self.departments),
            "tfcma": self.receives_tfcma,
            "declarante": self.reports,
            "rattachement": self.attached_to,
        }


@dataclass(frozen=True)
class Registry:
    version: str
    chambers: tuple[Chamber, ...]

    def get(self, code: str) -> Chamber | None:
        for c in self.chambers:
            if c.code == code:
                return c
        return None

    def __contains__(self, code: object) -> bool:
        return any(c.code == code for c in self.chambers)

    @property
    def reporting(self) -> tuple[Chamber, ...]:
        """Chambers that submit a yearly report (18 CMAR and the 2 CM)."""
        return tuple(c for c in self.chambers if c.reports)

    @property
    def modulated(self) -> tuple[Chamber, ...]:
        """Chambers receiving TFCMA from CMA France, hence inside the modulation."""
        return tuple(c for c in self.chambers if c.receives_tfcma)

    def to_rows(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.chambers]


def load_registry(path: str | Path | None = None) -> Registry:
    """Load the registry; the shipped one when ``path`` is None (cached)."""
    if path is None:
        return _load_default()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _load_default() -> Registry:
    return _load(data_dir("schemas") / "chambres.toml")


def _load(path: Path) -> Registry:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"registre des chambres introuvable : {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(
            f"{path.name} : fichier TOML illisible, {library_error_text(exc)}"
        ) from None
    chambers = []
    seen: set[str] = set()
    for pos, entry in enumerate(raw.get("chambres", [])):
        where = f"{path.name}, chambres[{pos}] ({entry.get('code', '?')})"
        try:
            kind = entry["type"]
            if kind not in KINDS:
                raise DataFileError(f"{where} : type « {kind} » inconnu")
            chamber = Chamber(
                code=str(entry["code"]),
                name=str(entry["nom"]),
                kind=kind,
                region=entry.get("region"),
                departments=tuple(str(d) for d in entry["departements"]),
                receives_tfcma=bool(entry["tfcma"]),
                reports=bool(entry["declarante"]),
                attached_to=entry.get("rattachement"),
            )
        except KeyError as exc:
            raise DataFileError(f"{where} : champ « {exc.args[0]} » manquant") from None
        if chamber.code in seen:
            raise DataFileError(f"{where} : code défini deux fois")
        seen.add(chamber.code)
        chambers.append(chamber)
    if not chambers:
        raise DataFileError(f"{path.name} : aucune chambre définie")
    version = str(raw.get("registre", {}).get("version", ""))
    return Registry(version=version, chambers=tuple(chambers))
