"""``cmacop consolidate``: the validated submissions of a year into the history store.

Validation (the same checks as ``cmacop validate``) decides which files are
accepted; ``merge.py`` turns accepted files into tidy rows, replaces a
chamber's year when a corrected version arrives and writes the audit;
``completeness.py`` says where each chamber stands. Rejected files are
recorded and listed with their findings, never silently dropped. Several years
in one call: ``multiyear.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmacop.campaign.config import Config
from cmacop.campaign.settings import Settings, TargetKey, settings_for
from cmacop.campaign.statuses import NOT_RECORDED, OUTCOMES, REJECTED
from cmacop.consolidate.completeness import Completeness, completeness
from cmacop.consolidate.exports import exports_missing, write_store_exports
from cmacop.consolidate.merge import YearTables
from cmacop.consolidate.outcomes import AuditLine, FileOutcome, findings_of
from cmacop.consolidate.store import STORE_DIRNAME, Store, unwritable
from cmacop.cop.catalogue import Catalogue, load_catalogue
from cmacop.cop.contract import check_year
from cmacop.cop.registry import Registry, load_registry
from cmacop.errors import UsageError
from cmacop.validate.engine import Source

if TYPE_CHECKING:
    from cmacop.validate.engine import FileResult, ValidationReport


@dataclass(frozen=True)
class ConsolidationResult:
    """The twin of ``cmacop consolidate``: files, audit lines of this run, completeness."""

    year: int
    store: Path
    files: tuple[FileOutcome, ...]
    audit: tuple[AuditLine, ...]
    completeness: Completeness
    written: tuple[Path, ...] = ()
    skipped: tuple[tuple[Path, str], ...] = ()  # lock and temporary files, never read
    # The validation behind ``files`` (same order), for callers that report per file.
    validation: ValidationReport | None = field(default=None, compare=False, repr=False)

    @property
    def rejected(self) -> tuple[FileOutcome, ...]:
        return tuple(f for f in self.files if f.outcome == REJECTED)

    @property
    def changed(self) -> bool:
        return bool(self.written)

    @property
    def exit_code(self) -> int:
        """1 when a file was rejected (data errors found), else 0; 4 when a file was not
        recorded because its annotated copy could not be written."""
        if any(f.outcome == NOT_RECORDED for f in self.files):
            return 4
        return 1 if self.rejected else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "depot": str(self.store),
            "fichiers": [f.to_dict() for f in self.files],
            "totaux": {
                s: n
                for s in (*OUTCOMES, NOT_RECORDED)
                if (n := sum(1 for f in self.files if f.outcome == s)) or s != NOT_RECORDED
            },
            "audit": [a.to_dict() for a in self.audit],
            "completude": self.completeness.to_dict(),
            "ecrits": [str(p) for p in self.written],
            "ignores": [{"fichier": str(p), "raison": r} for p, r in self.skipped],
        }


# --------------------------------------------------------------------------- store defaults


def default_store(paths: Sequence[Path]) -> Path:
    """``consolidation/`` beside the inputs: the campaign's one for ``…/depot/<année>/``.

    Never inside an input folder, so that a later run over that folder does not
    read the store's CSV exports as submissions.
    """
    folders = [p if p.is_dir() else p.parent for p in paths]
    common = Path(os.path.commonpath([str(f.resolve()) for f in folders]))
    if common.name.isdigit() and common.parent.name == "depot":
        return common.parent.parent / STORE_DIRNAME
    if common.name == "depot":
        return common.parent / STORE_DIRNAME
    if any(p.is_dir() for p in paths):
        return common.parent / STORE_DIRNAME
    return common / STORE_DIRNAME


def stored_name(path: Path, root: Path) -> str:
    """A file's name as recorded: relative to the store's parent folder when inside it."""
    return _stored_name(path, root.resolve().parent)


def _stored_name(path: Path, base: Path) -> str:
    """:func:`stored_name` with the store's parent folder already resolved."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(base).as_posix()
    except ValueError:
        return resolved.as_posix()


# --------------------------------------------------------------------------- dates of receipt


def received_dates(
    items: Sequence[Path | Source], report: ValidationReport, settings: Settings
) -> dict[Path, datetime]:
    """Each validated file's date of receipt: when it appeared in the deposit folder.

    As the caller knows it (``Source.received``: ``cmacop run`` notes each file's date when
    it first sees it), else the date recorded by hand in ``referentiel.receptions`` for a
    file of the campaign's deposit folder, else the file's modification time.
    """
    from cmacop.cop.referentiel import reception_of

    known = {i.path: i.received for i in items if isinstance(i, Source) and i.received}
    cfg = settings.config
    receptions = settings.receptions()
    deposit = cfg.deposit.resolve() if cfg is not None and receptions else None
    out: dict[Path, datetime] = {}
    for r in report.files:
        when = known.get(r.path)
        if when is None and deposit is not None:
            try:
                key = r.path.resolve().relative_to(deposit).as_posix()
            except ValueError:
                key = None
            when = reception_of(receptions, key, r.sha256) if key else None
        if when is None:
            try:
                when = datetime.fromtimestamp(r.path.stat().st_mtime, UTC)
            except OSError:
                continue
        out[r.path] = when.astimezone(UTC)
    return out


# --------------------------------------------------------------------------- one year


def _unrecorded(result: FileResult, name: str) -> FileOutcome:
    """What is said of a file that is not recorded in the store (see consolidate_paths)."""
    if result.misplaced:  # its depositor is the folder's chamber
        chamber, outcome, error = result.folder_chamber, REJECTED, None
    else:
        assert result.feedback_error is not None
        chamber, outcome, error = result.chamber, NOT_RECORDED, result.feedback_error.message
    return FileOutcome(
        result.path, name, chamber, result.sha256, outcome, findings_of(result), error=error
    )


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def consolidate_paths(
    paths: Iterable[str | Path | Source],
    *,
    year: int,
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    store: str | Path | None = None,
    targets: str | Path | Mapping[TargetKey, int] | None = None,
    key: str | Path | Mapping[str, int] | None = None,
    justifications: str | Path | None = None,
    history: Mapping[TargetKey, float] | None = None,
    wait: float = 0.0,
    now: datetime | None = None,
    feedback_dir: str | Path | None = None,
    feedback_root: str | Path | None = None,
    exports: bool | None = None,
    catalogue: Catalogue | None = None,
    registry: Registry | None = None,
) -> ConsolidationResult:
    """Validate ``paths`` and merge the accepted files of ``year`` into the store.

    The twin of ``cmacop consolidate`` for one year. ``settings`` (or ``config`` and the
    options) give the store, the COM targets and the allocation key: with the key, a
    chamber's target is its COM target, else the derived one (as ``cmacop template``
    fills them). Without either, the workbook's Cible column is the target. The
    ``cible`` column holds the target validation compared the workbook with.
    ``history``: last year's values already read (default: read from the store).
    ``wait`` seconds are waited for another run's lock (0: fail at once with
    :class:`~cmacop.consolidate.store.StoreLockedError`, exit code 3). With ``feedback_dir``
    the annotated workbooks are written there, in the sub-folders the files have
    under ``feedback_root`` (validation runs once). The CSV/Excel exports are rewritten
    when a table changed or one is missing (``exports`` None), always (True: after an
    interrupted run) or never (False: ``cmacop run``'s batches but the year's last).
    """
    from cmacop.validate.engine import validate_paths

    check_year(year)
    s = settings_for(
        settings, config, store=store, targets=targets, key=key, justifications=justifications
    )
    items = [p if isinstance(p, Source) else Path(p) for p in paths]
    if not items:
        raise UsageError("aucun fichier ni dossier à consolider")
    missing = [str(p) for p in items if isinstance(p, Path) and not p.exists()]
    if missing:
        raise UsageError(f"introuvable : {', '.join(missing)}")
    where = [p.path if isinstance(p, Source) else p for p in items]
    root = s.store if s.store is not None else default_store(where)
    for item in where:
        if item.is_dir() and _inside(root, item):
            raise UsageError(
                f"le dépôt de consolidation {root} est dans le dossier à consolider {item}",
                hint="Choisissez avec --store un dossier hors des dossiers de dépôt.",
            )
    catalogue = catalogue or load_catalogue()
    registry = registry or load_registry()
    now = now or datetime.now(UTC)
    # What each workbook's Cible column must match, for this year (key: COM else derived).
    checked = replace(s, targets=s.reference_targets(year, catalogue, registry), key=None, _read={})
    st = Store(root)
    with st.lock(timeout=wait, command=f"consolidate --year {year}"):
        if history is None:
            from cmacop.validate.checks.history import load_history

            history = load_history(root, catalogue) if st.years() else {}
        report = validate_paths(
            items,
            year=year,
            settings=checked,
            history=history,
            enterprises=s.allocation_key(registry),
            feedback_dir=feedback_dir,
            feedback_root=feedback_root,
            catalogue=catalogue,
            registry=registry,
        )
        state = YearTables(st, year, now, received_dates(items, report, s))
        base = root.resolve().parent
        named = [(r, _stored_name(r.path, base)) for r in report.files]
        # A chamber's versions in version order (validate/versions.py): the one a later
        # version replaces first, so that the current one is consolidated last. Never
        # recorded: a file whose annotated copy could not be written (its chamber would
        # not be told; a later run takes it again) and a file deposited in another
        # chamber's folder (nothing of it reaches the store).
        order = sorted(
            (i for i, (r, _) in enumerate(named) if r.feedback_error is None and not r.misplaced),
            key=lambda i: named[i][0].replaced_by is None,
        )
        applied = state.apply_all([named[i] for i in order])
        by_index = dict(zip(order, applied, strict=True))
        outcomes = [by_index.get(i) or _unrecorded(r, n) for i, (r, n) in enumerate(named)]
        try:
            written = state.commit()
            comp = completeness(st, year, registry=registry, catalogue=catalogue)
            if exports or (exports is None and (written or exports_missing(st, year))):
                written += write_store_exports(st, year, comp, state.tables)
        except OSError as exc:
            raise unwritable(root, exc) from None
    return ConsolidationResult(
        year=year,
        store=root,
        files=tuple(outcomes),
        audit=tuple(state.added_audit),
        completeness=comp,
        written=tuple(written),
        skipped=tuple((s.path, s.reason) for s in report.skipped),
        validation=report,
    )
