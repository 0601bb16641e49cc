"""The bad-input corpus: one generated case per finding code, asserting the code and its cell."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from cmacop.validate.engine import validate_paths
from cmacop.validate.findings import CODES, ERROR, WARNING

YEAR = 2024


@dataclass
class Case:
    """Files to validate, the options, and where the finding must be."""

    code: str
    build: Callable[[Any, Path], list[Path]]
    location: str  # Finding.location: "Indicateurs!G5", "ligne 4, colonne realise" or ""
    options: Callable[[Any, Path], dict[str, Any]] = field(default=lambda make, tmp: {})
    indicator: str | None = None


def _edit(**cells: Any) -> Callable[[Any], None]:
    """An edit of the workbook: ``Indicateurs__G5=…`` sets Indicateurs!G5."""

    def edit(wb: Any) -> None:
        for key, value in cells.items():
            sheet, ref = key.split("__")
            wb[sheet][ref].value = value

    return edit


def _with_targets(make: Any, tmp: Path) -> dict[str, Any]:
    return {"targets": make.targets()}


def _zip_variant(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    """A copy of the workbook ``source`` with some parts replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.pop(info.filename, zin.read(info.filename)))
        for name, data in replace.items():
            zout.writestr(name, data)
    target.write_bytes(out.getvalue())
    return target


def _swap_rows(a: int, b: int) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        ws = wb["Indicateurs"]
        for col in range(1, 9):
            first, second = ws.cell(row=a, column=col), ws.cell(row=b, column=col)
            first.value, second.value = second.value, first.value

    return edit


def _clear_row(row: int) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        for col in range(1, 9):
            wb["Indicateurs"].cell(row=row, column=col).value = None

    return edit


def _rate_catalogue(make: Any) -> Any:
    """The catalogue with I1.4 counted as a rate (%), as an avenant could define one."""
    import dataclasses

    cat = make.catalogue
    rates = tuple(
        dataclasses.replace(i, unit="%") if i.code == "I1.4" else i for i in cat.indicators
    )
    return dataclasses.replace(cat, indicators=rates)


def _rate_maker(make: Any, tmp: Path) -> Any:
    from conftest import WorkbookMaker

    return WorkbookMaker(tmp, _rate_catalogue(make), make.registry)


def _percent_code(make: Any) -> str:
    return next(i.code for i in make.catalogue.impacts if i.unit == "%")


def _history(make: Any, tmp: Path) -> dict[str, Any]:
    last = make.values(year=YEAR - 1)
    last.update({"I1.3": 10, "I2.3": make.values()["I2.3"] + 5})
    make(year=YEAR - 1, values=last, folder=tmp / "historique")
    return {"history": tmp / "historique"}


NETWORK = ("CMAR-84", "CMAR-27", "CMAR-53", "CMAR-24", "CMAR-94", "CMAR-44", "CMAR-32", "CMAR-75")
BOMB = b"<sst>" + b" " * (60 * 1024 * 1024) + b"</sst>"
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheets><sheet name='&lol3;' sheetId='1'/></sheets></workbook>"
)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


CASES = {
    "format .pdf": Case(
        "E-STRUCT-001",
        lambda make, tmp: [_write(tmp / "depot" / "bilan.pdf", b"%PDF-1.4\n")],
        "",
    ),
    "pas un zip": Case(
        "E-STRUCT-002",
        lambda make, tmp: [_write(tmp / "depot" / "COM_2024_CMAR-84.xlsx", b"bonjour")],
        "",
    ),
    "chiffré": Case(
        "E-STRUCT-003",
        lambda make, tmp: [
            _write(tmp / "COM_2024_CMAR-84.xlsx", OLE + "EncryptedPackage".encode("utf-16-le"))
        ],
        "",
    ),
    "bombe zip": Case(
        "E-STRUCT-004",
        lambda make, tmp: [
            _zip_variant(make(), tmp / "bombe.xlsx", {"xl/sharedStrings.xml": BOMB}),
        ],
        "",
    ),
    "feuille absente": Case(
        "E-STRUCT-005", lambda make, tmp: [make(edit=lambda wb: wb.remove(wb["Impact"]))], ""
    ),
    "en-tête modifié": Case(
        "E-STRUCT-006",
        lambda make, tmp: [make(edit=_edit(Indicateurs__G1="Realise"))],
        "Indicateurs!G1",
    ),
    "lignes échangées": Case(
        "E-STRUCT-007", lambda make, tmp: [make(edit=_swap_rows(4, 5))], "Indicateurs!A4"
    ),
    "code inconnu": Case(
        "E-STRUCT-008",
        lambda make, tmp: [make(edit=_edit(Indicateurs__A5="I99.9"))],
        "Indicateurs!A5",
    ),
    "code en double": Case(
        "E-STRUCT-009",
        lambda make, tmp: [make(edit=_edit(Indicateurs__A5="I1.3"))],
        "Indicateurs!A5",
        indicator="I1.3",
    ),
    "ligne supprimée": Case(
        "E-STRUCT-010",
        lambda make, tmp: [make(edit=_clear_row(36))],
        "Indicateurs",
        indicator="I13.2",
    ),
    "libellé modifié": Case(
        "E-STRUCT-011",
        lambda make, tmp: [make(edit=_edit(Indicateurs__D3="PME accompagnées"))],
        "Indicateurs!D3",
        indicator="I1.2",
    ),
    "cible modifiée": Case(
        "E-STRUCT-012",
        lambda make, tmp: [make(edit=_edit(Indicateurs__F5=1))],
        "Indicateurs!F5",
        _with_targets,
        "I1.4",
    ),
    "modèle périmé": Case(
        "E-STRUCT-013",
        lambda make, tmp: [make(edit=_edit(_cmacop__B5="0" * 64))],
        "Identification!B4",
    ),
    "cellules fusionnées": Case(
        "E-STRUCT-014",
        lambda make, tmp: [make(edit=lambda wb: wb["Indicateurs"].merge_cells("G2:H2"))],
        "Indicateurs!G2",
    ),
    "chambre inconnue": Case(
        "E-IDENT-001",
        lambda make, tmp: [make(edit=_edit(Identification__B1="CMAR-99"))],
        "Identification!B1",
    ),
    "mauvaise année": Case(
        "E-IDENT-002", lambda make, tmp: [make()], "Identification!B3", lambda m, t: {"year": 2023}
    ),
    "mauvais dossier": Case(
        "E-IDENT-002",
        lambda make, tmp: [make(folder=tmp / "depot" / "2023")],
        "Identification!B3",
    ),
    "nom incohérent": Case(
        "W-IDENT-003", lambda make, tmp: [make(name="COM_2024_CMAR-11.xlsx")], ""
    ),
    "dépôt en double": Case(
        "E-IDENT-004",
        lambda make, tmp: _same_time([make(), make(name="COM_2024_CMAR-84_v2.xlsx")]),
        "Identification!B1",
    ),
    "identification incohérente": Case(
        "E-IDENT-005",
        lambda make, tmp: [make(edit=_edit(Identification__B1="CMAR-11"))],
        "Identification!B1",
    ),
    "dépôt dans le dossier d'une autre chambre": Case(
        "E-IDENT-007",
        lambda make, tmp: [make("CMAR-11", folder=make.root / "depot" / "2024" / "CMAR-84")],
        "Identification!B1",
    ),
    "date illisible": Case(
        "E-IDENT-006",
        lambda make, tmp: [make(sent="fin février")],
        "Identification!B5",
    ),
    "texte NC": Case(
        "E-VAL-001",
        lambda make, tmp: [make(values={"I1.4": "NC"})],
        "Indicateurs!G5",
        indicator="I1.4",
    ),
    "texte NC en CSV": Case(
        "E-VAL-001",
        lambda make, tmp: [make.csv(values={"I1.3": "n/a"})],
        "ligne 4, colonne realise",
    ),
    "nombre en texte": Case(
        "W-VAL-002", lambda make, tmp: [make(values={"I1.4": "1\u00a0200"})], "Indicateurs!G5"
    ),
    "décimales": Case(
        "E-VAL-003", lambda make, tmp: [make(values={"I1.4": 12.5})], "Indicateurs!G5"
    ),
    "décimales en CSV": Case(
        "E-VAL-003",
        lambda make, tmp: [make.csv(values={"I1.4": "12,5"})],
        "ligne 5, colonne realise",
    ),
    "négatif": Case("E-VAL-004", lambda make, tmp: [make(values={"I1.4": -3})], "Indicateurs!G5"),
    "date": Case(
        "E-VAL-005",
        lambda make, tmp: [make(values={"I1.4": datetime(2024, 5, 1)})],
        "Indicateurs!G5",
    ),
    "booléen": Case("E-VAL-006", lambda make, tmp: [make(values={"I1.4": True})], "Indicateurs!G5"),
    "formule non calculée": Case(
        "E-VAL-007", lambda make, tmp: [make(values={"I1.4": "=G2/2"})], "Indicateurs!G5"
    ),
    "erreur Excel": Case(
        "E-VAL-008", lambda make, tmp: [make(values={"I1.4": "#DIV/0!"})], "Indicateurs!G5"
    ),
    # Issue #12: an impact rate outside 0-100 % is a warning, never a rejection.
    "taux d'impact > 100": Case(
        "W-VAL-010",
        lambda make, tmp: [make(values={_percent_code(make): 150})],
        "Impact!G{row}",
    ),
    "taux d'impact négatif": Case(
        "W-VAL-010",
        lambda make, tmp: [make(values={_percent_code(make): -5})],
        "Impact!G{row}",
    ),
    # A rate that counts in the attainment (an avenant may add one) is still an error.
    "pourcentage > 100": Case(
        "E-VAL-009",
        lambda make, tmp: [_rate_maker(make, tmp)(values={"I1.4": 150})],
        "Indicateurs!G5",
        lambda make, tmp: {"catalogue": _rate_catalogue(make)},
    ),
    "montant d'impact pour 1 000 entreprises": Case(
        "W-PLAUS-007",
        lambda make, tmp: [make(values={"M2.3": 5_000_000})],
        "Impact!G7",
        lambda make, tmp: {"key": {"CMAR-84": 1000}},
        "M2.3",
    ),
    "réalisé manquant": Case(
        "E-COMPL-001",
        lambda make, tmp: [make(values={"I1.4": None})],
        "Indicateurs!G5",
        _with_targets,
    ),
    "réalisé manquant sans --targets": Case(
        "E-COMPL-001", lambda make, tmp: [make(values={"I1.4": " "})], "Indicateurs!G5"
    ),
    "date absente": Case("E-COMPL-002", lambda make, tmp: [make(sent=None)], "Identification!B5"),
    "plafond dépassé": Case(
        "E-COHER-001", lambda make, tmp: [make(values={"I1.2": 401})], "Indicateurs!G3"
    ),
    "plafond dépassé en CSV": Case(
        "E-COHER-001",
        lambda make, tmp: [make.csv(values={"I6.3": 5000})],
        "ligne 18, colonne realise",
    ),
    "borne d'ordinaire respectée dépassée": Case(
        "W-COHER-002",
        lambda make, tmp: [make(values={"I3.4": 401})],
        "Indicateurs!G13",
        indicator="I3.4",
    ),
    "borne d'ordinaire respectée dépassée en CSV": Case(
        "W-COHER-002",
        lambda make, tmp: [make.csv(values={"I13.2": 5000})],
        "ligne 36, colonne realise",
    ),
    "trop haut": Case(
        "W-PLAUS-001", lambda make, tmp: [make(values={"I1.4": 1000})], "Indicateurs!G5"
    ),
    "trop bas": Case("W-PLAUS-002", lambda make, tmp: [make(values={"I1.4": 1})], "Indicateurs!G5"),
    "variation": Case("W-PLAUS-003", lambda make, tmp: [make()], "Indicateurs!G4", _history),
    "stock en baisse": Case("W-PLAUS-004", lambda make, tmp: [make()], "Indicateurs!G9", _history),
    "écart non justifié": Case(
        "W-PLAUS-005", lambda make, tmp: [make(values={"I1.4": 50})], "Indicateurs!H5"
    ),
    "valeur atypique au regard du réseau": Case(
        "W-PLAUS-006",
        lambda make, tmp: [
            make(c, values={"I1.3": 520} if c == "CMAR-75" else None, targets=make.targets(c))
            for c in NETWORK
        ],
        "Indicateurs!G4",
        lambda make, tmp: {"key": dict.fromkeys(NETWORK, 1000)},
        "I1.3",
    ),
    "hors délai": Case(
        "W-DELAI-001", lambda make, tmp: [make(sent=date(2025, 3, 3))], "Identification!B5"
    ),
    "entités XML": Case(
        "E-STRUCT-004",
        lambda make, tmp: [_zip_variant(make(), tmp / "rires.xlsx", {"xl/workbook.xml": LAUGHS})],
        "",
    ),
    "ancien .xls renommé": Case(
        "E-STRUCT-001", lambda make, tmp: [_write(tmp / "COM_2024_CMAR-84.xlsx", OLE)], ""
    ),
}


def _same_time(paths: list[Path]) -> list[Path]:
    """Files that neither date of transmission nor modification time tells apart."""
    import os

    for path in paths:
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return paths


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", list(CASES))
def test_each_bad_input_gives_its_code_at_its_cell(name, make_workbook, tmp_path):
    case = CASES[name]
    paths = case.build(make_workbook, tmp_path)
    report = validate_paths(paths, **case.options(make_workbook, tmp_path))
    location = case.location.format(row=make_workbook.row(_percent_code(make_workbook)))
    found = [(f.code, f.location) for f in report.findings]
    assert (case.code, location) in found, found
    finding = next(f for f in report.findings if (f.code, f.location) == (case.code, location))
    assert finding.severity == (ERROR if case.code.startswith("E-") else WARNING)
    assert finding.message and finding.hint
    # Advice is the chamber's: never a cmacop command (the controller's goes to ``command``).
    assert all("cmacop" not in (f.hint or "") for f in report.findings), name
    if case.indicator:
        assert finding.indicator == case.indicator
    assert report.exit_code == (1 if finding.is_error else 0)


def test_every_registered_code_has_a_case():
    assert {case.code for case in CASES.values()} == set(CODES)


def test_a_valid_workbook_has_no_finding(make_workbook):
    report = validate_paths([make_workbook()], targets=make_workbook.targets(), year=YEAR)
    assert report.findings == ()
    assert report.exit_code == 0
    assert report.files[0].chamber == "CMAR-84"
    assert report.files[0].sent_on == date(2025, 2, 15)


def test_all_findings_of_all_files_in_one_run(make_workbook, tmp_path):
    bad = make_workbook(values={"I1.4": "NC", "I1.2": 401}, sent=None)
    other = make_workbook("CMAR-11", values={"I1.4": -1}, targets=make_workbook.targets("CMAR-11"))
    report = validate_paths([bad, other])
    # Issue 13: one finding per cell (no warning on a cell with an error), errors first.
    assert [(f.code, f.location) for f in report.files[0].findings] == [
        ("E-COMPL-002", "Identification!B5"),
        ("E-COHER-001", "Indicateurs!G3"),
        ("E-VAL-001", "Indicateurs!G5"),
    ]
    assert [(f.code, f.location) for f in report.files[1].findings] == [
        ("E-VAL-004", "Indicateurs!G5"),
    ]


def test_ceiling_message_names_both_cells(make_workbook):
    report = validate_paths([make_workbook(values={"I1.2": 401})])
    (finding,) = [f for f in report.findings if f.code == "E-COHER-001"]
    assert finding.message.startswith(
        "I1.2 (Indicateurs!G3 = 401) dépasse I1.1 (Indicateurs!G2 = 400) : "
    )


@pytest.mark.parametrize(
    ("code", "bound", "severity"),
    [("I1.2", "I1.1", ERROR), ("I6.3", "I6.2", ERROR), ("I3.4", "I3.3", WARNING),
     ("I13.2", "I13.1", WARNING)],
)  # fmt: skip
def test_each_bound_between_indicators_has_its_severity(make_workbook, code, bound, severity):
    """I1.2 ≤ I1.1 and the « dont » I6.3 ≤ I6.2 reject the file; I3.4 ≤ I3.3 and
    I13.2 ≤ I13.1 only warn: implementation or proposals can follow last year's work."""
    report = validate_paths([make_workbook(values={code: 401})])
    (finding,) = [f for f in report.findings if f.code.split("-")[1] == "COHER"]
    assert (finding.indicator, finding.severity) == (code, severity)
    assert finding.location == f"Indicateurs!G{make_workbook.row(code)}"
    assert f"dépasse {bound} (Indicateurs!G{make_workbook.row(bound)} = 400)" in finding.message
    assert report.exit_code == (1 if severity == ERROR else 0)
    assert report.files[0].valid is (severity == WARNING)


def test_the_warning_bound_asks_for_a_comment(make_workbook):
    report = validate_paths([make_workbook(values={"I3.4": 401})])
    (finding,) = [f for f in report.findings if f.code == "W-COHER-002"]
    assert finding.message == (
        "I3.4 (Indicateurs!G13 = 401) dépasse I3.3 (Indicateurs!G12 = 400) : « Entreprises "
        "ayant mis en œuvre les solutions numériques proposées » ne dépasse pas d'ordinaire "
        "« Entreprises accompagnées vers des solutions concrètes »"
    )
    assert finding.hint == (
        "À expliquer en commentaire si les mises en œuvre suivent des accompagnements de "
        "l'année précédente."
    )


def test_year_messages(make_workbook, tmp_path):
    path = make_workbook(folder=tmp_path / "depot" / "2023")
    # One finding per cell: both reasons in one message (issue 13).
    assert [f.message for f in validate_paths([path], year=2025).findings] == [
        "bilan de l'année 2024 alors que l'année contrôlée est 2025 et déposé dans le "
        "dossier « 2023 »",
    ]


def test_duplicate_names_the_other_file(make_workbook):
    first, second = _same_time([make_workbook(), make_workbook(name="COM_2024_CMAR-84_v2.xlsx")])
    report = validate_paths([first, second])
    messages = [f.message for f in report.findings if f.code == "E-IDENT-004"]
    same = "même date de transmission et même heure d'enregistrement"
    assert messages == [
        f"deux dépôts pour CMAR-84 en 2024 : ce fichier et {second}, {same}",
        f"deux dépôts pour CMAR-84 en 2024 : ce fichier et {first}, {same}",
    ]


def test_cible_column_is_the_target_without_targets_file(make_workbook):
    path = make_workbook(values={"I1.4": 1000})
    (finding,) = validate_paths([path]).findings
    assert finding.message == "réalisé (1\u202f000) supérieur à 3 fois la cible (53)"


def test_derived_targets_fill_what_the_com_does_not_set(make_workbook):
    """With a key, an indicator without COM target gets the derived one (cmacop.cop.targets)."""
    targets = make_workbook.targets()
    com = {k: v for k, v in targets.items() if k[2] != "I9.2"}
    path = make_workbook(values={"I9.2": None})
    key = {"CMAR-84": 1}  # the whole national target goes to CMAR-84
    report = validate_paths([path], targets=com, key=key)
    codes = {(f.code, f.location) for f in report.findings}
    assert ("E-STRUCT-012", "Indicateurs!F31") in codes  # the derived target is not 79
    assert ("E-COMPL-001", "Indicateurs!G31") in codes
    without_key = validate_paths([path], targets=com)
    assert ("E-STRUCT-012", "Indicateurs!F31") not in {
        (f.code, f.location) for f in without_key.findings
    }


def test_thresholds_are_configurable(make_workbook):
    from cmacop.campaign.settings import Settings, Thresholds

    path = make_workbook(values={"I1.4": 120})
    assert [f.code for f in validate_paths([path]).findings] == []
    report = validate_paths([path], settings=Settings(thresholds=Thresholds(high=2)))
    assert [f.code for f in report.findings] == ["W-PLAUS-001"]


def test_history_from_the_consolidated_store(make_workbook, tmp_path):
    import polars as pl

    store = tmp_path / "consolidation" / "donnees" / "annee=2023"
    store.mkdir(parents=True)
    pl.DataFrame(
        {"annee": [2023, 2023], "chambre": ["CMAR-84", "CMAR-84"], "code": ["I2.3", "I1.3"],
         "realise": [80.0, 10.0]}
    ).write_parquet(store / "data.parquet")  # fmt: skip
    report = validate_paths([make_workbook()], history=tmp_path / "consolidation")
    assert [(f.code, f.location) for f in report.findings] == [
        ("W-PLAUS-003", "Indicateurs!G4"),
        ("W-PLAUS-004", "Indicateurs!G9"),
    ]


def test_strict_counts_warnings(make_workbook):
    path = make_workbook(values={"I1.4": 1000})
    assert validate_paths([path]).exit_code == 0
    strict = validate_paths([path], strict=True)
    assert strict.exit_code == 1
    assert strict.to_dict()["fichiers"][0]["statut"] == "invalide"


def test_rules_come_from_the_catalogue(catalogue_text, tmp_path, registry):
    """An avenant is a data edit: a new "must not exceed" rule is checked without code."""
    from conftest import WorkbookMaker

    from cmacop.cop.catalogue import load_catalogue

    edited = catalogue_text.replace('code = "I1.4"\n', 'code = "I1.4"\nplafond = "I1.3"\n', 1)
    path = tmp_path / "avenant.toml"
    path.write_text(edited, encoding="utf-8")
    avenant = load_catalogue(path)
    make = WorkbookMaker(tmp_path, avenant, registry)
    report = validate_paths([make(values={"I1.3": 10})], catalogue=avenant)
    assert ("E-COHER-001", "Indicateurs!G5") in [(f.code, f.location) for f in report.findings]
    shipped = validate_paths([make(values={"I1.3": 10}, name="autre.xlsx")])
    assert "E-COHER-001" not in [f.code for f in shipped.findings]
