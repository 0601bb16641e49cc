"""Shared fixtures: the shipped catalogue and registry, and filled templates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cmacop.cop.catalogue import Catalogue, load_catalogue
from cmacop.cop.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture
def catalogue_text() -> str:
    """The shipped catalogue file's text, to derive variants (avenants, broken files)."""
    return (ROOT / "schemas" / "catalogue_cop_2023_2027.toml").read_text(encoding="utf-8")


EXAMPLE_CAMPAIGN = ROOT / "examples" / "campagne"
# What « cmacop run » writes there (git-ignored): never part of a fresh copy.
RUN_OUTPUTS = (
    "retours", "consolidation", "bilans", "journal", ".cmacop-run.lock", "tableau_de_bord.html",
)  # fmt: skip


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """A fresh copy of the example campaign (depot/, referentiel/) to consolidate into."""
    import shutil

    dest = tmp_path / "campagne"
    shutil.copytree(EXAMPLE_CAMPAIGN, dest, ignore=shutil.ignore_patterns(*RUN_OUTPUTS))
    return dest


@pytest.fixture(scope="session")
def consolidated_campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example campaign with 2023 and 2024 consolidated; copy it before changing it."""
    import shutil

    from cmacop.consolidate.year import consolidate_paths

    dest = tmp_path_factory.mktemp("consolidee") / "campagne"
    shutil.copytree(EXAMPLE_CAMPAIGN, dest, ignore=shutil.ignore_patterns(*RUN_OUTPUTS))
    ref = dest / "referentiel"
    for year in (2023, 2024):
        consolidate_paths(
            [dest / "depot" / str(year)],
            year=year,
            config=dest,  # its dates of receipt (referentiel/receptions.csv)
            targets=ref / "cibles_com.csv",
            key=ref / "cle_repartition.csv",
        )
    return dest


# --------------------------------------------------------------------------- validation

_UNSET: Any = object()


class WorkbookMaker:
    """Builds valid, filled submissions (workbook or CSV) that tests then break on purpose.

    Targets: 400 for an indicator others must not exceed, 100 for a "dont"
    indicator, 50 + its position otherwise; the realised value equals the
    target, so a made workbook validates with no finding at all.
    """

    def __init__(self, root: Path, catalogue: Catalogue, registry: Registry) -> None:
        self.root, self.catalogue, self.registry = root, catalogue, registry

    def targets(
        self, chamber: str = "CMAR-84", year: int = 2024
    ) -> dict[tuple[str, int, str], int]:
        heads = {i.ceiling for i in self.catalogue.indicators if i.ceiling}
        return {
            (chamber, year, ind.code): 400
            if ind.code in heads
            else 100
            if ind.ceiling
            else 50 + pos
            for pos, ind in enumerate(self.catalogue.indicators)
        }

    def impact_values(self) -> dict[str, float | int]:
        by_unit = {"%": 42.5, "€": 1500, "tCO2e": 12.5, "nombre": 7}
        return {ind.code: by_unit[ind.unit] for ind in self.catalogue.impacts}

    def row(self, code: str) -> int:
        """Sheet row of an indicator in the template (catalogue order from row 2)."""
        ind = self.catalogue.indicator(code)
        group = self.catalogue.impacts if ind.impact else self.catalogue.indicators
        return 2 + [i.code for i in group].index(code)

    def values(self, chamber: str = "CMAR-84", year: int = 2024) -> dict[str, Any]:
        values: dict[str, Any] = {
            code: t for (_, _, code), t in self.targets(chamber, year).items()
        }
        values.update(self.impact_values())
        return values

    def __call__(
        self,
        chamber: str = "CMAR-84",
        year: int = 2024,
        *,
        values: dict[str, Any] | None = None,
        edit: Callable[[Any], None] | None = None,
        name: str | None = None,
        folder: Path | None = None,
        targets: dict[tuple[str, int, str], int] | None = None,
        sent: Any = _UNSET,
    ) -> Path:
        from openpyxl import Workbook

        from cmacop.template import build_workbook

        targets = self.targets(chamber, year) if targets is None else targets
        reporting = self.registry.get(chamber)
        assert reporting is not None
        wb: Workbook = build_workbook(reporting, year, self.catalogue, targets)
        filled = self.values(chamber, year)
        filled.update(values or {})
        for code, value in filled.items():
            sheet = "Impact" if self.catalogue.indicator(code).impact else "Indicateurs"
            wb[sheet].cell(row=self.row(code), column=7).value = value
        ident = wb["Identification"]
        ident["B5"] = date(year + 1, 2, 15) if sent is _UNSET else sent
        ident["B6"], ident["B7"] = "Claire Martin", "claire.martin@example.fr"
        if edit is not None:
            edit(wb)
        folder = folder or self.root / "depot" / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name or f"COM_{year}_{chamber}.xlsx")
        wb.save(path)
        return path

    def csv(
        self,
        chamber: str = "CM-MOSELLE",
        year: int = 2024,
        *,
        values: dict[str, Any] | None = None,
        encoding: str = "cp1252",
        name: str | None = None,
    ) -> Path:
        """A CSV as French Excel writes it: ``;``, decimal comma, U+00A0 between thousands."""
        filled = self.values(chamber, year)
        filled.update(values or {})
        lines = ["chambre;annee;code;realise;commentaire"]
        for ind in self.catalogue.all_indicators:
            value = filled.get(ind.code)
            lines.append(f"{chamber};{year};{ind.code};{_french(value)};")
        folder = self.root / "depot" / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name or f"COM_{year}_{chamber}.csv")
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
        return path


def _french(value: Any) -> str:
    """``1200`` → ``1 200`` (U+00A0), ``12.5`` → ``12,5``: what French Excel exports."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    whole, _, decimals = f"{value}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0")
    return grouped + ("," + decimals if decimals and decimals != "0" else "")


@pytest.fixture
def make_workbook(tmp_path: Path, catalogue: Catalogue, registry: Registry) -> WorkbookMaker:
    """Factory of valid filled submissions under ``tmp_path/depot/<year>/``."""
    return WorkbookMaker(tmp_path, catalogue, registry)


# --------------------------------------------------------------------------- bilans


@pytest.fixture
def report_inputs() -> Any:
    """Small fixed inputs of a bilan 2024 (3 axes, 5 chambers) covering every case a bilan shows.

    CMAR-11 transmitted on time, CMAR-53 late, CMAR-94 rejected, CMAR-06 missing,
    CM-ALSACE outside the modulation; I1.2 has no 2024 target (« sans cible »),
    I2.1's 2027 target equals its baseline (no progress), axis 3 has no indicator;
    comments hold HTML and would-be formulas. The bilan's references: two steps of the
    2024 timetable, the follow-up of the jalons (one late, one done late, one dropped),
    CMAR-06 absent from the COM signatures and CMAR-94's unsigned, CMAR-53's appreciation.
    """
    from decimal import Decimal

    from cmacop.compute.attainment import compute_attainment
    from cmacop.compute.modulation import modulate
    from cmacop.cop.catalogue import Axis, Indicator, Objective
    from cmacop.cop.followup import (
        Appreciation,
        BilanReferences,
        CalendarStep,
        ComSignature,
        JalonFollowUp,
    )
    from cmacop.cop.jalons import Jalon
    from cmacop.cop.registry import Chamber
    from cmacop.cop.targets import TargetRow
    from cmacop.render import Finding, InputFile, ReportInputs, SubmissionState

    def ind(code: str, axis: int, objective: int, label: str, **kw: Any) -> Indicator:
        return Indicator(code, axis, objective, "flux", "nombre", label, "", **kw)

    cat = Catalogue(
        id="cop-test",
        title="Contrat d'objectifs et de performance 2023-2027 (jeu d'essai)",
        revision="2024-01-15",
        axes=(
            Axis(
                1, "Accompagner la transition écologique", "Transition écologique", Decimal("0.5")
            ),
            Axis(2, "Accompagner la transition numérique", "Transition numérique", Decimal("0.3")),
            Axis(3, "Optimiser l'efficience du réseau", "Efficience du réseau", Decimal("0.2")),
        ),
        objectives=(
            Objective(1, 1, "Accompagner les entreprises dans leur transition"),
            Objective(2, 1, "Former les agents"),
            Objective(3, 2, "Sensibiliser au numérique"),
            Objective(4, 3, "Mutualiser entre chambres"),
        ),
        indicators=(
            ind(
                "I1.1",
                1,
                1,
                "Diagnostics réalisés",
                baseline=800,
                target_2023=1000,
                target_2027=2000,
            ),
            ind("I1.2", 1, 1, "PME industrielles contactées", target_2023=400),
            ind("I2.1", 1, 2, "Agents formés", baseline=60, target_2023=60, target_2027=60),
            ind(
                "I3.1",
                2,
                3,
                "Entreprises accompagnées « numérique »",
                target_2023=300,
                target_2027=700,
            ),
        ),
        impacts=(Indicator("M1.1", 1, None, "flux", "%", "Taux de satisfaction", "", impact=True),),
        performance_share={2024: Decimal("0.3875"), 2025: Decimal("0.425")},
        deadline_month=2,
        jalons=(
            Jalon("JP-a", "Préambule", "Part performance « vers 50% d'ici la fin du COP »",
                  "CMA France", None, due="2027", due_text="d'ici la fin du COP"),
            Jalon("J1-a", "§1.1", "« liste des entreprises consolidée par la DGE »", "État", 1,
                  due="2023-05", due_text="Phase 1 (avril-mai 2023)"),
            Jalon("J1-b", "§1.3", "« une formation par webinaire des agents »", "État", 1),
            Jalon("J2-a", "§3.1", "« inscrire l'ensemble des structures CMA »", "CMA France", 2,
                  due="2023", due_text="dès 2023"),
            Jalon("J3-a", "§10.1", "« Mise en œuvre d'une comptabilité analytique »",
                  "CMA France", 3, due="2024", due_text="En 2024"),
            Jalon("J3-b", "§10.1", "« Intégration de l'ensemble des CMA dans « SAP » »", "CMAR",
                  3, due="2024", due_text="En 2024"),
            Jalon("J3-c", "§10.2", "bilan de COM transmis « au plus tard le dernier jour du "
                  "mois de février »", "CMAR", 3, periodicity="annuelle"),
            Jalon("J3-d", "§13.2", "« signature de conventions » avec Bpifrance", "CMA France", 3,
                  note="Avec la Banque des Territoires : jalon distinct."),
        ),
    )  # fmt: skip
    chambers = (
        ("CMAR-11", "CMA Île-de-France", "CMAR", "11", True),
        ("CMAR-53", "CMA Bretagne", "CMAR", "53", True),
        ("CMAR-94", "CMA Corse", "CMAR", "94", True),
        ("CMAR-06", "CMA Mayotte", "CMAR", "06", True),
        ("CM-ALSACE", "Chambre de métiers d'Alsace", "CM", None, False),
    )
    reg = Registry(
        version="2024-01-01",
        chambers=tuple(
            Chamber(code, name, kind, region, ("01",), tfcma, True)
            for code, name, kind, region, tfcma in chambers
        ),
    )
    targets = {
        2023: {"CMAR-11": (500, 200, 30, 150), "CMAR-53": (300, 120, 20, 90),
               "CMAR-94": (100, 40, 5, 30), "CM-ALSACE": (100, 40, 5, 30)},
        2024: {"CMAR-11": (600, None, 30, 200), "CMAR-53": (360, None, 20, 120),
               "CMAR-94": (120, None, 5, 40), "CMAR-06": (40, None, 0, 20),
               "CM-ALSACE": (130, None, 5, 40)},
    }  # fmt: skip
    realised = {
        2023: {"CMAR-11": (480, 210, 31, 120), "CMAR-53": (300, 100, 20, 90),
               "CMAR-94": (60, 40, 5, 10), "CM-ALSACE": (90, 30, 5, 30)},
        2024: {"CMAR-11": (650, None, 30, 140), "CMAR-53": (270, None, 20, 60),
               "CM-ALSACE": (130, None, 4, 40)},
    }  # fmt: skip
    codes = [i.code for i in cat.indicators]

    def rows(year: int) -> list[TargetRow]:
        return [
            TargetRow(c, code, t, "COM" if c != "CM-ALSACE" else "dérivée")
            for c, values in targets[year].items()
            for code, t in zip(codes, values, strict=True)
        ]

    def values(year: int) -> dict[tuple[str, str], int | None]:
        return {
            (c, code): v
            for c, vals in realised[year].items()
            for code, v in zip(codes, vals, strict=True)
        }

    attainment = compute_attainment(2024, rows(2024), values(2024), cat)
    previous = compute_attainment(2023, rows(2023), values(2023), cat)
    bases = {
        "CMAR-11": Decimal("1234567.89"),
        "CMAR-53": Decimal("654321.00"),
        "CMAR-94": Decimal("98765.43"),
        "CMAR-06": Decimal("45678.90"),
    }
    return ReportInputs(
        year=2024,
        catalogue=cat,
        registry=reg,
        targets=tuple(rows(2024)),
        attainment=attainment,
        previous=previous,
        modulation=modulate(attainment, bases, cat),
        submissions=(
            SubmissionState(
                "CMAR-11", "transmis", False, date(2025, 2, 14), "COM_2024_CMAR-11.xlsx"
            ),
            SubmissionState(
                "CMAR-53", "transmis", True, date(2025, 3, 12), "COM_2024_CMAR-53.xlsx"
            ),
            SubmissionState("CMAR-94", "rejeté", False, date(2025, 2, 20), "COM_2024_CMAR-94.xlsx"),
            SubmissionState("CMAR-06", "manquant"),
            SubmissionState(
                "CM-ALSACE", "transmis", False, date(2025, 2, 3), "COM_2024_CM-ALSACE.csv"
            ),
        ),
        findings=(
            Finding(
                "CMAR-94",
                "erreur",
                "E-VAL-001",
                "texte là où un nombre est attendu : « NC »",
                "I1.1",
                "Indicateurs!G2",
            ),
            Finding(
                "CMAR-94", "erreur", "E-COMPL-001", "valeur manquante", "I2.1", "Indicateurs!G4"
            ),
            Finding(
                "CMAR-53",
                "avertissement",
                "W-PLAUS-005",
                "écart non justifié : réalisé (270) inférieur à la cible (360) sans commentaire",
                "I1.1",
                "Indicateurs!G2",
            ),
            Finding(
                "CMAR-53",
                "avertissement",
                "W-DELAI-001",
                "transmis hors délai",
                None,
                "Identification!B5",
            ),
        ),
        comments={
            ("CMAR-11", "I3.1"): "<script>alert(1)</script> recrutement | tardif",
            ("CMAR-53", "I3.1"): '=HYPERLINK("exemple";"voir")',
            ("CMAR-11", "I1.1"): "+33 6 12 34 56 78 : joindre le service",
            ("CM-ALSACE", "I2.1"): "-1 agent en arrêt\nde longue durée",
            ("CMAR-53", "I2.1"): "@SUM(A1:A2)",
        },
        impact_values={("CMAR-11", "M1.1"): Decimal("87.5"), ("CMAR-53", "M1.1"): None},
        input_files=(
            InputFile(
                "données consolidées 2024",
                "consolidation/donnees/annee=2024/data.parquet",
                "1" * 64,
            ),
            InputFile("cibles de COM", "referentiel/cibles_com.csv", "2" * 64),
            InputFile("bilan de COM CMAR-11", "COM_2024_CMAR-11.xlsx", "3" * 64, chamber="CMAR-11"),
            InputFile("bilan de COM CMAR-53", "COM_2024_CMAR-53.xlsx", "4" * 64, chamber="CMAR-53"),
        ),
        cmacop_version="0.1.0",
        references=BilanReferences(
            calendar=(
                CalendarStep(2024, "bureau élargi", date(2025, 5, 20)),
                CalendarStep(2024, "commission", date(2025, 6, 3), "commission des finances"),
                CalendarStep(2023, "transmission au ministre", date(2024, 6, 27)),
            ),
            follow_up=(
                JalonFollowUp("J1-a", 2023, "fait", date(2023, 4, 12)),
                JalonFollowUp("J2-a", 2023, "fait", date(2024, 2, 15), "21 structures inscrites"),
                JalonFollowUp("J3-a", 2024, "en cours", None, "<b>recette</b> | en cours"),
                JalonFollowUp("J3-c", 2024, "fait", date(2025, 3, 12), "une CMAR hors délai"),
                JalonFollowUp("J3-d", 2024, "abandonné", date(2024, 9, 1), "=convention"),
            ),
            signatures={
                "CMAR-11": ComSignature("CMAR-11", date(2023, 6, 30)),
                "CMAR-53": ComSignature("CMAR-53", date(2023, 7, 4), "avenant 2024 signé"),
                "CMAR-94": ComSignature("CMAR-94", None, "en cours de négociation"),
            },
            appreciations={
                ("CMAR-53", 2024): Appreciation(
                    "CMAR-53",
                    2024,
                    date(2025, 4, 2),
                    "Bilan sincère ; <i>retard</i> à résorber sur le numérique.",
                ),
            },
            given={
                "calendrier": Path("referentiel/calendrier_bilan.csv"),
                "suivi_jalons": Path("referentiel/suivi_jalons.csv"),
                "signatures_com": Path("referentiel/signatures_com.csv"),
                "appreciations_prefet": Path("referentiel/appreciations_prefet.csv"),
            },
        ),
    )


def _rezip(source: Path, target: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    """A copy of the workbook ``source`` with one part's bytes changed."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, change(data) if info.filename == part else data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(out.getvalue())
    return target


@pytest.fixture
def rezip() -> Callable[[Path, Path, str, Callable[[bytes], bytes]], Path]:
    """Copy a workbook changing one part (hostile and damaged files)."""
    return _rezip


# --------------------------------------------------------------------------- cmacop run

RUN_DATE = date(2025, 6, 15)  # the date printed on the bilans of the run tests


@pytest.fixture(scope="session")
def run_date() -> date:
    return RUN_DATE


@pytest.fixture(scope="session")
def run_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example campaign (cmacop.toml, depot/, referentiel/) read at once: no settling delay."""
    import shutil

    dest = tmp_path_factory.mktemp("modele_run") / "campagne"
    shutil.copytree(EXAMPLE_CAMPAIGN, dest, ignore=shutil.ignore_patterns(*RUN_OUTPUTS))
    config = dest / "cmacop.toml"
    text = config.read_text(encoding="utf-8")
    text, count = re.subn(r"(?m)^delai_stabilite = \d+$", "delai_stabilite = 0", text)
    assert count == 1
    config.write_text(text, "utf-8")
    return dest


@pytest.fixture
def new_campaign(run_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the example campaign that no run has processed yet."""
    import shutil

    return Path(shutil.copytree(run_template, tmp_path / "campagne"))


@pytest.fixture(scope="session")
def processed_run(run_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The example campaign after one ``cmacop run`` (copy it before changing it): (folder, result)."""
    import shutil

    from cmacop.run.nightly import run_campaign

    dest = Path(shutil.copytree(run_template, tmp_path_factory.mktemp("run_fait") / "campagne"))
    return dest, run_campaign(dest, today=RUN_DATE)


@pytest.fixture
def processed_campaign(processed_run: Any, tmp_path: Path) -> Path:
    """A copy (dates kept to the nanosecond) of the example campaign after one run."""
    import shutil

    return Path(shutil.copytree(processed_run[0], tmp_path / "campagne"))


def _revise(
    source: Path,
    dest: Path,
    *,
    impact: float | None = None,
    comment: str | None = None,
    realised: Any = _UNSET,
    mtime: float | None = None,
) -> Path:
    """A chamber's corrected version of ``source``: first impact value, first comment, I1.1."""
    import os

    from openpyxl import load_workbook

    wb = load_workbook(source)
    if impact is not None:
        wb["Impact"]["G2"] = impact
    if comment is not None:
        wb["Indicateurs"]["H2"] = comment
    if realised is not _UNSET:
        wb["Indicateurs"]["G2"] = realised
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    if mtime is not None:
        os.utime(dest, (mtime, mtime))
    return dest


@pytest.fixture
def revise() -> Callable[..., Path]:
    """Write a corrected (or, with ``realised="NC"``, broken) version of a submission."""
    return _revise


def _tree_digest(folder: Path) -> dict[str, str]:
    import hashlib

    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def tree_digest() -> Callable[[Path], dict[str, str]]:
    """``{relative path: SHA-256}`` of every file under a folder."""
    return _tree_digest


def _store_frames(store: Path) -> dict[str, Any]:
    """Every Parquet table of a store without the run timestamps, rows sorted.

    Timestamps differ between runs, and rows are stored in timestamp order.
    """
    import polars as pl

    frames = {}
    for path in sorted(store.rglob("data.parquet")):
        frame = pl.read_parquet(path)
        frame = frame.drop([c for c in ("consolide_le", "horodatage") if c in frame.columns])
        frames[path.relative_to(store).as_posix()] = frame.sort(frame.columns, nulls_last=True)
    return frames


@pytest.fixture(scope="session")
def store_frames() -> Callable[[Path], dict[str, Any]]:
    return _store_frames


@pytest.fixture(scope="session")
def small_campaign(run_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small campaign for runs repeated many times: 2 chambers in 2023; in 2024 three
    chambers, a corrected version of CMAR-84 and a broken file of CMAR-53, in that order."""
    import os
    import shutil

    dest = tmp_path_factory.mktemp("petite") / "campagne"
    shutil.copytree(run_template / "referentiel", dest / "referentiel")
    shutil.copy2(run_template / "cmacop.toml", dest / "cmacop.toml")
    start = 1_740_000_000.0  # every file settled long ago, in a fixed order
    picks = {
        2023: ("CMAR-84", "CMAR-53"),
        2024: ("CMAR-84", "CMAR-53", "CM-MOSELLE"),
    }
    n = 0
    for year, chambers in picks.items():
        for chamber in chambers:
            src = next((run_template / "depot" / str(year)).glob(f"COM_{year}_{chamber}.*"))
            target = dest / "depot" / str(year) / src.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            n += 1
            os.utime(target, (start + n, start + n))
    depot = dest / "depot" / "2024"
    _revise(
        depot / "COM_2024_CMAR-84.xlsx",
        depot / "COM_2024_CMAR-84_corrige.xlsx",
        impact=55,
        comment="Chiffre corrigé après contrôle interne.",
        mtime=start + 10,
    )
    broken = ROOT / "examples" / "broken" / "COM_2024_CMAR-53_texte_dans_un_nombre.xlsx"
    shutil.copyfile(broken, depot / broken.name)
    os.utime(depot / broken.name, (start + 11, start + 11))
    return dest
