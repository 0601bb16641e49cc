"""One results year computed from the store: targets, attainment, modulation, manifest.

:func:`compute_results` returns everything the bilan shows, so that ``cmacop report``
(``render/``) never reads the store nor parses the manifest; the twin of ``cmacop
compute`` (``compute/year.py``) also writes the machine files. Reference files not
given default to the campaign layout: ``referentiel/`` beside the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cmacop.campaign.config import Config
from cmacop.campaign.layout import (
    APPRECIATIONS_FILE,
    CALENDAR_FILE,
    DATA,
    DEPOSITS,
    FINDINGS,
    FOLLOW_UP_FILE,
    KEY_FILE,
    REFERENCE_DIR,
    SIGNATURES_FILE,
    TARGETS_FILE,
    base_file_name,
    beside_store,
)
from cmacop.campaign.settings import Settings, TargetKey, settings_for
from cmacop.campaign.statuses import ACCEPTED
from cmacop.compute.attainment import Attainment, compute_attainment, realised_from_frame
from cmacop.compute.manifest import (
    InputFile,
    Parameters,
    build_manifest,
    input_files,
    parameters_of,
)
from cmacop.compute.modulation import Modulation, modulate
from cmacop.consolidate.completeness import Completeness, completeness
from cmacop.consolidate.store import Store
from cmacop.cop.catalogue import Catalogue, load_catalogue
from cmacop.cop.followup import (
    BilanReferences,
    read_appreciations,
    read_calendar,
    read_follow_up,
    read_signatures,
)
from cmacop.cop.referentiel import read_base
from cmacop.cop.registry import Registry, load_registry
from cmacop.cop.targets import FIRST_YEAR, TargetRow
from cmacop.errors import DataFileError
from cmacop.validate.checks.network import THRESHOLD, Outlier, network_outliers
from cmacop.validate.justifications import NONE as NO_JUSTIFICATION
from cmacop.validate.justifications import Justifications, justifications_of

NetworkHistory = Mapping[int, Mapping[str, int | None]]  # {year: {code: realised}}


@dataclass(frozen=True)
class ReferenceFiles:
    """The reference files a computation used (None: not given and not found)."""

    targets: Path | None
    key: Path | None
    base: Path | None
    calendar: Path | None = None
    follow_up: Path | None = None
    signatures: Path | None = None
    appreciations: Path | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "cibles": _str(self.targets),
            "cle": _str(self.key),
            "base_tfcma": _str(self.base),
            "calendrier": _str(self.calendar),
            "suivi_jalons": _str(self.follow_up),
            "signatures_com": _str(self.signatures),
            "appreciations_prefet": _str(self.appreciations),
        }


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)


def reference_files(
    store: Path,
    year: int,
    *,
    targets: Path | None = None,
    key: Path | None = None,
    base: Path | None = None,
    calendar: Path | None = None,
    follow_up: Path | None = None,
    signatures: Path | None = None,
    appreciations: Path | None = None,
) -> ReferenceFiles:
    """Given files win; else the campaign's ``referentiel/`` files when they exist."""

    def pick(given: Path | None, name: str) -> Path | None:
        if given is not None:
            return Path(given)
        candidate = beside_store(store, REFERENCE_DIR, name)
        return candidate if candidate.is_file() else None

    return ReferenceFiles(
        targets=pick(targets, TARGETS_FILE),
        key=pick(key, KEY_FILE),
        base=pick(base, base_file_name(year)),
        calendar=pick(calendar, CALENDAR_FILE),
        follow_up=pick(follow_up, FOLLOW_UP_FILE),
        signatures=pick(signatures, SIGNATURES_FILE),
        appreciations=pick(appreciations, APPRECIATIONS_FILE),
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
    parameters: Parameters
    inputs: tuple[InputFile, ...]  # every file read, with its hash (the manifest's)
    manifest: dict[str, Any]
    # For the bilan: the consolidated rows of year N (comments, impact values), the
    # findings of the file each chamber's status rests on (accepted or rejected), and
    # the network's realised values of the years before N - 1 (``{year: {code: sum}}``).
    data: pl.DataFrame = field(compare=False, repr=False)
    findings: pl.DataFrame = field(compare=False, repr=False)
    history: NetworkHistory = field(compare=False, repr=False)
    # The bilan's own reference files: timetable, jalons' follow-up, COM, préfets.
    bilan_references: BilanReferences = field(default_factory=BilanReferences, compare=False)
    written: tuple[Path, ...] = field(default=(), compare=False)  # the machine files
    # Warnings the chambers explained (referentiel/justifications.csv), as read today.
    justifications: Justifications = field(default=NO_JUSTIFICATION, compare=False, repr=False)
    # Values far from the network's level for the chamber's size (W-PLAUS-006), every
    # chamber of the year compared (needs the allocation key and 8 chambers).
    outliers: tuple[Outlier, ...] = field(default=(), compare=False, repr=False)
    outlier_threshold: float = THRESHOLD  # controles.seuil_reseau

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


def compute_results(
    year: int | None = None,
    *,
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    store: str | Path | None = None,
    targets: str | Path | Mapping[TargetKey, int] | None = None,
    key: str | Path | Mapping[str, int] | None = None,
    base: str | Path | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> YearResults:
    """Targets and attainment of ``year``, modulation of tax year ``year + 1``, from the store.

    ``settings`` (or ``config`` and the options) give the year (default
    ``campagne.annee``), the store, the reference files and the calculation settings.
    """

    s = settings_for(
        settings, config, year=year, need_year=True, store=store, targets=targets, key=key,
        base=base,
    )  # fmt: skip
    assert s.year is not None
    year = s.year
    catalogue = catalogue or load_catalogue()
    registry = registry or load_registry()
    st = Store(s.store_dir)
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
        targets=s.targets if isinstance(s.targets, Path) else None,
        key=s.key if isinstance(s.key, Path) else None,
        base=s.base,
        calendar=s.calendar,
        follow_up=s.follow_up,
        signatures=s.signatures,
        appreciations=s.appreciations,
    )
    given = s.but(
        targets=s.targets if isinstance(s.targets, Mapping) else refs.targets, key=refs.key
    )
    if given.targets is None and given.key is None:
        raise DataFileError(
            "aucune cible : ni fichier de cibles de COM ni clé de répartition",
            hint=f"Indiquez --targets et/ou --key, ou placez {TARGETS_FILE} et {KEY_FILE} "
            f"dans le dossier {REFERENCE_DIR}/ de la campagne.",
        )

    def attainment_of(results_year: int, frame: pl.DataFrame) -> tuple[list[TargetRow], Attainment]:
        rows = given.regional_targets(results_year, catalogue, registry)
        activity = [i.code for i in catalogue.indicators]
        realised = realised_from_frame(frame.filter(pl.col("code").is_in(activity)), results_year)
        return rows, compute_attainment(
            results_year, rows, realised, catalogue, cap=s.cap, weights=s.weights,
            outside_modulation=[c.code for c in registry.reporting if not c.receives_tfcma],
        )  # fmt: skip

    rows, attainment = attainment_of(year, data)
    previous_data = st.read(DATA, year - 1)
    previous = None if previous_data.is_empty() else attainment_of(year - 1, previous_data)[1]
    modulation = None
    if refs.base is not None:
        bases = read_base(refs.base, registry)
        modulation = modulate(attainment, bases, catalogue, share_overrides=s.share_overrides)
    comp = completeness(st, year, registry=registry, catalogue=catalogue)
    accepted = st.read(DEPOSITS, year).filter(pl.col("statut") == ACCEPTED)
    used: list[tuple[str, Path | None]] = [
        (f"données consolidées {year}", st.partition(DATA, year))
    ]
    if previous is not None:
        used.append((f"données consolidées {year - 1}", st.partition(DATA, year - 1)))
    used += [
        ("cibles de COM", refs.targets),
        ("clé de répartition", refs.key),
        (f"base TFCMA {year + 1}", refs.base),
        ("calendrier des bilans", refs.calendar),
        ("suivi des jalons", refs.follow_up),
        ("signatures des COM", refs.signatures),
        ("appréciations des préfets", refs.appreciations),
    ]
    inputs = tuple(input_files(used)) + tuple(
        InputFile(f"bilan de COM {chamber}", name, sha, chamber=chamber)
        for chamber, name, sha in accepted.sort("chambre")
        .select("chambre", "fichier", "sha256")
        .iter_rows()
    )
    parameters = parameters_of(
        year, catalogue, cap=attainment.cap, weights=s.weights, share_overrides=s.share_overrides
    )
    kept = sorted({row.sha256 for row in comp.rows if row.sha256})
    return YearResults(
        year=year,
        store=st.root,
        references=refs,
        targets=tuple(rows),
        attainment=attainment,
        previous=previous,
        modulation=modulation,
        completeness=comp,
        parameters=parameters,
        inputs=inputs,
        manifest=build_manifest(year, catalogue, registry, parameters, inputs),
        data=data,
        findings=st.read(FINDINGS, year).filter(pl.col("sha256").is_in(kept)),
        history=network_history(st, year, catalogue),
        justifications=justifications_of(s, catalogue, registry),
        outliers=year_outliers(data, given.allocation_key(registry), catalogue, s),
        outlier_threshold=s.thresholds.network,
        bilan_references=read_bilan_references(refs, catalogue, registry),
    )


def read_bilan_references(
    refs: ReferenceFiles, catalogue: Catalogue, registry: Registry
) -> BilanReferences:
    """Read the bilan's own reference files that were found (each is optional)."""
    return BilanReferences(
        calendar=read_calendar(refs.calendar) if refs.calendar else (),
        follow_up=read_follow_up(refs.follow_up, catalogue) if refs.follow_up else (),
        signatures=read_signatures(refs.signatures, registry) if refs.signatures else None,
        appreciations=read_appreciations(refs.appreciations, registry)
        if refs.appreciations
        else {},
        given={
            "calendrier": refs.calendar,
            "suivi_jalons": refs.follow_up,
            "signatures_com": refs.signatures,
            "appreciations_prefet": refs.appreciations,
        },
    )


def year_outliers(
    data: pl.DataFrame, key: Mapping[str, int] | None, catalogue: Catalogue, s: Settings
) -> tuple[Outlier, ...]:
    """The year's outliers across the network, every chamber in force compared."""
    if not key:
        return ()
    values: dict[str, dict[str, float]] = {}
    rows = data.filter(pl.col("realise").is_not_null()).select("chambre", "code", "realise")
    for chamber, code, realised in rows.iter_rows():
        values.setdefault(chamber, {})[code] = float(realised)
    found = network_outliers(values, key, catalogue, threshold=s.thresholds.network)
    return tuple(found)


def network_history(
    store: Store, year: int, catalogue: Catalogue
) -> dict[int, dict[str, int | None]]:
    """Network realised (sum over the chambers consolidated) of the years before N − 1."""
    activity = [i.code for i in catalogue.indicators]
    history: dict[int, dict[str, int | None]] = {}
    for past in store.years(DATA):
        if not FIRST_YEAR <= past < year - 1:
            continue
        frame = store.read(DATA, past).filter(
            pl.col("code").is_in(activity) & pl.col("realise").is_not_null()
        )
        sums = frame.group_by("code").agg(pl.col("realise").sum())
        found = {code: int(total) for code, total in sums.iter_rows()}
        history[past] = {code: found.get(code) for code in activity}
    return history
