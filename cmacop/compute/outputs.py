"""Files written for people and machines: store exports, compute results, run manifest.

Exports for people (beside the store) are CSV as French Excel opens it (UTF-8
with BOM, ``;``, decimal comma) and an Excel workbook (``xlsxwrite.py``); text
typed by chambers can never become a live formula there. Machine files of
``cmacop compute`` are UTF-8 CSV with ``,`` and ``.`` decimals, plus a JSON
manifest. Their terminal rendering is in ``render_results.py``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmacop.consolidate.store import AUDIT, DATA, DEPOSITS, FINDINGS, SCHEMAS, Store
from cmacop.errors import CmacopError
from cmacop.files.fsutil import sha256_bytes, write_bytes_atomic
from cmacop.files.xlsxwrite import Sheet, xlsx_bytes
from cmacop.french import formula_safe, to_csv, to_json

if TYPE_CHECKING:
    import polars as pl

    from cmacop.compute.year import YearResults
    from cmacop.consolidate.completeness import Completeness

COMPLETENESS_COLUMNS = (
    "chambre", "nom", "statut", "transmis_le", "fichier", "sha256", "erreurs", "avertissements",
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


# --------------------------------------------------------------------------- for people


def _french(value: Any) -> str:
    """A cell of a French-Excel CSV: decimal comma, dd/mm/yyyy, text made formula-safe."""
    if value is None:
        return ""
    if type(value) is str:  # most cells: skip the type tests
        return formula_safe(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone().strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return formula_safe(str(value))


def french_csv(rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> bytes:
    """CSV for French Excel: UTF-8 with BOM, ``;``, CRLF, formula-safe text."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_french(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def completeness_rows(comp: Completeness) -> list[list[Any]]:
    return [
        [r.chamber, r.name, r.status, r.sent_on, r.file, r.sha256, r.errors, r.warnings]
        for r in comp.rows
    ]


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


# --------------------------------------------------------------------------- for machines

TARGET_COLUMNS = ("chambre", "code", "cible", "origine")
ATTAINMENT_COLUMNS = ("chambre", "code", "cible", "realise", "taux")
AXIS_COLUMNS = ("chambre", "axe", "taux", "poids")
MODULATION_COLUMNS = (
    "chambre", "base", "part_performance", "part_fonctionnement", "reduction", "dotation_finale",
)  # fmt: skip


RESULTS_DIR = "resultats"


class OutputError(CmacopError):
    """The output folder cannot be written."""

    code = "E-SORTIE"
    exit_code = 4


def default_out_dir(store: str | Path, year: int) -> Path:
    """``resultats/<année>/`` of the campaign (the store folder's parent)."""
    return Path(store).parent / RESULTS_DIR / str(year)


def output_names(year: int) -> dict[str, str]:
    return {
        "cibles": f"cibles_{year}.csv",
        "atteinte": f"atteinte_{year}.csv",
        "axes": f"axes_{year}.csv",
        "modulation": f"modulation_{year}.csv",
        "manifeste": f"manifeste_{year}.json",
    }


def render_outputs(results: YearResults) -> dict[str, bytes]:
    """The machine files of a computed year, by file name (manifest excluded)."""
    from cmacop.compute.attainment import rate_str

    names = output_names(results.year)
    files = {
        names["cibles"]: to_csv(
            (r.to_dict() for r in results.targets if r.target is not None), TARGET_COLUMNS
        ),
        names["atteinte"]: to_csv(
            (
                {
                    "chambre": r.chamber,
                    "code": r.code,
                    "cible": r.target,
                    "realise": r.realised,
                    "taux": rate_str(r.rate),
                }
                for r in results.attainment.indicators
            ),
            ATTAINMENT_COLUMNS,
        ),
        names["axes"]: to_csv(
            (
                {"chambre": r.chamber, "axe": r.axis, "taux": rate_str(r.rate), "poids": r.weight}
                for r in results.attainment.axes
            ),
            AXIS_COLUMNS,
        ),
    }
    mod = results.modulation
    if mod is not None:
        axes = list(mod.axis_weights)
        columns = [*MODULATION_COLUMNS, *(f"reduction_axe_{a}" for a in axes)]
        rows = []
        for line in mod.lines:
            row: dict[str, Any] = {
                "chambre": line.chamber,
                "base": line.base,
                "part_performance": line.performance_part,
                "part_fonctionnement": line.operating_part,
                "reduction": line.reduction,
                "dotation_finale": line.final,
            }
            row.update({f"reduction_axe_{a}": line.axis_reductions[a] for a in axes})
            rows.append(row)
        files[names["modulation"]] = to_csv(rows, columns)
    return {name: text.encode("utf-8") for name, text in files.items()}


def write_outputs(results: YearResults, out_dir: str | Path) -> list[Path]:
    """Write the machine files and the manifest (with the outputs' SHA-256) atomically."""
    out = Path(out_dir)
    files = render_outputs(results)
    manifest = dict(results.manifest)
    manifest["fichiers_sortie"] = [
        {"fichier": name, "sha256": sha256_bytes(data)} for name, data in files.items()
    ]
    files[output_names(results.year)["manifeste"]] = to_json(manifest).encode("utf-8")
    written = []
    try:
        for name, data in files.items():
            write_bytes_atomic(out / name, data)
            written.append(out / name)
    except OSError as exc:
        raise OutputError(
            f"écriture impossible dans le dossier de sortie {out} ({exc.strerror or exc})",
            hint="Vérifiez le chemin (--out), les droits d'écriture et la place disponible.",
        ) from None
    return written
