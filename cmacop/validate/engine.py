"""``cmacop validate`` as a library: every problem of every submission, as data.

:func:`validate_paths` reads each file once (read-only), runs every check
(``cmacop.validate.checks``) and returns a :class:`ValidationReport`; rendering lives in
``render_validation.py`` and the annotated workbooks in ``feedback.py``. A bad
file is a finding, never an exception: only usage errors (a path that does not
exist, an unreadable targets file) raise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cmacop.campaign.config import Config
from cmacop.campaign.settings import Settings, TargetKey, Thresholds, settings_for
from cmacop.campaign.statuses import INVALID, REPLACED, VALID
from cmacop.cop.catalogue import Catalogue, load_catalogue
from cmacop.cop.contract import SHEET_META, check_year
from cmacop.cop.registry import Registry, load_registry
from cmacop.errors import (
    CmacopError,
    InputFileError,
    library_error_text,
    os_error_hint,
    os_error_text,
)
from cmacop.files.fsutil import sha256
from cmacop.files.xlsxread import EncryptedWorkbookError, LegacyWorkbookError, UnsafeWorkbookError
from cmacop.validate.checks import Context, FileCheck, Record
from cmacop.validate.checks.discovery import SUPPORTED_SUFFIXES, Skipped, discover
from cmacop.validate.checks.identity import MISPLACED, check_identity, check_versions
from cmacop.validate.checks.plausibility import check_plausibility
from cmacop.validate.checks.structure import CONTRACT_SHEETS, check_csv, check_workbook
from cmacop.validate.checks.tabular import check_tabular
from cmacop.validate.checks.values import check_values
from cmacop.validate.findings import Finding, group_ids, sort_key
from cmacop.validate.submission import Submission

__all__ = ["FileResult", "Skipped", "Source", "Thresholds", "ValidationReport", "validate_paths"]

# A submission is ~15 KB; anything above this is not read at all (zip bombs start small,
# but a 2 GB "workbook" on the shared drive must not be loaded into memory either).
MAX_INPUT_BYTES = 20 * 1024 * 1024
_SHEET_ORDER = {name: i for i, name in enumerate((*CONTRACT_SHEETS, SHEET_META))}


@dataclass(frozen=True)
class FileResult:
    """The verdict on one file: its findings and what was read from it."""

    path: Path
    display: str
    sha256: str | None
    kind: str | None  # "xlsx", "csv", or None when unreadable or unsupported
    chamber: str | None
    year: int | None
    sent_on: date | None
    template_version: str | None
    findings: tuple[Finding, ...]
    strict: bool = False
    feedback: Path | None = None
    replaced_by: str | None = None  # a later version of the same chamber and year
    # Why the feedback asked for could not be written (its folder, the cause, what to do).
    feedback_error: CmacopError | None = field(default=None, compare=False)
    # The chamber whose deposit folder holds the file (``depot/2024/CMAR-84/``), if any.
    folder_chamber: str | None = None
    # The parsed values, for consolidation (not part of the JSON report).
    records: tuple[Record, ...] = field(default=(), repr=False, compare=False)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warnings(self) -> int:
        """Warnings still open (a justified warning is no longer counted)."""
        return sum(1 for f in self.findings if f.is_open_warning)

    @property
    def justified(self) -> int:
        return sum(1 for f in self.findings if f.justified)

    @property
    def misplaced(self) -> bool:
        """Deposited in another chamber's folder (E-IDENT-007): never recorded in the store."""
        return any(f.code == MISPLACED for f in self.findings)

    @property
    def valid(self) -> bool:
        return self.errors == 0 and not (self.strict and self.warnings)

    @property
    def status(self) -> str:
        if self.replaced_by is not None:
            return REPLACED
        return VALID if self.valid else INVALID

    def to_dict(self) -> dict[str, Any]:
        return {
            "fichier": self.display,
            "sha256": self.sha256,
            "format": self.kind,
            "chambre": self.chamber,
            "annee": self.year,
            "date_transmission": self.sent_on.isoformat() if self.sent_on else None,
            "version_modele": self.template_version,
            "statut": self.status,
            "remplace_par": self.replaced_by,
            "erreurs": self.errors,
            "avertissements": self.warnings,
            "justifies": self.justified,
            "retour": str(self.feedback) if self.feedback else None,
            "retour_impossible": self.feedback_error.message if self.feedback_error else None,
            "dossier_chambre": self.folder_chamber,
            "constats": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class ValidationReport:
    """All files of a run; ``exit_code`` is what ``cmacop validate`` exits with."""

    files: tuple[FileResult, ...]
    skipped: tuple[Skipped, ...] = ()
    strict: bool = False
    year: int | None = None

    @property
    def current(self) -> tuple[FileResult, ...]:
        """The files that count: all but those a later version replaces."""
        return tuple(f for f in self.files if f.replaced_by is None)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.current)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.current)

    @property
    def justified(self) -> int:
        return sum(f.justified for f in self.current)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for result in self.files for f in result.findings)

    @property
    def feedback_errors(self) -> tuple[FileResult, ...]:
        """The files whose feedback workbook could not be written."""
        return tuple(f for f in self.files if f.feedback_error is not None)

    @property
    def exit_code(self) -> int:
        """0 when every current file is valid, 1 otherwise (warnings count with ``strict``);
        4 when a feedback workbook asked for could not be written."""
        if self.feedback_errors:
            return 4
        return 0 if all(f.valid for f in self.current) else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "strict": self.strict,
            "fichiers": [f.to_dict() for f in self.files],
            "ignores": [s.to_dict() for s in self.skipped],
            "totaux": {
                "fichiers": len(self.files),
                "valides": sum(1 for f in self.current if f.valid),
                "invalides": sum(1 for f in self.current if not f.valid),
                "remplaces": len(self.files) - len(self.current),
                "erreurs": self.errors,
                "avertissements": self.warnings,
                "justifies": self.justified,
                "ignores": len(self.skipped),
            },
            "code_sortie": self.exit_code,
        }


@dataclass(frozen=True)
class Source:
    """A file already read by the caller (``cmacop run`` reads each deposit once).

    ``data`` and ``sha256`` are its bytes and hash as read; ``submission`` what was parsed
    from them (None: validation parses them itself and says why they cannot be read).
    """

    path: Path
    data: bytes
    sha256: str
    submission: Submission | None = None
    mtime_ns: int | None = None  # as listed before reading (orders versions)
    received: datetime | None = None  # its date of receipt, when the caller knows it
    output: Path | None = None  # where to write its feedback (default: named after the file)


def validate_paths(
    paths: Iterable[str | Path | Source],
    *,
    year: int | None = None,
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    targets: str | Path | Mapping[TargetKey, int] | None = None,
    key: str | Path | Mapping[str, int] | None = None,
    history: str | Path | Mapping[TargetKey, float] | None = None,
    justifications: str | Path | Mapping[Any, str] | None = None,
    enterprises: Mapping[str, int] | None = None,
    strict: bool = False,
    feedback_dir: str | Path | None = None,
    feedback_root: str | Path | None = None,
    catalogue: Catalogue | str | Path | None = None,
    registry: Registry | str | Path | None = None,
) -> ValidationReport:
    """Check every submission found under ``paths`` and return the report.

    The twin of ``cmacop validate``: ``settings`` (or ``config`` and the options)
    give the COM targets, the allocation key, the plausibility thresholds and the
    settling delay; ``year`` is the year expected (never the campaign's: a campaign
    holds several years' deposits). ``targets`` (a ``chambre,annee,code,cible``
    file or a mapping) are the chambers' COM targets: a workbook's Cible column
    must match them, and ``key`` (``chambre,entreprises``) derives the targets a
    COM does not set. Without them the Cible column of each workbook is the target
    (a CSV then has none). ``history`` is last year's store or submissions folder,
    or its values already read. With ``feedback_dir``, an annotated copy of each
    file is written there (in the same sub-folder as the file's under
    ``feedback_root``, when given). ``justifications`` (``referentiel/justifications.csv``
    of the campaign by default, or the texts already read) mark the warnings a chamber
    has explained: shown « justifié », no longer counted as open. ``enterprises``: the
    allocation key of the comparison across the network, when ``key`` is not given. Files modified less than the settling delay ago
    (still copying) are skipped; a :class:`Source` is taken as it was read.
    """
    from cmacop.validate.checks.history import load_history

    check_year(year)
    s = settings_for(
        settings,
        config,
        targets=targets,
        key=key,
        history=None if isinstance(history, Mapping) else history,
        justifications=justifications,
    )
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    reg = registry if isinstance(registry, Registry) else load_registry(registry)
    if isinstance(history, Mapping):
        past: Mapping[TargetKey, float] = history
    else:
        past = load_history(s.history, cat) if s.history is not None else {}
    ctx = Context(
        catalogue=cat,
        registry=reg,
        year=year,
        targets=s.com_targets(cat, reg),
        key=s.allocation_key(reg),
        history=past,
        thresholds=s.thresholds,
        enterprises=enterprises,
        avenants=s.amendments(cat),
    )
    out = Path(feedback_dir) if feedback_dir is not None else None
    items: list[Path | Source] = []
    skipped: list[Skipped] = []
    folders = [p for p in paths if not isinstance(p, Source)]
    if folders:
        found, skipped = discover(folders, exclude=out, settle_seconds=s.settle_seconds)
        items += found
    items += [p for p in paths if isinstance(p, Source)]
    checks = [_check_file(i, item, ctx, keep=out is not None) for i, item in enumerate(items)]
    # A misplaced file is never compared with other files: it would speak of them.
    compared = [fc for fc in checks if not fc.misplaced]
    check_versions(compared)
    check_tabular(compared, cat)
    check_plausibility(compared, ctx)
    if ctx.key or ctx.enterprises:  # outliers across the network need the allocation key
        from cmacop.validate.checks.network import check_network

        check_network(compared, ctx)
    explained = None
    if s.justifications is not None:
        from cmacop.validate.justifications import justifications_of

        explained = justifications_of(s, cat, reg)
    for fc in checks:
        if explained:
            fc.findings = explained.apply(fc.findings, fc.chamber, fc.year)
        fc.findings.sort(key=lambda f: sort_key(f, _SHEET_ORDER))
        fc.findings = group_ids(fc.findings)
    written: dict[int, Path] = {}
    failed: dict[int, CmacopError] = {}
    if out is not None:
        from cmacop.validate.feedback import write_feedback

        root = Path(feedback_root) if feedback_root is not None else None
        written, failed = write_feedback(checks, out, root)
    results = tuple(
        _result(fc, strict, written.get(fc.index), failed.get(fc.index)) for fc in checks
    )
    return ValidationReport(results, tuple(skipped), strict, year)


def _result(
    fc: FileCheck, strict: bool, feedback: Path | None, error: CmacopError | None = None
) -> FileResult:
    return FileResult(
        path=fc.path,
        display=fc.display,
        sha256=fc.sha256,
        kind=fc.sub.kind if fc.sub is not None else None,
        chamber=fc.chamber,
        year=fc.year,
        sent_on=fc.sent_on,
        template_version=fc.template_version,
        findings=tuple(fc.findings),
        strict=strict,
        feedback=feedback,
        replaced_by=fc.replaced_by,
        feedback_error=error,
        folder_chamber=fc.folder_chamber,
        records=tuple(fc.records),
    )


_READ_ERRORS: tuple[tuple[type[InputFileError], str], ...] = (
    (EncryptedWorkbookError, "E-STRUCT-003"),
    (LegacyWorkbookError, "E-STRUCT-001"),
    (UnsafeWorkbookError, "E-STRUCT-004"),
    (InputFileError, "E-STRUCT-002"),
)


def _check_file(index: int, item: Path | Source, ctx: Context, *, keep: bool) -> FileCheck:
    """Read one file (never modified), unless already read, and run the per-file checks."""
    from cmacop.validate.submission import read_submission

    path = item.path if isinstance(item, Source) else item
    fc = FileCheck(index, path, str(path))
    if isinstance(item, Source):
        data: bytes | None = item.data
        fc.sha256 = item.sha256
        fc.mtime_ns = item.mtime_ns if item.mtime_ns is not None else _mtime(path)
        fc.output = item.output
    else:
        data = _read(fc)
    if data is None:
        return fc
    if keep:
        fc.data = data
    try:
        fc.sub = (
            item.submission
            if isinstance(item, Source) and item.submission is not None
            else read_submission(path, data)
        )
    except InputFileError as exc:
        code = next(c for kind, c in _READ_ERRORS if isinstance(exc, kind))
        fc.add(code, exc.message.removeprefix(f"{path.name} : "), exc.hint)
        return fc
    except Exception as exc:  # hostile input may break the reader anywhere: a finding, no crash
        fc.add(
            "E-STRUCT-002",
            f"fichier endommagé ou non conforme ({library_error_text(exc) or 'structure inattendue'})",
            "Ouvrez-le dans Excel et enregistrez-le à nouveau au format .xlsx.",
        )
        return fc
    check_identity(fc, ctx)
    if fc.misplaced:  # another chamber's file in a chamber's folder: nothing more is checked
        return fc
    rows = check_workbook(fc, ctx) if fc.sub.kind == "xlsx" else check_csv(fc, ctx)
    check_values(fc, rows, ctx)
    return fc


def _read(fc: FileCheck) -> bytes | None:
    """The file's bytes, its hash recorded; None (and a finding) when it is not to be parsed."""
    path = fc.path
    supported = path.suffix.lower() in SUPPORTED_SUFFIXES
    try:
        st = path.stat()
        size, fc.mtime_ns = st.st_size, st.st_mtime_ns
        if supported and size <= MAX_INPUT_BYTES:
            data = path.read_bytes()
            fc.sha256 = sha256(data)
            return data
        fc.sha256 = sha256(path)
    except OSError as exc:
        fc.add(
            "E-STRUCT-002",
            f"fichier illisible ({os_error_text(exc)})",
            os_error_hint(exc, str(path.parent), writing=False),
        )
        return None
    if not supported:
        fc.add(
            "E-STRUCT-001",
            "format non pris en charge : enregistrez le fichier au format .xlsx",
            "Formats acceptés : .xlsx ou .xlsm (le modèle de CMA France), .csv (format long).",
            value=path.suffix or "(sans extension)",
        )
    else:
        fc.add(
            "E-STRUCT-004",
            f"fichier anormalement volumineux ({size // (1024 * 1024)} Mo)",
            "Repartez du modèle vierge de l'année, à demander à CMA France.",
        )
    return None


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None
