"""``cmacop run`` on a shared drive that fails: full, read-only, forbidden folders, odd names.

Each fault is injected for real where the machine allows it (a small tmpfs mounted on
a campaign folder, a process the folders' rights apply to) and through a simulated
layer raising the same errno everywhere else. Each test checks what the admin is told
(exit code, step, folder, cause, what to do), the store's rows, and that the next run
after the fault is gone gives the store of a clean run.
"""

from __future__ import annotations

import errno
import getpass
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from drive import FakeDrive, tmpfs, unprivileged

from cmacop.cli import main
from cmacop.run.nightly import run_campaign
from cmacop.run.status import campaign_status

YEAR = 2022  # bilans of a year without data: the runs below only handle files (faster)
REVISED = "COM_2024_CMAR-53_v2.xlsx"


def copy_of(campaign: Path, dest: Path) -> Path:
    """A copy keeping the files' dates (they give the order of arrival)."""
    return Path(shutil.copytree(campaign, dest))


@pytest.fixture(scope="module")
def revision(small_campaign, tmp_path_factory) -> bytes:
    """CMAR-53's corrected version (made once: the same bytes in every campaign)."""
    from conftest import _revise

    folder = tmp_path_factory.mktemp("revision")
    source = small_campaign / "depot" / "2024" / "COM_2024_CMAR-53.xlsx"
    return _revise(source, folder / REVISED, impact=61).read_bytes()


def add_revision(root: Path, revision: bytes) -> Path:
    """Drop CMAR-53's corrected version, arrived after every other file."""
    path = root / "depot" / "2024" / REVISED
    path.write_bytes(revision)
    os.utime(path, (1_740_000_100, 1_740_000_100))
    return path


def by_chamber(root: Path) -> Path:
    """``depot/2024/<chamber>/``: one folder per chamber, as rights are given on a drive."""
    depot = root / "depot" / "2024"
    for path in sorted(depot.glob("*.*")):
        chamber = next(c for c in ("CMAR-84", "CMAR-53", "CM-MOSELLE") if c in path.name)
        (depot / chamber).mkdir(exist_ok=True)
        stat = path.stat()
        path.rename(depot / chamber / path.name)
        os.utime(depot / chamber / path.name, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return root


@pytest.fixture(scope="module")
def clean(small_campaign, tmp_path_factory, store_frames, revision):
    """The store of fault-free runs: the small campaign, then with CMAR-53's revision."""
    root = copy_of(small_campaign, tmp_path_factory.mktemp("propre") / "campagne")
    run_campaign(root, year=YEAR)
    add_revision(root, revision)
    run_campaign(root, year=YEAR)
    chambers = by_chamber(copy_of(small_campaign, tmp_path_factory.mktemp("propre2") / "c"))
    run_campaign(chambers, year=YEAR)
    return {
        "revision": store_frames(root / "consolidation"),
        "par_chambre": store_frames(chambers / "consolidation"),
    }


def same_store(store_frames, root: Path, expected) -> bool:
    """The store under ``root`` has ``expected``'s rows (run timestamps aside)."""
    got = store_frames(root / "consolidation")
    differ = [k for k in expected if k not in got or not got[k].equals(expected[k])]
    assert list(got) == list(expected) and not differ, (
        differ,
        [(got.get(k), expected[k]) for k in differ[:1]],
    )
    return True


def cli_run(root: Path, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--config", str(root), "--quiet", "--year", str(YEAR)])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "erreur interne" not in err
    return int(exc.value.code or 0), err


# --------------------------------------------------------------------------- full drives


def test_a_full_drive_under_consolidation_stops_the_run_and_names_the_folder(
    small_campaign, tmp_path, revision, store_frames, clean, capsys
):
    root = tmp_path / "campagne"
    shutil.copytree(small_campaign, root)
    with tmpfs(root / "consolidation", "4m") as drive:
        run_campaign(root, year=YEAR)
        before = store_frames(root / "consolidation")
        add_revision(root, revision)
        drive.fill()
        code, err = cli_run(root, capsys)
        assert code == 4  # never 70: a full disk is not an internal error
        first = err.splitlines()[0]
        assert first.startswith("Erreur : contrôle et consolidation 2024, lot 1/1 : écriture ")
        assert "consolidation" in first and "(plus de place sur le disque)" in first
        assert "ComputeError" not in err and "No space" not in err
        # The folder as it opens from where the command ran (here: outside the campaign).
        assert f"Libérez de la place sur le lecteur qui porte {root}/consolidation" in err
        assert "relancez « cmacop run » : il reprend où il s'est arrêté" in err
        drive.free()
        assert same_store(store_frames, root, before)  # the store is never lost
        # statut says what happened, even though the store's drive could not keep it.
        stop = campaign_status(root).last_run["interruption"]
        assert stop["etape"] == "contrôle et consolidation 2024, lot 1/1"
        assert stop["dossier"].startswith("consolidation")
        assert "plus de place sur le disque" in stop["cause"]
        log = (root / "journal" / "cmacop.log").read_text(encoding="utf-8")
        assert "ERREUR" in log and "(plus de place sur le disque)" in log
        assert "lecteur qui porte consolidation" in log  # the journal: from the campaign
        # The fault gone, the next run gives the store of a clean run.
        assert run_campaign(root, year=YEAR).exit_code == 0
        assert same_store(store_frames, root, clean["revision"])


def test_a_full_drive_under_retours_leaves_the_deposit_for_the_next_run(
    small_campaign, tmp_path, revision, store_frames, clean, capsys
):
    root = tmp_path / "campagne"
    shutil.copytree(small_campaign, root)
    with tmpfs(root / "retours", "4m") as drive:
        run_campaign(root, year=YEAR)
        before = store_frames(root / "consolidation")
        add_revision(root, revision)
        drive.fill()
        code, err = cli_run(root, capsys)
        assert code == 5
        assert err.splitlines() == [
            f"Attention : 1 dépôt non traité (détail dans le journal {root}/journal/cmacop.log).",
            "À faire : écriture impossible dans retours/2024 (plus de place sur le disque) → "
            "Libérez de la place sur le lecteur qui porte retours/2024 (ou agrandissez-le). "
            "Le dépôt n'est pas consolidé : le prochain passage le reprendra.",
        ]
        assert same_store(store_frames, root, before)
        row = next(c for c in campaign_status(root).chambers if c.chamber == "CMAR-53")
        assert row.last_file == f"depot/2024/{REVISED}" and row.last_valid is None
        assert "retours/2024 (plus de place sur le disque)" in row.problem
        drive.free()
        result = run_campaign(root, year=YEAR)
        assert [(f.file, f.outcome) for f in result.files] == [
            (f"depot/2024/{REVISED}", "remplaçant")
        ]
        assert result.exit_code == 0
        assert (root / "retours" / "2024" / "COM_2024_CMAR-53_v2_accuse.txt").is_file()
        assert same_store(store_frames, root, clean["revision"])


def test_a_read_only_consolidation_folder(
    small_campaign, tmp_path, revision, store_frames, clean, capsys
):
    root = tmp_path / "campagne"
    shutil.copytree(small_campaign, root)
    with tmpfs(root / "consolidation", "4m") as drive:
        run_campaign(root, year=YEAR)
        before = store_frames(root / "consolidation")
        add_revision(root, revision)
        drive.read_only()
        code, err = cli_run(root, capsys)
        assert code == 4
        assert "(partage en lecture seule)" in err.splitlines()[0]
        assert "est monté en lecture seule : remontez-le en lecture-écriture" in err
        drive.read_only(False)
        assert same_store(store_frames, root, before)
        assert run_campaign(root, year=YEAR).exit_code == 0
        assert same_store(store_frames, root, clean["revision"])


# --------------------------------------------------------------------------- one folder refused


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        (errno.ENOSPC, "plus de place sur le disque"),
        (errno.EDQUOT, "quota d'espace disque dépassé"),
        (errno.EACCES, "droits insuffisants"),
        (errno.EROFS, "partage en lecture seule"),
        (errno.EIO, "erreur d'entrée-sortie du lecteur"),
        (errno.ENAMETOOLONG, "nom de fichier trop long"),
    ],
)
def test_a_chamber_folder_that_cannot_be_written_never_blocks_the_others(
    small_campaign, tmp_path, monkeypatch, store_frames, clean, code, cause
):
    root = by_chamber(copy_of(small_campaign, tmp_path / "campagne"))
    (root / "retours" / "2024" / "CMAR-84").mkdir(parents=True)  # as « init --par-chambre »
    fake = FakeDrive(monkeypatch)
    fake.refuse(root / "retours" / "2024" / "CMAR-84", code)
    result = run_campaign(root, year=YEAR)
    assert result.exit_code == 5
    outcomes = {f.file: f.outcome for f in result.files}
    assert outcomes.pop("depot/2024/CMAR-84/COM_2024_CMAR-84.xlsx") == "non traité"
    # Its later version waits behind it: the next run takes both, in their order.
    assert [p.key for p in result.held] == ["2024/CMAR-84/COM_2024_CMAR-84_corrige.xlsx"]
    assert not result.pending
    assert outcomes == {
        "depot/2023/COM_2023_CMAR-53.xlsx": "ajouté",
        "depot/2023/COM_2023_CMAR-84.xlsx": "ajouté",
        "depot/2024/CMAR-53/COM_2024_CMAR-53.xlsx": "ajouté",
        "depot/2024/CM-MOSELLE/COM_2024_CM-MOSELLE.csv": "ajouté",
        "depot/2024/CMAR-53/COM_2024_CMAR-53_texte_dans_un_nombre.xlsx": "rejeté",
    }
    [problem] = result.all_problems
    assert problem.folder == "retours/2024/CMAR-84"
    assert problem.cause == f"écriture impossible dans retours/2024/CMAR-84 ({cause})"
    assert problem.hint.endswith("Le dépôt n'est pas consolidé : le prochain passage le reprendra.")
    # Nothing of CMAR-84's 2024 deposits in the store; the others are there.
    frames = store_frames(root / "consolidation")
    chambers_2024 = set(frames["donnees/annee=2024/data.parquet"]["chambre"])
    assert chambers_2024 == {"CMAR-53", "CM-MOSELLE"}
    log = (root / "journal" / "cmacop.log").read_text(encoding="utf-8")
    assert (
        f"classeur de contrôle de depot/2024/CMAR-84/COM_2024_CMAR-84.xlsx : {problem.cause}" in log
    )
    row = next(c for c in campaign_status(root).chambers if c.chamber == "CMAR-84")
    assert problem.cause in row.problem
    fake.clear()
    again = run_campaign(root, year=YEAR)
    assert [(f.file, f.outcome) for f in again.files] == [
        ("depot/2024/CMAR-84/COM_2024_CMAR-84.xlsx", "ajouté"),
        ("depot/2024/CMAR-84/COM_2024_CMAR-84_corrige.xlsx", "remplaçant"),
    ]
    assert again.exit_code == 0
    assert same_store(store_frames, root, clean["par_chambre"])


def test_an_accuse_that_cannot_be_written_is_written_by_the_next_run(
    small_campaign, tmp_path, monkeypatch, store_frames, clean
):
    """The annotated workbook written, the accusé refused (the drive filled in between):
    the deposit is consolidated and the next run writes the accusé alone."""
    import cmacop.run.steps

    root = copy_of(small_campaign, tmp_path / "campagne")
    real = cmacop.run.steps.receipt_bytes

    def refused(receipt):
        if receipt.name == "COM_2024_CM-MOSELLE.csv":
            raise OSError(errno.ENOSPC, "No space left on device", None)
        return real(receipt)

    monkeypatch.setattr(cmacop.run.steps, "receipt_bytes", refused)
    first = run_campaign(root, year=YEAR)
    report = next(f for f in first.files if f.file.endswith("CM-MOSELLE.csv"))
    assert report.outcome == "ajouté" and report.receipt is None
    assert report.problem.step == "accusé de réception de depot/2024/COM_2024_CM-MOSELLE.csv"
    assert first.exit_code == 5
    receipt = root / "retours" / "2024" / "COM_2024_CM-MOSELLE_accuse.txt"
    assert not receipt.exists()
    monkeypatch.undo()
    second = run_campaign(root, year=YEAR)
    assert second.exit_code == 0 and not second.files
    text = receipt.read_text(encoding="utf-8-sig")
    assert "Résultat : ACCEPTÉ : le bilan est enregistré dans la consolidation." in text
    assert "Fichier reçu         : COM_2024_CM-MOSELLE.csv" in text
    assert campaign_status(root).last_run["problemes"] == []


def test_a_folder_forbidden_to_the_account_of_the_run(
    small_campaign, tmp_path, store_frames, clean
):
    """For real: a process the folders' rights apply to, ``retours/2024/CMAR-84`` read-only."""
    who, preexec = unprivileged(tmp_path)
    root = by_chamber(copy_of(small_campaign, tmp_path / "campagne"))
    locked = root / "retours" / "2024" / "CMAR-84"
    locked.mkdir(parents=True)
    if who == "nobody":
        for path in [root, *root.rglob("*")]:
            os.chown(path, 65534, 65534)
    locked.chmod(0o555)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cmacop",
            "run",
            "--config",
            str(root),
            "--quiet",
            "--year",
            str(YEAR),
        ],
        preexec_fn=preexec,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 5, done.stderr
    assert done.stdout == ""
    assert "écriture impossible dans retours/2024/CMAR-84 (droits insuffisants)" in done.stderr
    assert "le droit d'écrire dans retours/2024/CMAR-84" in done.stderr
    frames = store_frames(root / "consolidation")
    assert "CMAR-84" not in set(frames["donnees/annee=2024/data.parquet"]["chambre"])
    locked.chmod(0o755)
    assert run_campaign(root, year=YEAR).exit_code == 0
    assert same_store(store_frames, root, clean["par_chambre"])


# --------------------------------------------------------------------------- names


def test_hostile_names_get_safe_outputs_and_the_accuse_states_the_original(
    small_campaign, tmp_path
):
    root = copy_of(small_campaign, tmp_path / "campagne")
    depot = root / "depot" / "2024"
    long_name = "x" * 235 + ".xlsx"  # 240 bytes
    longer = "é" * 125 + ".xlsx"  # 255 bytes: its outputs must be shortened
    renames = {
        "COM_2024_CMAR-84.xlsx": "-rf.xlsx",
        "COM_2024_CM-MOSELLE.csv": "bilan\nMoselle.csv",
        "COM_2024_CMAR-53.xlsx": long_name,
        "COM_2024_CMAR-84_corrige.xlsx": longer,
    }
    for old, new in renames.items():
        stat = (depot / old).stat()
        (depot / old).rename(depot / new)
        os.utime(depot / new, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = run_campaign(root, year=YEAR)
    assert result.exit_code == 1  # the broken CMAR-53 file, as in a clean run
    assert {f.file: f.outcome for f in result.files if f.year == 2024} == {
        "depot/2024/-rf.xlsx": "ajouté",
        "depot/2024/bilan\nMoselle.csv": "ajouté",
        f"depot/2024/{long_name}": "ajouté",
        f"depot/2024/{longer}": "remplaçant",
        "depot/2024/COM_2024_CMAR-53_texte_dans_un_nombre.xlsx": "rejeté",
    }
    written = sorted(p.name for p in (root / "retours" / "2024").iterdir())
    assert len(written) == 10  # two files per deposit, never shared
    for name in written:
        assert not name.startswith(("-", ".")) and name.isprintable()
        assert len(name.encode()) <= 255
    from cmacop.files.names import name_hash

    receipts = {
        "-rf.xlsx": f"_rf_{name_hash('-rf.xlsx')}_accuse.txt",
        "bilan\\x0aMoselle.csv": f"bilan_Moselle_{name_hash('bilan' + chr(10) + 'Moselle.csv')}_accuse.txt",
        long_name: "x" * 235 + "_accuse.txt",
    }
    for shown, receipt in receipts.items():
        text = (root / "retours" / "2024" / receipt).read_text(encoding="utf-8-sig")
        assert f"Fichier reçu         : {shown}\n" in text
    text = (root / "retours" / "2024" / f"_rf_{name_hash('-rf.xlsx')}_accuse.txt").read_text(
        encoding="utf-8-sig"
    )
    assert "Fichiers renvoyés    : _rf_" in text
    [short] = [n for n in written if n.startswith("é") and n.endswith("_accuse.txt")]
    assert short.endswith(f"_{name_hash(longer)}_accuse.txt")
    # The store holds them as deposited; a second run finds nothing new.
    again = run_campaign(root, year=YEAR)
    assert again.nothing_new and again.exit_code == 0


def test_two_deposits_never_share_an_output_name(small_campaign, tmp_path):
    root = copy_of(small_campaign, tmp_path / "campagne")
    depot = root / "depot" / "2024"
    run_campaign(root, year=YEAR)
    # Same stem, another format, arriving later: its outputs get their own names.
    shutil.copyfile(depot / "COM_2024_CMAR-53.xlsx", depot / "COM_2024_CM-MOSELLE.xlsx")
    os.utime(depot / "COM_2024_CM-MOSELLE.xlsx", (1_740_000_200, 1_740_000_200))
    before = (root / "retours" / "2024" / "COM_2024_CM-MOSELLE_accuse.txt").read_bytes()
    result = run_campaign(root, year=YEAR)
    [report] = result.files
    assert report.receipt != "retours/2024/COM_2024_CM-MOSELLE_accuse.txt"
    assert report.receipt.startswith("retours/2024/COM_2024_CM-MOSELLE_")
    assert (root / "retours" / "2024" / "COM_2024_CM-MOSELLE_accuse.txt").read_bytes() == before


def test_a_chamber_folder_that_cannot_be_listed_is_said_and_its_files_kept(
    small_campaign, tmp_path, monkeypatch, revision, store_frames
):
    root = by_chamber(copy_of(small_campaign, tmp_path / "campagne"))
    run_campaign(root, year=YEAR)
    depot = root / "depot" / "2024"
    (depot / "CMAR-53" / REVISED).write_bytes(revision)
    real = os.scandir
    refused = str(depot / "CMAR-84")

    def scandir(path="."):
        if os.fspath(path) == refused:
            raise PermissionError(errno.EACCES, "Permission denied", refused)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run_campaign(root, year=YEAR)
    assert result.exit_code == 1
    assert [(u.key, u.reason) for u in result.unreadable] == [
        (
            "2024/CMAR-84",
            "lecture impossible de depot/2024/CMAR-84 (droits insuffisants) — Donnez à "
            f"l'utilisateur {getpass.getuser()} le droit de lire depot/2024/CMAR-84.",
        )
    ]
    assert [(f.file, f.outcome) for f in result.files] == [
        (f"depot/2024/CMAR-53/{REVISED}", "remplaçant")
    ]
    monkeypatch.undo()
    # The folder readable again: its files were only unseen, nothing to redo.
    again = run_campaign(root, year=YEAR)
    assert again.nothing_new and again.exit_code == 0


def test_a_library_failure_the_drive_explains_stops_the_run_in_french(
    small_campaign, tmp_path, monkeypatch, capsys
):
    """polars reporting an I/O error of the share (« os error 5 ») is not an internal error."""
    import cmacop.consolidate.year

    class ComputeError(Exception):
        __module__ = "polars.exceptions"

    def failing(*args, **kwargs):
        raise ComputeError("failed to read file: Input/output error (os error 5)")

    root = copy_of(small_campaign, tmp_path / "campagne")
    monkeypatch.setattr(cmacop.consolidate.year, "consolidate_paths", failing)
    code, err = cli_run(root, capsys)
    assert code == 4
    assert err.startswith(
        "Erreur : contrôle et consolidation 2023, lot 1/1 : opération impossible (erreur "
        "d'entrée-sortie du lecteur) — exécution interrompue"
    )
    log = (root / "journal" / "cmacop.log").read_text(encoding="utf-8")
    assert "erreur interne" not in log and "(erreur d'entrée-sortie du lecteur)" in log
