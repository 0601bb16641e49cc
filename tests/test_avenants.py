"""Avenants as data: targets of a year, impact indicators in the modulation, effective from a year."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmacop.cli import app, main
from cmacop.compute.attainment import compute_attainment
from cmacop.cop.avenants import AvenantError, Avenants, load_avenants
from cmacop.cop.catalogue import load_catalogue
from cmacop.cop.rules import Decisions
from cmacop.cop.targets import national_target_source, regional_targets

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "campagne"
AVENANT = """\
id = "avenant-1"
titre = "Avenant n° 1 au COP 2023-2027"
signe_le = 2024-06-30
effet = 2025                       # première année de résultats concernée

[cibles_nationales]                # cible nationale d'une année donnée
"I6.1" = { 2025 = 140000, 2026 = 145000 }

[impact."M3.3"]                    # un indicateur d'impact reçoit une cible…
cibles = { 2025 = 0.75 }
dans_modulation = true             # …et entre dans le taux de son axe
"""


@pytest.fixture
def avenants(tmp_path: Path) -> Avenants:
    folder = tmp_path / "avenants"
    folder.mkdir()
    (folder / "avenant-1.toml").write_text(AVENANT, encoding="utf-8")
    return load_avenants(folder, load_catalogue())


def test_the_issue_s_example_avenant_is_read(avenants):
    (avenant,) = avenants.items
    assert (avenant.id, avenant.signed_on, avenant.effect) == (
        "avenant-1", date(2024, 6, 30), 2025
    )  # fmt: skip
    assert avenant.targets == {"I6.1": {2025: 140000, 2026: 145000}}
    assert avenant.impacts["M3.3"].targets == {2025: 75}  # « % »: points, as chambers enter it
    assert avenants.in_force(2024) == () and avenants.in_force(2025) == (avenant,)


@pytest.mark.parametrize(
    ("code", "year", "expected"),
    [
        ("I6.1", 2024, (135000, "interpolation")),  # avenant not yet in force
        ("I6.1", 2025, (140000, "avenant-1")),  # the avenant wins over the interpolation
        ("I6.1", 2026, (145000, "avenant-1")),
        ("I6.1", 2027, (150000, "contrat")),
        ("I6.1", 2023, (130000, "contrat")),
        ("I1.3", 2025, (7500, "interpolation")),
        ("I1.1", 2025, (None, None)),  # a 2023 target only
        ("M3.3", 2024, (None, None)),
        ("M3.3", 2025, (75, "avenant-1")),
    ],
)
def test_a_year_s_target_comes_from_the_avenant_then_the_contract_then_interpolation(
    avenants, code, year, expected
):
    ind = load_catalogue().indicator(code)
    assert national_target_source(ind, year, avenants) == expected


def test_an_impact_indicator_with_a_target_counts_in_its_axis(avenants):
    cat = load_catalogue()
    assert [i.code for i in avenants.modulated_impacts(2025, cat)] == ["M3.3"]
    assert avenants.modulated_impacts(2024, cat) == ()
    key = {"CMAR-84": 2, "CMAR-11": 1}
    rows = regional_targets(2025, cat, None, key, chambers=list(key), avenants=avenants)
    m33 = {r.chamber: r.target for r in rows if r.code == "M3.3"}
    assert m33 == {"CMAR-84": 75, "CMAR-11": 75}  # a rate is not apportioned
    i61 = {r.chamber: r.target for r in rows if r.code == "I6.1"}
    assert i61 == {"CMAR-84": 93333, "CMAR-11": 46667}  # 140 000 apportioned 2:1
    # Axis 3 of CMAR-84: the six activity indicators all at their target (rate 1), and
    # M3.3 realised 60 % for a 75 % target: rate 4/5. Mean of 7 rates: (6 + 4/5) / 7.
    realised = {("CMAR-84", r.code): r.target for r in rows if r.chamber == "CMAR-84"}
    realised[("CMAR-84", "M3.3")] = Decimal("60.0")
    impacts = avenants.modulated_impacts(2025, cat)
    attainment = compute_attainment(2025, rows, realised, cat, impacts=impacts, avenants=avenants)
    axis3 = next(a for a in attainment.axes if a.chamber == "CMAR-84" and a.axis == 3)
    assert axis3.rate == (6 + Fraction(4, 5)) / 7
    # By objectives: objective 6 (activity) at 1, M3.3 (no objective) as one more group.
    by_objectives = compute_attainment(
        2025, rows, realised, cat, impacts=impacts, avenants=avenants, axis_rate="objectifs"
    )
    axis3 = next(a for a in by_objectives.axes if a.chamber == "CMAR-84" and a.axis == 3)
    assert axis3.rate == (1 + Fraction(4, 5)) / 2


def test_the_rules_of_a_year_list_the_avenants_in_force(avenants):
    cat = load_catalogue()
    before = Decisions().for_year(2024, cat, avenants)
    after = Decisions().for_year(2025, cat, avenants)
    assert not [r for r in before.rules if r.key.startswith("avenant:")]
    (rule,) = [r for r in after.rules if r.key.startswith("avenant:")]
    assert rule.source == "contrat"
    assert rule.shown == (
        "Avenant n° 1 au COP 2023-2027, signé le 30 juin 2024, effet 2025 ; indicateurs "
        "d'impact dans la modulation : M3.3"
    )
    assert after.impacts == ("M3.3",)


BAD_AVENANTS = [
    ('id = "a"\ntitre = "A"\nsigne_le = 2024-06-30\neffet = 2025\n[cibles_nationales\n',
     "avenant-1.toml : fichier TOML illisible, ligne 5, colonne 19"),
    (AVENANT.replace("effet = 2025", "efet = 2025"), "avenant-1.toml, « efet » : clé inconnue"),
    (AVENANT.replace('"I6.1"', '"I6.9"'),
     "avenant-1.toml, « cibles_nationales.I6.9 » : indicateur « I6.9 » inconnu du catalogue"),
    (AVENANT.replace('[impact."M3.3"]', '[impact."M9.9"]'),
     "avenant-1.toml, « impact.M9.9 » : indicateur d'impact « M9.9 » inconnu"),
    (AVENANT.replace("effet = 2025", "effet = 2029"),
     "avenant-1.toml, « effet » : 2029 (attendu : une année de résultats du contrat, 2023 à 2027)"),
    (AVENANT.replace("2025 = 140000", "2024 = 140000"),
     "avenant-1.toml, « cibles_nationales.I6.1.2024 » : année 2024 hors de la période de "
     "l'avenant (attendu : une année de résultats de son effet (2025) à 2027)"),
    (AVENANT.replace("2025 = 0.75", "2025 = 75"),
     "avenant-1.toml, « impact.M3.3.cibles.2025 » : valeur 75 (attendu : un taux entre 0 et 1"),
    (AVENANT.replace("2025 = 140000", "2025 = -1"),
     "avenant-1.toml, « cibles_nationales.I6.1.2025 » : valeur -1 (attendu : un nombre entier"),
    (AVENANT.replace("signe_le = 2024-06-30", 'signe_le = "30/06/2024"'),
     "avenant-1.toml, « signe_le » : valeur '30/06/2024' (attendu : une date, ex. 2024-06-30)"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD_AVENANTS)
def test_a_bad_avenant_names_the_file_the_key_and_what_is_expected(tmp_path, text, message):
    folder = tmp_path / "avenants"
    folder.mkdir()
    (folder / "avenant-1.toml").write_text(text, encoding="utf-8")
    with pytest.raises(AvenantError) as info:
        load_avenants(folder, load_catalogue())
    assert str(info.value).startswith(message), str(info.value)
    assert info.value.exit_code == 2


def test_two_avenants_cannot_set_the_same_target_for_the_same_year(tmp_path):
    folder = tmp_path / "avenants"
    folder.mkdir()
    (folder / "avenant-1.toml").write_text(AVENANT, encoding="utf-8")
    second = AVENANT.replace('id = "avenant-1"', 'id = "avenant-2"').replace(
        "2026 = 145000", "2027 = 152000"
    )
    (folder / "avenant-2.toml").write_text(second, encoding="utf-8")
    with pytest.raises(AvenantError) as info:
        load_avenants(folder, load_catalogue())
    assert str(info.value).startswith(
        "avenant-2.toml, « cible de I6.1 pour 2025 » : déjà fixée par avenant-1"
    )


def test_catalogue_csv_gives_the_target_in_force_and_its_source(tmp_path):
    folder = tmp_path / "avenants"
    folder.mkdir()
    (folder / "avenant-1.toml").write_text(AVENANT, encoding="utf-8")
    argv = ["catalogue", "--year", "2025", "--avenants", str(folder), "--format", "csv"]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert list(next(iter(rows.values())))[-2:] == ["cible_annee", "source_cible"]
    assert (rows["I6.1"]["cible_annee"], rows["I6.1"]["source_cible"]) == ("140000", "avenant-1")
    assert (rows["I1.3"]["cible_annee"], rows["I1.3"]["source_cible"]) == ("7500", "interpolation")
    assert (rows["I1.1"]["cible_annee"], rows["I1.1"]["source_cible"]) == ("", "")
    before = CliRunner().invoke(app, [*argv[:2], "2024", *argv[3:]])
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(before.output))}
    assert (rows["I6.1"]["cible_annee"], rows["I6.1"]["source_cible"]) == (
        "135000",
        "interpolation",
    )
    with pytest.raises(SystemExit) as exit_:
        main(["catalogue", "--year", "2025", "--avenants", str(tmp_path / "x")])
    assert exit_.value.code == 2


def test_years_before_an_avenant_s_effect_are_byte_identical(consolidated_campaign, tmp_path):
    """An avenant effective 2025 changes nothing in what is written for 2024: every file is
    byte-identical (workbooks: every cell, their zip dates being the time of writing)."""
    from openpyxl import load_workbook

    from cmacop.render import build_report

    campaign = Path(shutil.copytree(consolidated_campaign, tmp_path / "campagne"))
    folder = campaign / "referentiel" / "avenants"
    shutil.rmtree(folder)  # the example's own avenant takes effect in 2026 anyway
    out = tmp_path / "bilans"

    def written() -> dict[Path, object]:
        build_report(
            2024, store=campaign / "consolidation", out_dir=out, formats="md,html,xlsx",
            chambers=["CMAR-53"], generated_on=date(2025, 6, 15),
        )  # fmt: skip
        files: dict[Path, object] = {}
        for path in sorted(out.rglob("*")):
            if path.suffix == ".xlsx":
                wb = load_workbook(path)
                files[path] = {ws.title: list(ws.values) for ws in wb.worksheets}
            elif path.is_file():
                files[path] = path.read_bytes()
        return files

    without = written()
    folder.mkdir()
    (folder / "avenant-1.toml").write_text(AVENANT, encoding="utf-8")
    assert written() == without
    assert len(without) == 11  # national and COM bilans in 3 formats, 4 CSV, the manifest
    assert load_avenants(folder, load_catalogue()).in_force(2025)  # it does apply to 2025


def test_the_example_campaign_ships_an_avenant_effective_2026():
    avenants = load_avenants(EXAMPLE / "referentiel" / "avenants", load_catalogue())
    assert [(a.id, a.effect) for a in avenants.items] == [("avenant-1", 2026)]


def test_an_impact_indicator_that_counts_must_be_filled_in(make_workbook, tmp_path):
    """Counting like an activity indicator, M3.3 needs a value once an avenant gives it a
    target: blank, it is E-COMPL-001 at its cell; the template shows its target."""
    from cmacop.campaign.settings import Settings
    from cmacop.validate.engine import validate_paths

    folder = tmp_path / "avenants"
    folder.mkdir()
    text = AVENANT.replace("effet = 2025", "effet = 2024").replace("2025 = 0.75", "2024 = 0.75")
    (folder / "avenant-1.toml").write_text(text.replace("2025 = 140000, ", ""), encoding="utf-8")
    avenants = load_avenants(folder, load_catalogue())
    targets = {**make_workbook.targets(), ("CMAR-84", 2024, "M3.3"): 75}
    settings = Settings(avenants=avenants)
    row = make_workbook.row("M3.3")
    blank = make_workbook(values={"M3.3": None}, targets=targets)
    report = validate_paths([blank], settings=settings, targets=targets, year=2024)
    assert [(f.code, f.location) for f in report.findings if f.is_error] == [
        ("E-COMPL-001", f"Impact!G{row}")
    ]
    filled = make_workbook(values={"M3.3": 80}, targets=targets, name="rempli.xlsx")
    from openpyxl import load_workbook

    assert load_workbook(filled)["Impact"][f"F{row}"].value == 75  # the template's Cible
    report = validate_paths([filled], settings=settings, targets=targets, year=2024)
    assert [f.code for f in report.findings if f.is_error] == []
    # Without the avenant, an impact indicator has no target: the same Cible is refused.
    report = validate_paths([filled], targets=targets, year=2024)
    assert ("E-STRUCT-012", f"Impact!F{row}") in [(f.code, f.location) for f in report.findings]


def test_the_bilan_lists_the_avenants_in_force(report_inputs, avenants):
    """An avenant in force is listed with what the contract fixes, with its title and date."""
    import dataclasses
    from datetime import date

    from cmacop.render.documents import render
    from cmacop.render.model import national_bilan

    rules = Decisions().for_year(2025, report_inputs.catalogue, avenants)
    inputs = dataclasses.replace(report_inputs, year=2025, rules=rules)
    text = render(national_bilan(inputs, date(2026, 6, 15)), "md")
    contract = text.split("**Fixées par le contrat**", 1)[1].split("**Décidées", 1)[0]
    assert (
        "- **Avenant avenant-1**\u00a0: Avenant n° 1 au COP 2023-2027, signé le 30 juin 2024, "
        "effet 2025" in contract
    )
    before = Decisions().for_year(2024, report_inputs.catalogue, avenants)
    earlier = render(
        national_bilan(dataclasses.replace(report_inputs, rules=before), date(2025, 6, 15)), "md"
    )
    assert "Avenant avenant-1" not in earlier
