"""``cmacop run``: the whole campaign in one unattended pass (cron), incremental and crash-safe.

One pass, under the run lock ``.cmacop-run.lock`` of the campaign folder:

1. find the files of ``depot/<année>/`` (``discover.py``); files still being copied wait;
2. compare them with the manifest (``runstate.py``): size and date first, then SHA-256.
   With nothing new and the bilans up to date the run stops there, having imported
   nothing heavy (no polars, pandera nor openpyxl);
3. per year, validate and consolidate the new files with :func:`consolidate_paths`
   (one validation per file, annotated workbooks to ``retours/<année>/``), in arrival
   order and in batches holding at most one file per chamber, so that a chamber's
   successive versions replace one another instead of being rejected as duplicates;
   then write each file's accusé de réception (``receipt.py``);
4. regenerate the bilans of the campaign year when their inputs changed or one is
   missing: built in a hidden staging folder, then moved into ``bilans/<année>/``.

Every file is written atomically and the manifest is saved after the work it
records, so a run killed at any point — SIGKILL included — is completed by the next.

A deposit whose outputs cannot be written (rights on its folder, full drive) is left
« non traité » for the next run and does not stop the others; bilans that cannot be
written neither. Only what concerns the whole campaign (configuration, store, lock,
``depot/``) stops the run: the error names the step, the folder and the cause.

The run lock and the fault injection of the tests live in ``lock.py``, the names of
the files sent back in ``outputs.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cmacop.campaign.config import Config
from cmacop.campaign.settings import campaign_year, check_layout, load_campaign
from cmacop.campaign.statuses import NOT_RECORDED
from cmacop.cop.contract import check_year
from cmacop.errors import CmacopError, boundary_error, failed_folder, folder_error
from cmacop.files.lockfile import holder_text
from cmacop.french import plural, safe_text
from cmacop.run.deposits import (
    CHANGED_WHILE_READING,
    Candidate,
    Fresh,
    Left,
    declared_chamber,
    declared_sent_on,
    parse,
    read_stable,
    scan_deposit,
)
from cmacop.run.deposits import (
    batches as batches_of,
)
from cmacop.run.journal import Journal
from cmacop.run.lock import (
    KILL_ENV,
    RUN_LOCK_NAME,
    RunError,
    RunLockedError,
    fault_injection,
    run_lock,
    stopped,
)
from cmacop.run.outputs import assign_outputs
from cmacop.run.receipts import receipt_path
from cmacop.run.record import run_record, save_record, stop_record
from cmacop.run.result import (
    FAILED,
    NO_DATA,
    UP_TO_DATE,
    FileReport,
    Problem,
    ReportsOutcome,
    RunResult,
    relative,
    settling_text,
)
from cmacop.run.state import MANIFEST_NAME, FileState, RunState
from cmacop.run.steps import Steps

__all__ = [
    "KILL_ENV",
    "RUN_LOCK_NAME",
    "FileReport",
    "ReportsOutcome",
    "RunError",
    "RunLockedError",
    "RunResult",
    "load_campaign",
    "run_campaign",
    "run_lock",
]

Progress = Callable[[str, int, int], None]


def run_campaign(
    config: Config | str | Path | None = None,
    *,
    year: int | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    rules: str | Path | None = None,  # replaces referentiel.regles
    avenants: str | Path | None = None,  # replaces referentiel.avenants
) -> RunResult:
    """One pass over the campaign (the twin of ``cmacop run``); see the module docstring.

    ``config`` is a :class:`Config`, a campaign folder or its ``cmacop.toml``
    (default: the current folder's); ``year`` the year of the bilans (default
    ``campagne.annee``); ``today`` the date printed on regenerated bilans.
    Raises :class:`RunLockedError` (exit 3) when another run holds the lock, a
    :class:`~cmacop.campaign.config.ConfigError` or :class:`RunError` (exit 4) when the
    campaign cannot be processed (configuration, store, lock): the message names the
    step, the folder and the cause; it is also written to the journal and to the last
    run's record that ``cmacop statut`` shows. A deposit whose outputs cannot be written,
    or bilans that cannot be written, do not stop the run: its result says so (exit 5).
    """
    check_year(year)  # a mistyped year is refused before the campaign is looked for
    cfg = load_campaign(config).with_references(rules=rules, avenants=avenants)
    year = campaign_year(cfg, year)
    today = today or date.today()
    started = datetime.now(UTC)
    with Journal(cfg.log_dir, max_bytes=cfg.log_max_bytes, backups=cfg.log_backups) as log:
        current: _Pass | None = None

        def failed(message: str, code: int) -> None:
            from cmacop.run.wrapup import record_failure

            record_failure(cfg, year, today, log, started, message, code, cfg.store / MANIFEST_NAME)

        try:
            check_layout(cfg)
            with fault_injection(), run_lock(cfg.root, on_stale=lambda h: _stale(log, h)):
                current = _Pass(cfg, year, today, log, progress)
                return current.run()
        except RunLockedError as exc:
            log.warning(_line(exc))
            raise
        except (CmacopError, OSError) as exc:
            step = current.step if current is not None else None
            error, problem, logged = stopped(cfg, step, exc)
            log.error(_line(logged))
            if current is not None:
                current.record_stop(error, problem)
            failed(logged.message, error.exit_code)
            raise error from None
        except KeyboardInterrupt:
            log.error("exécution interrompue (Ctrl-C) : la prochaine reprendra le travail")
            raise
        except Exception as exc:
            translated = boundary_error(exc)  # a library's failure the drive explains
            if translated is None:
                log.error(f"erreur interne inattendue ({type(exc).__name__} : {exc})")
                failed(f"erreur interne inattendue ({type(exc).__name__})", 70)
                raise
            error, problem, logged = stopped(cfg, current.step if current else None, translated)
            log.error(_line(logged))
            if current is not None:
                current.record_stop(error, problem)
            failed(logged.message, error.exit_code)
            raise error from exc


def _line(exc: CmacopError) -> str:
    return exc.message + (f" — {exc.hint}" if exc.hint else "")


def _stale(log: Journal, holder: dict[str, Any] | None) -> None:
    who = holder_text(holder) if holder is not None else "verrou illisible"
    log.warning(f"verrou d'une exécution interrompue repris ({who}) : le travail inachevé reprend")


class _Pass:
    def __init__(
        self, cfg: Config, year: int, today: date, log: Journal, progress: Progress | None
    ) -> None:
        self.cfg, self.year, self.today, self.log = cfg, year, today, log
        self.progress = progress
        self.started = datetime.now(UTC)
        self.manifest = cfg.store / MANIFEST_NAME
        self.step = "lecture de l'état des exécutions"
        self.state = RunState.load(self.manifest)
        self.steps = Steps(cfg, self.state, log, self.started)
        self.done: list[FileReport] = []  # files processed so far
        self.held: list[Left] = []  # files waiting behind their chamber's « non traité » one
        self.problems: list[Problem] = []  # besides the files' own (bilans, accusés)

    def run(self) -> RunResult:
        cfg, log = self.cfg, self.log
        if self.state.damaged:
            log.warning(
                f"état des exécutions illisible ({self.manifest}) : chaque dépôt est "
                "contrôlé à nouveau"
            )
        self.step = f"lecture de {self.steps.rel(cfg.deposit)}/"
        scan = scan_deposit(cfg.deposit, settle_seconds=cfg.settle_seconds, exclude=cfg.feedback)
        where, shown = str(cfg.deposit), self.steps.rel(cfg.deposit)  # paths as the run shows them
        hidden = tuple(Left(h.key, h.reason.replace(where, shown)) for h in scan.unreadable)
        fresh, unchanged, pending, unreadable, dirty = self._sort(
            scan.candidates, scan.pending, hidden
        )
        if pending:
            log.info(
                f"{settling_text(len(pending), cfg.settle_seconds)} : "
                + ", ".join(safe_text(left.key) for left in pending)
            )
        for left in unreadable:
            log.error(f"fichier illisible : {safe_text(left.key)} — {left.reason}")
        self.step = f"empreinte des entrées des bilans {self.year}"
        _, due = self.steps.reports_due(self.year)
        receipts = self.state.receipts_due()
        result = RunResult(
            cfg.root,
            self.year,
            started=self.started,
            finished=self.started,
            unchanged=unchanged,
            pending=pending,
            ignored=scan.ignored,
            unreadable=unreadable,
            deposit=cfg.deposit,
            settle_seconds=cfg.settle_seconds,
            log=relative(log.path, cfg.root),
        )
        if not fresh and not due and not self.state.stale_exports and not receipts:
            if dirty:
                self.step = f"enregistrement de {self.steps.rel(self.manifest)}"
                self.state.save(self.manifest)
            reports = self.steps.reports_outcome(self.year, UP_TO_DATE)
            state = "aucun à établir" if reports is None or reports.state == NO_DATA else "à jour"
            log.info(
                f"rien de nouveau : {plural(unchanged, 'fichier déjà traité', 'fichiers déjà traités')}"
                f", bilans {self.year} {state}"
                + (f", {plural(len(pending), 'fichier')} en attente" if pending else "")
            )
            return self._wrap_up(replace(result, finished=datetime.now(UTC), reports=reports))
        log.info(
            "début du traitement : "
            f"{plural(len(fresh), 'fichier nouveau ou modifié', 'fichiers nouveaux ou modifiés')}, "
            f"campagne {cfg.root}, bilans {self.year}"
        )
        self.step = "nettoyage des fichiers temporaires"
        self.steps.sweep()
        self._rewrite_receipts(receipts)
        total = len(fresh)
        files = self._process(fresh)  # empties ``fresh``: each batch is let go once done
        self._tick(f"bilans {self.year}", total, total)
        reports = self._reports()
        finished = datetime.now(UTC)
        result = replace(
            result,
            finished=finished,
            files=tuple(files),
            held=tuple(self.held),
            reports=reports,
            problems=tuple(self.problems),
        )
        self.state.last_run = run_record(result)
        self.step = f"enregistrement de {self.steps.rel(self.manifest)}"
        self.state.save(self.manifest)
        save_record(cfg.log_dir, self.state.last_run)
        held = f", {plural(len(self.held), 'fichier')} en attente" if self.held else ""
        log.info(
            f"fin du traitement : {plural(len(files), 'fichier traité', 'fichiers traités')} dont "
            f"{plural(len(result.rejected), 'rejeté')} et "
            f"{plural(len(result.not_recorded), 'non traité')}{held}, bilans {self.year} "
            f"{reports.state if reports else NO_DATA}, code de sortie {result.exit_code} "
            f"({(finished - self.started).total_seconds():.1f} s)"
        )
        if result.all_problems:
            log.error(
                f"à faire : {plural(len(result.all_problems), 'problème')} à corriger sur le lecteur "
                "partagé (lignes ERREUR ci-dessus) ; le prochain passage reprendra le reste"
            )
        return self._wrap_up(result)

    def _wrap_up(self, result: RunResult) -> RunResult:
        """Emails, history, dashboard (``wrapup.py``): never a reason for the run to fail."""
        from cmacop.run.wrapup import wrap_up

        return wrap_up(self.cfg, result, self.log, today=self.today, steps=self.steps)

    def _reports(self) -> ReportsOutcome | None:
        """The bilans of the campaign year, rebuilt when due; a write failure is a problem
        of the run (the next run writes them), not a stop."""
        self.step = f"bilans {self.year}"
        fingerprint, due = self.steps.reports_due(self.year)
        if not due:
            return self.steps.reports_outcome(self.year, UP_TO_DATE)
        try:
            return self.steps.build_reports(self.year, fingerprint, self.today)
        except (OSError, CmacopError) as exc:
            if isinstance(exc, OSError):
                exc = folder_error(exc, folder=str(failed_folder(exc) or self.cfg.reports))
            elif exc.folder is None:  # not the drive: configuration, store
                raise
            problem = self.steps.problem(
                self.step, exc, then="Le prochain passage établira les bilans."
            )
            self.log.error(problem.line())
            self.problems.append(problem)
            return ReportsOutcome(
                self.year, FAILED, self.steps.rel(self.cfg.reports_dir(self.year))
            )

    def record_stop(self, error: CmacopError, problem: Problem) -> None:
        """A run stopped by ``error``: its record in the manifest and beside the journal
        (best effort: the manifest's drive may be the one that failed)."""
        self.state.last_run = stop_record(self.started, self.done, self.problems, error, problem)
        with contextlib.suppress(OSError):
            self.state.save(self.manifest)
        save_record(self.cfg.log_dir, self.state.last_run)

    def _rewrite_receipts(self, keys: list[str]) -> None:
        if not keys:
            return
        self.step = "accusés de réception à écrire"
        for key in keys:
            if not (self.cfg.deposit / key).is_file():
                continue  # removed from depot/: its entry goes with it
            st = self.state.files[key]
            problem = self.steps.rewrite_receipt(key, st)
            if problem is None:
                st.problem = None
                self.log.info(f"accusé de réception écrit : {st.receipt}")
            else:
                st.problem = problem.line()
                self.log.error(problem.line())
                self.problems.append(problem)
        self.state.save(self.manifest)

    def _sort(
        self,
        candidates: tuple[Candidate, ...],
        waiting: tuple[Left, ...],
        hidden: tuple[Left, ...] = (),
    ) -> tuple[list[Fresh], int, tuple[Left, ...], tuple[Left, ...], bool]:
        """New or changed files; unchanged count; pending; unreadable; manifest touched.

        ``hidden``: folders that cannot be listed; what the manifest knows of their files
        is kept (they are not gone, only unseen tonight).
        """
        fresh: list[Fresh] = []
        pending, unreadable = list(waiting), list(hidden)
        unchanged, dirty = 0, False
        files = self.state.files
        for c in candidates:
            prev = files.get(c.key)
            if prev is not None and prev.outcome == NOT_RECORDED:
                prev = None  # left for this run: taken again, as a new file
            if prev is not None and (prev.size, prev.mtime_ns) == (c.size, c.mtime_ns):
                unchanged += 1
                continue
            try:
                read = read_stable(c)
            except OSError as exc:
                unreadable.append(Left(c.key, self._unreadable(c, exc)))
                continue
            if read is None:
                pending.append(Left(c.key, CHANGED_WHILE_READING))
            elif prev is not None and prev.sha256 == read.sha256:  # touched, same content
                prev.size, prev.mtime_ns, dirty = c.size, c.mtime_ns, True
                unchanged += 1
            else:
                sub = parse(c.path, read.data)
                fresh.append(
                    Fresh(
                        c,
                        read.sha256,
                        read.data,
                        sub,
                        declared_chamber(sub, c.path, self.steps.registry),
                        declared_sent_on(sub),
                    )
                )
        present = {c.key for c in candidates} | {left.key for left in pending}
        unseen = tuple(f"{left.key}/" for left in hidden)
        for key in [k for k in files if k not in present and not k.startswith(unseen)]:
            del files[key]  # removed from depot/
            dirty = True
        return fresh, unchanged, tuple(pending), tuple(unreadable), dirty

    def _unreadable(self, c: Candidate, exc: OSError) -> str:
        """Why a deposit cannot be read, with the folder and what to do."""
        error = folder_error(exc, folder=str(c.path), writing=False)
        problem = self.steps.problem("lecture", error)
        return f"{problem.cause} — {problem.hint}" if problem.hint else problem.cause

    def _process(self, fresh: list[Fresh]) -> list[FileReport]:
        """Per year, per batch: validate, consolidate, write the accusés, save the manifest.

        The store's exports of a year are written once, with its last batch; until
        then the manifest lists the year, so that an interrupted run's are redone.
        Each batch's files (their bytes and parsed content) are let go once it is done.
        """
        out = self.done
        done, total = 0, len(fresh)
        years = sorted({f.candidate.year for f in fresh})
        plan = {year: batches_of([f for f in fresh if f.candidate.year == year]) for year in years}
        outputs = assign_outputs(self.cfg, self.state, self.steps.rel, fresh)
        fresh.clear()
        for year in sorted(set(self.state.stale_exports) - set(years)):
            self.step = f"exports {year} de la consolidation"
            self.steps.write_exports(year)
            self.state.stale_exports.remove(year)
        for year, batches in plan.items():
            # Chambers whose deposit of this run was left « non traité »: their later
            # versions wait too, or the next run would put the older one back in force.
            blocked: set[str] = set()
            for index, batch in enumerate(batches, start=1):
                self.step = f"contrôle et consolidation {year}, lot {index}/{len(batches)}"
                self._tick(f"contrôle {year}, lot {index}/{len(batches)}", done, total)
                items = {}
                for f in batch:
                    if f.chamber is not None and f.chamber in blocked:
                        self._hold(f)
                    elif f.candidate.path.exists():
                        items[f.candidate.path] = f
                if items:
                    for report, item in self._consolidate(
                        year, items, outputs, last=index == len(batches)
                    ):
                        out.append(report)
                        if report.outcome == NOT_RECORDED and item.chamber is not None:
                            blocked.add(item.chamber)
                done += len(batch)
                batch.clear()
                items.clear()
            if year in self.state.stale_exports:  # the last batch's files had vanished
                self.step = f"exports {year} de la consolidation"
                self.steps.write_exports(year)
                self.state.stale_exports.remove(year)
        return out

    def _hold(self, item: Fresh) -> None:
        left = Left(item.candidate.key, HELD)
        self.held.append(left)
        self.log.info(f"en attente : {safe_text(left.key)} — {left.reason}")

    def _consolidate(
        self, year: int, items: dict[Path, Fresh], outputs: dict[Path, Path], last: bool
    ) -> list[tuple[FileReport, Fresh]]:
        checked = self.steps.consolidate(year, list(items.values()), outputs, exports=last)
        stale = self.state.stale_exports
        if last and year in stale:
            stale.remove(year)
        elif not last and year not in stale:
            stale.append(year)
        reports = []
        for report, source in checked:
            item = items[source]
            c = item.candidate
            same = report.sha256 == item.sha256  # else it changed after we hashed it
            self.state.files[c.key] = FileState(
                size=c.size if same else -1,
                mtime_ns=c.mtime_ns if same else -1,
                sha256=report.sha256 or item.sha256,
                year=year,
                chamber=report.chamber,
                outcome=report.outcome,
                errors=report.errors,
                warnings=report.warnings,
                received=self.started.isoformat(timespec="seconds"),
                sent_on=report.sent_on.isoformat() if report.sent_on else None,
                feedback=report.feedback,
                receipt=report.receipt or self.steps.rel(receipt_path(outputs[source])),
                arrived=report.received.isoformat(timespec="seconds"),
                contact=report.contact,
                replaced=report.replaced,
                problem=report.problem.line() if report.problem else None,
                justified=report.justified,
                declared=report.declared,
            )
            reports.append((report, item))
        self.state.save(self.manifest)
        return reports

    def _tick(self, message: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(message, done, total)


HELD = (
    "attend le dépôt précédent de la même chambre, non traité ce soir (voir le journal) : "
    "repris au prochain passage"
)
