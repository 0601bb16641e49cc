"""``cmacop simuler``: the bureau's decision, costed chamber by chamber, to the cent."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cmacop.cli import main
from cmacop.compute.simulation import CSV_COLUMNS
from cmacop.errors import UsageError
from cmacop.render.simulation import simulate_year

SOFFICE = shutil.which("soffice")


@pytest.fixture(scope="module")
def store(consolidated_campaign: Path) -> Path:
    return consolidated_campaign / "consolidation"


@pytest.fixture(scope="module")
def by_share(store: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("simulation")
    return simulate_year(2024, store=store, shares="0.35,0.40,0.45", out_dir=out)


def test_one_variant_per_share_the_other_rules_from_the_campaign(by_share):
    assert [v.name for v in by_share.variants] == ["p=0.35", "p=0.40", "p=0.45"]
    assert [v.rules.share for v in by_share.variants] == [
        Decimal(x) for x in ("0.35", "0.40", "0.45")
    ]
    for variant in by_share.variants:
        assert variant.rules.rule("part_performance").source.startswith("décision : simulation")
        assert variant.rules.axis_rate == "indicateurs"  # the campaign's (a default here)
        assert len(variant.modulation.lines) == 18  # the CMAR, not the two CM


def test_every_variant_reconciles_to_the_cent(by_share):
    for variant in by_share.variants:
        mod = variant.modulation
        assert mod.total_final + mod.pool == mod.total_base
        for line in mod.lines:
            assert line.final + line.reduction == line.base
    for variant in by_share.variants:
        # What the chambers lose together is exactly what the national projects gain.
        lost = sum((by_share.difference(variant, c) for c in by_share.chambers), Decimal(0))
        assert lost == -by_share.pool_difference(variant)
    # A higher share withholds more, from every chamber that misses a target.
    finals = [[by_share.final(v, c) for v in by_share.variants] for c in by_share.chambers]
    assert all(a >= b >= c for a, b, c in finals)


def test_the_csv_is_long_with_the_exact_columns_and_cents(by_share):
    path = by_share.written[0]
    assert path.name == "simulation_2024.csv" and path.parent.name.startswith("simulation")
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert CSV_COLUMNS == (
        "variante", "chambre", "base", "part_performance", "reduction", "dotation_finale"
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3 * 18
    first = rows[0]
    mod = by_share.variants[0].modulation
    line = mod.lines[0]
    assert first == {
        "variante": "p=0.35",
        "chambre": line.chamber,
        "base": str(line.base),
        "part_performance": str(line.performance_part),
        "reduction": str(line.reduction),
        "dotation_finale": str(line.final),
    }
    for row in rows:
        for column in CSV_COLUMNS[2:]:
            assert Decimal(row[column]).as_tuple().exponent == -2  # cents, « . » decimals
        assert Decimal(row["base"]) == Decimal(row["reduction"]) + Decimal(row["dotation_finale"])


def test_the_workbook_has_a_sheet_per_variant_and_the_comparison(by_share):
    wb = load_workbook(by_share.written[1])
    assert wb.sheetnames == ["Simulation", "Comparaison", "p=0.35", "p=0.40", "p=0.45"]
    comparison = wb["Comparaison"]
    header = [c.value for c in comparison[1]]
    assert header == [
        "Code", "Chambre", "p=0.35 : dotation finale", "p=0.40 : dotation finale",
        "p=0.40 : écart avec p=0.35", "p=0.45 : dotation finale", "p=0.45 : écart avec p=0.35",
    ]  # fmt: skip
    chamber = by_share.chambers[0]
    row = [c.value for c in comparison[2]]
    assert row[0] == chamber
    assert Decimal(str(row[4])) == by_share.difference(by_share.variants[1], chamber)
    assert comparison["E2"].number_format == '#,##0.00 "€"'  # an amount in euros
    sheet = wb["p=0.40"]
    assert [c.value for c in sheet[1]][:6] == [
        "Code", "Chambre", "Base", "Part performance", "Réduction", "Dotation finale"
    ]  # fmt: skip


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) n'est pas installé")
def test_libreoffice_reads_the_comparison(by_share, tmp_path):
    """LibreOffice opens the workbook and finds the same differences (every sheet as CSV)."""
    done = subprocess.run(
        [
            str(SOFFICE), f"-env:UserInstallation={(tmp_path / 'profil').as_uri()}",
            "--headless", "--norestore", "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir", str(tmp_path / "csv"), str(by_share.written[1]),
        ],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = {p.name for p in (tmp_path / "csv").glob("*.csv")}
    assert "simulation_2024-Comparaison.csv" in found, (found, done.stdout)
    text = (tmp_path / "csv" / "simulation_2024-Comparaison.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    chamber = by_share.chambers[0]
    first = next(r for r in rows if r and r[0] == chamber)
    shown = first[4].replace("\u00a0", " ").replace("\u202f", " ")
    expected = by_share.difference(by_share.variants[1], chamber)
    assert Decimal(shown.replace("€", "").replace(" ", "").replace(",", ".")) == expected


def test_variants_from_rules_files_are_named_by_their_stem(store, tmp_path, capsys):
    (tmp_path / "bureau.toml").write_text(
        '[part_performance.2025]\ntaux = "0.40"\ndecision = "AG du 24 juin 2025"\n',
        encoding="utf-8",
    )
    (tmp_path / "objectifs.toml").write_text(
        '[modulation]\ntaux_axe = "objectifs"\nchambre_sans_resultats = "hors_modulation"\n'
        'decision = "Proposition du bureau"\n'
        '[part_performance.2025]\ntaux = "0.40"\ndecision = "AG du 24 juin 2025"\n',
        encoding="utf-8",
    )
    argv = ["simuler", "--year", "2024", "--store", str(store), "--out", str(tmp_path / "out")]
    argv += [
        "--regles",
        str(tmp_path / "bureau.toml"),
        "--regles",
        str(tmp_path / "objectifs.toml"),
    ]
    main(argv)
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert "Simulation de la modulation de la TFCMA 2025 (résultats 2024)" in lines[0]
    header = next(line for line in lines if "Chambre" in line)
    assert (
        "bureau (40,00" in header and "objectifs (40,00" in header and "écart avec bureau" in header
    )
    assert [line.split()[1] for line in lines if line.startswith("│ Total")] == ["Total"]
    assert any(line.startswith("│ Projets nationaux") for line in lines)
    assert captured.err.splitlines() == [
        f"écrit : {tmp_path / 'out' / 'simulation_2024.csv'}",
        f"écrit : {tmp_path / 'out' / 'simulation_2024.xlsx'}",
    ]


def test_json_output_is_the_twin_s_to_dict(store, tmp_path, capsys):
    out = tmp_path / "out"
    main(["simuler", "--year", "2024", "--store", str(store), "--out", str(out),
          "--part-performance", "0.40,0.45", "--format", "json"])  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    twin = simulate_year(2024, store=store, shares="0.40,0.45", out_dir=out)
    assert printed == json.loads(json.dumps(twin.to_dict()))
    totals = printed["comparaison"]["totaux"]
    assert totals["p=0.40"]["ecart"] == "0.00"
    assert Decimal(totals["p=0.45"]["ecart"]) == -Decimal(totals["p=0.45"]["ecart_reserve"])


def test_without_option_the_campaign_s_rules_are_the_one_variant(consolidated_campaign, tmp_path):
    result = simulate_year(
        2024, store=consolidated_campaign / "consolidation", out_dir=tmp_path / "out"
    )
    (variant,) = result.variants
    assert variant.name == "regles" and variant.rules.share == Decimal("0.40")  # the example's


def test_the_default_folder_is_the_bilans_simulation_folder(consolidated_campaign, tmp_path):
    campaign = Path(shutil.copytree(consolidated_campaign, tmp_path / "campagne"))
    result = simulate_year(2024, config=campaign, shares="0.40")
    assert result.written[0] == campaign / "bilans" / "2024" / "simulation" / "simulation_2024.csv"


@pytest.mark.parametrize("shares", ["0.40,1.5", "0,40", "quarante"])
def test_a_wrong_share_is_a_usage_error(store, tmp_path, shares):
    with pytest.raises(UsageError, match="--part-performance"):
        simulate_year(2024, store=store, shares=shares, out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
