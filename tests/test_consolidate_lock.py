"""The store's lock: one writer at a time, exit code 3, stale locks taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cmacop.cli import main
from cmacop.compute.year import compute_year
from cmacop.consolidate.store import LOCK_NAME, StoreLockedError, store_lock
from cmacop.consolidate.year import consolidate_paths
from cmacop.errors import DataFileError

SINCE = "2025-03-03T09:15:00+01:00"


def hold(store: Path, *, pid: int | None = None, host: str | None = None) -> Path:
    """Write the lock file another run would hold."""
    store.mkdir(parents=True, exist_ok=True)
    lock = store / LOCK_NAME
    lock.write_text(
        json.dumps(
            {
                "pid": os.getpid() if pid is None else pid,
                "hote": socket.gethostname() if host is None else host,
                "depuis": SINCE,
                "commande": "consolidate --year 2024",
                "jeton": "autre",
            }
        ),
        encoding="utf-8",
    )
    return lock


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def locked_message(store: Path, pid: int, host: str) -> str:
    return (
        f"le dépôt de consolidation {store} est verrouillé par une autre exécution de cmacop "
        f"(processus {pid} sur {host}, depuis le {SINCE})"
    )


def test_a_second_run_exits_with_code_3_and_a_french_message(campaign, capsys):
    store = campaign / "consolidation"
    lock = hold(store)
    depot = campaign / "depot" / "2024"
    with pytest.raises(SystemExit) as exc:
        main(["consolidate", str(depot), "--year", "2024", "--store", str(store)])
    assert exc.value.code == 3
    host = socket.gethostname()
    assert capsys.readouterr().err == (
        f"Erreur : {locked_message(store, os.getpid(), host)}\n"
        "  → Attendez la fin de l'autre exécution puis relancez (ou ajoutez --wait SECONDES). "
        f"Si aucune exécution n'est en cours, supprimez le fichier {lock}.\n"
    )
    assert lock.exists()  # the other run's lock is left alone
    assert not (store / "donnees").exists()


def test_a_lock_of_a_dead_process_on_this_host_is_taken_over(campaign):
    store = campaign / "consolidation"
    lock = hold(store, pid=dead_pid())
    result = consolidate_paths([campaign / "depot" / "2024"], year=2024, store=store)
    assert len(result.files) == 20 and result.written
    assert not lock.exists()


def test_a_lock_of_another_host_is_never_taken_over(campaign):
    store = campaign / "consolidation"
    hold(store, pid=dead_pid(), host="autre-poste.cma.invalid")
    with pytest.raises(StoreLockedError) as exc:
        consolidate_paths([campaign / "depot" / "2024"], year=2024, store=store)
    assert exc.value.exit_code == 3
    assert "sur autre-poste.cma.invalid" in exc.value.message


@pytest.mark.parametrize(("age", "taken_over"), [(0, False), (3600, True)])
def test_an_unreadable_lock_is_stale_only_when_old(tmp_path, age, taken_over):
    lock = tmp_path / LOCK_NAME
    lock.write_text("", encoding="utf-8")  # a run killed while writing its lock
    old = time.time() - age
    os.utime(lock, (old, old))
    if taken_over:
        with store_lock(tmp_path):
            assert json.loads(lock.read_text(encoding="utf-8"))["pid"] == os.getpid()
        assert not lock.exists()
    else:
        with pytest.raises(
            StoreLockedError, match=r"verrouillé par une autre exécution de cmacop$"
        ):
            store_lock(tmp_path).__enter__()


def test_wait_gives_up_after_the_timeout(tmp_path):
    hold(tmp_path)
    start = time.monotonic()
    with pytest.raises(StoreLockedError):
        store_lock(tmp_path, timeout=0.3).__enter__()
    assert time.monotonic() - start >= 0.3


def test_wait_gets_the_lock_when_the_other_run_ends(tmp_path):
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from cmacop.consolidate.store import store_lock\n"
            "with store_lock(Path(sys.argv[1])):\n"
            "    print('pris', flush=True); time.sleep(0.5)\n",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdout.readline() == "pris\n"
    start = time.monotonic()
    with store_lock(tmp_path, timeout=10):
        assert time.monotonic() - start >= 0.3  # it waited for the other run to release
        holder = json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))
        assert holder["pid"] == os.getpid()
    assert other.wait() == 0


def test_the_lock_is_released_when_the_run_fails(campaign, tmp_path):
    store = campaign / "consolidation"
    broken = tmp_path / "cibles.csv"
    broken.write_text("chambre,annee,code,cible\nCMAR-XX,2024,I1.3,10\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="inconnue du registre"):
        consolidate_paths([campaign / "depot" / "2024"], year=2024, store=store, targets=broken)
    assert not (store / LOCK_NAME).exists()


def test_compute_does_not_read_a_store_being_written(consolidated_campaign, tmp_path):
    import shutil

    store = tmp_path / "consolidation"
    shutil.copytree(consolidated_campaign / "consolidation", store)
    hold(store)
    with pytest.raises(StoreLockedError):
        compute_year(
            2024, store=store, targets=consolidated_campaign / "referentiel" / "cibles_com.csv"
        )
