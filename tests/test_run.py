"""``cmacop run`` end to end on a temporary campaign folder, over several runs."""

from __future__ import annotations

import getpass
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from cmacop.campaign.config import ConfigError
from cmacop.run.deposits import CHANGED_WHILE_READING, Candidate, read_stable, scan_deposit
from cmacop.run.nightly import run_campaign
from cmacop.run.state import MANIFEST_NAME, RunState

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d (INFO|ATTENTION|ERREUR) \[\d+\] \S.*$"
)
LONG_AGO = int(time.time()) - 3600
# Tests about files, not bilans, name a year without data: no bilan to build, a faster run.
NO_BILANS = 2022


def log_lines(root: Path) -> list[str]:
    return (root / "journal" / "cmacop.log").read_text(encoding="utf-8").splitlines()


def table(root: Path, name: str, year: int) -> pl.DataFrame:
    return pl.read_parquet(root / "consolidation" / name / f"annee={year}" / "data.parquet")


def receipt(root: Path, name: str) -> str:
    return (root / "retours" / "2024" / name).read_text(encoding="utf-8-sig")


def settle_all(root: Path) -> None:
    """Date every deposited file an hour back (as if copied long ago)."""
    for path in (root / "depot").rglob("*"):
        if path.is_file():
            os.utime(path, ns=(LONG_AGO * 10**9, LONG_AGO * 10**9))


# --------------------------------------------------------------------------- the first run


def test_first_run_processes_the_whole_campaign(processed_run, run_template, tree_digest):
    root, result = processed_run
    assert result.exit_code == 0 and not result.nothing_new
    assert len(result.files) == 40 and all(f.accepted for f in result.files)
    assert {f.outcome for f in result.files} == {"ajouté"}
    # feedback: an annotated workbook and an accusé de réception per submission
    for f in result.files:
        assert (root / f.feedback).is_file() and (root / f.receipt).is_file()
    assert result.reports is not None and result.reports.state == "établis"
    assert result.reports.generated_on.isoformat() == "2025-06-15"
    assert all((root / f).is_file() for f in result.reports.files)
    assert (root / "bilans" / "2024" / "bilan_cop_2024.md").is_file()
    assert len(list((root / "bilans" / "2024" / "com").glob("*.html"))) == 18
    assert table(root, "donnees", 2023).height and table(root, "donnees", 2024).height
    assert table(root, "audit", 2024).is_empty()
    assert not (root / ".cmacop-run.lock").exists()
    assert tree_digest(root / "depot") == tree_digest(run_template / "depot")


def test_the_accuse_de_reception_says_what_was_received_and_what_to_do(processed_run):
    root, result = processed_run
    late = next(f for f in result.files if f.file == "depot/2024/COM_2024_CMAR-02.xlsx")
    text = receipt(root, "COM_2024_CMAR-02_accuse.txt")
    assert text.startswith("Accusé de réception — bilan de COM 2024 (COP 2023-2027)\n")
    assert f"Empreinte SHA-256    : {late.sha256}\n" in text
    assert "Chambre              : CMAR-02 — CMA Martinique\n" in text
    assert (
        "Reçu le              : 14 mars 2025 à 12:00 (date enregistrée par l'équipe de campagne)\n"
        in text
    )  # examples/campagne/referentiel/receptions.csv
    assert "Date de transmission : 14 mars 2025 (déclarée dans le fichier)\n" in text
    assert (
        "Date limite          : 28 février 2025 : HORS DÉLAI (reçu après la date limite)\n" in text
    )
    assert "Résultat : ACCEPTÉ : le bilan est enregistré dans la consolidation.\n" in text
    assert f"Constats : 0 erreur, {late.warnings} avertissements\n" in text
    assert "Détail des constats : COM_2024_CMAR-02_controle.xlsx" in text
    raw = (root / "retours" / "2024" / "COM_2024_CMAR-02_accuse.txt").read_bytes()
    assert (
        raw.startswith(b"\xef\xbb\xbf")
        and b"\r\n" in raw
        and b"\n" not in raw.replace(b"\r\n", b"")
    )


def test_the_log_has_one_timestamped_line_per_event(processed_run):
    root, _ = processed_run
    lines = log_lines(root)
    assert all(LOG_LINE.match(line) for line in lines), lines
    assert sum(" accepté (ajouté) : depot/" in line for line in lines) == 40
    assert any("bilans 2024 établis (62 fichiers dans bilans/2024)" in line for line in lines)
    assert "code de sortie 0" in lines[-1]


# --------------------------------------------------------------------------- nothing new


def test_a_run_with_nothing_new_does_nothing_and_says_so(processed_campaign, tree_digest):
    outputs = ("consolidation", "bilans", "retours")
    before = {o: tree_digest(processed_campaign / o) for o in outputs}
    stamps = {p: p.stat().st_mtime_ns for p in processed_campaign.rglob("*") if p.is_file()}
    result = run_campaign(processed_campaign)
    assert result.nothing_new and result.exit_code == 0
    assert result.unchanged == 40 and not result.files
    assert result.reports is not None and result.reports.state == "à jour"
    assert {o: tree_digest(processed_campaign / o) for o in outputs} == before
    # Nothing rewritten, not even the manifest, but the log, the history of the runs and the
    # dashboard (issue 14: each run rewrites it, the days left change).
    journal = processed_campaign / "journal"
    written = {journal / "cmacop.log", journal / "passages.json"}
    written.add(processed_campaign / "tableau_de_bord.html")
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in stamps.items() if p not in written)
    assert log_lines(processed_campaign)[-1].endswith(
        "rien de nouveau : 40 fichiers déjà traités, bilans 2024 à jour"
    )


def test_nothing_new_imports_no_heavy_library(processed_campaign):
    code = (
        "import sys\nfrom cmacop.run.nightly import run_campaign\n"
        f"r = run_campaign({str(processed_campaign)!r})\n"
        "assert r.nothing_new\n"
        "print(','.join(m for m in ('polars', 'pandera', 'openpyxl') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "\n", out.stderr


def test_touched_files_are_hashed_not_reprocessed(processed_campaign):
    settle_all(processed_campaign)  # new dates, same contents
    result = run_campaign(processed_campaign)
    assert result.nothing_new and result.unchanged == 40
    state = RunState.load(processed_campaign / "consolidation" / MANIFEST_NAME)
    assert {s.mtime_ns for s in state.files.values()} == {LONG_AGO * 10**9}
    assert run_campaign(processed_campaign).unchanged == 40  # and not hashed again


def test_missing_bilans_are_regenerated(processed_campaign, run_date):
    (processed_campaign / "bilans" / "2024" / "com" / "bilan_com_2024_CMAR-53.md").unlink()
    result = run_campaign(processed_campaign, today=run_date)
    assert not result.files and result.reports is not None
    assert result.reports.state == "établis" and not result.nothing_new
    assert (processed_campaign / "bilans" / "2024" / "com" / "bilan_com_2024_CMAR-53.md").exists()


def test_a_changed_reference_file_regenerates_the_bilans(processed_campaign, run_date):
    key = processed_campaign / "referentiel" / "cle_repartition.csv"
    key.write_text(key.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = run_campaign(processed_campaign, today=run_date)
    assert not result.files and result.reports.state == "établis"
    assert run_campaign(processed_campaign).nothing_new


def test_targets_changed_between_two_runs_are_read_again(processed_campaign, revise):
    depot = processed_campaign / "depot" / "2024"
    revise(depot / "COM_2024_CMAR-84.xlsx", depot / "COM_2024_CMAR-84_v2.xlsx", impact=12.5)
    [first] = run_campaign(processed_campaign, year=NO_BILANS).files
    assert (first.outcome, first.errors) == ("remplaçant", 0)
    # Between two runs of one process, the file keeps its size and date: its content counts.
    targets = processed_campaign / "referentiel" / "cibles_com.csv"
    before = targets.stat()
    text = targets.read_text(encoding="utf-8")
    assert text.count("CMAR-84,2024,I1.3,879\n") == 1
    targets.write_text(text.replace("CMAR-84,2024,I1.3,879\n", "CMAR-84,2024,I1.3,512\n"), "utf-8")
    os.utime(targets, ns=(before.st_atime_ns, before.st_mtime_ns))
    revise(depot / "COM_2024_CMAR-84.xlsx", depot / "COM_2024_CMAR-84_v3.xlsx", impact=13.5)
    [second] = run_campaign(processed_campaign, year=NO_BILANS).files
    assert (second.file, second.outcome) == ("depot/2024/COM_2024_CMAR-84_v3.xlsx", "rejeté")
    found = table(processed_campaign, "constats", 2024).filter(pl.col("sha256") == second.sha256)
    assert found.filter(pl.col("gravite") == "erreur").select("code", "indicateur").rows() == [
        ("E-STRUCT-012", "I1.3")
    ]  # its Cible column still says 879


# --------------------------------------------------------------------------- several runs


def test_corrected_broken_late_and_copying_files_over_several_runs(
    processed_campaign, revise, run_template, tree_digest, run_date
):
    root = processed_campaign
    config = root / "cmacop.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("delai_stabilite = 0", "delai_stabilite = 60"),
        encoding="utf-8",
    )
    settle_all(root)
    depot = root / "depot" / "2024"
    # Run 1: a corrected CMAR-84, a broken CMAR-53, a late CMAR-06 still being copied,
    # an open workbook's Excel lock file.
    revise(
        depot / "COM_2024_CMAR-84.xlsx",
        depot / "COM_2024_CMAR-84_v2.xlsx",
        impact=55,
        comment="Correction après relecture.",
        mtime=LONG_AGO + 10,
    )
    revise(
        depot / "COM_2024_CMAR-53.xlsx",
        depot / "COM_2024_CMAR-53_v2.xlsx",
        realised="NC",
        mtime=LONG_AGO + 11,
    )
    copying = revise(depot / "COM_2024_CMAR-06.xlsx", depot / "COM_2024_CMAR-06_v2.xlsx", impact=12)
    (depot / "~$COM_2024_CMAR-84_v2.xlsx").write_bytes(b"verrou")
    before = tree_digest(root / "depot")

    first = run_campaign(root, today=run_date)
    assert first.exit_code == 1
    outcomes = {f.file: (f.outcome, f.errors) for f in first.files}
    assert outcomes == {
        "depot/2024/COM_2024_CMAR-84_v2.xlsx": ("remplaçant", 0),
        "depot/2024/COM_2024_CMAR-53_v2.xlsx": ("rejeté", 1),
    }
    assert [p.key for p in first.pending] == ["2024/COM_2024_CMAR-06_v2.xlsx"]
    assert "copie peut-être en cours" in first.pending[0].reason
    assert any(i.key == "2024/~$COM_2024_CMAR-84_v2.xlsx" for i in first.ignored)
    audit = table(root, "audit", 2024)
    assert set(audit["chambre"]) == {"CMAR-84"}
    assert set(audit["champ"]) >= {"commentaire", "realise"}
    assert set(audit["nouveau_fichier"]) == {"depot/2024/COM_2024_CMAR-84_v2.xlsx"}
    deposits = table(root, "depots", 2024)
    status = dict(
        deposits.filter(pl.col("statut") != "remplacé").select("fichier", "statut").iter_rows()
    )
    assert status["depot/2024/COM_2024_CMAR-84_v2.xlsx"] == "accepté"
    assert status["depot/2024/COM_2024_CMAR-53_v2.xlsx"] == "rejeté"
    assert status["depot/2024/COM_2024_CMAR-53.xlsx"] == "accepté"  # still in force
    text = receipt(root, "COM_2024_CMAR-53_v2_accuse.txt")
    assert "Résultat : REJETÉ" in text and "Constats : 1 erreur" in text
    assert (
        "Le bilan accepté précédemment (COM_2024_CMAR-53.xlsx) reste celui pris en compte." in text
    )
    assert (root / "retours" / "2024" / "COM_2024_CMAR-53_v2_controle.xlsx").is_file()
    text = receipt(root, "COM_2024_CMAR-84_v2_accuse.txt")
    assert "ACCEPTÉ : ce fichier remplace COM_2024_CMAR-84.xlsx dans la consolidation." in text
    assert first.reports.state == "établis"
    bilan = (root / "bilans" / "2024" / "com" / "bilan_com_2024_CMAR-84.md").read_text("utf-8")
    assert "COM_2024_CMAR-84_v2.xlsx" in bilan
    assert tree_digest(root / "depot") == before  # nothing a chamber dropped is touched

    # Run 2: the copy has finished.
    os.utime(copying, (LONG_AGO + 20, LONG_AGO + 20))
    second = run_campaign(root, today=run_date)
    assert second.exit_code == 0 and not second.pending
    assert [(f.file, f.outcome) for f in second.files] == [
        ("depot/2024/COM_2024_CMAR-06_v2.xlsx", "remplaçant")
    ]
    # Issue 14: timeliness is judged on the date of receipt, not on the date declared. The
    # correction declares February 2025 but was dropped an hour ago, long after the deadline.
    text = receipt(root, "COM_2024_CMAR-06_v2_accuse.txt")
    assert "Date de transmission : 4 février 2025 (déclarée dans le fichier)\n" in text
    assert (
        "Date limite          : 28 février 2025 : HORS DÉLAI (reçu après la date limite)\n" in text
    )

    # Run 3: nothing new.
    third = run_campaign(root)
    assert third.nothing_new and third.unchanged == 43 and third.exit_code == 0


def test_versions_dropped_between_two_runs_replace_each_other(processed_campaign, revise):
    depot = processed_campaign / "depot" / "2024"
    for n in (2, 3):
        revise(
            depot / "COM_2024_CMAR-84.xlsx",
            depot / f"COM_2024_CMAR-84_v{n}.xlsx",
            impact=40 + n,
            mtime=LONG_AGO + n,
        )
    result = run_campaign(processed_campaign, year=NO_BILANS)
    assert [(f.file, f.outcome) for f in result.files] == [
        ("depot/2024/COM_2024_CMAR-84_v2.xlsx", "remplaçant"),
        ("depot/2024/COM_2024_CMAR-84_v3.xlsx", "remplaçant"),
    ]  # not both rejected as duplicates (E-IDENT-004)
    audit = table(processed_campaign, "audit", 2024)
    pairs = set(audit.select("ancien_fichier", "nouveau_fichier").iter_rows())
    assert pairs == {
        ("depot/2024/COM_2024_CMAR-84.xlsx", "depot/2024/COM_2024_CMAR-84_v2.xlsx"),
        ("depot/2024/COM_2024_CMAR-84_v2.xlsx", "depot/2024/COM_2024_CMAR-84_v3.xlsx"),
    }
    in_force = table(processed_campaign, "depots", 2024).filter(
        (pl.col("chambre") == "CMAR-84") & (pl.col("statut") == "accepté")
    )
    assert in_force["fichier"].to_list() == ["depot/2024/COM_2024_CMAR-84_v3.xlsx"]


def test_run_and_validate_agree_on_the_current_version(processed_campaign, revise):
    """Issue 13: the latest date of transmission wins, whatever the order of arrival."""
    from datetime import date

    from openpyxl import load_workbook

    from cmacop.validate.engine import validate_paths

    depot = processed_campaign / "depot" / "2024"
    dated = {}
    for n, sent in ((2, date(2025, 2, 25)), (3, date(2025, 2, 20))):
        path = revise(depot / "COM_2024_CMAR-84.xlsx", depot / f"COM_2024_CMAR-84_v{n}.xlsx",
                      impact=40 + n)  # fmt: skip
        wb = load_workbook(path)
        wb["Identification"]["B5"] = sent
        wb.save(path)
        os.utime(path, (LONG_AGO + n, LONG_AGO + n))  # v3 arrives last, dated earlier
        dated[n] = path
    result = run_campaign(processed_campaign, year=NO_BILANS)
    assert [f.file for f in result.files] == [
        "depot/2024/COM_2024_CMAR-84_v3.xlsx",
        "depot/2024/COM_2024_CMAR-84_v2.xlsx",
    ]  # consolidated in version order: the current version last
    in_force = table(processed_campaign, "depots", 2024).filter(
        (pl.col("chambre") == "CMAR-84") & (pl.col("statut") == "accepté")
    )
    assert in_force["fichier"].to_list() == ["depot/2024/COM_2024_CMAR-84_v2.xlsx"]
    report = validate_paths([depot], year=2024)
    replaced = {f.path.name: f.replaced_by for f in report.files if f.chamber == "CMAR-84"}
    assert replaced == {
        "COM_2024_CMAR-84.xlsx": str(dated[2]),
        "COM_2024_CMAR-84_v3.xlsx": str(dated[2]),
        "COM_2024_CMAR-84_v2.xlsx": None,
    }


def test_an_older_version_arriving_later_never_replaces_the_one_in_force(
    processed_campaign, revise
):
    from datetime import date

    from openpyxl import load_workbook

    depot = processed_campaign / "depot" / "2024"
    path = revise(depot / "COM_2024_CMAR-84.xlsx", depot / "COM_2024_CMAR-84_ancien.xlsx",
                  impact=41)  # fmt: skip
    wb = load_workbook(path)
    wb["Identification"]["B5"] = date(2025, 1, 5)  # before the version in force
    wb.save(path)
    result = run_campaign(processed_campaign, year=NO_BILANS)
    assert [(f.file, f.outcome) for f in result.files] == [
        ("depot/2024/COM_2024_CMAR-84_ancien.xlsx", "remplacé")
    ]
    assert result.exit_code == 0
    in_force = table(processed_campaign, "depots", 2024).filter(pl.col("chambre") == "CMAR-84")
    assert dict(in_force.select("fichier", "statut").iter_rows()) == {
        "depot/2024/COM_2024_CMAR-84.xlsx": "accepté",
        "depot/2024/COM_2024_CMAR-84_ancien.xlsx": "remplacé",
    }
    assert table(processed_campaign, "audit", 2024).is_empty()
    text = receipt(processed_campaign, "COM_2024_CMAR-84_ancien_accuse.txt")
    assert (
        "Résultat : NON RETENU : la version en vigueur (COM_2024_CMAR-84.xlsx) porte une date "
        "de transmission plus récente ; ce fichier, plus ancien, ne la remplace pas." in text
    )


def test_lock_temporary_hidden_and_misplaced_files_are_left_alone(tmp_path):
    depot = tmp_path / "depot"
    year = depot / "2024"
    year.mkdir(parents=True)
    names = {
        "COM_2024_CMAR-84.xlsx": None,
        "~$COM_2024_CMAR-84.xlsx": "fichier de verrouillage d'Excel",
        ".~lock.COM_2024_CMAR-53.xlsx#": "fichier de verrouillage de LibreOffice",
        "COM_2024_CMAR-11.xlsx.part": "fichier temporaire",
        "Thumbs.db": "fichier système",
        ".brouillon.xlsx": "fichier caché",
    }
    for name in names:
        (year / name).write_bytes(b"x")
        os.utime(year / name, (LONG_AGO, LONG_AGO))
    (year / "COM_2024_CMAR-53.xlsx").write_bytes(b"en cours de copie")  # dated now
    (depot / "COM_2024_CMAR-93.xlsx").write_bytes(b"x")
    (depot / "archives").mkdir()
    scan = scan_deposit(depot, settle_seconds=60)
    assert [c.key for c in scan.candidates] == ["2024/COM_2024_CMAR-84.xlsx"]
    assert [p.key for p in scan.pending] == ["2024/COM_2024_CMAR-53.xlsx"]
    assert scan.pending[0].reason.endswith("copie peut-être en cours")
    ignored = {i.key: i.reason for i in scan.ignored}
    for name, reason in names.items():
        if reason is not None:
            assert ignored[f"2024/{name}"] == reason
    misplaced = "hors d'un dossier d'année : à déposer dans depot/<année>/"
    assert ignored["COM_2024_CMAR-93.xlsx"] == ignored["archives"] == misplaced


def test_names_shared_with_modules_that_are_not_imported_agree():
    """run.py avoids importing polars: the few names it repeats must stay in step."""
    from cmacop.campaign import statuses
    from cmacop.consolidate import store
    from cmacop.run import result as runresult
    from cmacop.run import steps as runsteps

    assert runresult.REJECTED == statuses.REJECTED
    assert runsteps.STORE_TABLES == (store.DATA, store.DEPOSITS, store.FINDINGS)


def test_a_file_growing_while_read_waits_for_the_next_run(tmp_path):
    path = tmp_path / "COM_2024_CMAR-84.xlsx"
    path.write_bytes(b"debut")
    st = path.stat()
    candidate = Candidate(path, "2024/COM_2024_CMAR-84.xlsx", 2024, st.st_size, st.st_mtime_ns)
    assert read_stable(candidate) is not None
    with path.open("ab") as fh:  # the copy goes on
        fh.write(b" suite")
    assert read_stable(candidate) is None


def test_a_file_changing_during_the_run_is_listed_as_pending(processed_campaign, monkeypatch):
    import cmacop.run.nightly

    new = processed_campaign / "depot" / "2024" / "COM_2024_CMAR-84_v2.xlsx"
    shutil.copyfile(processed_campaign / "depot" / "2024" / "COM_2024_CMAR-84.xlsx", new)
    monkeypatch.setattr(cmacop.run.nightly, "read_stable", lambda candidate: None)
    result = run_campaign(processed_campaign)
    assert [(p.key, p.reason) for p in result.pending] == [
        ("2024/COM_2024_CMAR-84_v2.xlsx", CHANGED_WHILE_READING)
    ]
    assert result.nothing_new and result.exit_code == 0


def test_an_unreadable_file_is_an_error_in_the_log_and_exit_1(processed_campaign, monkeypatch):
    import cmacop.run.nightly

    new = processed_campaign / "depot" / "2024" / "COM_2024_CMAR-84_v2.xlsx"
    shutil.copyfile(processed_campaign / "depot" / "2024" / "COM_2024_CMAR-84.xlsx", new)

    def denied(candidate):
        raise PermissionError(13, "Permission denied", str(candidate.path))

    monkeypatch.setattr(cmacop.run.nightly, "read_stable", denied)
    result = run_campaign(processed_campaign)
    assert result.exit_code == 1
    # The reason names the file and the cause, and says what to do (issue #15).
    reason = (
        "lecture impossible de depot/2024/COM_2024_CMAR-84_v2.xlsx (droits insuffisants) — "
        f"Donnez à l'utilisateur {getpass.getuser()} le droit de lire "
        "depot/2024/COM_2024_CMAR-84_v2.xlsx."
    )
    assert [(u.key, u.reason) for u in result.unreadable] == [
        ("2024/COM_2024_CMAR-84_v2.xlsx", reason)
    ]
    assert (
        f"ERREUR [{os.getpid()}] fichier illisible : 2024/COM_2024_CMAR-84_v2.xlsx — {reason}"
    ) in "\n".join(log_lines(processed_campaign))


def test_a_fresh_campaign_without_submissions_has_no_bilans(tmp_path):
    from cmacop.campaign.folder import init_campaign

    init_campaign(tmp_path, 2024)
    result = run_campaign(tmp_path)
    assert result.reports is not None and result.reports.state == "sans données"
    assert not (tmp_path / "bilans" / "2024" / "bilan_cop_2024.md").exists()
    again = run_campaign(tmp_path)
    assert again.nothing_new and again.reports.state == "sans données"


def test_a_damaged_manifest_only_means_checking_everything_again(processed_campaign):
    manifest = processed_campaign / "consolidation" / MANIFEST_NAME
    manifest.write_text("{ tronqué", encoding="utf-8")
    result = run_campaign(processed_campaign, year=NO_BILANS)
    assert len(result.files) == 40 and {f.outcome for f in result.files} == {"inchangé"}
    assert table(processed_campaign, "audit", 2024).is_empty()
    assert any("état des exécutions illisible" in line for line in log_lines(processed_campaign))
    assert json.loads(manifest.read_text(encoding="utf-8"))["version"] == 1


def test_exports_left_stale_by_a_killed_run_are_rewritten(processed_campaign):
    manifest = processed_campaign / "consolidation" / MANIFEST_NAME
    state = RunState.load(manifest)
    assert state.stale_exports == []
    state.stale_exports = [2023]  # as a run killed between two batches of 2023 leaves it
    state.save(manifest)
    export = processed_campaign / "consolidation" / "donnees_2023.csv"
    expected = export.read_bytes()
    export.write_bytes(b"ancienne version")
    result = run_campaign(processed_campaign)
    assert not result.files and export.read_bytes() == expected
    assert RunState.load(manifest).stale_exports == []
    assert "exports 2023 de la consolidation réécrits" in log_lines(processed_campaign)[-2]


# --------------------------------------------------------------------------- bad campaign folders


def test_a_missing_deposit_folder_is_a_configuration_error_in_the_log(new_campaign):
    shutil.rmtree(new_campaign / "depot")
    with pytest.raises(ConfigError) as exc:
        run_campaign(new_campaign)
    assert exc.value.exit_code == 4
    assert exc.value.message == f"dossier de dépôt introuvable : {new_campaign / 'depot'}"
    assert "ERREUR" in log_lines(new_campaign)[-1]
    assert "dossier de dépôt introuvable" in log_lines(new_campaign)[-1]


def test_an_output_folder_inside_the_deposit_folder_is_refused(new_campaign):
    config = new_campaign / "cmacop.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'retours = "retours"', 'retours = "depot/retours"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"« campagne.retours » .* est dans le dossier de dépôt"):
        run_campaign(new_campaign)


def test_outside_a_campaign_folder_is_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^aucun fichier cmacop.toml dans "):
        run_campaign()


def test_files_of_the_same_name_in_chamber_folders_keep_their_own_feedback(
    processed_campaign, revise
):
    depot = processed_campaign / "depot" / "2024"
    retours = processed_campaign / "retours" / "2024"
    for chamber in ("CMAR-84", "CMAR-01"):
        revise(
            depot / f"COM_2024_{chamber}.xlsx",
            depot / chamber / "bilan.xlsx",
            impact=41,
            mtime=LONG_AGO + 10,
        )
    first = run_campaign(processed_campaign, year=NO_BILANS)
    assert {(f.file, f.feedback, f.receipt) for f in first.files} == {
        (
            f"depot/2024/{c}/bilan.xlsx",
            f"retours/2024/{c}/bilan_controle.xlsx",
            f"retours/2024/{c}/bilan_accuse.txt",
        )
        for c in ("CMAR-84", "CMAR-01")
    }
    kept = (retours / "CMAR-01" / "bilan_accuse.txt").read_bytes()
    assert b"CMAR-01" in kept
    # The next night, CMAR-84 sends a new version under the same name: CMAR-01's is untouched.
    revise(depot / "CMAR-84" / "bilan.xlsx", depot / "CMAR-84" / "bilan.xlsx", impact=42,
           mtime=LONG_AGO + 20)  # fmt: skip
    second = run_campaign(processed_campaign, year=NO_BILANS)
    assert [f.file for f in second.files] == ["depot/2024/CMAR-84/bilan.xlsx"]
    assert (retours / "CMAR-01" / "bilan_accuse.txt").read_bytes() == kept
    assert "CMAR-84" in (retours / "CMAR-84" / "bilan_accuse.txt").read_text(encoding="utf-8")


def test_symbolic_links_in_the_deposit_folder_are_never_followed(processed_campaign, tmp_path):
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    secret = outside / "COM_2024_CMAR-84.xlsx"
    shutil.copyfile(processed_campaign / "depot" / "2024" / "COM_2024_CMAR-84.xlsx", secret)
    depot = processed_campaign / "depot"
    (depot / "2024" / "COM_2024_CMAR-84_lien.xlsx").symlink_to(secret)
    (depot / "2024" / "dossier_lien").symlink_to(outside, target_is_directory=True)
    (depot / "2025").symlink_to(outside, target_is_directory=True)
    result = run_campaign(processed_campaign, year=NO_BILANS)
    assert result.files == () and result.unchanged == 40
    ignored = {i.key: i.reason for i in result.ignored}
    assert ignored == {
        "2024/COM_2024_CMAR-84_lien.xlsx": "lien symbolique ignoré",
        "2024/dossier_lien": "lien symbolique ignoré",
        "2025": "lien symbolique ignoré",
    }
    assert not (processed_campaign / "retours" / "2025").exists()


def test_a_link_put_in_place_of_a_scanned_file_is_not_read(tmp_path):
    target = tmp_path / "cible.xlsx"
    target.write_bytes(b"contenu hors du depot")
    path = tmp_path / "COM_2024_CMAR-84.xlsx"
    path.write_bytes(b"contenu hors du depot")
    st = path.stat()
    candidate = Candidate(path, "2024/COM_2024_CMAR-84.xlsx", 2024, st.st_size, st.st_mtime_ns)
    path.unlink()
    path.symlink_to(target)
    with pytest.raises(OSError):
        read_stable(candidate)


def test_the_log_holds_each_rejected_files_first_errors_with_their_cells(
    processed_campaign, revise
):
    depot = processed_campaign / "depot" / "2024"
    revise(depot / "COM_2024_CMAR-53.xlsx", depot / "COM_2024_CMAR-53_v2.xlsx", realised="NC")
    run_campaign(processed_campaign, year=NO_BILANS)
    (line,) = [x for x in log_lines(processed_campaign) if "rejeté : " in x]
    assert line.endswith(
        "rejeté : depot/2024/COM_2024_CMAR-53_v2.xlsx — 1 erreur, 7 avertissements — "
        "Indicateurs!G2 E-VAL-001 texte « NC » au lieu d'un nombre"
    ), line


def test_first_errors_are_capped_and_the_rest_counted():
    from cmacop.consolidate.outcomes import FileFinding
    from cmacop.run.steps import first_errors

    findings = [
        FileFinding("E-VAL-001", "erreur", f"m{n}", "Indicateurs", f"G{n}") for n in range(8)
    ]
    findings.append(FileFinding("W-PLAUS-001", "avertissement", "w", "Indicateurs", "G9"))
    text = first_errors(findings, limit=2)
    assert text == (
        " — Indicateurs!G0 E-VAL-001 m0 ; Indicateurs!G1 E-VAL-001 m1 ; et 6 autres erreurs"
    )
