"""The consolidation history store: Parquet tables partitioned by year, and its lock.

Layout (every table readable by polars, DuckDB or pandas without cmacop)::

    consolidation/
      donnees/annee=2024/data.parquet    tidy table, one row per submitted cell
      depots/annee=2024/data.parquet     every file seen: accepted, rejected or replaced
      constats/annee=2024/data.parquet   findings of those files (warnings kept, errors listed)
      audit/annee=2024/data.parquet      replacements: old → new file hash, every changed value
      .cmacop.lock                       present while a run writes

Each file is replaced atomically (temporary file, then rename) and only when its
content changes, so a rerun on the same inputs rewrites nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from cmacop.campaign.layout import AUDIT, DATA, DEPOSITS, FINDINGS, STORE_DIR, STORE_LOCK
from cmacop.errors import CmacopError, failed_folder, folder_error, library_error_text
from cmacop.files.fsutil import write_with
from cmacop.files.lockfile import hold, holder_text, is_stale, read_holder

STORE_DIRNAME = STORE_DIR
LOCK_NAME = STORE_LOCK

_TS = pl.Datetime("us", "UTC")
SCHEMAS: dict[str, dict[str, Any]] = {
    DATA: {
        "annee": pl.Int64,
        "chambre": pl.String,
        "code": pl.String,
        "realise": pl.Float64,
        "cible": pl.Int64,
        "commentaire": pl.String,
        "fichier": pl.String,
        "feuille": pl.String,
        "cellule": pl.String,
        "sha256": pl.String,
        "transmis_le": pl.Date,
        "version_modele": pl.String,
    },
    DEPOSITS: {
        "annee": pl.Int64,
        "chambre": pl.String,
        "fichier": pl.String,
        "sha256": pl.String,
        "transmis_le": pl.Date,
        "recu_le": _TS,
        "version_modele": pl.String,
        "statut": pl.String,
        "erreurs": pl.Int64,
        "avertissements": pl.Int64,
        "consolide_le": _TS,
    },
    FINDINGS: {
        "annee": pl.Int64,
        "chambre": pl.String,
        "fichier": pl.String,
        "sha256": pl.String,
        "code": pl.String,
        "gravite": pl.String,
        "feuille": pl.String,
        "cellule": pl.String,
        "indicateur": pl.String,
        "valeur": pl.String,
        "message": pl.String,
        "conseil": pl.String,
    },
    AUDIT: {
        "horodatage": _TS,
        "annee": pl.Int64,
        "chambre": pl.String,
        "ancien_fichier": pl.String,
        "nouveau_fichier": pl.String,
        "ancien_sha256": pl.String,
        "nouveau_sha256": pl.String,
        "code": pl.String,
        "champ": pl.String,
        "ancienne_valeur": pl.String,
        "nouvelle_valeur": pl.String,
    },
}
# Columns added after the first release: a partition written before has none, and reads
# as if they were empty. (Older cmacop versions read newer partitions: they select the
# columns they know.)
ADDED_COLUMNS: dict[str, tuple[str, ...]] = {DEPOSITS: ("recu_le",)}
# Commit order of a year. The deposits table says which file is current: it goes last,
# so a run interrupted between two renames is redone by the next one, and the audit
# goes first, its lines not repeated when that run is redone (see ``consolidate``).
COMMIT_ORDER = (AUDIT, FINDINGS, DATA, DEPOSITS)


class StoreLockedError(CmacopError):
    """Another run is writing the store (documented exit code 3)."""

    code = "E-VERROU"
    exit_code = 3


class StoreError(CmacopError):
    """The store holds a file cmacop cannot use."""

    code = "E-DEPOT"
    exit_code = 4


def unwritable(root: Path, exc: OSError) -> CmacopError:
    """A French error for a store folder the system refuses to write (rights, disk, path)."""
    return folder_error(
        exc, folder=_folder_of(root, exc), label="le dépôt de consolidation", cls=StoreError
    )


def _folder_of(root: Path, exc: OSError) -> str:
    """The store's folder the error names (``…/donnees/annee=2024``), else the store's root."""
    found = failed_folder(exc)
    return str(found if found is not None else root)


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[table])


def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with exactly the table's columns, in order and with their types."""
    schema = SCHEMAS[table]
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


@dataclass(frozen=True)
class Store:
    """A history store folder; reading never needs the lock, writing always does."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    def partition(self, table: str, year: int) -> Path:
        return self.root / table / f"annee={year}" / "data.parquet"

    def years(self, table: str = DATA) -> list[int]:
        """Years that have a partition of ``table``, ascending."""
        folder = self.root / table
        if not folder.is_dir():
            return []
        found = []
        for child in folder.iterdir():
            name = child.name
            if (
                name.startswith("annee=")
                and name[6:].isdigit()
                and (child / "data.parquet").is_file()
            ):
                found.append(int(name[6:]))
        return sorted(found)

    def read(self, table: str, year: int) -> pl.DataFrame:
        """One year of ``table``; an empty frame with the table's columns when absent."""
        path = self.partition(table, year)
        if not path.is_file():
            return empty(table)
        try:
            frame = pl.read_parquet(path)
        except Exception as exc:  # polars raises several types for a damaged file
            raise StoreError(
                f"dépôt de consolidation : fichier illisible {path} "
                f"({library_error_text(exc) or 'format non reconnu'})",
                hint="Restaurez ce fichier depuis la sauvegarde, ou supprimez-le puis "
                "relancez « cmacop consolidate » sur les fichiers de cette année.",
            ) from None
        missing = [c for c in SCHEMAS[table] if c not in frame.columns]
        added = [c for c in missing if c in ADDED_COLUMNS.get(table, ())]
        if added:
            frame = frame.with_columns(pl.lit(None).alias(c) for c in added)
            missing = [c for c in missing if c not in added]
        if missing:
            raise StoreError(
                f"dépôt de consolidation : {path} n'a pas les colonnes {', '.join(missing)}",
                hint="Ce fichier n'a pas été écrit par cmacop ou date d'une autre version.",
            )
        return conform(table, frame)

    def write(
        self, table: str, year: int, frame: pl.DataFrame, *, stored: pl.DataFrame | None = None
    ) -> bool:
        """Replace one year of ``table`` atomically; False (nothing written) when unchanged.

        ``stored``: the partition as :meth:`read` returns it, when the caller holds
        it already (read under the same lock): it is not read again to compare.
        """
        frame = conform(table, frame)
        path = self.partition(table, year)
        if path.is_file() and (stored if stored is not None else self.read(table, year)).equals(
            frame
        ):
            return False
        write_with(path, lambda tmp: frame.write_parquet(tmp))
        return True

    def lock(
        self, *, timeout: float = 0.0, command: str = ""
    ) -> contextlib.AbstractContextManager[None]:
        return store_lock(self.root, timeout=timeout, command=command)

    def ensure_unlocked(self) -> None:
        """Refuse to read while a live run writes (its files may be half-committed)."""
        path = self.root / LOCK_NAME
        if not path.exists():
            return
        holder = read_holder(path)
        if holder is None or not is_stale(path, holder):
            raise StoreLockedError(_locked_message(self.root, holder), hint=_locked_hint(path))


# --------------------------------------------------------------------------- lock
# The lock file mechanics live in ``lockfile.py`` (shared with ``cmacop run``'s own lock).


def _locked_message(root: Path, holder: dict[str, Any] | None) -> str:
    if holder is None:
        who = "une autre exécution de cmacop"
    else:
        who = f"une autre exécution de cmacop ({holder_text(holder)})"
    return f"le dépôt de consolidation {root} est verrouillé par {who}"


def _locked_hint(path: Path) -> str:
    return (
        "Attendez la fin de l'autre exécution puis relancez (ou ajoutez --wait SECONDES). "
        f"Si aucune exécution n'est en cours, supprimez le fichier {path}."
    )


@contextlib.contextmanager
def store_lock(root: Path, *, timeout: float = 0.0, command: str = "") -> Iterator[None]:
    """Hold ``root/.cmacop.lock`` while writing; raise :class:`StoreLockedError` if held.

    ``timeout`` seconds are waited for the other run to finish (0: fail at once).
    A lock left by a dead process on this host is taken over.
    """
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unwritable(root, exc) from None
    path = root / LOCK_NAME
    with hold(
        path,
        timeout=timeout,
        command=command,
        locked=lambda holder: StoreLockedError(
            _locked_message(root, holder), hint=_locked_hint(path)
        ),
        unwritable=lambda exc: unwritable(root, exc),
    ):
        yield
