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

Fault injection, for tests only: with ``CMACOP_TEST_KILL_AT=N`` in the environment the
process kills itself (SIGKILL) just before its N-th atomic rename, that is between any
two durable writes of the run.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cmacop.campaign.config import Config
from cmacop.campaign.layout import RUN_LOCK
from cmacop.campaign.settings import campaign_year, check_layout, load_campaign
from cmacop.cop.contract import check_year
from cmacop.errors import CmacopError
from cmacop.files.lockfile import hold, holder_text
from cmacop.french import plural
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
from cmacop.run.journal import Journal
from cmacop.run.result import (
    NO_DATA,
    UP_TO_DATE,
    FileReport,
    ReportsOutcome,
    RunResult,
    relative,
    settling_text,
)
from cmacop.run.state import MANIFEST_NAME, FileState, RunState
from cmacop.run.steps import Steps, errno_text

__all__ = [
    "FileReport",
    "ReportsOutcome",
    "RunError",
    "RunLockedError",
    "RunResult",
    "load_campaign",
    "run_campaign",
    "run_lock",
]

RUN_LOCK_NAME = RUN_LOCK
KILL_ENV = "CMACOP_TEST_KILL_AT"

Progress = Callable[[str, int, int], None]


class RunLockedError(CmacopError):
    """Another ``cmacop run`` works on this campaign (documented exit code 3)."""

    code = "E-VERROU"
    exit_code = 3


class RunError(CmacopError):
    """The campaign folder cannot be written or read (read-only or full drive…)."""

    code = "E-EXECUTION"
    exit_code = 4


@contextlib.contextmanager
def run_lock(
    root: Path, *, on_stale: Callable[[dict[str, Any] | None], None] | None = None
) -> Iterator[None]:
    """Hold ``root/.cmacop-run.lock``: one run per campaign, a second one fails at once."""
    path = root / RUN_LOCK_NAME

    def locked(holder: dict[str, Any] | None) -> CmacopError:
        who = f" ({holder_text(holder)})" if holder is not None else ""
        return RunLockedError(
            f"une autre exécution de « cmacop run » est en cours sur la campagne {root}{who}",
            hint="Elle se termine d'elle-même : relancez plus tard. Si aucune exécution n'est "
            f"en cours, supprimez le fichier {path}.",
        )

    def unwritable(exc: OSError) -> CmacopError:
        return RunError(
            f"écriture impossible dans le dossier de campagne {root} ({errno_text(exc)})",
            hint="Vérifiez les droits d'écriture et la place disponible sur le lecteur.",
        )

    with hold(path, command="run", locked=locked, unwritable=unwritable, on_stale=on_stale):
        yield


@contextlib.contextmanager
def _fault_injection() -> Iterator[None]:
    """``CMACOP_TEST_KILL_AT=N``: SIGKILL just before the N-th ``os.replace`` (tests only)."""
    raw = os.environ.get(KILL_ENV, "")
    if not raw.isdigit():
        yield
        return
    target, real, calls = int(raw), os.replace, [0]

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        calls[0] += 1
        if calls[0] == target:
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
        real(src, dst, *args, **kwargs)

    os.replace = replace
    try:
        yield
    finally:
        os.replace = real


def run_campaign(
    config: Config | str | Path | None = None,
    *,
    year: int | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """One pass over the campaign (the twin of ``cmacop run``); see the module docstring.

    ``config`` is a :class:`Config`, a campaign folder or its ``cmacop.toml``
    (default: the current folder's); ``year`` the year of the bilans (default
    ``campagne.annee``); ``today`` the date printed on regenerated bilans.
    Raises :class:`RunLockedError` (exit 3) when another run holds the lock, a
    :class:`~cmacop.campaign.config.ConfigError` or :class:`RunError` (exit 4) when the
    folder is unusable; each is also written to the log.
    """
    check_year(year)  # a mistyped year is refused before the campaign is looked for
    cfg = load_campaign(config)
    year = campaign_year(cfg, year)
    with Journal(cfg.log_dir, max_bytes=cfg.log_max_bytes, backups=cfg.log_backups) as log:
        try:
            check_layout(cfg)
            with _fault_injection(), run_lock(cfg.root, on_stale=lambda h: _stale(log, h)):
                return _Pass(cfg, year, today or date.today(), log, progress).run()
        except RunLockedError as exc:
            log.warning(_line(exc))
            raise
        except CmacopError as exc:
            log.error(_line(exc))
            raise
        except OSError as exc:
            error = RunError(
                f"opération impossible sur {exc.filename or cfg.root} ({errno_text(exc)}) : "
                "exécution interrompue, le travail fait jusque-là est conservé",
                hint="Vérifiez les droits d'écriture et la place disponible, puis relancez "
                "« cmacop run » : il reprend où il s'est arrêté.",
            )
            log.error(_line(error))
            raise error from None
        except KeyboardInterrupt:
            log.error("exécution interrompue (Ctrl-C) : la prochaine reprendra le travail")
            raise
        except Exception as exc:
            log.error(f"erreur interne inattendue ({type(exc).__name__} : {exc})")
            raise


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
        self.state = RunState.load(self.manifest)
        self.steps = Steps(cfg, self.state, log, self.started)

    def run(self) -> RunResult:
        cfg, log = self.cfg, self.log
        if self.state.damaged:
            log.warning(
                f"état des exécutions illisible ({self.manifest}) : chaque dépôt est "
                "contrôlé à nouveau"
            )
        scan = scan_deposit(cfg.deposit, settle_seconds=cfg.settle_seconds, exclude=cfg.feedback)
        fresh, unchanged, pending, unreadable, dirty = self._sort(scan.candidates, scan.pending)
        if pending:
            log.info(
                f"{settling_text(len(pending), cfg.settle_seconds)} : "
                + ", ".join(left.key for left in pending)
            )
        for left in unreadable:
            log.error(f"fichier illisible : {left.key} — {left.reason}")
        _, due = self.steps.reports_due(self.year)
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
        if not fresh and not due and not self.state.stale_exports:
            if dirty:
                self.state.save(self.manifest)
            reports = self.steps.reports_outcome(self.year, UP_TO_DATE)
            state = "aucun à établir" if reports is None or reports.state == NO_DATA else "à jour"
            log.info(
                f"rien de nouveau : {plural(unchanged, 'fichier déjà traité', 'fichiers déjà traités')}"
                f", bilans {self.year} {state}"
                + (f", {plural(len(pending), 'fichier')} en attente" if pending else "")
            )
            return replace(result, finished=datetime.now(UTC), reports=reports)
        log.info(
            "début du traitement : "
            f"{plural(len(fresh), 'fichier nouveau ou modifié', 'fichiers nouveaux ou modifiés')}, "
            f"campagne {cfg.root}, bilans {self.year}"
        )
        self.steps.sweep()
        total = len(fresh)
        files = self._process(fresh)  # empties ``fresh``: each batch is let go once done
        self._tick(f"bilans {self.year}", total, total)
        fingerprint, due = self.steps.reports_due(self.year)
        reports = (
            self.steps.build_reports(self.year, fingerprint, self.today)
            if due
            else self.steps.reports_outcome(self.year, UP_TO_DATE)
        )
        finished = datetime.now(UTC)
        result = replace(result, finished=finished, files=tuple(files), reports=reports)
        self.state.last_run = {
            "debut": self.started.isoformat(timespec="seconds"),
            "fin": finished.isoformat(timespec="seconds"),
            "traites": len(files),
            "rejetes": len(result.rejected),
            "code_sortie": result.exit_code,
        }
        self.state.save(self.manifest)
        log.info(
            f"fin du traitement : {plural(len(files), 'fichier traité', 'fichiers traités')} dont "
            f"{plural(len(result.rejected), 'rejeté')}, bilans {self.year} "
            f"{reports.state if reports else NO_DATA}, code de sortie {result.exit_code} "
            f"({(finished - self.started).total_seconds():.1f} s)"
        )
        return result

    def _sort(
        self, candidates: tuple[Candidate, ...], waiting: tuple[Left, ...]
    ) -> tuple[list[Fresh], int, tuple[Left, ...], tuple[Left, ...], bool]:
        """New or changed files; unchanged count; pending; unreadable; manifest touched."""
        fresh: list[Fresh] = []
        pending, unreadable = list(waiting), []
        unchanged, dirty = 0, False
        files = self.state.files
        for c in candidates:
            prev = files.get(c.key)
            if prev is not None and (prev.size, prev.mtime_ns) == (c.size, c.mtime_ns):
                unchanged += 1
                continue
            try:
                read = read_stable(c)
            except OSError as exc:
                unreadable.append(Left(c.key, f"lecture impossible ({errno_text(exc)})"))
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
                        c, read.sha256, read.data, sub, declared_chamber(sub), declared_sent_on(sub)
                    )
                )
        present = {c.key for c in candidates} | {left.key for left in pending}
        for key in [k for k in files if k not in present]:  # removed from depot/
            del files[key]
            dirty = True
        return fresh, unchanged, tuple(pending), tuple(unreadable), dirty

    def _process(self, fresh: list[Fresh]) -> list[FileReport]:
        """Per year, per batch: validate, consolidate, write the accusés, save the manifest.

        The store's exports of a year are written once, with its last batch; until
        then the manifest lists the year, so that an interrupted run's are redone.
        Each batch's files (their bytes and parsed content) are let go once it is done.
        """
        out: list[FileReport] = []
        done, total = 0, len(fresh)
        years = sorted({f.candidate.year for f in fresh})
        plan = {year: _batches([f for f in fresh if f.candidate.year == year]) for year in years}
        fresh.clear()
        for year in sorted(set(self.state.stale_exports) - set(years)):
            self.steps.write_exports(year)
            self.state.stale_exports.remove(year)
        for year, batches in plan.items():
            for index, batch in enumerate(batches, start=1):
                self._tick(f"contrôle {year}, lot {index}/{len(batches)}", done, total)
                items = {f.candidate.path: f for f in batch if f.candidate.path.exists()}
                if items:
                    out += self._consolidate(year, items, last=index == len(batches))
                done += len(batch)
                batch.clear()
                items.clear()
            if year in self.state.stale_exports:  # the last batch's files had vanished
                self.steps.write_exports(year)
                self.state.stale_exports.remove(year)
        return out

    def _consolidate(self, year: int, items: dict[Path, Fresh], last: bool) -> list[FileReport]:
        checked = self.steps.consolidate(year, list(items.values()), exports=last)
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
                receipt=report.receipt,
                arrived=report.received.isoformat(timespec="seconds"),
                contact=report.contact,
            )
            reports.append(report)
        self.state.save(self.manifest)
        return reports

    def _tick(self, message: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(message, done, total)


def _batches(items: list[Fresh]) -> list[list[Fresh]]:
    """Each chamber's versions in the order of :func:`~cmacop.validate.versions.version_order`
    (date of transmission, then modification time), its n-th version in batch n: the
    current version is consolidated last and replaces the others, as ``cmacop validate``
    reports them. Versions nothing tells apart share a batch, where validation rejects
    them all (``E-IDENT-004``), as ``cmacop validate`` does.
    """
    from cmacop.validate.versions import Version, version_order

    batches: list[list[Fresh]] = [[]]
    # Arrival order (date, then name) inside a batch, as the deposits were listed.
    arrival = sorted(items, key=lambda f: (f.candidate.mtime_ns, f.candidate.key))
    by_chamber: dict[str, list[Fresh]] = {}
    for item in arrival:
        if item.chamber is None:
            # Files whose chamber cannot be told go together in the first batch: they
            # cannot be duplicates of one another for validation either.
            batches[0].append(item)
        else:
            by_chamber.setdefault(item.chamber, []).append(item)
    for versions in by_chamber.values():
        order = version_order(versions, lambda f: Version(f.sent_on, f.candidate.mtime_ns))
        for n, same in enumerate(order):
            while len(batches) <= n:
                batches.append([])
            batches[n].extend(same)
    rank = {id(item): i for i, item in enumerate(arrival)}
    return [sorted(b, key=lambda f: rank[id(f)]) for b in batches if b]
