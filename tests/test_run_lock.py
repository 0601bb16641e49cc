"""One run at a time: the run lock, exit code 3, stale locks; disks that refuse to write."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cmacop.cli import main
from cmacop.run.nightly import RUN_LOCK_NAME, RunLockedError, run_campaign

HOLD = (
    "import sys, time\nfrom pathlib import Path\nfrom cmacop.run.nightly import run_lock\n"
    "with run_lock(Path(sys.argv[1])):\n"
    "    print('pris', flush=True)\n"
    "    time.sleep(60)\n"
)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_lock(root: Path, *, pid: int, host: str | None = None) -> Path:
    lock = root / RUN_LOCK_NAME
    lock.write_text(
        json.dumps(
            {
                "pid": pid,
                "hote": host or socket.gethostname(),
                "depuis": "2025-03-03T02:00:01+01:00",
                "commande": "run",
                "jeton": "autre",
            }
        ),
        encoding="utf-8",
    )
    return lock


def test_a_second_run_exits_at_once_with_code_3_and_a_french_message(processed_campaign, capsys):
    root = processed_campaign.resolve()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "pris\n"
        lock = json.loads((root / RUN_LOCK_NAME).read_text(encoding="utf-8"))
        start = time.monotonic()
        with pytest.raises(SystemExit) as exc:
            main(["run", "--config", str(root)])
        assert time.monotonic() - start < 5  # at once, no waiting
    finally:
        holder.kill()
        holder.wait()
    assert exc.value.code == 3
    assert capsys.readouterr().err == (
        f"Erreur : une autre exécution de « cmacop run » est en cours sur la campagne {root} "
        f"(processus {holder.pid} sur {socket.gethostname()}, depuis le {lock['depuis']})\n"
        "  → Elle se termine d'elle-même : relancez plus tard. Si aucune exécution n'est en "
        f"cours, supprimez le fichier {root / RUN_LOCK_NAME}.\n"
    )
    last = (root / "journal" / "cmacop.log").read_text(encoding="utf-8").splitlines()[-1]
    assert " ATTENTION " in last and "une autre exécution de « cmacop run » est en cours" in last


def test_two_runs_started_together_one_works_the_other_exits_3(small_campaign, tmp_path):
    root = Path(shutil.copytree(small_campaign, tmp_path / "campagne"))
    command = [sys.executable, "-m", "cmacop", "run", "--config", str(root), "--quiet"]
    procs = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = sorted((p.wait(), p.stderr.read()) for p in procs if p.stderr is not None)
    (worked, _), (refused, message) = results
    assert worked == 1  # the broken file of the small campaign is rejected
    assert refused == 3
    assert message.startswith(
        "Erreur : une autre exécution de « cmacop run » est en cours sur la campagne"
    )
    assert "Traceback" not in message


def test_a_stale_lock_is_taken_over_with_a_warning_in_the_log(processed_campaign):
    pid = dead_pid()
    lock = write_lock(processed_campaign, pid=pid)
    result = run_campaign(processed_campaign)
    assert result.nothing_new and not lock.exists()
    log = (processed_campaign / "journal" / "cmacop.log").read_text(encoding="utf-8")
    assert (
        f"ATTENTION [{os.getpid()}] verrou d'une exécution interrompue repris (processus {pid} "
        f"sur {socket.gethostname()}, depuis le 2025-03-03T02:00:01+01:00) : le travail "
        "inachevé reprend"
    ) in log


def test_a_lock_of_another_host_is_never_taken_over(processed_campaign):
    write_lock(processed_campaign, pid=dead_pid(), host="autre-serveur.cma.invalid")
    with pytest.raises(RunLockedError) as exc:
        run_campaign(processed_campaign)
    assert exc.value.exit_code == 3
    assert "sur autre-serveur.cma.invalid" in exc.value.message


def test_the_run_lock_is_not_the_store_lock(processed_campaign):
    """« cmacop consolidate » by hand and a run do not lock each other out by mistake."""
    from cmacop.consolidate.store import LOCK_NAME

    assert RUN_LOCK_NAME != LOCK_NAME
    assert (processed_campaign / RUN_LOCK_NAME).parent != processed_campaign / "consolidation"


# --------------------------------------------------------------------------- disks


@pytest.mark.parametrize(
    ("code", "french"),
    [(errno.EROFS, "partage en lecture seule"), (errno.ENOSPC, "plus de place sur le disque")],
)
def test_a_read_only_or_full_disk_is_a_french_error_and_the_store_is_intact(
    processed_campaign, revise, monkeypatch, tree_digest, capsys, code, french
):
    depot = processed_campaign / "depot" / "2024"
    revise(depot / "COM_2024_CMAR-84.xlsx", depot / "COM_2024_CMAR-84_v2.xlsx", impact=61)
    store = processed_campaign / "consolidation"
    before = tree_digest(store)

    def refuse(src, dst, *args, **kwargs):
        raise OSError(code, os.strerror(code), str(dst))

    monkeypatch.chdir(processed_campaign.parent)  # the admin runs it from elsewhere
    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(SystemExit) as exc:
        main(["run", "--config", processed_campaign.name, "--quiet"])
    monkeypatch.undo()
    assert exc.value.code == 4
    err = capsys.readouterr().err
    # The step, the store's folder and the cause (issue #15: « partage en lecture seule »);
    # the folder as it opens from where the command ran.
    step = "contrôle et consolidation 2024, lot 1/1 : écriture impossible dans le "
    first = (
        f"Erreur : {step}dépôt de consolidation {processed_campaign.name}/consolidation "
        f"({french}) — exécution interrompue"
    )
    assert err.startswith(first)
    assert f"lecteur qui porte {processed_campaign.name}/consolidation" in err or (
        f"Le partage qui porte {processed_campaign.name}/consolidation" in err
    )
    assert "Puis relancez « cmacop run » : il reprend où il s'est arrêté." in err
    assert "Traceback" not in err
    assert tree_digest(store) == before
    # The campaign's journal names it from the campaign folder, as the dashboard does.
    log = (processed_campaign / "journal" / "cmacop.log").read_text(encoding="utf-8")
    relative = f"{step}dépôt de consolidation consolidation ({french}) — exécution interrompue"
    assert f"ERREUR [{os.getpid()}] {relative}" in log
    # The disk is writable again: the next run does the work (bilans aside: a year without data).
    result = run_campaign(processed_campaign, year=2022)
    assert [(f.file, f.outcome) for f in result.files] == [
        ("depot/2024/COM_2024_CMAR-84_v2.xlsx", "remplaçant")
    ]


def test_a_file_where_the_feedback_folder_should_be_is_a_french_error(
    processed_campaign, revise, tree_digest
):
    depot = processed_campaign / "depot" / "2024"
    revise(depot / "COM_2024_CMAR-84.xlsx", depot / "COM_2024_CMAR-84_v2.xlsx", impact=61)
    retours = processed_campaign / "retours"
    shutil.rmtree(retours)
    retours.write_text("pas un dossier", encoding="utf-8")
    before = tree_digest(processed_campaign / "consolidation")
    # Issue #15: not a stop of the run; the deposit is left for the next run (exit 5).
    result = run_campaign(processed_campaign, year=2022)
    assert result.exit_code == 5
    [report] = result.files
    assert report.outcome == "non traité" and report.problem is not None
    assert report.problem.folder == "retours"
    assert report.problem.cause == (
        "écriture impossible dans retours (un fichier occupe la place d'un dossier)"
    )
    assert tree_digest(processed_campaign / "consolidation") == {
        k: v
        for k, v in tree_digest(processed_campaign / "consolidation").items()
        if k == ".cmacop-run.json"
    } | {k: v for k, v in before.items() if k != ".cmacop-run.json"}
    # The folder fixed, the next run consolidates it as a clean run would.
    retours.unlink()
    again = run_campaign(processed_campaign, year=2022)
    assert [(f.file, f.outcome) for f in again.files] == [
        ("depot/2024/COM_2024_CMAR-84_v2.xlsx", "remplaçant")
    ]
    assert again.exit_code == 0


def test_an_unwritable_journal_is_a_french_error_on_stderr(processed_campaign, capsys):
    shutil.rmtree(processed_campaign / "journal")
    (processed_campaign / "journal").write_text("", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["run", "--config", str(processed_campaign)])
    assert exc.value.code == 4
    err = capsys.readouterr().err
    assert err.startswith("Erreur : écriture impossible dans le journal ")
    assert "Traceback" not in err
