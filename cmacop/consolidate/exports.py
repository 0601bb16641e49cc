"""The store's exports for people, rewritten beside its tables after each consolidation.

``donnees_<année>.csv`` and ``completude_<année>.csv`` as French Excel opens them
(UTF-8 with BOM, ``;``, decimal comma) and the workbook ``consolidation_<année>.xlsx``
(``files/xlsxwrite.py``); text typed by chambers can never become a live formula there.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmacop.consolidate.store import AUDIT, DATA, DEPOSITS, FINDINGS, SCHEMAS, Store
from cmacop.files.fsutil import write_bytes_atomic
from cmacop.files.xlsxwrite import Sheet, xlsx_bytes
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
        (title, list(SCHEMAS[table]), tables[table].iter_rows()) for title, table in SHEETS
    ]
    sheets.insert(1, ("Complétude", COMPLETENESS_COLUMNS, completeness_rows(comp)))
    write_bytes_atomic(book, xlsx_bytes(sheets))
    return [data_csv, comp_csv, book]


def exports_missing(store: Store, year: int) -> bool:
    return not all((store.root / n).is_file() for n in export_names(year))
