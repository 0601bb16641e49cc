"""Rendering ``cmacop run`` and ``cmacop statut`` for the terminal (JSON is ``to_dict()``)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from cmacop.campaign.statuses import COMPLETENESS
from cmacop.cli.common import openable, rich_table
from cmacop.french import fmt_date, plural
from cmacop.run.result import NO_DATA, WRITTEN, settling_text

if TYPE_CHECKING:
    from cmacop.cop.followup import Timetable
    from cmacop.run.reminders import ReminderResult
    from cmacop.run.result import ReportsOutcome, RunResult
    from cmacop.run.status import CampaignStatus


def _moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    local = value.astimezone()
    return f"{fmt_date(local)} {local:%H:%M}"


def reports_line(reports: ReportsOutcome | None, year: int, root: Path) -> str:
    from cmacop.run.status import BY_HAND, NOT_WRITTEN

    if reports is None or reports.state == NO_DATA:
        return f"Bilans {year} non établis : aucun bilan de COM {year} accepté."
    if reports.state == NOT_WRITTEN:
        return f"Bilans {year} non établis (lancez cmacop report)."
    when = fmt_date(reports.generated_on) if reports.generated_on else "—"
    verb = {WRITTEN: "établis", BY_HAND: "établis par cmacop report"}.get(
        reports.state, "à jour, établis"
    )
    folder = openable(root, reports.folder)
    line = (
        f"Bilans {year} {verb} le {when} : {plural(len(reports.files), 'fichier')} dans {folder}/."
    )
    return "".join([line, *(f"\nAttention : {w}." for w in reports.warnings)])


def run_summary(result: RunResult) -> str:
    """The closing lines of ``cmacop run`` (the only lines when there was nothing new)."""
    root = result.root
    lines = []
    if result.nothing_new:
        lines.append(
            f"Rien de nouveau : {plural(result.unchanged, 'fichier déjà traité', 'fichiers déjà traités')}."
        )
    else:
        rejected, later = len(result.rejected), len(result.not_recorded)
        accepted = len(result.files) - rejected - later
        lines.append(
            f"{plural(len(result.files), 'dépôt traité', 'dépôts traités')} : "
            f"{plural(accepted, 'accepté')}, {plural(rejected, 'rejeté')}"
            + (f", {plural(later, 'non traité')} (repris au prochain passage)" if later else "")
            + f" ; {plural(result.unchanged, 'déjà traité', 'déjà traités')} auparavant."
        )
    deposit = result.deposit or root
    if result.pending:
        lines.append(settling_text(len(result.pending), result.settle_seconds) + " :")
        lines += [f"  {openable(deposit, left.key)} — {left.reason}" for left in result.pending]
    if result.held:
        lines.append(
            f"{plural(len(result.held), 'fichier')} en attente derrière un dépôt non traité de la "
            "même chambre, repris au prochain passage :"
        )
        lines += [f"  {openable(deposit, left.key)}" for left in result.held]
    for left in result.unreadable:
        lines.append(f"Illisible : {openable(deposit, left.key)} — {left.reason}")
    lines.append(reports_line(result.reports, result.year, root))
    mail = result.mail
    if mail is not None and mail.error is not None:
        lines.append(
            f"Courriels : {plural(len(mail.failed), 'en attente')} ({mail.error}), renvoyés au "
            "prochain passage."
        )
    elif mail is not None and (mail.sent or mail.failed):
        sent = plural(len(mail.sent), "envoyé")
        waiting = f", {plural(len(mail.failed), 'en attente')}" if mail.failed else ""
        lines.append(f"Courriels : {sent}{waiting}.")
    if result.dashboard:
        lines.append(f"Tableau de bord : {openable(root, result.dashboard)}")
    return "\n".join(lines) + "\n"


def problems_line(result: RunResult) -> str:
    """What stderr says when the run exits with 1 or 5 (shown even with ``--quiet``): one
    line, then each thing to fix on the drive (its folder, cause and what to do) once."""
    parts, where = [], []
    root = result.root
    if result.not_recorded:
        parts.append(plural(len(result.not_recorded), "dépôt non traité", "dépôts non traités"))
    others = len(result.all_problems) - sum(1 for f in result.files if f.problem)
    if others:
        parts.append(plural(others, "autre problème", "autres problèmes"))
    if result.rejected:
        parts.append(plural(len(result.rejected), "dépôt rejeté", "dépôts rejetés"))
        folders = sorted(
            {
                f"{openable(root, str(PurePosixPath(f.receipt).parent))}/"
                for f in result.rejected
                if f.receipt
            }
        )
        where.append(f"accusés de réception dans {', '.join(folders)}")
    if result.unreadable:
        parts.append(plural(len(result.unreadable), "fichier illisible", "fichiers illisibles"))
    where.append(
        f"détail dans le journal {openable(root, result.log) if result.log else 'cmacop.log'}"
    )
    lines = [f"Attention : {', '.join(parts)} ({', '.join(where)})."]
    seen = set()
    for problem in result.all_problems:
        if (problem.folder, problem.cause) in seen:
            continue
        seen.add((problem.folder, problem.cause))
        lines.append(f"À faire : {problem.cause}" + (f" → {problem.hint}" if problem.hint else ""))
    return "\n".join(lines) + "\n"


def _common(paths: list[str | None]) -> tuple[str, Callable[[str | None], str | None]]:
    """The folder ``paths`` (relative to the campaign) share, and each path's name from it.

    Tables name files from that folder, given once above them, so that a name stays short
    enough never to be broken across lines.
    """
    given = [p for p in paths if p]
    try:
        folder = posixpath.commonpath([posixpath.dirname(p) for p in given]) if given else ""
    except ValueError:  # absolute and relative paths (folders moved out of the campaign)
        folder = ""

    def name(path: str | None) -> str | None:
        return posixpath.relpath(path, folder) if path and folder else path

    return folder, name


def run_tables(result: RunResult) -> list[Any]:
    """The files processed by the run, as a rich table (none when nothing was new)."""
    if not result.files:
        return []
    root = result.root
    deposits, deposit = _common([f.file for f in result.files])
    receipts, receipt = _common([f.receipt for f in result.files])
    title = f"Dépôts traités — campagne {result.year}"
    if deposits:
        title += f" — fichiers de {openable(root, deposits)}/"
    if receipts:
        title += f", accusés dans {openable(root, receipts)}/"
    return [
        rich_table(
            title,
            ["Fichier", "Chambre", "Résultat", "Erreurs", "Avertissements", "Accusé de réception"],
            [
                [
                    deposit(f.file),
                    f.chamber,
                    f.outcome,
                    f.errors,
                    _warnings(f.warnings, f.justified),
                    receipt(f.receipt),
                ]
                for f in result.files
            ],
            whole=("Fichier", "Chambre", "Accusé de réception"),
        )
    ]


def _warnings(open_: int, justified: int) -> str:
    """``2``, or ``1 (+ 2 justifiés)``: warnings still open, and those the chamber explained."""
    return f"{open_} (+ {plural(justified, 'justifié')})" if justified else str(open_)


def status_table(status: CampaignStatus) -> Any:
    """One row per chamber; the files named from their common folder, given in the title
    (as it opens from here)."""

    def yes_no(value: bool | None) -> str | None:
        return None if value is None else ("oui" if value else "non")

    folder, name = _common([c.last_file for c in status.chambers])
    title = f"Campagne {status.year} — date limite : {fmt_date(status.deadline)}"
    if folder:
        title += f" — fichiers reçus dans {openable(status.root, folder)}/"

    return rich_table(
        title,
        [
            "Chambre",
            "Nom",
            "Statut",
            "En retard",
            "Dernier fichier reçu",
            "Reçu le",
            "Déclaré le",
            "Valide",
            "Avertissements",
            "Dernier changement",
        ],
        [
            [
                c.chamber,
                c.name,
                c.status,
                yes_no(c.late),
                name(c.last_file),
                _moment(c.received),
                fmt_date(c.sent_on) if c.sent_on and c.last_file == c.in_force else None,
                yes_no(c.last_valid),
                _warnings(c.warnings, c.justified) if c.last_file else None,
                _moment(c.last_change),
            ]
            for c in status.chambers
        ],
        whole=("Chambre", "Dernier fichier reçu"),
    )


def _days(count: int) -> str:
    from cmacop.french import days_left

    return days_left(count)


def status_summary(status: CampaignStatus) -> str:
    counts = status.counts()
    lines = []
    for d in status.dates:
        lines.append(f"{d.label} : {fmt_date(d.day)}, {_days(d.days_left)} ({d.source}).")
    invariable = {"transmis", "hors délai"}  # « 2 transmis », « 2 hors délai »
    parts = [plural(counts.get(s, 0), s, s if s in invariable else None) for s in COMPLETENESS]
    lines.append(f"{', '.join(parts)} ; {counts['en retard']} en retard.")
    if status.copying:
        lines.append(
            f"{plural(len(status.copying), 'fichier')} en cours de copie, repris au prochain "
            "passage."
        )
    if status.running:
        lines.append(running_line(status.running) + ".")
    run = status.last_run
    if run:
        when = _moment(datetime.fromisoformat(run["debut"]))
        stop = run.get("interruption")
        if isinstance(stop, dict):
            lines.append(
                f"Dernier traitement : {when}, interrompu (code de sortie "
                f"{run.get('code_sortie')}) à l'étape « {stop.get('etape')} » : "
                f"{stop.get('cause')}."
            )
            if stop.get("conseil"):
                lines.append(f"  → {stop['conseil']}")
        else:
            lines.append(
                f"Dernier traitement : {when}, {plural(run.get('traites', 0), 'dépôt')}, "
                f"code de sortie {run.get('code_sortie')}."
            )
        for problem in run.get("problemes") or []:
            lines.append(f"À faire — {problem.get('etape')} : {problem.get('cause')}.")
            if problem.get("conseil"):
                lines.append(f"  → {problem['conseil']}")
    elif status.runs:
        last = status.runs[-1]
        lines.append(
            f"Dernier passage de « cmacop run » : {_moment(last.start)}, code de sortie "
            f"{last.exit_code}."
        )
    else:
        lines.append("Aucun traitement par « cmacop run » pour l'instant.")
    lines.append(reports_line(status.reports, status.year, status.root))
    if status.bilan is not None:
        lines.append(bilan_line(status.bilan))
    for subject, error, _ in status.mail_waiting:
        lines.append(f"Courriel en attente ({error}) : {subject}")
    return "\n".join(lines) + "\n"


def running_line(holder: dict[str, Any]) -> str:
    """« Passage en cours depuis 02:14, pid 4121 sur srv-partage »."""
    since = holder.get("depuis")
    when = f"{datetime.fromisoformat(since).astimezone():%H:%M}" if since else "une heure inconnue"
    return f"Passage en cours depuis {when}, pid {holder.get('pid')} sur {holder.get('hote')}"


def reminder_table(result: ReminderResult) -> Any:
    return rich_table(
        f"Relances — bilans de COM {result.year}, date limite : {fmt_date(result.deadline)}",
        ["Chambre", "Nom", "Statut", "À", "État"],
        [
            [
                r.chamber,
                r.name,
                r.status,
                ", ".join(r.message.to) if r.message else None,
                f"{r.state} ({r.detail})" if r.detail else r.state,
            ]
            for r in result.reminders
        ],
    )


def reminder_lines(result: ReminderResult) -> str:
    """The messages themselves (``--essai``), then one line of what was done."""
    from cmacop.run.reminders import NOT_YET, TO_SEND

    lines = []
    if result.trial and result.due:
        for r in result.reminders:
            if r.message is None:
                continue
            m = r.message
            lines += [f"À : {', '.join(m.to)}"]
            if m.cc:
                lines.append(f"Copie : {', '.join(m.cc)}")
            lines += [f"Objet : {m.subject}", "", m.body.rstrip("\n"), "", "-" * 40]
    if not result.reminders:
        lines.append(
            f"Aucune chambre à relancer : chaque chambre a un bilan de COM {result.year} accepté."
        )
    elif not result.due:
        lines.append(
            f"Rien à envoyer avant le {fmt_date(result.starts_on)} ({result.days} jours avant la "
            f"date limite du {fmt_date(result.deadline)})."
        )
    else:
        counts: dict[str, int] = {}
        for r in result.reminders:
            counts[r.state] = counts.get(r.state, 0) + 1
        done = ", ".join(f"{n} {state}" for state, n in counts.items() if state != NOT_YET)
        trial = " (essai : rien n'a été envoyé)" if TO_SEND in counts else ""
        lines.append(f"Relances : {done}{trial}.")
    if result.error:
        lines.append(f"Serveur de courriel inutilisable : {result.error} ; relancez plus tard.")
    return "\n".join(lines) + "\n"


def bilan_line(t: Timetable) -> str:
    """« Bilan 2024 : à transmettre au ministre avant le 1er juillet 2025 … ; état : … »."""
    steps = ", ".join(f"{s.step} le {fmt_date(s.on)}" for s in t.steps if s.on is not None)
    return (
        f"Bilan {t.year} : à transmettre au ministre avant le {fmt_date(t.deadline)} "
        f"(contrat, annexe I, note 4) ; état : {t.state}"
        f"{' — ' + steps if steps else ' — aucune étape datée (calendrier_bilan.csv)'}."
    )
