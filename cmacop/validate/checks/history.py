"""Last year's values for the plausibility checks (``--history DIR``).

``DIR`` is either the consolidated store (Parquet tables with the columns
``annee``, ``chambre``, ``code``, ``realise``, written by ``cmacop
consolidate``) or a folder of submissions (``.xlsx``/``.csv``). Unreadable
submissions in it are ignored: they were judged when they arrived.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cmacop.cop.catalogue import Catalogue
from cmacop.errors import DataFileError, InputFileError, UsageError, library_error_text
from cmacop.files.frenchcsv import parse_number
from cmacop.validate.checks import TargetKey
from cmacop.validate.checks.discovery import SUPPORTED_SUFFIXES, discover
from cmacop.validate.checks.identity import chamber_and_year

STORE_COLUMNS = ("annee", "chambre", "code", "realise")


def load_history(folder: str | Path, catalogue: Catalogue) -> dict[TargetKey, float]:
    """(chamber, year, code) → realised value, from a store or a folder of submissions."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(
            f"dossier d'historique introuvable : {folder}",
            hint="Indiquez le dossier du magasin consolidé ou celui des bilans de l'an dernier.",
        )
    tables = sorted(folder.rglob("*.parquet"))
    if tables:
        return _from_store(tables)
    return _from_submissions(folder, catalogue)


def _from_store(tables: list[Path]) -> dict[TargetKey, float]:
    import polars as pl

    history: dict[TargetKey, float] = {}
    for table in tables:
        try:
            names = pl.scan_parquet(table).collect_schema().names()
            if not set(STORE_COLUMNS) <= set(names):
                continue  # another table of the store (deposits, findings, audit)
            frame = (
                pl.read_parquet(table, columns=list(STORE_COLUMNS))
                .with_columns(pl.col("realise").cast(pl.Float64, strict=False))
                .drop_nulls()
            )
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise DataFileError(
                f"historique illisible : {table} ({library_error_text(exc) or 'format non reconnu'})"
            ) from None
        for year, chamber, code, value in frame.iter_rows():
            history[(str(chamber), int(year), str(code))] = float(value)
    return history


def _from_submissions(folder: Path, catalogue: Catalogue) -> dict[TargetKey, float]:
    from cmacop.validate.submission import read_submission

    codes = {i.code for i in catalogue.all_indicators}
    history: dict[TargetKey, float] = {}
    files, _ = discover([folder])
    for path in files:
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        try:
            sub = read_submission(path)
        except InputFileError:
            continue
        chamber, year = chamber_and_year(sub)
        if chamber is None or year is None:
            continue
        for row in sub.rows:
            value = _number(row.cells["Réalisé"].value) if "Réalisé" in row.cells else None
            if row.code in codes and value is not None:
                history.setdefault((chamber, year, row.code), value)
    return history


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        parsed = parse_number(value)
        return float(parsed.value) if parsed is not None else None
    return None
