"""One translation of system and library failures: French causes, the folder, the right hint."""

from __future__ import annotations

import errno
import getpass
import io
import os
import zipfile

import pytest

from cmacop.cli import main
from cmacop.errors import (
    CmacopError,
    FileSystemError,
    boundary_error,
    failed_folder,
    folder_error,
    library_error_text,
    os_error_hint,
    os_error_text,
)

USER = getpass.getuser()


@pytest.mark.parametrize(
    ("code", "cause", "hint"),
    [
        (
            errno.ENOSPC,
            "plus de place sur le disque",
            "Libérez de la place sur le lecteur qui porte retours/2024",
        ),
        (
            errno.EDQUOT,
            "quota d'espace disque dépassé",
            f"Le quota de l'utilisateur {USER} est atteint",
        ),
        (
            errno.EACCES,
            "droits insuffisants",
            f"Donnez à l'utilisateur {USER} le droit d'écrire dans retours/2024.",
        ),
        (
            errno.EPERM,
            "droits insuffisants",
            f"Donnez à l'utilisateur {USER} le droit d'écrire dans retours/2024.",
        ),
        (
            errno.EROFS,
            "partage en lecture seule",
            "Le partage qui porte retours/2024 est monté en lecture seule",
        ),
        (errno.ENAMETOOLONG, "nom de fichier trop long", "Le chemin de retours/2024 est trop long"),
        (
            errno.ENOENT,
            "fichier ou dossier introuvable",
            "Vérifiez que retours/2024 existe et que le partage est monté",
        ),
        (
            errno.EIO,
            "erreur d'entrée-sortie du lecteur",
            "Vérifiez le montage du partage qui porte retours/2024",
        ),
        (
            errno.ENOTDIR,
            "un fichier occupe la place d'un dossier",
            "Dans retours/2024, un fichier porte le nom",
        ),
        (errno.ESTALE, "partage réseau remonté pendant l'opération", "Vérifiez le montage"),
    ],
)
def test_each_system_error_has_its_french_cause_and_its_own_hint(code, cause, hint):
    exc = OSError(code, os.strerror(code), "/srv/campagne/retours/2024/x.xlsx")
    assert os_error_text(exc) == cause
    assert os_error_hint(exc, "retours/2024").startswith(hint)
    error = folder_error(exc, folder="retours/2024")
    assert error.message == f"écriture impossible dans retours/2024 ({cause})"
    assert error.folder == "retours/2024" and error.exit_code == 4
    # One hint, the cause's: never the list of every possible cause.
    assert "Libérez" not in error.hint or code in (errno.ENOSPC, errno.EDQUOT)
    assert "droit" not in error.hint or code in (errno.EACCES, errno.EPERM)


def test_a_system_error_without_french_text_still_says_nothing_in_english():
    assert os_error_text(errno.EPROTO) == "erreur système EPROTO"
    assert os_error_text(OSError(99999, "Weird")) == "erreur système inconnue"


def test_reading_and_writing_say_which_right_is_missing():
    exc = PermissionError(errno.EACCES, "Permission denied", "/srv/depot/2024/a.xlsx")
    read = folder_error(exc, folder="depot/2024/a.xlsx", writing=False)
    assert read.message == "lecture impossible de depot/2024/a.xlsx (droits insuffisants)"
    assert read.hint == f"Donnez à l'utilisateur {USER} le droit de lire depot/2024/a.xlsx."
    unknown = folder_error(exc, folder="/srv", writing=None)
    assert unknown.message == "accès impossible à /srv (droits insuffisants)"


def test_the_folder_named_is_the_one_to_fix(tmp_path):
    (tmp_path / "retours").write_text("pas un dossier", encoding="utf-8")
    not_dir = OSError(errno.ENOTDIR, "Not a directory", str(tmp_path / "retours" / "2024" / "a"))
    assert failed_folder(not_dir) == tmp_path / "retours"
    full = OSError(errno.ENOSPC, "No space", str(tmp_path / "x.parquet"))
    assert failed_folder(full) == tmp_path
    assert failed_folder(OSError(errno.ENOSPC, "No space")) is None


# --------------------------------------------------------------------------- TOML


def test_an_invalid_cmacop_toml_says_where_in_french(tmp_path, capsys):
    from cmacop.campaign.folder import init_campaign

    init_campaign(tmp_path, 2024)
    config = tmp_path / "cmacop.toml"
    text = config.read_text(encoding="utf-8").replace('depot = "depot"', "depot = depot")
    config.write_text(text, encoding="utf-8")
    line = text.splitlines().index("depot = depot") + 1
    with pytest.raises(SystemExit) as exc:
        main(["run", "--config", str(tmp_path), "--quiet"])
    assert exc.value.code == 4
    err = capsys.readouterr().err
    assert err.startswith(
        f"Erreur : {config} : fichier TOML illisible, ligne {line}, colonne 9 : valeur invalide"
    )
    assert "Invalid" not in err and "Traceback" not in err
    assert "  → Corrigez cette ligne de cmacop.toml" in err


# --------------------------------------------------------------------------- libraries


def test_library_failures_have_french_causes(tmp_path):
    import polars as pl
    from openpyxl import load_workbook

    path = tmp_path / "data.parquet"
    pl.DataFrame({"a": list(range(1000))}).write_parquet(path)
    path.write_bytes(path.read_bytes()[:-200])  # a truncated partition
    with pytest.raises(Exception) as parquet:
        pl.read_parquet(path)
    assert library_error_text(parquet.value) == "fichier Parquet endommagé ou tronqué"
    with pytest.raises(zipfile.BadZipFile) as bad_zip:
        load_workbook(io.BytesIO(b"pas un classeur"))
    assert library_error_text(bad_zip.value).startswith("archive endommagée")
    with pytest.raises(Exception) as openpyxl_error:
        load_workbook(tmp_path / "x.txt")
    assert library_error_text(openpyxl_error.value) is not None
    with pytest.raises(UnicodeDecodeError) as text_error:
        b"caf\xe9".decode("utf-8")
    assert library_error_text(text_error.value) == (
        "encodage illisible : octet 0xe9 à la position 3 (texte UTF-8 attendu)"
    )
    assert library_error_text(ValueError("bug")) is None


def test_at_the_boundary_a_full_disk_is_exit_4_never_an_internal_error(
    monkeypatch, capsys, tmp_path
):
    import cmacop.campaign.folder as config

    def full(root, year, **options):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "nouvelle" / "x"))

    monkeypatch.setattr(config, "init_campaign", full)
    with pytest.raises(SystemExit) as exc:
        main(["init", str(tmp_path / "nouvelle"), "--year", "2024"])
    assert exc.value.code == 4
    err = capsys.readouterr().err
    assert err == (
        f"Erreur : écriture impossible dans {tmp_path / 'nouvelle'} (plus de place sur le disque)\n"
        f"  → Libérez de la place sur le lecteur qui porte {tmp_path / 'nouvelle'} "
        "(ou agrandissez-le).\n"
    )


def test_a_bug_is_still_an_internal_error(monkeypatch, capsys, tmp_path):
    import cmacop.campaign.folder as config

    def bug(root, year, **options):
        raise KeyError("x")

    monkeypatch.setattr(config, "init_campaign", bug)
    with pytest.raises(SystemExit) as exc:
        main(["init", str(tmp_path), "--year", "2024"])
    assert exc.value.code == 70
    assert boundary_error(KeyError("x")) is None
    assert isinstance(boundary_error(OSError(errno.EROFS, "ro", "/x")), FileSystemError)
    error = CmacopError("déjà en français")
    assert boundary_error(error) is error


def test_reader_failures_have_french_causes_too(tmp_path):
    import csv
    from xml.etree.ElementTree import ParseError, fromstring

    with pytest.raises(ParseError) as xml_error:
        fromstring("<a><b></a>")
    assert library_error_text(xml_error.value) == "XML illisible, ligne 1, colonne 9"
    assert library_error_text(EOFError()) == "fichier tronqué"
    assert library_error_text(csv.Error("field larger than field limit (131072)")) == (
        "champ anormalement long"
    )


def test_a_damaged_store_partition_is_named_with_a_french_cause(tmp_path):
    import polars as pl

    from cmacop.consolidate.store import DATA, Store, StoreError

    store = Store(tmp_path / "consolidation")
    path = store.partition(DATA, 2024)
    path.parent.mkdir(parents=True)
    pl.DataFrame({"a": list(range(1000))}).write_parquet(path)
    path.write_bytes(path.read_bytes()[:-300])
    with pytest.raises(StoreError) as exc:
        store.read(DATA, 2024)
    assert exc.value.message == (
        f"dépôt de consolidation : fichier illisible {path} (fichier Parquet endommagé ou tronqué)"
    )


def test_a_polars_failure_carrying_an_os_error_is_told_by_that_cause():
    class ComputeError(Exception):
        __module__ = "polars.exceptions"

    full = ComputeError(
        "parquet: File out of specification: underlying IO error: No space left on device "
        "(os error 28)"
    )
    assert library_error_text(full) == "plus de place sur le disque"
    io_error = ComputeError("failed to read: Input/output error (os error 5)")
    assert library_error_text(io_error) == "erreur d'entrée-sortie du lecteur"
    assert boundary_error(io_error).exit_code == 4
