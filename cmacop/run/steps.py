"""The steps of a ``cmacop run`` pass: consolidation with accusés, bilans, housekeeping.

Heavy libraries are imported inside the steps that need them: deciding that
there is nothing to do (:meth:`Steps.reports_due`) only hashes a few files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cmacop import __version__
from cmacop.campaign.config import Config
from cmacop.campaign.layout import DATA, DEPOSITS, FEEDBACK_SUFFIX, FINDINGS, RECEIPT_SUFFIX
from cmacop.campaign.statuses import NOT_RECORDED, REJECTED
from cmacop.errors import CmacopError, failed_folder, folder_error, os_error_text
from cmacop.french import plural, safe_text
from cmacop.run.journal import Journal
from cmacop.run.receipts import Receipt, receipt_bytes, receipt_path
from cmacop.run.result import (
    NO_DATA,
    WRITTEN,
    FileReport,
    Problem,
    ReportsOutcome,
    problem_of,
    recorded_reports,
    relative,
)
from cmacop.run.state import FileState, ReportState, RunState, fingerprint

if TYPE_CHECKING:
    from cmacop.campaign.settings import Settings
    from cmacop.consolidate.outcomes import FileFinding, FileOutcome
    from cmacop.cop.catalogue import Catalogue
    from cmacop.cop.registry import Registry
    from cmacop.run.deposits import Fresh

# A controller's « cmacop consolidate » by hand holds the store a few seconds: wait for it.
STORE_WAIT_S = 60.0
# Temporary files of atomic writes older than this were left by a killed process.
STALE_TEMP_S = 3600.0
# The store's tables a bilan reads (named here without importing store.py: it loads polars).
STORE_TABLES = (DATA, DEPOSITS, FINDINGS)


# Errors of a rejected file written in the journal (the rest: its annotated workbook).
LOGGED_ERRORS = 5


def first_errors(findings: Iterable[FileFinding], limit: int = LOGGED_ERRORS) -> str:
    """`` — Indicateurs!G2 E-VAL-001 texte … ; …``: a rejected file's first errors, located."""
    errors = [f for f in findings if f.severity == "erreur"]
    if not errors:
        return ""
    shown = []
    for f in errors[:limit]:
        where = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else f.cell or f.sheet
        shown.append(f"{where + ' ' if where else ''}{f.code} {f.message}")
    more = len(errors) - limit
    tail = f" ; et {plural(more, 'autre erreur', 'autres erreurs')}" if more > 0 else ""
    return " — " + " ; ".join(shown) + tail


def errno_text(exc: OSError) -> str:
    """A system error in French (see :func:`cmacop.errors.os_error_text`)."""
    return os_error_text(exc)


class Steps:
    """What a pass does, bound to its campaign, manifest, log and start time."""

    def __init__(self, cfg: Config, state: RunState, log: Journal, started: datetime) -> None:
        self.cfg, self.state, self.log, self.started = cfg, state, log, started
        self._registry: Registry | None = None
        self._catalogue: Catalogue | None = None
        self._root: Path | None = None  # the campaign folder, resolved once
        self._settings: dict[int, Settings] = {}
        self._history: dict[int, Mapping[tuple[str, int, str], float]] = {}

    def rel(self, path: Path) -> str:
        """:func:`~cmacop.run.result.relative` to the campaign folder (three per file)."""
        if self._root is None:
            self._root = self.cfg.root.resolve()
        try:
            return path.resolve().relative_to(self._root).as_posix()
        except ValueError:
            return relative(path, self.cfg.root)

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            from cmacop.cop.registry import load_registry

            self._registry = load_registry()
        return self._registry

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            from cmacop.cop.catalogue import load_catalogue

            self._catalogue = load_catalogue()
        return self._catalogue

    # ------------------------------------------------------------------ bilans: due or not

    def report_inputs(self, year: int) -> dict[str, Path | None]:
        """Every file the bilans of ``year`` are computed from (see ``pipeline.compute_year``)."""
        cfg, store = self.cfg, self.cfg.store
        inputs: dict[str, Path | None] = {}
        data = store / STORE_TABLES[0]
        if data.is_dir():  # every earlier year feeds the bilan's history
            for child in data.iterdir():
                name = child.name
                if name.startswith("annee=") and name[6:].isdigit() and int(name[6:]) < year:
                    inputs[f"{data.name}/{name}"] = child / "data.parquet"
        for table in STORE_TABLES:
            inputs[f"{table}/annee={year}"] = store / table / f"annee={year}" / "data.parquet"
        inputs["cibles"] = cfg.targets_file
        inputs["cle"] = cfg.key_file
        if cfg.justifications_file is not None:  # the bilans count the warnings still open
            inputs["justifications"] = cfg.justifications_file
        inputs["base_tfcma"] = cfg.base_file(year)
        # The bilan's own reference files: a new date or status rewrites the bilans.
        inputs["calendrier"] = cfg.calendar_file
        inputs["suivi_jalons"] = cfg.follow_up_file
        inputs["signatures_com"] = cfg.signatures_file
        inputs["appreciations_prefet"] = cfg.appreciations_file
        inputs.update(cfg.rules_inputs())  # CMA France's rules, the avenants
        inputs["cmacop.toml"] = cfg.source
        return inputs

    def reports_due(self, year: int) -> tuple[str, bool]:
        """The inputs' fingerprint, and whether the bilans must be (re)written."""
        current = fingerprint(self.report_inputs(year), {"cmacop": __version__})
        done = self.state.reports.get(year)
        if done is None or done.fingerprint != current:
            return current, True
        return current, any(not (self.cfg.root / f).is_file() for f in done.files)

    def reports_outcome(self, year: int, state: str) -> ReportsOutcome | None:
        folder = self.rel(self.cfg.reports_dir(year))
        return recorded_reports(self.state.reports.get(year), year, folder, state)

    # ------------------------------------------------------------------ consolidation

    def settings(self, year: int) -> Settings:
        """The settings of ``year``, resolved once per run (reference files read once)."""
        found = self._settings.get(year)
        if found is None:
            from cmacop.campaign.settings import command_settings

            found = self._settings[year] = command_settings(self.cfg, year=year)
        return found

    def history(self, year: int) -> Mapping[tuple[str, int, str], float]:
        """Last year's values for the plausibility checks of ``year``, read once per year.

        Only year N − 1 is compared, and a run consolidates the years oldest first: the
        batches of year N never change what this reads.
        """
        found = self._history.get(year)
        if found is None:
            from cmacop.consolidate.store import Store
            from cmacop.validate.checks.history import load_history

            store = self.cfg.store
            has_data = Store(store).years() if store.is_dir() else []
            found = load_history(store, self.catalogue) if has_data else {}
            self._history[year] = found
        return found

    def consolidate(
        self, year: int, items: list[Fresh], outputs: Mapping[Path, Path], *, exports: bool
    ) -> list[tuple[FileReport, Path]]:
        """Validate and consolidate one batch; write each file's accusé; log each verdict.

        ``outputs``: where each file's annotated workbook goes (its accusé beside it).
        ``exports``: rewrite the store's CSV/Excel exports of the year (its last batch).
        A file whose annotated workbook cannot be written is not consolidated (« non
        traité ») and is taken again by the next run; an accusé that cannot be written is
        written by the next run. Neither stops the others.
        """
        from cmacop.campaign.statuses import LATE, REPLACED, TRANSMITTED
        from cmacop.consolidate.year import consolidate_paths
        from cmacop.cop.referentiel import reception_of
        from cmacop.files.fsutil import flush_to_disk
        from cmacop.run.deposits import arrival, contact_of
        from cmacop.validate.engine import Source

        cfg = self.cfg
        out_dir = cfg.feedback_dir(year)
        receptions = self.settings(year).receptions()
        recorded = {
            f.candidate.path: when
            for f in items
            if (when := reception_of(receptions, f.candidate.key, f.sha256)) is not None
        }
        arrived = {f.candidate.path: arrival(f, recorded) for f in items}
        contacts = {f.candidate.path: contact_of(f.submission) for f in items}
        sources = [
            Source(
                f.candidate.path,
                f.data,
                f.sha256,
                f.submission,
                mtime_ns=f.candidate.mtime_ns,
                received=arrived[f.candidate.path],
                output=outputs[f.candidate.path],
            )
            if f.data is not None
            else f.candidate.path
            for f in items
        ]
        result = consolidate_paths(
            sources,
            year=year,
            settings=self.settings(year),
            history=self.history(year),
            wait=STORE_WAIT_S,
            now=self.started,
            feedback_dir=out_dir,
            feedback_root=cfg.deposit_dir(year),
            exports=exports,
            catalogue=self.catalogue,
            registry=self.registry,
        )
        assert result.validation is not None
        replaced: dict[tuple[str | None, str | None], str] = {
            (a.chamber, a.new_sha256): a.old_file for a in result.audit
        }
        in_force = {
            r.chamber: r.file for r in result.completeness.rows if r.status in (TRANSMITTED, LATE)
        }
        out = []
        for outcome, checked in zip(result.files, result.validation.files, strict=True):
            old = None
            if outcome.replaced_sha256 is not None:
                old = replaced.get((outcome.chamber, outcome.sha256)) or self._name_of(
                    outcome.replaced_sha256
                )
            file = self.rel(checked.path)
            target = outputs.get(checked.path) or out_dir / checked.path.name
            receipt = receipt_path(target)
            problem = None
            if checked.feedback_error is not None:
                problem = self.problem(
                    f"classeur de contrôle de {safe_text(file)}",
                    checked.feedback_error,
                    then="Le dépôt n'est pas consolidé : le prochain passage le reprendra.",
                )
            chamber = self.registry.get(outcome.chamber) if outcome.chamber else None
            kept = (
                in_force.get(outcome.chamber or "")
                if outcome.outcome in (REJECTED, REPLACED) and not checked.misplaced
                else None
            )
            receipt_of = Receipt(
                name=checked.path.name,
                where=file,
                year=year,
                received=arrived.get(checked.path, self.started),
                sha256=outcome.sha256,
                chamber=outcome.chamber,
                chamber_name=chamber.name if chamber else None,
                sent_on=checked.sent_on,
                deadline=result.completeness.deadline,
                outcome=outcome.outcome,
                errors=outcome.errors,
                warnings=outcome.warnings,
                feedback=target.name,
                replaced=Path(old).name if old else None,
                kept=Path(kept).name if kept else None,
                drop_folder=cfg.deposit.name,
                justified=outcome.justified,
                checked=self.started,
                recorded=checked.path in recorded,
                output_stem=target.name.removesuffix(FEEDBACK_SUFFIX),
                problem=problem.cause if problem else None,
                declared=checked.chamber if checked.misplaced else None,
            )
            receipt_error = self.write_receipt(receipt, receipt_of)
            if problem is None and receipt_error is not None:
                problem = self.problem(
                    f"accusé de réception de {safe_text(file)}",
                    receipt_error,
                    then="Le dépôt est consolidé ; le prochain passage écrira l'accusé.",
                )
            report = FileReport(
                file=file,
                year=year,
                chamber=outcome.chamber,
                sha256=outcome.sha256,
                outcome=outcome.outcome,
                errors=outcome.errors,
                warnings=outcome.warnings,
                received=arrived.get(checked.path, self.started),
                sent_on=checked.sent_on,
                feedback=self.rel(checked.feedback) if checked.feedback else None,
                receipt=self.rel(receipt) if receipt_error is None else None,
                replaced=old,
                justified=outcome.justified,
                checked=self.started,
                contact=contacts.get(checked.path),
                problem=problem,
                seen_before=outcome.seen_before,
                declared=receipt_of.declared,
            )
            self._log_verdict(report, outcome, kept)
            out.append((report, checked.path))
        flush_to_disk(out_dir)  # the batch's accusés on disk before the manifest records them
        return out

    def _log_verdict(self, report: FileReport, outcome: FileOutcome, kept: str | None) -> None:
        from cmacop.campaign.statuses import REPLACED
        from cmacop.validate.findings import counts_text

        counts = counts_text(report.errors, report.warnings)
        name = safe_text(report.file)
        if report.outcome == NOT_RECORDED:
            self.log.error(f"non traité : {name} — {counts}")
        elif report.outcome == REPLACED:
            self.log.info(
                f"non retenu : {name} — version plus ancienne que celle en vigueur"
                + (f" ({kept})" if kept else "")
            )
        elif report.accepted:
            also = f", remplace {report.replaced}" if report.replaced else ""
            self.log.info(f"accepté ({report.outcome}) : {name} — {counts}{also}")
        else:
            self.log.warning(f"rejeté : {name} — {counts}{first_errors(outcome.findings)}")
        if report.problem is not None:
            self.log.error(report.problem.line())

    def write_receipt(
        self, path: Path, receipt: Receipt, *, durable: bool = False
    ) -> CmacopError | None:
        """Write an accusé; the French error when it cannot be written (never raised).

        Not ``durable``: the caller flushes the batch's accusés at once (``flush_to_disk``).
        """
        from cmacop.files.fsutil import write_bytes_atomic

        try:
            write_bytes_atomic(path, receipt_bytes(receipt), durable=durable)
        except OSError as exc:
            return folder_error(exc, folder=str(failed_folder(exc) or path.parent))
        return None

    def rewrite_receipt(self, key: str, st: FileState) -> Problem | None:
        """Write the accusé an earlier run could not, from what the manifest recorded."""
        from cmacop.consolidate.completeness import completeness, deadline_of
        from cmacop.consolidate.store import Store

        assert st.receipt is not None
        path = self.cfg.deposit / key
        kept = None
        if st.outcome == REJECTED and st.declared is None:  # E-IDENT-007: no file « kept »
            comp = completeness(Store(self.cfg.store), st.year, registry=self.registry)
            kept = next((r.file for r in comp.rows if r.chamber == st.chamber and r.file), None)
        chamber = self.registry.get(st.chamber) if st.chamber else None
        receipt = self.cfg.root / st.receipt
        stem = receipt.name.removesuffix(RECEIPT_SUFFIX)
        error = self.write_receipt(
            receipt,
            Receipt(
                name=path.name,
                where=self.rel(path),
                year=st.year,
                received=datetime.fromisoformat(st.arrived or st.received),
                checked=datetime.fromisoformat(st.received),
                sha256=st.sha256,
                chamber=st.chamber,
                chamber_name=chamber.name if chamber else None,
                sent_on=date.fromisoformat(st.sent_on) if st.sent_on else None,
                deadline=deadline_of(st.year, self.catalogue),
                outcome=st.outcome,
                errors=st.errors,
                warnings=st.warnings,
                feedback=f"{stem}{FEEDBACK_SUFFIX}",
                replaced=Path(st.replaced).name if st.replaced else None,
                kept=Path(kept).name if kept and st.outcome == REJECTED else None,
                drop_folder=self.cfg.deposit.name,
                justified=st.justified,
                output_stem=stem,
                declared=st.declared,
            ),
            durable=True,
        )
        if error is None:
            return None
        return self.problem(
            f"accusé de réception de {safe_text(self.rel(path))}",
            error,
            then="Le dépôt est consolidé ; le prochain passage écrira l'accusé.",
        )

    def problem(self, step: str, error: CmacopError, *, then: str = "") -> Problem:
        """A problem for the admin: the error's folder shown relative to the campaign."""
        return problem_of(self.cfg.root, step, error, then=then)

    def write_exports(self, year: int) -> None:
        """Rewrite the store's CSV/Excel exports of ``year`` (left stale by a killed run)."""
        from cmacop.consolidate.completeness import completeness
        from cmacop.consolidate.exports import write_store_exports
        from cmacop.consolidate.store import Store

        store = Store(self.cfg.store)
        with store.lock(timeout=STORE_WAIT_S, command="run"):
            write_store_exports(store, year, completeness(store, year, registry=self.registry))
        self.log.info(f"exports {year} de la consolidation réécrits")

    def _name_of(self, sha256: str) -> str | None:
        """The deposit path of an earlier file, from the manifest (audit already written)."""
        for key, state in self.state.files.items():
            if state.sha256 == sha256:
                return f"{self.rel(self.cfg.deposit)}/{key}"
        return None

    # ------------------------------------------------------------------ bilans

    def build_reports(self, year: int, current: str, today: date) -> ReportsOutcome:
        """Write every bilan of ``year`` in a staging folder, then move them into place."""
        from cmacop.consolidate.store import DATA, Store

        cfg = self.cfg
        final = cfg.reports_dir(year)
        if Store(cfg.store).read(DATA, year).is_empty():
            self.state.reports[year] = ReportState(current)
            self.log.info(f"bilans {year} non établis : aucun bilan de COM {year} accepté")
            return ReportsOutcome(year, NO_DATA, self.rel(final))
        from cmacop.compute.attainment import rate_str
        from cmacop.render import build_report
        from cmacop.render.pdf import PdfUnavailable

        staging = cfg.reports / f".{year}.en-cours"
        shutil.rmtree(staging, ignore_errors=True)  # left by a killed run
        try:
            try:
                result = build_report(
                    settings=self.settings(year), out_dir=staging, generated_on=today
                )
            except PdfUnavailable as exc:  # pdf in [bilans] formats: the others are written
                self.log.warning(f"bilans {year} sans PDF : {exc.message}. {exc.hint}")
                result = exc.written
            # Each bilan is complete before any is published; the moves take milliseconds.
            moved = []
            for path in result.files:
                target = final / path.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
                moved.append(self.rel(target))
        finally:  # nothing half-built left on the drive
            shutil.rmtree(staging, ignore_errors=True)
        axes = [
            {"axe": axis, "titre": title, "taux": rate_str(rate)}
            for axis, title, rate in result.axis_rates
        ]
        warnings = list(result.warnings)
        self.state.reports[year] = ReportState(current, moved, today.isoformat(), axes, warnings)
        self.log.info(f"bilans {year} établis ({len(moved)} fichiers dans {self.rel(final)})")
        for warning in warnings:
            self.log.warning(f"bilans {year} : {warning}")
        return ReportsOutcome(year, WRITTEN, self.rel(final), tuple(moved), today, tuple(warnings))

    # ------------------------------------------------------------------ housekeeping

    def sweep(self) -> None:
        """Remove temporary files that killed processes left in cmacop's output folders."""
        now = time.time()
        for top in (self.cfg.feedback, self.cfg.reports, self.cfg.store):
            for folder, _, names in os.walk(top):
                for name in names:
                    if name.startswith(".") and name.endswith(".tmp"):
                        path = Path(folder) / name
                        with contextlib.suppress(OSError):
                            if now - path.stat().st_mtime > STALE_TEMP_S:
                                path.unlink()
