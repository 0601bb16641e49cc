"""Who may deposit what: one folder per chamber in ``depot/<année>/`` (issue #15)."""

from __future__ import annotations

import os
import shutil

from openpyxl import load_workbook

from cmacop.campaign.folder import init_campaign
from cmacop.cli import main
from cmacop.run.nightly import run_campaign
from cmacop.run.status import campaign_status
from cmacop.validate.engine import validate_paths

YEAR = 2022  # no bilans to build: these runs only handle files


def test_init_par_chambre_creates_a_deposit_and_a_feedback_folder_per_chamber(tmp_path, registry):
    result = init_campaign(tmp_path / "campagne", 2024, by_chamber=True)
    codes = [c.code for c in registry.reporting]
    assert len(codes) == 20
    for code in codes:
        assert (tmp_path / "campagne" / "depot" / "2024" / code).is_dir()
        assert (tmp_path / "campagne" / "retours" / "2024" / code).is_dir()
    assert not (tmp_path / "campagne" / "depot" / "2024" / "CMA-FRANCE").exists()
    # 7 folders (with referentiel/avenants/), cmacop.toml, referentiel/regles.toml, 2 × 20
    assert len(result.created) == 7 + 1 + 1 + 2 * 20
    again = init_campaign(tmp_path / "campagne", 2024, by_chamber=True)
    assert again.created == ()  # idempotent


def test_init_par_chambre_on_the_command_line(tmp_path, capsys):
    main(["init", str(tmp_path / "c"), "--year", "2024", "--par-chambre"])
    out = capsys.readouterr().out
    assert f"{tmp_path / 'c' / 'depot' / '2024' / 'CMAR-84'}\n" in out
    assert f"{tmp_path / 'c' / 'retours' / '2024' / 'CM-MOSELLE'}\n" in out


def test_a_file_in_its_chambers_folder_is_accepted(make_workbook):
    folder = make_workbook.root / "depot" / "2024" / "CMAR-84"
    report = validate_paths([make_workbook("CMAR-84", folder=folder)])
    assert report.exit_code == 0 and report.files[0].folder_chamber == "CMAR-84"
    lower = make_workbook.root / "depot" / "2024" / "cmar-84"  # the code in any case
    assert validate_paths([make_workbook("CMAR-84", folder=lower)]).exit_code == 0


def test_another_chambers_file_says_only_what_its_depositor_knows(make_workbook):
    """Its own file and the folder: no target, no history, no other file of that chamber."""
    depot = make_workbook.root / "depot" / "2024"
    theirs = make_workbook("CMAR-11", values={"I1.1": 1})  # would be far below target
    misplaced = make_workbook("CMAR-11", folder=depot / "CMAR-84", values={"I1.1": 1})
    report = validate_paths([theirs, misplaced])
    result = next(f for f in report.files if f.path == misplaced)
    assert [f.code for f in result.findings] == ["E-IDENT-007"]
    (finding,) = result.findings
    assert finding.message == (
        "fichier déposé dans le dossier de CMAR-84 alors qu'il déclare la chambre CMAR-11 : "
        "il n'est pas pris en compte"
    )
    assert finding.location == "Identification!B1"
    # The other chamber's own file is judged as if the misplaced one were not there.
    other = next(f for f in report.files if f.path == theirs)
    assert other.replaced_by is None and "E-IDENT-004" not in [f.code for f in other.findings]


def test_a_misplaced_file_never_reaches_the_store(processed_campaign, revise, store_frames):
    depot = processed_campaign / "depot" / "2024"
    before = store_frames(processed_campaign / "consolidation")
    (depot / "CMAR-84").mkdir()
    # CMAR-11's bilan with another figure, dropped by CMAR-84 in its own folder.
    revise(depot / "COM_2024_CMAR-11.xlsx", depot / "CMAR-84" / "bilan.xlsx", impact=999)
    result = run_campaign(processed_campaign, year=YEAR)
    assert result.exit_code == 1
    [report] = result.files
    assert (report.file, report.chamber, report.outcome, report.errors) == (
        "depot/2024/CMAR-84/bilan.xlsx",
        "CMAR-84",
        "rejeté",
        1,
    )
    after = store_frames(processed_campaign / "consolidation")
    assert list(after) == list(before)
    assert all(after[k].equals(before[k]) for k in before)  # not even a « rejeté » row
    receipt = (processed_campaign / report.receipt).read_text(encoding="utf-8-sig")
    assert report.receipt == "retours/2024/CMAR-84/bilan_accuse.txt"
    assert (
        "Chambre              : CMAR-84 — CMA Auvergne-Rhône-Alpes (dossier de dépôt) ; "
        "le fichier déclare CMAR-11\n"
    ) in receipt
    assert (
        "Résultat : REJETÉ : ce fichier déclare la chambre CMAR-11 mais a été déposé dans le "
        "dossier de CMAR-84 ; il n'est pas pris en compte.\n"
    ) in receipt
    assert "COM_2024_CMAR-11" not in receipt  # the other chamber's file in force: not said
    sheet = load_workbook(processed_campaign / report.feedback)["Contrôles"]
    codes = [row[1] for row in sheet.iter_rows(min_row=5, values_only=True) if row[1]]
    assert codes == ["E-IDENT-007"]
    # statut: the depositor's row says it; CMAR-11's is untouched.
    status = campaign_status(processed_campaign)
    mine = next(c for c in status.chambers if c.chamber == "CMAR-84")
    assert (mine.last_file, mine.last_valid, mine.status) == (
        "depot/2024/CMAR-84/bilan.xlsx",
        False,
        "transmis",
    )
    theirs = next(c for c in status.chambers if c.chamber == "CMAR-11")
    assert theirs.last_file == "depot/2024/COM_2024_CMAR-11.xlsx" and theirs.last_valid


def test_a_file_at_the_top_of_the_year_folder_keeps_todays_behaviour(processed_campaign, revise):
    depot = processed_campaign / "depot" / "2024"
    revise(depot / "COM_2024_CMAR-11.xlsx", depot / "envoi_cmar84.xlsx", impact=61)
    [report] = run_campaign(processed_campaign, year=YEAR).files
    assert (report.chamber, report.outcome) == ("CMAR-11", "remplaçant")


def test_validate_tells_the_controller_the_same(processed_campaign, capsys):
    depot = processed_campaign / "depot" / "2024"
    (depot / "CMAR-84").mkdir()
    shutil.copyfile(depot / "COM_2024_CMAR-11.xlsx", depot / "CMAR-84" / "bilan.xlsx")
    os.utime(depot / "CMAR-84" / "bilan.xlsx", (1_700_000_000, 1_700_000_000))
    report = validate_paths([depot / "CMAR-84"])
    assert [f.code for f in report.findings] == ["E-IDENT-007"]


def test_an_accuse_written_by_a_later_run_still_names_the_declared_chamber(
    processed_campaign, revise, monkeypatch
):
    """The accusé a run could not write is written by the next one, from the manifest: for a
    misplaced file it says the same (the folder's chamber, the declared one, nothing kept)."""
    from cmacop.errors import FileSystemError
    from cmacop.run.steps import Steps

    depot = processed_campaign / "depot" / "2024"
    (depot / "CMAR-84").mkdir()
    revise(depot / "COM_2024_CMAR-11.xlsx", depot / "CMAR-84" / "bilan.xlsx", impact=999)
    real = Steps.write_receipt

    def refused(self, path, receipt, *, durable=False):
        return FileSystemError(f"écriture impossible dans {path.parent} (essai)", hint="…")

    monkeypatch.setattr(Steps, "write_receipt", refused)
    [first] = run_campaign(processed_campaign, year=YEAR).files
    assert first.receipt is None and first.problem is not None
    receipt = processed_campaign / "retours" / "2024" / "CMAR-84" / "bilan_accuse.txt"
    assert not receipt.exists()
    monkeypatch.setattr(Steps, "write_receipt", real)
    assert run_campaign(processed_campaign, year=YEAR).files == ()  # nothing new
    text = receipt.read_text(encoding="utf-8-sig")
    assert (
        "Chambre              : CMAR-84 — CMA Auvergne-Rhône-Alpes (dossier de dépôt) ; "
        "le fichier déclare CMAR-11\n"
    ) in text
    assert (
        "Résultat : REJETÉ : ce fichier déclare la chambre CMAR-11 mais a été déposé dans le "
        "dossier de CMAR-84 ; il n'est pas pris en compte.\n"
    ) in text
    assert "COM_2024_CMAR-11" not in text
