"""``cmacop compute``: a year computed from the store, its machine files and manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmacop import __version__
from cmacop.campaign.settings import Settings
from cmacop.cli import app, main
from cmacop.compute.outputs import render_outputs, write_outputs
from cmacop.compute.results import compute_results
from cmacop.compute.year import compute_year, reference_files
from cmacop.cop.referentiel import read_base, read_key, read_targets, template_targets
from cmacop.cop.rules import Decided, Decisions
from cmacop.cop.targets import apportion, national_target

runner = CliRunner()
AXES = [f"reduction_axe_{a}" for a in range(1, 7)]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def results(consolidated_campaign):
    return compute_results(2024, store=consolidated_campaign / "consolidation")


def test_reference_files_default_to_the_campaign_layout(consolidated_campaign, results):
    ref = consolidated_campaign / "referentiel"
    assert results.references == reference_files(consolidated_campaign / "consolidation", 2024)
    assert (results.references.targets, results.references.key, results.references.base) == (
        ref / "cibles_com.csv",
        ref / "cle_repartition.csv",
        ref / "tfcma_2025.csv",
    )


def test_money_reconciles_to_the_cent(consolidated_campaign, results):
    mod = results.modulation
    # The example campaign's regles.toml decides the 2025 share (0.40, not the path's 0.425).
    assert mod is not None and mod.tax_year == 2025 and mod.share == Decimal("0.40")
    bases = read_base(consolidated_campaign / "referentiel" / "tfcma_2025.csv")
    assert mod.total_base == sum(bases.values())
    assert sum(line.final for line in mod.lines) + mod.pool == sum(bases.values())
    assert {line.chamber for line in mod.lines} == set(bases)  # the two CM are outside


def test_targets_come_from_the_com_file_else_the_key(consolidated_campaign, results, catalogue):
    ref = consolidated_campaign / "referentiel"
    com = read_targets(ref / "cibles_com.csv")
    key = read_key(ref / "cle_repartition.csv")
    by_key = {(r.chamber, r.code): r for r in results.targets}
    assert by_key[("CMAR-53", "I1.3")].target == com[("CMAR-53", 2024, "I1.3")]
    assert by_key[("CMAR-53", "I1.3")].origin == "COM"
    national = national_target(catalogue.indicator("I1.3"), 2024)
    assert national is not None
    derived = by_key[("CM-ALSACE", "I1.3")]
    assert (derived.target, derived.origin) == (apportion(national, key)["CM-ALSACE"], "dérivée")


def test_previous_year_and_completeness_come_with_the_year(results):
    assert results.previous is not None and results.previous.year == 2023
    assert len(results.attainment.chambers) == 20
    assert results.completeness.counts()["hors délai"] == 1
    assert results.data.height == 20 * 48
    assert set(results.findings["gravite"]) == {"avertissement"}


def test_manifest_lets_a_modulation_be_rederived(consolidated_campaign, results, catalogue):
    manifest = results.manifest
    store = consolidated_campaign / "consolidation"
    ref = consolidated_campaign / "referentiel"
    assert manifest["cmacop"] == __version__
    assert manifest["catalogue"]["empreinte"] == catalogue.content_hash
    decision = "décision : Assemblée générale de CMA France du 24 juin 2025 (exemple fictif)"
    assert manifest["part_performance_source"] == decision
    assert manifest["parametres"] == {
        "part_performance": "0.40",
        "part_performance_source": decision,
        "taux_axe": "indicateurs",
        "chambre_sans_resultats": "zero",
        "indicateurs_impact_modulation": [],
        "poids_axes": {
            "1": "0.20",
            "2": "0.20",
            "3": "0.25",
            "4": "0.10",
            "5": "0.15",
            "6": "0.10",
        },
        "poids_indicateurs": {},
        "plafond_taux": "1.000000",
    }
    expected = {
        "données consolidées 2024": store / "donnees" / "annee=2024" / "data.parquet",
        "données consolidées 2023": store / "donnees" / "annee=2023" / "data.parquet",
        "cibles de COM": ref / "cibles_com.csv",
        "clé de répartition": ref / "cle_repartition.csv",
        "base TFCMA 2025": ref / "tfcma_2025.csv",
        # Issue #12: the bilan's own reference files, when the campaign has them.
        "calendrier des bilans": ref / "calendrier_bilan.csv",
        "suivi des jalons": ref / "suivi_jalons.csv",
        "signatures des COM": ref / "signatures_com.csv",
        "appréciations des préfets": ref / "appreciations_prefet.csv",
        "règles de CMA France": ref / "regles.toml",
        # The example's avenant takes effect in 2026: not an input of 2024.
    }
    assert {f["role"]: f["sha256"] for f in manifest["fichiers_entree"]} == {
        role: sha(path) for role, path in expected.items()
    }
    submissions = {d["chambre"]: d["sha256"] for d in manifest["depots"]}
    assert submissions["CMAR-53"] == sha(consolidated_campaign / "depot/2024/COM_2024_CMAR-53.xlsx")
    assert len(submissions) == 20


@pytest.mark.parametrize(
    ("cap", "weights", "shown"),
    [(2, None, "2.000000"), (Fraction(3, 2), {"I1.3": 2}, "1.500000")],
)
def test_parameters_are_recorded(consolidated_campaign, cap, weights, shown):
    decided = {
        "plafond_taux": Decided(
            Decimal(cap.numerator) / cap.denominator if isinstance(cap, Fraction) else Decimal(cap),
            "Bureau",
        )
    }
    if weights:
        decided["poids_indicateurs"] = Decided({k: Decimal(v) for k, v in weights.items()}, "AG")
    found = compute_results(
        2024,
        store=consolidated_campaign / "consolidation",
        settings=Settings(rules=Decisions(modulation=decided)),
    )  # fmt: skip
    assert found.manifest["parametres"]["plafond_taux"] == shown
    assert found.manifest["parametres"]["poids_indicateurs"] == {
        k: str(v) for k, v in (weights or {}).items()
    }


# --------------------------------------------------------------------------- machine files


def test_machine_files_have_the_documented_columns(results, tmp_path):
    written = write_outputs(results, tmp_path)
    assert [p.name for p in written] == [
        "cibles_2024.csv",
        "atteinte_2024.csv",
        "axes_2024.csv",
        "modulation_2024.csv",
        "manifeste_2024.json",
    ]
    headers = {p.name: p.read_text(encoding="utf-8").splitlines()[0] for p in written[:-1]}
    assert headers == {
        "cibles_2024.csv": "chambre,code,cible,origine",
        "atteinte_2024.csv": "chambre,code,cible,realise,taux",
        "axes_2024.csv": "chambre,axe,taux,poids",
        # signalement (issue #11): a CMAR without results is flagged in every output.
        "modulation_2024.csv": "chambre,base,part_performance,part_fonctionnement,reduction,"
        "dotation_finale," + ",".join(AXES) + ",signalement",
    }
    rates = [r["taux"] for r in rows_of(tmp_path / "atteinte_2024.csv") if r["taux"]]
    assert rates and all(re.fullmatch(r"[01]\.\d{6}", t) for t in rates)
    assert {r["origine"] for r in rows_of(tmp_path / "cibles_2024.csv")} == {"COM", "dérivée"}


def test_modulation_file_reconciles_to_the_cent(results, tmp_path):
    write_outputs(results, tmp_path)
    lines = rows_of(tmp_path / "modulation_2024.csv")
    total = {c: sum(Decimal(r[c]) for r in lines) for c in ("base", "reduction", "dotation_finale")}
    assert total["dotation_finale"] + total["reduction"] == total["base"]
    for r in lines:
        assert Decimal(r["part_performance"]) + Decimal(r["part_fonctionnement"]) == Decimal(
            r["base"]
        )
        assert Decimal(r["dotation_finale"]) == Decimal(r["base"]) - Decimal(r["reduction"])
        assert all(re.fullmatch(r"\d+\.\d\d", r[c]) for c in ("base", "reduction", *AXES))


def test_written_manifest_fingerprints_the_outputs(results, tmp_path):
    write_outputs(results, tmp_path)
    manifest = json.loads((tmp_path / "manifeste_2024.json").read_text(encoding="utf-8"))
    assert {f["fichier"]: f["sha256"] for f in manifest["fichiers_sortie"]} == {
        name: hashlib.sha256(data).hexdigest() for name, data in render_outputs(results).items()
    }
    assert manifest["fichiers_entree"] == results.manifest["fichiers_entree"]


def test_without_a_base_there_is_no_modulation_file(consolidated_campaign, tmp_path):
    store = tmp_path / "consolidation"
    shutil.copytree(consolidated_campaign / "consolidation", store)
    ref = consolidated_campaign / "referentiel"
    found = compute_year(2024, store=store, targets=ref / "cibles_com.csv")
    assert found.modulation is None and found.references.base is None
    assert "modulation_2024.csv" not in render_outputs(found)


# --------------------------------------------------------------------------- command line


def test_cli_json_equals_the_twin_and_files_are_written(consolidated_campaign, tmp_path):
    store = consolidated_campaign / "consolidation"
    args = [
        "compute",
        "--year",
        "2024",
        "--store",
        str(store),
        "--out",
        str(tmp_path),
        "-f",
        "json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    twin = compute_results(2024, store=store).to_dict()
    assert json.loads(result.stdout) == json.loads(json.dumps(twin))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "atteinte_2024.csv",
        "axes_2024.csv",
        "cibles_2024.csv",
        "manifeste_2024.json",
        "modulation_2024.csv",
    ]
    assert result.stderr.splitlines()[-1] == f"écrit : {tmp_path / 'manifeste_2024.json'}"


def test_cli_table_is_french(consolidated_campaign, results, tmp_path):
    from cmacop.french import fmt_euro

    store = consolidated_campaign / "consolidation"
    result = runner.invoke(
        app, ["compute", "--year", "2024", "--store", str(store), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0
    # Some rules the modulation uses are cmacop's defaults in the example: a proposition.
    assert "Proposition de modulation de la TFCMA 2025" in result.stdout
    assert results.modulation is not None
    reserve = next(line for line in result.stdout.splitlines() if "Réserve" in line)
    assert fmt_euro(results.modulation.pool) in reserve


def test_cli_warns_when_no_base_is_found(consolidated_campaign, tmp_path):
    store = tmp_path / "consolidation"
    shutil.copytree(consolidated_campaign / "consolidation", store)
    targets = consolidated_campaign / "referentiel" / "cibles_com.csv"
    result = runner.invoke(
        app, ["compute", "--year", "2024", "--store", str(store), "--targets", str(targets)]
    )
    assert result.exit_code == 0
    assert result.stderr.startswith(
        "Attention : pas de base TFCMA 2025 (--base) : modulation non calculée.\n"
    )
    assert (tmp_path / "resultats" / "2024" / "atteinte_2024.csv").is_file()


@pytest.mark.parametrize(
    ("year", "store_files", "message"),
    [
        (
            2028,
            True,
            "Erreur : aucune donnée consolidée pour 2028 dans {store}\n"
            "  → Lancez d'abord « cmacop consolidate … --year 2028 --store {store} ».\n",
        ),
        (
            2024,
            True,
            "Erreur : aucune cible : ni fichier de cibles de COM ni clé de répartition\n"
            "  → Indiquez --targets et/ou --key, ou placez cibles_com.csv et cle_repartition.csv "
            "dans le dossier referentiel/ de la campagne.\n",
        ),
    ],
)
def test_cli_errors_exit_4_in_french(
    consolidated_campaign, tmp_path, capsys, year, store_files, message
):
    store = tmp_path / "consolidation"
    shutil.copytree(consolidated_campaign / "consolidation", store)
    with pytest.raises(SystemExit) as exc:
        main(["compute", "--year", str(year), "--store", str(store)])
    assert exc.value.code == 4
    assert capsys.readouterr().err == message.format(store=store)


# --------------------------------------------------------------------------- templates


def test_template_targets_com_wins_else_derived(consolidated_campaign, catalogue):
    ref = consolidated_campaign / "referentiel"
    targets = template_targets(
        2024, targets=ref / "cibles_com.csv", key=ref / "cle_repartition.csv"
    )
    com = read_targets(ref / "cibles_com.csv")
    key = read_key(ref / "cle_repartition.csv")
    assert targets[("CMAR-84", 2024, "I2.2")] == com[("CMAR-84", 2024, "I2.2")]
    national = national_target(catalogue.indicator("I2.2"), 2024)
    assert national is not None
    assert targets[("CM-MOSELLE", 2024, "I2.2")] == apportion(national, key)["CM-MOSELLE"]
    assert ("CMAR-84", 2024, "I1.1") not in targets  # the programme ended in 2023


@pytest.mark.parametrize(("with_key", "expected"), [(True, "derived"), (False, None)])
def test_cli_template_fills_cible_from_the_key(
    consolidated_campaign, catalogue, tmp_path, with_key, expected
):
    from openpyxl import load_workbook

    ref = consolidated_campaign / "referentiel"
    args = ["template", "--year", "2024", "-c", "CM-ALSACE", "-o", str(tmp_path)]
    args += ["--targets", str(ref / "cibles_com.csv")]
    if with_key:
        args += ["--key", str(ref / "cle_repartition.csv")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "COM_2024_CM-ALSACE.xlsx")["Indicateurs"]
    cible = {row[0].value: row[5].value for row in sheet.iter_rows(min_row=2)}
    national = national_target(catalogue.indicator("I2.2"), 2024)
    assert national is not None
    derived = apportion(national, read_key(ref / "cle_repartition.csv"))["CM-ALSACE"]
    assert cible["I2.2"] == (derived if expected == "derived" else None)
