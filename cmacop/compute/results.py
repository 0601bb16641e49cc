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
    AVENANTS_DIR,
    CALENDAR_FILE,
    DATA,
    DEPOSITS,
    FINDINGS,
    FOLLOW_UP_FILE,
    KEY_FILE,
    REFERENCE_DIR,
    RULES_FILE,
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
from cmacop.cop.rules import NO_RESULTS_FLAG, PROVISIONAL_SHARE, Decisions, YearRules
from cmacop.cop.targets import FIRST_YEAR, TargetRow
from cmacop.errors import DataFileError
from cmacop.french import fmt_percent
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
    rules: Path | None = None  # CMA France's decisions (regles.toml)
    avenants: Path | None = None  # the folder of the avenants

    def to_dict(self) -> dict[str, str | None]:
        return {
            "cibles": _str(self.targets),
            "cle": _str(self.key),
            "base_tfcma": _str(self.base),
            "calendrier": _str(self.calendar),
            "suivi_jalons": _str(self.follow_up),
            "signatures_com": _str(self.signatures),
            "appreciations_prefet": _str(self.appreciations),
            "regles": _str(self.rules),
            "avenants": _str(self.avenants),
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
    rules: Path | None = None,
    avenants: Path | None = None,
) -> ReferenceFiles:
    """Given files win; else the campaign's ``referentiel/`` files when they exist."""

    def pick(given: Path | None, name: str, folder: bool = False) -> Path | None:
        if given is not None:
            return Path(given)
        candidate = beside_store(store, REFERENCE_DIR, name)
        return candidate if (candidate.is_dir() if folder else candidate.is_file()) else None

    return ReferenceFiles(
        targets=pick(targets, TARGETS_FILE),
        key=pick(key, KEY_FILE),
        base=pick(base, base_file_name(year)),
        calendar=pick(calendar, CALENDAR_FILE),
        follow_up=pick(follow_up, FOLLOW_UP_FILE),
        signatures=pick(signatures, SIGNATURES_FILE),
        appreciations=pick(appreciations, APPRECIATIONS_FILE),
        rules=pick(rules, RULES_FILE),
        avenants=pick(avenants, AVENANTS_DIR, folder=True),
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

    @property
    def rules(self) -> YearRules:
        return self.parameters.rules

    @property
    def warnings(self) -> tuple[str, ...]:
        """What a user must be told of the rules applied (console, journal of « cmacop run »)."""
        rules, out = self.rules, []
        if rules.share_provisional:
            out.append(
                f"part performance de la taxe {self.tax_year} non décidée par CMA France : "
                f"{fmt_percent(rules.share, 2)}, trajectoire indicative de cmacop — "
                f"{PROVISIONAL_SHARE} (décision à inscrire dans regles.toml, "
                f"[part_performance.{self.tax_year}])"
            )
        mod = self.modulation
        if mod is not None and mod.proposal:
            undecided = [r.key for r in rules.undecided(mod.used_rules)]
            out.append(
                f"modulation de la TFCMA {self.tax_year} présentée comme une proposition : "
                "règles non décidées par CMA France, appliquées avec le défaut de cmacop "
                f"(clés de regles.toml) : {', '.join(undecided)}"
            )
        flagged = [] if mod is None else [line.chamber for line in mod.lines if line.outside]
        if flagged:
            out.append(f"{NO_RESULTS_FLAG} : {', '.join(flagged)} (aucune réduction appliquée)")
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "annee_taxe": self.tax_year,
            "regles": self.rules.to_dict(),
            "avertissements": list(self.warnings),
            "depot": str(self.store),
            "referentiel": self.references.to_dict(),
            "cibles": [r.to_dict() for r in self.targets if r.target is not None],
            "atteinte": self.attainment.to_dict(),
            "atteinte_precedente": None if self.previous is None else self.previous.to_dict(),
            "modulation": None if self.modulation is None else self.modulation.to_dict(),
            "completude": self.completeness.to_dict(),
            "manifeste": self.manifest,
        }


@dataclass(frozen=True)
class PreparedYear:
    """A results year read once — store, reference files, rules, avenants — to compute it
    under CMA France's decisions or under other ones (``cmacop simuler``)."""

    year: int
    store: Store
    references: ReferenceFiles
    settings: Settings  # with the reference files found
    catalogue: Catalogue
    registry: Registry
    data: pl.DataFrame = field(compare=False, repr=False)
    bases: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def decisions(self) -> Decisions:
        return self.settings.decisions(self.catalogue)

    def rules(self, decisions: Decisions | None = None, year: int | None = None) -> YearRules:
        """The rules of ``year`` (default: this one) under ``decisions`` (default: the file's)."""
        return (decisions or self.decisions).for_year(
            year or self.year, self.catalogue, self.settings.amendments(self.catalogue)
        )

    def attainment(
        self, rules: YearRules, frame: pl.DataFrame | None = None
    ) -> tuple[list[TargetRow], Attainment]:
        """Targets and rates of ``rules.results_year`` (``frame``: that year's data)."""
        year, cat = rules.results_year, self.catalogue
        avenants = self.settings.amendments(cat)
        rows = self.settings.regional_targets(year, cat, self.registry)
        impacts = avenants.modulated_impacts(year, cat)
        codes = [i.code for i in cat.indicators] + [i.code for i in impacts]
        frame = self.data if frame is None else frame
        realised = realised_from_frame(
            frame.filter(pl.col("code").is_in(codes)), year, (i.code for i in impacts)
        )
        outside = [c.code for c in self.registry.reporting if not c.receives_tfcma]
        return rows, compute_attainment(
            year, rows, realised, cat, cap=rules.cap, weights=rules.weights,
            axis_rate=rules.axis_rate, impacts=impacts, avenants=avenants,
            outside_modulation=outside,
        )  # fmt: skip

    def modulation(self, rules: YearRules, attainment: Attainment) -> Modulation | None:
        """The modulation of the tax year; None without a TFCMA base file."""
        if self.bases is None:
            return None
        return modulate(attainment, self.bases, self.catalogue, rules=rules)


def prepare_year(
    year: int | None = None,
    *,
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    store: str | Path | None = None,
    targets: str | Path | Mapping[TargetKey, int] | None = None,
    key: str | Path | Mapping[str, int] | None = None,
    base: str | Path | None = None,
    rules: str | Path | Decisions | None = None,
    avenants: str | Path | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> PreparedYear:
    """Read what ``year`` is computed from; every reference file is checked before anything
    is computed (a wrong rules or avenant file stops here, nothing written)."""
    s = settings_for(
        settings, config, year=year, need_year=True, store=store, targets=targets, key=key,
        base=base, rules=rules, avenants=avenants,
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
        rules=s.rules if isinstance(s.rules, Path) else None,
        avenants=s.avenants if isinstance(s.avenants, Path) else None,
    )
    given = s.but(
        targets=s.targets if isinstance(s.targets, Mapping) else refs.targets,
        key=refs.key,
        rules=s.rules if isinstance(s.rules, Decisions) else refs.rules,
        avenants=s.avenants if s.avenants is not None and not isinstance(s.avenants, Path)
        else refs.avenants,
    )  # fmt: skip
    if given.targets is None and given.key is None:
        raise DataFileError(
            "aucune cible : ni fichier de cibles de COM ni clé de répartition",
            hint=f"Indiquez --targets et/ou --key, ou placez {TARGETS_FILE} et {KEY_FILE} "
            f"dans le dossier {REFERENCE_DIR}/ de la campagne.",
        )
    given.decisions(catalogue)  # both checked before anything is computed
    given.amendments(catalogue)
    bases = read_base(refs.base, registry) if refs.base is not None else None
    return PreparedYear(year, st, refs, given, catalogue, registry, data, bases)


def compute_results(
    year: int | None = None,
    *,
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    store: str | Path | None = None,
    targets: str | Path | Mapping[TargetKey, int] | None = None,
    key: str | Path | Mapping[str, int] | None = None,
    base: str | Path | None = None,
    rules: str | Path | Decisions | None = None,
    avenants: str | Path | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> YearResults:
    """Targets and attainment of ``year``, modulation of tax year ``year + 1``, from the store.

    ``settings`` (or ``config`` and the options) give the year (default
    ``campagne.annee``), the store, the reference files, CMA France's rules and the
    avenants.
    """
    prepared = prepare_year(
        year, settings=settings, config=config, store=store, targets=targets, key=key,
        base=base, rules=rules, avenants=avenants, catalogue=catalogue, registry=registry,
    )  # fmt: skip
    year, st, refs = prepared.year, prepared.store, prepared.references
    catalogue, registry, given = prepared.catalogue, prepared.registry, prepared.settings
    year_rules = prepared.rules()
    rows, attainment = prepared.attainment(year_rules)
    previous_data = st.read(DATA, year - 1)
    previous = None
    if not previous_data.is_empty():
        previous = prepared.attainment(prepared.rules(year=year - 1), previous_data)[1]
    modulation = prepared.modulation(year_rules, attainment)
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
        ("règles de CMA France", refs.rules),
    ]
    used += [  # only the avenants in force: earlier years are computed as without them
        (f"avenant {a.id}", a.source)
        for a in prepared.settings.amendments(catalogue).in_force(year)
        if a.source is not None
    ]
    inputs = tuple(input_files(used)) + tuple(
        InputFile(f"bilan de COM {chamber}", name, sha, chamber=chamber)
        for chamber, name, sha in accepted.sort("chambre")
        .select("chambre", "fichier", "sha256")
        .iter_rows()
    )
    parameters = parameters_of(year_rules, catalogue)
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
        data=prepared.data,
        findings=st.read(FINDINGS, year).filter(pl.col("sha256").is_in(kept)),
        history=network_history(st, year, catalogue),
        justifications=justifications_of(given, catalogue, registry),
        outliers=year_outliers(prepared.data, given.allocation_key(registry), catalogue, given),
        outlier_threshold=given.thresholds.network,
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
