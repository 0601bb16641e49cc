"""Reference files: allocation key and TFCMA bases (COM targets keep their own reader)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from cmacop.cop.referentiel import read_base, read_key
from cmacop.errors import DataFileError


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_read_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "cle.csv",
        "chambre;entreprises\r\nCMAR-84;180 412\r\n\r\nCM-ALSACE; 40000 \r\nCMAR-94;0\r\n",
        "cp1252",
    )
    assert read_key(path) == {"CMAR-84": 180412, "CM-ALSACE": 40000, "CMAR-94": 0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "chambre;entreprises\nCMAR-99;10\n",
            "cle.csv, ligne 2, colonne « chambre » : chambre « CMAR-99 » inconnue du registre",
        ),
        (
            "chambre;entreprises\nCMAR-84;10\nCMAR-11;3\nCMAR-84;12\n",
            "cle.csv, ligne 4, colonne « chambre » : chambre « CMAR-84 » en double (déjà ligne 2)",
        ),
        (
            "chambre;entreprises\nCMAR-84;12,5\n",
            "cle.csv, ligne 2, colonne « entreprises » : « 12,5 » "
            "n'est pas un nombre entier positif ou nul",
        ),
        ("chambre;entreprises\nCMAR-84;-4\n", "cle.csv, ligne 2, colonne « entreprises »"),
        ("chambre;entreprises\nCMAR-84;\n", "cle.csv, ligne 2, colonne « entreprises »"),
        (
            "chambre;entreprises\nCMA-FRANCE;1\n",
            "cle.csv, ligne 2, colonne « chambre » : CMA-FRANCE ne transmet pas d'indicateurs",
        ),
        ("chambre;nombre\nCMAR-84;1\n", "cle.csv : colonne(s) manquante(s) : entreprises"),
        ("chambre;entreprises\n", "cle.csv : la clé de répartition ne contient aucune chambre"),
    ],
)
def test_read_key_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataFileError, match=re.escape(message)) as info:
        read_key(_write(tmp_path, "cle.csv", text))
    assert info.value.hint  # every data-file error says what to do (at least the default)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("10 234 567,89", "10234567.89"),
        ("10\u00a0234\u00a0567,89", "10234567.89"),
        ("10\u202f234\u202f567,89", "10234567.89"),
        ("10234567,89", "10234567.89"),
        ("10234567.89", "10234567.89"),
        ("1 234,5", "1234.50"),
        ("1234", "1234.00"),
        ("0", "0.00"),
        (" 1 234,56 € ", "1234.56"),
    ],
)
def test_read_base_french_numbers(tmp_path: Path, cell: str, expected: str) -> None:
    path = _write(tmp_path, "bases.csv", f"chambre;montant\nCMAR-84;{cell}\n", "utf-8-sig")
    bases = read_base(path)
    assert bases == {"CMAR-84": Decimal(expected)}
    assert str(bases["CMAR-84"]) == expected  # always to the cent


def test_read_base_comma_separated_with_quoted_decimal_comma(tmp_path: Path) -> None:
    path = _write(tmp_path, "bases.csv", 'chambre,montant\nCMAR-84,"1 000,50"\nCMAR-11,12.30\n')
    assert read_base(path) == {"CMAR-84": Decimal("1000.50"), "CMAR-11": Decimal("12.30")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "chambre;montant\nCM-ALSACE;1000\n",
            "bases.csv, ligne 2, colonne « chambre » : CM-ALSACE ne reçoit pas de TFCMA",
        ),
        (
            "chambre;montant\nCMAR-84;1000\nINCONNUE;5\n",
            "bases.csv, ligne 3, colonne « chambre » : chambre « INCONNUE » inconnue du registre",
        ),
        (
            "chambre;montant\nCMAR-84;1000\nCMAR-84;5\n",
            "bases.csv, ligne 3, colonne « chambre » : chambre « CMAR-84 » en double",
        ),
        (
            "chambre;montant\nCMAR-84;1,500\n",
            "bases.csv, ligne 2, colonne « montant » : « 1,500 » a plus de deux décimales",
        ),
        (
            "chambre;montant\nCMAR-84;-12,00\n",
            "bases.csv, ligne 2, colonne « montant » : « -12,00 » n'est pas un montant en euros",
        ),
        ("chambre;montant\nCMAR-84;douze\n", "bases.csv, ligne 2, colonne « montant » : « douze »"),
        ("chambre;montant\nCMAR-84;10.234.567\n", "bases.csv, ligne 2, colonne « montant »"),
        ("chambre;montant\nCMAR-84;\n", "bases.csv, ligne 2, colonne « montant »"),
        # An unquoted decimal comma in a comma-separated file would silently drop the cents.
        ("chambre,montant\nCMAR-84,1000,50\n", "bases.csv, ligne 2 : plus de cellules"),
        ("chambre;base\nCMAR-84;1\n", "bases.csv : colonne(s) manquante(s) : montant"),
    ],
)
def test_read_base_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataFileError, match=re.escape(message)):
        read_base(_write(tmp_path, "bases.csv", text))


def test_read_base_tolerates_trailing_separator(tmp_path: Path) -> None:
    path = _write(tmp_path, "bases.csv", "chambre;montant\nCMAR-84;12,00;\n")
    assert read_base(path) == {"CMAR-84": Decimal("12.00")}


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="fichier illisible"):
        read_base(tmp_path / "absent.csv")


# --------------------------------------------------------------------------- read once, by content


def _same_date(path: Path, text: str) -> None:
    """Rewrite ``path`` keeping its size and modification time (a copy that kept the date)."""
    import os

    before = path.stat()
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_reference_files_changed_on_disk_are_read_again(tmp_path: Path) -> None:
    from cmacop.cop.referentiel import load_targets, read_targets, template_targets

    targets = _write(tmp_path, "cibles.csv", "chambre;annee;code;cible\nCMAR-84;2024;I1.3;879\n")
    key = _write(tmp_path, "cle.csv", "chambre;entreprises\nCMAR-84;700\nCMAR-11;300\n")
    assert read_targets(targets) == {("CMAR-84", 2024, "I1.3"): 879}
    assert read_key(key) == {"CMAR-84": 700, "CMAR-11": 300}
    first = template_targets(2024, targets=targets, key=key)
    derived = {k: v for k, v in first.items() if k[0] == "CMAR-11"}
    assert first[("CMAR-84", 2024, "I1.3")] == 879 and derived
    assert load_targets(2024, targets=targets, key=key) == load_targets(
        2024, targets=targets, key=key
    )
    copy = dict(first)
    first.clear()  # what a caller does with its mapping never reaches the next caller
    assert template_targets(2024, targets=targets, key=key) == copy

    # The same size and date, another content: both files are read again.
    _same_date(targets, "chambre;annee;code;cible\nCMAR-84;2024;I1.3;512\n")
    _same_date(key, "chambre;entreprises\nCMAR-84;300\nCMAR-11;700\n")
    assert read_targets(targets) == {("CMAR-84", 2024, "I1.3"): 512}
    assert read_key(key) == {"CMAR-84": 300, "CMAR-11": 700}
    second = template_targets(2024, targets=targets, key=key)
    assert second[("CMAR-84", 2024, "I1.3")] == 512
    assert all(second[k] > v for k, v in derived.items() if v), "derived from the new key"


def test_a_reference_file_broken_on_disk_is_reported_again(tmp_path: Path) -> None:
    key = _write(tmp_path, "cle.csv", "chambre;entreprises\nCMAR-84;700\n")
    assert read_key(key) == {"CMAR-84": 700}
    _same_date(key, "chambre;entreprises\nCMAR-99;700\n")
    for _ in range(2):  # errors are not kept: each call reports it
        with pytest.raises(DataFileError, match="CMAR-99"):
            read_key(key)
    key.unlink()
    with pytest.raises(DataFileError, match="illisible"):
        read_key(key)
