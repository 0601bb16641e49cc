"""One results year computed from the store: targets, attainment, modulation, manifest.

:func:`compute_year` is the Python twin of ``cmacop compute`` and what
``cmacop report`` runs. Reference files not given default to the campaign
layout: ``referentiel/`` beside the store folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl

from cmacop import __version__
from cmacop.campaign.statuses import ACCEPTED
from cmacop.compute.attainment import (
    Attainment,
    Number,
    compute_attainment,
    rate_str,
    realised_from_frame,
)
from cmacop.compute.modulation import Modulation, modulate
from cmacop.consolidate.completeness import Completeness, completeness
from cmacop.consolidate.store import DATA, DEPOSITS, FINDINGS, STORE_DIRNAME, Store
from cmacop.cop.catalogue import Catalogue, load_catalogue
from cmacop.cop.referentiel import load_targets as load_targets  # moved; importable from here
from cmacop.cop.referentiel import read_base, read_key, read_targets
from cmacop.cop.referentiel import (
    template_targets as template_targets,  # moved; importable from here
)
from cmacop.cop.registry import Registry, load_registry
from cmacop.cop.targets import TargetRow, regional_targets
from cmacop.errors import DataFileError

REFERENCE_DIR = "referentiel"
TARGETS_FILE = "cibles_com.csv"
KEY_FILE = "cle_repartition.csv"


def base_file_name(results_year: int) -> str:
    """``tfcma_<N+1>.csv``: the base of the tax year that results of N modulate."""
    return f"tfcma_{results_year + 1}.csv"


@dataclass(frozen=True)
class ReferenceFiles:
    """The reference files a computation used (None: not given and not found)."""

    targets: Path | None
    key: Path | None
    base: Path | None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "cibles": _str(self.targets),
            "cle": _str(self.key),
            "base_tfcma": _str(self.base),
        }


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)


def reference_files(
    store: Path,
    year: int,
    *,
    targets_file: Path | None = None,
    key_file: Path | None = None,
    base_file: Path | None = None,
) -> ReferenceFiles:
    """Given files win; else the campaign's ``referentiel/`` files when they exist."""
    folder = Path(store).parent / REFERENCE_DIR

    def pick(given: Path | None, name: str) -> Path | None:
        if given is not None:
            return Path(given)
        candidate = folder / name
        return candidate if candidate.is_file() else None

    return ReferenceFiles(
        targets=pick(targets_file, TARGETS_FILE),
        key=pick(key_file, KEY_FILE),
        base=pick(base_file, base_file_name(year)),
    )


@dataclass(frozen=True)
class YearResults:
    """Everything computed for results year N (tax year N + 1), with its manifest."""

    year: int
    store: Path
    references: ReferenceFiles
    targets: tuple[TargetRow, ...]
    attainment: Attainment
    previous: Attainment | None  # year N - 1 when the store holds it (for the bilan)
    modulation: Modulation | None  # None without a TFCMA base file
    completeness: Completeness
    manifest: dict[str, Any]
    # The consolidated rows of year N and the findings of its accepted files (warnings),
    # for the bilan (comments, « écart non justifié », warnings per chamber).
    data: pl.DataFrame = field(compare=False, repr=False)
    findings: pl.DataFrame = field(compare=False, repr=False)

    @property
    def tax_year(self) -> int:
        return self.year + 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "annee_taxe": self.tax_year,
            "depot": str(self.store),
            "referentiel": self.references.to_dict(),
            "cibles": [r.to_dict() for r in self.targets if r.target is not None],
            "atteinte": self.attainment.to_dict(),
            "atteinte_precedente": None if self.previous is None else self.previous.to_dict(),
            "modulation": None if self.modulation is None else self.modulation.to_dict(),
            "completude": self.completeness.to_dict(),
            "manifeste": self.manifest,
        }


def compute_year(
    year: int,
    *,
    store: str | Path = STORE_DIRNAME,
    targets_file: str | Path | None = None,
    key_file: str | Path | None = None,
    base_file: str | Path | None = None,
    cap: Number = 1,
    weights: Mapping[str, Number] | None = None,
    share_overrides: Mapping[int, Decimal] | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> YearResults:
    """Targets and attainment of ``year``, modulation of tax year ``year + 1``, from the store."""
    catalogue = catalogue or load_catalogue()
    registry = registry or load_registry()
    st = Store(Path(store))
    if not st.root.is_dir():
        raise DataFileError(
            f"dossier de consolidation introuvable : {st.root}",
            hint="Lancez d'abord « cmacop consolidate … » ou indiquez le dossier avec --store.",
        )
    st.ensure_unlocked()
    data = st.read(DATA, year)
    if data.is_empty():
        raise DataFileError(
            f"aucune donnée consolidée pour {year} dans {st.root}",
            hint=f"Lancez d'abord « cmacop consolidate … --year {year} --store {st.root} ».",
        )
    refs = reference_files(
        st.root,
        year,
        targets_file=_path(targets_file),
        key_file=_path(key_file),
        base_file=_path(base_file),
    )
    if refs.targets is None and refs.key is None:
        raise DataFileError(
            "aucune cible : ni fichier de cibles de COM ni clé de répartition",
            hint=f"Indiquez --targets et/ou --key, ou placez {TARGETS_FILE} et {KEY_FILE} "
            f"dans le dossier {REFERENCE_DIR}/ de la campagne.",
        )

    # Read once, for year N and year N - 1.
    com = read_targets(refs.targets, catalogue, registry) if refs.targets else None
    key = read_key(refs.key, registry) if refs.key else None
    chambers = [c.code for c in registry.reporting]

    def attainment_of(results_year: int, frame: pl.DataFrame) -> tuple[list[TargetRow], Attainment]:
        targets = regional_targets(results_year, catalogue, com, key, chambers=chambers)
        activity = [i.code for i in catalogue.indicators]
        realised = realised_from_frame(frame.filter(pl.col("code").is_in(activity)), results_year)
        return targets, compute_attainment(
            results_year, targets, realised, catalogue, cap=cap, weights=weights
        )

    targets, attainment = attainment_of(year, data)
    previous_data = st.read(DATA, year - 1)
    previous = None if previous_data.is_empty() else attainment_of(year - 1, previous_data)[1]
    modulation = None
    if refs.base is not None:
        bases = read_base(refs.base, registry)
        modulation = modulate(attainment, bases, catalogue, share_overrides=share_overrides)

    accepted = st.read(DEPOSITS, year).filter(pl.col("statut") == ACCEPTED)
    findings = st.read(FINDINGS, year).filter(pl.col("sha256").is_in(accepted["sha256"].to_list()))
    manifest = build_manifest(
        year,
        st,
        refs,
        catalogue,
        registry,
        accepted,
        cap=attainment.cap,
        weights=weights,
        share_overrides=share_overrides,
        with_previous=previous is not None,
    )
    return YearResults(
        year=year,
        store=st.root,
        references=refs,
        targets=tuple(targets),
        attainment=attainment,
        previous=previous,
        modulation=modulation,
        completeness=completeness(st, year, registry=registry, catalogue=catalogue),
        manifest=manifest,
        data=data,
        findings=findings,
    )


def _path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 16), b""):
                digest.update(chunk)
    except OSError as exc:
        raise DataFileError(f"{path} : fichier illisible ({exc.strerror})") from None
    return digest.hexdigest()


def build_manifest(
    year: int,
    st: Store,
    refs: ReferenceFiles,
    catalogue: Catalogue,
    registry: Registry,
    accepted: pl.DataFrame,
    *,
    cap: Fraction,
    weights: Mapping[str, Number] | None,
    share_overrides: Mapping[int, Decimal] | None,
    with_previous: bool,
) -> dict[str, Any]:
    """What a published modulation depends on: input hashes, catalogue, parameters."""
    inputs: list[dict[str, str]] = []
    used: list[tuple[str, Path | None]] = [
        (f"données consolidées {year}", st.partition(DATA, year))
    ]
    if with_previous:
        used.append((f"données consolidées {year - 1}", st.partition(DATA, year - 1)))
    used += [
        ("cibles de COM", refs.targets),
        ("clé de répartition", refs.key),
        (f"base TFCMA {year + 1}", refs.base),
    ]
    for role, path in used:
        if path is not None:
            inputs.append({"role": role, "chemin": str(path), "sha256": file_sha256(path)})
    tax_year = year + 1
    return {
        "cmacop": __version__,
        "annee_resultats": year,
        "annee_taxe": tax_year,
        "catalogue": {
            "id": catalogue.id,
            "revision": catalogue.revision,
            "version": catalogue.version,
            "empreinte": catalogue.content_hash,
        },
        "registre": {"version": registry.version},
        "parametres": {
            "part_performance": str(catalogue.share_for_year(tax_year, share_overrides)),
            "part_performance_surchargee": bool(share_overrides and tax_year in share_overrides),
            "poids_axes": {str(a.number): str(a.weight) for a in catalogue.axes},
            "poids_indicateurs": {code: str(w) for code, w in sorted((weights or {}).items())},
            "plafond_taux": rate_str(cap),
        },
        "fichiers_entree": inputs,
        "depots": [
            {"chambre": chamber, "fichier": name, "sha256": sha}
            for chamber, name, sha in accepted.sort("chambre")
            .select("chambre", "fichier", "sha256")
            .iter_rows()
        ],
    }
