"""The store's exports for people, rewritten beside its tables after each consolidation.

``donnees_<année>.csv`` and ``completude_<année>.csv`` as French Excel opens them
(UTF-8 with BOM, ``;``, decimal comma) and the workbook ``consolidation_<année>.xlsx``
(``files/xlsxwrite.py``): French headers, column widths, a filter on every sheet, real
dates and French number formats; text typed by chambers can never become a live formula
there. The CSV keep the store's column names: tools read them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmacop.consolidate.store import AUDIT, DATA, DEPOSITS, FINDINGS, SCHEMAS, Store
from cmacop.files.fsutil import write_bytes_atomic
from cmacop.files.xlsxwrite import Column, Sheet, xlsx_bytes
from cmacop.french import french_csv

if TYPE_CHECKING:
    import polars as pl

    from cmacop.consolidate.completeness import Completeness

COMPLETENESS_COLUMNS = (
    "chambre", "nom", "statut", "transmis_le", "recu_le", "fichier", "sha256", "erreurs",
    "avertissements",
)  # fmt: skip
# The CompletenessRow attribute behind each of COMPLETENESS_COLUMNS.
_COMPLETENESS_FIELDS = (
    "chamber", "name", "status", "sent_on", "received", "file", "sha256", "errors", "warnings",
)  # fmt: skip
SHEETS = (
    ("Données", DATA),
    ("Dépôts", DEPOSITS),
    ("Constats", FINDINGS),
    ("Audit", AUDIT),
)

# What each column of the store is called in the workbook, its width and its numbers.
_NUMBER = "nombre"
HEADERS: dict[str, Column] = {
    "annee": Column("Année", 8),
    "chambre": Column("Chambre", 12),
    "nom": Column("Nom", 34),
    "statut": Column("Statut", 12),
    "code": Column("Indicateur", 11),
    "realise": Column("Réalisé", 12, _NUMBER),
    "cible": Column("Cible", 10, _NUMBER),
    "commentaire": Column("Commentaire", 50),
    "fichier": Column("Fichier", 42),
    "feuille": Column("Feuille", 13),
    "cellule": Column("Cellule", 10),
    "sha256": Column("SHA-256", 20),
    "transmis_le": Column("Transmis le (déclaré)", 21),
    "recu_le": Column("Reçu le", 17),
    "version_modele": Column("Version du modèle", 28),
    "erreurs": Column("Erreurs", 9, _NUMBER),
    "avertissements": Column("Avertissements", 15, _NUMBER),
    "consolide_le": Column("Consolidé le", 17),
    "gravite": Column("Gravité", 14),
    "indicateur": Column("Indicateur", 11),
    "valeur": Column("Valeur", 16),
    "message": Column("Message", 70),
    "conseil": Column("Conseil", 70),
    "horodatage": Column("Horodatage", 17),
    "ancien_fichier": Column("Ancien fichier", 42),
    "nouveau_fichier": Column("Nouveau fichier", 42),
    "ancien_sha256": Column("Ancien SHA-256", 20),
    "nouveau_sha256": Column("Nouveau SHA-256", 20),
    "champ": Column("Champ", 12),
    "ancienne_valeur": Column("Ancienne valeur", 16),
    "nouvelle_valeur": Column("Nouvelle valeur", 16),
}
# Where a name means something else: a finding's code is not an indicator's.
_HEADERS_OF: dict[str, dict[str, Column]] = {FINDINGS: {"code": Column("Constat", 13)}}


def workbook_columns(table: str | None, names: Iterable[str]) -> list[Column]:
    """The workbook's columns for these store column names (``table``: its own names)."""
    own = _HEADERS_OF.get(table or "", {})
    return [own.get(n) or HEADERS.get(n) or Column(n) for n in names]


def export_names(year: int) -> tuple[str, str, str]:
    """Tidy table CSV, completeness CSV and workbook written beside the store's tables."""
    return (f"donnees_{year}.csv", f"completude_{year}.csv", f"consolidation_{year}.xlsx")


def completeness_rows(comp: Completeness) -> list[list[Any]]:
    return [[getattr(r, name) for name in _COMPLETENESS_FIELDS] for r in comp.rows]


def write_store_exports(
    store: Store,
    year: int,
    comp: Completeness,
    tables: Mapping[str, pl.DataFrame] | None = None,
) -> list[Path]:
    """Rewrite the year's CSV and Excel exports from the store's tables.

    ``tables``: the year's tables as just committed (else they are read back).
    """
    data_csv, comp_csv, book = (store.root / n for n in export_names(year))
    tables = {
        table: tables[table] if tables is not None else store.read(table, year)
        for _, table in SHEETS
    }
    data = tables[DATA]
    write_bytes_atomic(data_csv, french_csv(data.iter_rows(), data.columns))
    write_bytes_atomic(comp_csv, french_csv(completeness_rows(comp), COMPLETENESS_COLUMNS))
    sheets: list[Sheet] = [
        (title, workbook_columns(table, SCHEMAS[table]), tables[table].iter_rows())
        for title, table in SHEETS
    ]
    sheets.insert(
        1,
        ("Complétude", workbook_columns(None, COMPLETENESS_COLUMNS), completeness_rows(comp)),
    )
    write_bytes_atomic(book, xlsx_bytes(sheets))
    return [data_csv, comp_csv, book]


def exports_missing(store: Store, year: int) -> bool:
    return not all((store.root / n).is_file() for n in export_names(year))
