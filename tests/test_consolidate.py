"""Consolidation: tidy history store, resubmissions and audit, rejected files, completeness."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import RUN_OUTPUTS
from typer.testing import CliRunner

from cmacop.campaign.statuses import ADDED, REPLACING, UNCHANGED
from cmacop.campaign.statuses import REJECTED as FILE_REJECTED
from cmacop.cli import app
from cmacop.consolidate.completeness import deadline_of
from cmacop.consolidate.store import AUDIT, COMMIT_ORDER, DATA, DEPOSITS, FINDINGS, Store
from cmacop.consolidate.year import consolidate_paths, default_store
from cmacop.consolidate.years import consolidate_years, years_plan
from cmacop.cop.contract import COL
from cmacop.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent

runner = CliRunner()
BROKEN_53 = ROOT / "examples" / "broken" / "COM_2024_CMAR-53_texte_dans_un_nombre.xlsx"
TIDY_COLUMNS = [
    "annee", "chambre", "code", "realise", "cible", "commentaire",
    "fichier", "feuille", "cellule", "sha256", "transmis_le", "version_modele",
]  # fmt: skip
INDICATORS = 35 + 13  # activity and impact rows of every submission


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def edit_workbook(
    src: Path, dst: Path, values: dict[str, object], comments: dict[str, str] | None = None
) -> Path:
    """A corrected version of a submission: new Réalisé / Commentaire in the Indicateurs sheet."""
    from openpyxl import load_workbook

    wb = load_workbook(src)
    ws = wb["Indicateurs"]
    for row in ws.iter_rows(min_row=2):
        code = row[COL["Code"] - 1].value
        if code in values:
            row[COL["Réalisé"] - 1].value = values[code]
        if comments and code in comments:
            row[COL["Commentaire"] - 1].value = comments[code]
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def chamber_rows(store: Path, chamber: str, year: int = 2024) -> pl.DataFrame:
    return Store(store).read(DATA, year).filter(pl.col("chambre") == chamber)


# --------------------------------------------------------------------------- the tidy table


def test_tidy_table_is_plain_parquet_traceable_to_the_cell(consolidated_campaign):
    from openpyxl import load_workbook

    store = consolidated_campaign / "consolidation"
    frame = pl.read_parquet(store / "donnees" / "annee=2024" / "data.parquet")
    assert frame.columns == TIDY_COLUMNS
    assert frame.height == 20 * INDICATORS
    source = consolidated_campaign / "depot" / "2024" / "COM_2024_CMAR-53.xlsx"
    row = frame.filter((pl.col("chambre") == "CMAR-53") & (pl.col("code") == "I2.2")).row(
        0, named=True
    )
    assert (row["fichier"], row["feuille"], row["cellule"]) == (
        "depot/2024/COM_2024_CMAR-53.xlsx",
        "Indicateurs",
        "G8",
    )
    sheet = load_workbook(source)["Indicateurs"]
    assert sheet["A8"].value == "I2.2"
    assert row["realise"] == sheet["G8"].value
    assert row["cible"] == sheet["F8"].value
    assert row["sha256"] == sha(source)
    assert row["transmis_le"] == date(2025, 2, 21)
    assert row["version_modele"] == "1/cop-2023-2027/2026-11-27"
    moselle = frame.filter((pl.col("chambre") == "CM-MOSELLE") & (pl.col("code") == "I1.3"))
    assert moselle.select("feuille", "cellule", "transmis_le").row(0) == (None, "ligne 4", None)


def test_every_year_is_a_hive_partition(consolidated_campaign):
    every = pl.read_parquet(consolidated_campaign / "consolidation" / "donnees")
    assert sorted(every["annee"].unique().to_list()) == [2023, 2024]
    assert every.height == 2 * 20 * INDICATORS


def test_exports_for_people_sit_beside_the_store(consolidated_campaign):
    from openpyxl import load_workbook

    store = consolidated_campaign / "consolidation"
    raw = (store / "donnees_2024.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == ";".join(TIDY_COLUMNS)
    assert len(lines) == 1 + 20 * INDICATORS
    book = load_workbook(store / "consolidation_2024.xlsx")
    assert book.sheetnames == ["Données", "Complétude", "Dépôts", "Constats", "Audit"]
    # Issue 14: French headers in the workbook (the CSV keep the store's names).
    assert [c.value for c in book["Données"][1]] == [
        "Année", "Chambre", "Indicateur", "Réalisé", "Cible", "Commentaire", "Fichier",
        "Feuille", "Cellule", "SHA-256", "Transmis le (déclaré)", "Version du modèle",
    ]  # fmt: skip
    assert book["Données"].max_row == 1 + 20 * INDICATORS
    completeness = (store / "completude_2024.csv").read_text(encoding="utf-8-sig").splitlines()
    assert completeness[0] == (
        "chambre;nom;statut;transmis_le;recu_le;fichier;sha256;erreurs;avertissements"
    )
    assert any(
        line.startswith("CMAR-02;CMA Martinique;hors délai;14/03/2025;14/03/2025 12:00:00;")
        for line in completeness
    )


def test_the_workbook_is_ready_to_read(consolidated_campaign):
    """Widths, filters, frozen headers, real dates and French number formats on every sheet."""
    from openpyxl import load_workbook

    book = load_workbook(consolidated_campaign / "consolidation" / "consolidation_2024.xlsx")
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" + (
            f"{max(sheet.max_row, 1)}"
        )
        assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])
        assert all(c.font.b for c in sheet[1])
    deposits = book["Dépôts"]
    header = [c.value for c in deposits[1]]
    late = next(r for r in deposits.iter_rows(min_row=2) if r[1].value == "CMAR-02")
    sent, received = late[header.index("Transmis le (déclaré)")], late[header.index("Reçu le")]
    assert sent.value == datetime(2025, 3, 14) and sent.number_format == "dd/mm/yyyy"
    assert received.value == datetime(2025, 3, 14, 12) and received.number_format.startswith(
        "dd/mm/yyyy"
    )
    assert deposits.column_dimensions["E"].width >= 17  # « Reçu le »: no « ### »
    data = book["Données"]
    realised = [r[3] for r in data.iter_rows(min_row=2) if r[3].value is not None]
    assert {c.number_format for c in realised} <= {"#,##0", "#,##0.0###"}
    assert any(c.number_format == "#,##0.0###" for c in realised)  # impact rates: 42,5
    assert data["A2"].number_format == "General"  # the year, without thousands separator


@pytest.mark.libreoffice
@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) n'est pas installé"
)
def test_libreoffice_shows_the_dates_not_hashes(consolidated_campaign, tmp_path):
    import subprocess

    book = consolidated_campaign / "consolidation" / "consolidation_2024.xlsx"
    done = subprocess.run(
        [
            "soffice", f"-env:UserInstallation={(tmp_path / 'profil').as_uri()}", "--headless",
            "--norestore", "--convert-to", "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true,false,false,3",
            "--outdir", str(tmp_path), str(book),
        ],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Sheet 3 (« Dépôts ») as LibreOffice shows it: column widths make no « ### ».
    shown = (tmp_path / "consolidation_2024-Dépôts.csv").read_text(encoding="utf-8")
    lines = shown.splitlines()
    assert lines[0].startswith("Année;Chambre;Fichier;SHA-256;Transmis le (déclaré);Reçu le;")
    late = next(line for line in lines if ";CMAR-02;" in line)
    assert ";14/03/2025;14/03/2025 12:00;" in late and "###" not in shown


# --------------------------------------------------------------------------- idempotence, resubmission


def test_rerun_changes_nothing(campaign):
    depot = campaign / "depot" / "2024"
    first = consolidate_paths([depot], year=2024)
    assert {f.outcome for f in first.files} == {ADDED}
    before = snapshot(first.store)
    again = consolidate_paths([depot], year=2024)
    assert {f.outcome for f in again.files} == {UNCHANGED}
    assert again.written == () and again.audit == ()
    assert snapshot(again.store) == before


def test_resubmission_replaces_that_chamber_only_and_is_audited(campaign, tmp_path):
    for year in (2023, 2024):
        consolidate_paths([campaign / "depot" / str(year)], year=year)
    store = campaign / "consolidation"
    year_2023 = {k: v for k, v in snapshot(store).items() if "annee=2023" in k}
    v1 = campaign / "depot" / "2024" / "COM_2024_CMAR-53.xlsx"
    old = chamber_rows(store, "CMAR-53")
    others = Store(store).read(DATA, 2024).filter(pl.col("chambre") != "CMAR-53")
    old_value = old.filter(pl.col("code") == "I2.2")["realise"].item()
    old_comment = old.filter(pl.col("code") == "I3.1")["commentaire"].item()
    v2 = edit_workbook(
        v1,
        tmp_path / "v2" / "COM_2024_CMAR-53.xlsx",
        {"I2.2": int(old_value) + 77},
        {"I3.1": "Chiffre corrigé après relecture."},
    )

    result = consolidate_paths([v2], year=2024, store=store)

    (outcome,) = result.files
    assert (outcome.outcome, outcome.replaced_sha256, outcome.sha256) == (
        REPLACING,
        sha(v1),
        sha(v2),
    )
    new = chamber_rows(store, "CMAR-53")
    assert set(new["sha256"]) == {sha(v2)}
    assert new.filter(pl.col("code") == "I2.2")["realise"].item() == old_value + 77
    assert Store(store).read(DATA, 2024).filter(pl.col("chambre") != "CMAR-53").equals(others)
    audit = Store(store).read(AUDIT, 2024)
    assert audit.select(
        "chambre", "code", "champ", "ancienne_valeur", "nouvelle_valeur"
    ).rows() == [
        ("CMAR-53", "I2.2", "realise", str(int(old_value)), str(int(old_value) + 77)),
        ("CMAR-53", "I3.1", "commentaire", old_comment, "Chiffre corrigé après relecture."),
    ]
    assert set(audit["ancien_sha256"]) == {sha(v1)} and set(audit["nouveau_sha256"]) == {sha(v2)}
    assert [(a.code, a.attribute) for a in result.audit] == [
        ("I2.2", "realise"),
        ("I3.1", "commentaire"),
    ]
    deposits = Store(store).read(DEPOSITS, 2024).filter(pl.col("chambre") == "CMAR-53")
    assert sorted(deposits.select("sha256", "statut").rows()) == sorted(
        [(sha(v1), "remplacé"), (sha(v2), "accepté")]
    )
    assert {k: v for k, v in snapshot(store).items() if "annee=2023" in k} == year_2023

    rerun = consolidate_paths([v2], year=2024, store=store)
    assert rerun.files[0].outcome == UNCHANGED and rerun.audit == () and rerun.written == ()
    assert Store(store).read(AUDIT, 2024).height == 2


def test_resubmission_with_identical_values_is_still_audited(campaign, tmp_path):
    depot = campaign / "depot" / "2024"
    consolidate_paths([depot], year=2024)
    v1 = depot / "COM_2024_CMAR-84.xlsx"
    v2 = edit_workbook(v1, tmp_path / "COM_2024_CMAR-84.xlsx", {})
    assert sha(v2) != sha(v1)
    result = consolidate_paths([v2], year=2024, store=campaign / "consolidation")
    (line,) = result.audit
    assert (line.old_sha256, line.new_sha256, line.code, line.attribute) == (
        sha(v1),
        sha(v2),
        None,
        None,
    )


def test_a_run_interrupted_before_its_last_rename_is_redone_without_repeating_the_audit(
    campaign, tmp_path, monkeypatch
):
    depot = campaign / "depot" / "2024"
    store = campaign / "consolidation"
    consolidate_paths([depot], year=2024)
    v2 = edit_workbook(
        depot / "COM_2024_CMAR-27.xlsx", tmp_path / "COM_2024_CMAR-27.xlsx", {"I2.2": 1}
    )
    write = Store.write

    def stop_before_the_last_rename(self, table, year, frame, **kwargs):
        if table == COMMIT_ORDER[-1]:
            raise KeyboardInterrupt  # the machine stops between two renames
        return write(self, table, year, frame, **kwargs)

    monkeypatch.setattr(Store, "write", stop_before_the_last_rename)
    with pytest.raises(KeyboardInterrupt):
        consolidate_paths([v2], year=2024, store=store)
    monkeypatch.undo()
    assert Store(store).read(AUDIT, 2024).height == 1  # committed before the stop

    redone = consolidate_paths([v2], year=2024, store=store)
    assert redone.files[0].outcome == REPLACING
    assert Store(store).read(AUDIT, 2024).height == 1
    assert set(chamber_rows(store, "CMAR-27")["sha256"]) == {sha(v2)}
    current = Store(store).read(DEPOSITS, 2024).filter(pl.col("statut") == "accepté")
    assert current.filter(pl.col("chambre") == "CMAR-27")["sha256"].item() == sha(v2)


# --------------------------------------------------------------------------- rejected files


def _with_broken_53(campaign: Path) -> list[Path]:
    depot = campaign / "depot" / "2024"
    return [p for p in sorted(depot.iterdir()) if "CMAR-53" not in p.name] + [BROKEN_53]


def test_file_with_errors_is_rejected_listed_and_not_consolidated(campaign):
    result = consolidate_paths(_with_broken_53(campaign), year=2024, store=campaign / "store")
    rejected = {f.name: f for f in result.rejected}
    assert list(rejected) == [BROKEN_53.as_posix()]
    broken = rejected[BROKEN_53.as_posix()]
    assert broken.chamber == "CMAR-53" and broken.outcome == FILE_REJECTED
    finding = next(f for f in broken.findings if f.code == "E-VAL-001")
    assert (finding.sheet, finding.indicator, finding.value) == ("Indicateurs", "I6.1", "NC")
    assert result.exit_code == 1
    store = Store(campaign / "store")
    assert "CMAR-53" not in set(store.read(DATA, 2024)["chambre"])
    deposit = store.read(DEPOSITS, 2024).filter(pl.col("chambre") == "CMAR-53")
    assert deposit.select("statut", "sha256").row(0) == ("rejeté", sha(BROKEN_53))
    stored = store.read(FINDINGS, 2024).filter(pl.col("sha256") == sha(BROKEN_53))
    assert "E-VAL-001" in set(stored["code"])
    assert result.completeness.status_of("CMAR-53") == "rejeté"


def test_rejected_resubmission_keeps_the_accepted_version(campaign):
    depot = campaign / "depot" / "2024"
    consolidate_paths([depot], year=2024, config=campaign)  # with its dates of receipt
    store = campaign / "consolidation"
    result = consolidate_paths([BROKEN_53], year=2024, config=campaign, store=store)
    assert result.files[0].outcome == FILE_REJECTED
    assert set(chamber_rows(store, "CMAR-53")["sha256"]) == {sha(depot / "COM_2024_CMAR-53.xlsx")}
    assert result.completeness.status_of("CMAR-53") == "transmis"


def test_warnings_only_file_is_accepted_with_its_warnings(consolidated_campaign):
    store = Store(consolidated_campaign / "consolidation")
    late = store.read(DEPOSITS, 2024).filter(pl.col("chambre") == "CMAR-02").row(0, named=True)
    assert late["statut"] == "accepté" and late["avertissements"] > 0
    kept = store.read(FINDINGS, 2024).filter(pl.col("sha256") == late["sha256"])
    assert "W-DELAI-001" in set(kept["code"])
    assert set(kept["gravite"]) == {"avertissement"}


# --------------------------------------------------------------------------- completeness


@pytest.fixture(scope="module")
def partial_year(tmp_path_factory: pytest.TempPathFactory):
    """2024 without CMAR-24's file and with CMAR-53's broken one."""
    camp = tmp_path_factory.mktemp("partielle") / "campagne"
    shutil.copytree(
        ROOT / "examples" / "campagne", camp, ignore=shutil.ignore_patterns(*RUN_OUTPUTS)
    )
    files = [p for p in _with_broken_53(camp) if "CMAR-24" not in p.name]
    return consolidate_paths(files, year=2024, config=camp, store=camp / "consolidation")


@pytest.mark.parametrize(
    ("chamber", "status"),
    [
        ("CMAR-84", "transmis"),
        ("CM-MOSELLE", "transmis"),  # a CSV states no date: its date of receipt counts
        ("CMAR-02", "hors délai"),  # sent on 14 March 2025, deadline 28 February
        ("CMAR-53", "rejeté"),
        ("CMAR-24", "manquant"),
    ],
)
def test_completeness_status(partial_year, chamber, status):
    assert partial_year.completeness.status_of(chamber) == status


def test_completeness_covers_every_reporting_chamber(partial_year, registry):
    comp = partial_year.completeness
    assert [r.chamber for r in comp.rows] == [c.code for c in registry.reporting]
    assert comp.counts() == {"transmis": 17, "hors délai": 1, "rejeté": 1, "manquant": 1}


@pytest.mark.parametrize(
    ("year", "deadline"), [(2023, date(2024, 2, 29)), (2024, date(2025, 2, 28))]
)
def test_deadline_is_the_last_day_of_february_of_next_year(catalogue, year, deadline):
    assert deadline_of(year, catalogue) == deadline


# --------------------------------------------------------------------------- formula injection


@pytest.mark.parametrize(
    "comment",
    ['=HYPERLINK("http://exemple.invalid";"clic")', "+33 1 23 45 67 89", "-2+3", "@SOMME(A1:A2)"],
)
def test_exports_never_turn_a_comment_into_a_formula(campaign, comment):
    from openpyxl import load_workbook

    source = campaign / "depot" / "2024" / "COM_2024_CM-MOSELLE.csv"
    rows = list(csv.reader(io.StringIO(source.read_bytes().decode("cp1252")), delimiter=";"))
    for row in rows:
        if row[2] == "I1.3":
            row[4] = comment
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    source.write_bytes(buf.getvalue().encode("cp1252"))

    result = consolidate_paths([source], year=2024)
    assert result.files[0].outcome == ADDED
    exported = list(
        csv.DictReader(
            io.StringIO((result.store / "donnees_2024.csv").read_text(encoding="utf-8-sig")),
            delimiter=";",
        )
    )
    assert next(r for r in exported if r["code"] == "I1.3")["commentaire"] == "'" + comment
    sheet = load_workbook(result.store / "consolidation_2024.xlsx")["Données"]
    header = [c.value for c in sheet[1]]
    cell = next(
        row[header.index("Commentaire")]
        for row in sheet.iter_rows(min_row=2)
        if row[header.index("Indicateur")].value == "I1.3"
    )
    assert (cell.value, cell.data_type) == (comment, "s")
    stored = chamber_rows(result.store, "CM-MOSELLE").filter(pl.col("code") == "I1.3")
    assert stored["commentaire"].item() == comment  # the store keeps the text as typed


# --------------------------------------------------------------------------- where the store goes


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (["campagne/depot/2024"], "campagne/consolidation"),
        (["campagne/depot/2024/COM_2024_CMAR-84.xlsx"], "campagne/consolidation"),
        (["campagne/depot"], "campagne/consolidation"),
        (["bilans/recus"], "bilans/consolidation"),
        (["bilans/recus/a.xlsx", "bilans/recus/b.xlsx"], "bilans/recus/consolidation"),
    ],
)
def test_default_store(tmp_path, inputs, expected):
    for name in inputs:
        path = tmp_path / name
        if path.suffix:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
        else:
            path.mkdir(parents=True, exist_ok=True)
    assert default_store([tmp_path / n for n in inputs]) == (tmp_path / expected).resolve()


def test_store_inside_a_consolidated_folder_is_refused(campaign):
    depot = campaign / "depot" / "2024"
    with pytest.raises(UsageError, match="est dans le dossier à consolider"):
        consolidate_paths([depot], year=2024, store=depot / "consolidation")


# --------------------------------------------------------------------------- command line


def test_cli_json_equals_the_twin(campaign):
    depot, store = campaign / "depot" / "2024", campaign / "consolidation"
    result = runner.invoke(
        app, ["consolidate", str(depot), "--year", "2024", "--store", str(store), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    shutil.rmtree(store)
    assert shown == consolidate_paths([depot], year=2024, store=store).to_dict()
    assert result.stderr == (
        "20 fichier(s) : 20 ajouté, 0 remplaçant, 0 inchangé, 0 rejeté — "
        f"dépôt mis à jour : {store}\n"
    )


def test_cli_lists_rejected_files_and_exits_1(campaign):
    store = campaign / "consolidation"
    args = ["consolidate", str(BROKEN_53), "--year", "2024", "--store", str(store)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "Rejeté : " in result.stdout and "E-VAL-001" in result.stdout
    assert result.stderr.startswith("1 fichier(s) : 0 ajouté, 0 remplaçant, 0 inchangé, 1 rejeté")


# --------------------------------------------------------------------------- several years, one process


def test_several_years_in_one_call_equal_one_call_per_year(
    campaign, consolidated_campaign, store_frames
):
    ref = campaign / "referentiel"
    args = ["consolidate", str(campaign / "depot"), "--year", "2024", "--year", "2023"]
    args += ["--config", str(campaign)]  # its dates of receipt (referentiel/receptions.csv)
    args += ["--targets", str(ref / "cibles_com.csv"), "--key", str(ref / "cle_repartition.csv")]
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert [y["annee"] for y in shown["annees"]] == [2023, 2024]  # 2023 is 2024's history
    assert [y["totaux"][ADDED] for y in shown["annees"]] == [20, 20]
    expected = store_frames(consolidated_campaign / "consolidation")
    got = store_frames(campaign / "consolidation")
    assert list(got) == list(expected)
    for name, frame in expected.items():
        assert got[name].equals(frame), name
    store = campaign / "consolidation"
    assert (
        result.stderr.splitlines()
        == [
            f"20 fichier(s) : 20 ajouté, 0 remplaçant, 0 inchangé, 0 rejeté — dépôt mis à jour : {store}"
        ]
        * 2
    )


def test_several_years_json_equals_the_twin(campaign):
    depot = campaign / "depot"
    args = ["consolidate", str(depot / "2023"), str(depot / "2024"), "-a", "2023", "-a", "2024"]
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    shutil.rmtree(campaign / "consolidation")
    twin = consolidate_years([depot / "2023", depot / "2024"], years=[2023, 2024])
    assert json.loads(result.stdout) == json.loads(json.dumps(twin.to_dict()))
    assert list(twin.to_dict()) == ["annees"] and twin.exit_code == 0


@pytest.mark.parametrize(
    ("inputs", "years", "expected"),
    [
        (["depot"], [2024, 2023], {2023: ["depot/2023"], 2024: ["depot/2024"]}),
        (["depot/2024", "depot/2023"], [2023, 2024], {2023: ["depot/2023"], 2024: ["depot/2024"]}),
        (["depot/2023/a.xlsx", "depot"], [2023, 2024], {2023: ["depot/2023/a.xlsx", "depot/2023"], 2024: ["depot/2024"]}),
        (["depot"], [2024], {2024: ["depot"]}),  # one year: the paths as given
        ([], [2024], {2024: ["depot/2024"]}),  # no path: the campaign's deposit folder
        ([], [], {2023: ["depot/2023"], 2024: ["depot/2024"]}),  # nor year: each year folder
    ],
)  # fmt: skip
def test_years_plan(tmp_path, inputs, years, expected):
    for year in (2023, 2024):
        (tmp_path / "depot" / str(year)).mkdir(parents=True)
    (tmp_path / "depot" / "2023" / "a.xlsx").write_bytes(b"")
    (tmp_path / "depot" / "notes").mkdir()
    plan = years_plan([tmp_path / p for p in inputs], years, tmp_path / "depot")
    assert {y: [p.relative_to(tmp_path).as_posix() for p in found] for y, found in plan} == expected
    assert [y for y, _ in plan] == sorted(expected)


@pytest.mark.parametrize(
    ("inputs", "years", "message"),
    [
        (["depot/2023"], [2024, 2025], "depot/2023 : dépôt de l'année 2023, qui n'est pas parmi"),
        (["depot/notes"], [2023, 2024], "depot/notes : ni dossier d'année ni dossier contenant"),
        (["depot"], [2023, 2025], "aucun dossier de dépôt pour 2025"),
        ([], [2022], "dossier de dépôt introuvable : "),
        (["depot/absent"], [2023, 2024], "introuvable : "),
    ],
)
def test_years_plan_refuses_what_it_cannot_place(tmp_path, inputs, years, message):
    for year in (2023, 2024):
        (tmp_path / "depot" / str(year)).mkdir(parents=True)
    (tmp_path / "depot" / "notes").mkdir()
    with pytest.raises(UsageError) as info:
        years_plan([tmp_path / p for p in inputs], years, tmp_path / "depot")
    assert message in str(info.value).replace(str(tmp_path) + "/", "")


def test_two_versions_in_one_call_the_current_is_consolidated_last(make_workbook, tmp_path):
    """Issue 13: whatever the order of the files, the latest date of transmission is current."""
    import os

    newer = make_workbook(values={"I1.3": 60}, sent=date(2025, 2, 20))
    older = make_workbook(
        values={"I1.3": 70}, sent=date(2025, 2, 10), name="COM_2024_CMAR-84_a.xlsx"
    )
    os.utime(older, (2_000_000_000, 2_000_000_000))  # modified last, dated earlier
    store = tmp_path / "store"
    result = consolidate_paths([newer, older], year=2024, store=store)
    assert [(Path(f.name).name, f.outcome) for f in result.files] == [
        ("COM_2024_CMAR-84.xlsx", REPLACING),
        ("COM_2024_CMAR-84_a.xlsx", ADDED),
    ]
    data = Store(store).read(DATA, 2024).filter(pl.col("code") == "I1.3")
    assert data["realise"].to_list() == [60.0]
    assert result.validation.files[1].replaced_by == str(newer)
