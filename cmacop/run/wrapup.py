"""What every ``cmacop run`` does last: the emails, its line in the history, the dashboard.

None of it can fail the run: a mail server down, a dashboard that cannot be written or a
damaged history is logged as a warning, and the run ends as its work did. A run with
nothing new does it without importing polars: where each chamber stands is kept in the
manifest while the store is unchanged (``standing.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from cmacop.campaign.config import Config
from cmacop.campaign.layout import RUN_MANIFEST
from cmacop.run.deposits import Left
from cmacop.run.history import RunEntry, history_path, record_run
from cmacop.run.journal import Journal
from cmacop.run.result import RunResult, relative
from cmacop.run.standing import Standing, cached_standing, read_standing
from cmacop.run.state import RunState

if TYPE_CHECKING:
    from cmacop.run.mail import MailOutcome
    from cmacop.run.steps import Steps

T = TypeVar("T")


def _safely(log: Journal, what: str, work: Callable[[], T]) -> T | None:
    """``work()``, or None with a warning in the log: the run's outcome never depends on it."""
    try:
        return work()
    except Exception as exc:  # whatever breaks here, the run's own work is done and saved
        detail = getattr(exc, "message", None) or f"{type(exc).__name__} : {exc}"
        log.warning(f"{what} : {detail}")
        return None


def standing_of(cfg: Config, year: int, state: RunState, manifest: Path, *, keep: bool) -> Standing:
    """Where each chamber stands, from the manifest while the store is unchanged.

    ``keep``: save what was read in the manifest (only under the run lock).
    """
    found = cached_standing(cfg, year, state.standing.get(year))
    if found is None:
        found = read_standing(cfg, year)
        if keep:
            state.standing[year] = found.to_json()
            state.save(manifest)
    return found


def write_campaign_dashboard(
    cfg: Config,
    year: int,
    today: date,
    state: RunState,
    manifest: Path,
    copying: Sequence[Left] | None,
    *,
    own_lock: bool,
) -> Path:
    from cmacop.run.dashboard import write_dashboard
    from cmacop.run.status import status_of

    standing = standing_of(cfg, year, state, manifest, keep=own_lock)
    status = status_of(cfg, year, today, state, standing, copying=copying, own_lock=own_lock)
    return write_dashboard(status, datetime.now(UTC))


def wrap_up(
    cfg: Config, result: RunResult, log: Journal, *, today: date, steps: Steps
) -> RunResult:
    """After a pass, under its lock: emails, history, dashboard; the result completed."""
    state, manifest = steps.state, cfg.store / RUN_MANIFEST
    mail = None
    if cfg.notifications is not None:  # without mail, nothing of it is even imported
        from cmacop.consolidate.completeness import deadline_of
        from cmacop.run.notify import notify_run

        mail = _safely(
            log,
            "courriels",
            lambda: notify_run(
                cfg,
                result,
                log,
                registry=lambda: steps.registry,
                deadline=lambda year: deadline_of(year, steps.catalogue),
            ),
        )
    finished = datetime.now(UTC)
    entry = RunEntry(
        started=result.started.isoformat(timespec="seconds"),
        finished=finished.isoformat(timespec="seconds"),
        processed=len(result.files),
        accepted=len(result.files) - len(result.rejected),
        rejected=len(result.rejected),
        pending=len(result.pending),
        unreadable=len(result.unreadable),
        reports=result.reports.state if result.reports else None,
        mail_sent=len(mail.sent) if mail else 0,
        mail_failed=len(mail.failed) if mail else 0,
        exit_code=result.exit_code,
    )
    _safely(log, "historique des passages", lambda: record_run(history_path(cfg.log_dir), entry))
    page = _safely(
        log,
        "tableau de bord non écrit",
        lambda: write_campaign_dashboard(
            cfg, result.year, today, state, manifest, result.pending, own_lock=True
        ),
    )
    return replace(result, mail=mail, dashboard=relative(page, cfg.root) if page else None)


def record_failure(
    cfg: Config,
    year: int,
    today: date,
    log: Journal,
    started: datetime,
    error: str,
    exit_code: int,
    manifest: Path,
) -> None:
    """A run that stopped: its line in the history, and the dashboard if it can be written."""
    entry = RunEntry(
        started=started.isoformat(timespec="seconds"),
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
        exit_code=exit_code,
        error=error,
    )
    _safely(log, "historique des passages", lambda: record_run(history_path(cfg.log_dir), entry))
    _safely(
        log,
        "tableau de bord non écrit",
        lambda: write_campaign_dashboard(
            cfg, year, today, RunState.load(manifest), manifest, None, own_lock=False
        ),
    )


def mail_summary(mail: MailOutcome | None) -> str:
    """``2 courriels envoyés, 1 en attente`` (empty without mail)."""
    from cmacop.french import plural

    if mail is None or not (mail.sent or mail.failed):
        return ""
    parts = []
    if mail.sent:
        parts.append(plural(len(mail.sent), "courriel envoyé", "courriels envoyés"))
    if mail.failed:
        parts.append(plural(len(mail.failed), "courriel en attente", "courriels en attente"))
    return ", ".join(parts)
