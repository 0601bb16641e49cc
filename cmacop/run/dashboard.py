"""The campaign's dashboard, ``tableau_de_bord.html``: the campaign at a glance.

One self-contained French page (inline CSS and SVG, no script, no request) that anyone
opens from the shared drive, on a screen, a phone or paper: the legal dates and the days
left, per chamber its status, its last file (received when, declared when, accepted or
rejected), its open and justified warnings and its errors, with links (relative: they
work from the shared drive) to its annotated workbook and accusé; missing and late
chambers first; the emails waiting for a retry; the last runs; the network's attainment
per axis once computed. It renders a :class:`~cmacop.run.status.CampaignStatus`.

Written with the standard library only: a run with nothing new rewrites it (the days
left change) without importing a template engine.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from html import escape
from pathlib import Path
from urllib.parse import quote

from cmacop import __version__
from cmacop.campaign.layout import DASHBOARD_FILE
from cmacop.campaign.statuses import LATE, MISSING, REJECTED, TRANSMITTED
from cmacop.files.fsutil import write_bytes_atomic
from cmacop.french import days_left, fmt_date, fmt_percent, plural
from cmacop.run.history import RunEntry
from cmacop.run.status import BY_HAND, NOT_WRITTEN, CampaignStatus, ChamberStatus

# Order of the chambers: what needs someone's attention first.
_ORDER = {MISSING: 0, REJECTED: 1, LATE: 2, TRANSMITTED: 3}
_CLASS = {MISSING: "manquant", REJECTED: "rejete", LATE: "retard", TRANSMITTED: "ok"}
_COLOURS = {TRANSMITTED: "#2e7d32", LATE: "#ef6c00", REJECTED: "#c62828", MISSING: "#757575"}

CSS = """
:root{--ok:#2e7d32;--retard:#ef6c00;--rejete:#c62828;--manquant:#616161;--bord:#d0d7de}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0 auto;
max-width:72rem;padding:1rem;color:#1f2328;line-height:1.4}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;
border-bottom:1px solid var(--bord);padding-bottom:.2rem}
.meta{color:#57606a;font-size:.9rem;margin:.2rem 0 1rem}
.cartes{display:flex;flex-wrap:wrap;gap:.6rem}
.carte{flex:1 1 15rem;border:1px solid var(--bord);border-radius:.4rem;padding:.6rem .8rem}
.carte strong{display:block;font-size:1.1rem}
.alerte{border-left:.35rem solid var(--retard);background:#fff8f0;padding:.5rem .8rem;
margin:.6rem 0;border-radius:.2rem}
.alerte.grave{border-left-color:var(--rejete);background:#fff5f5}
.alerte.info{border-left-color:#0969da;background:#f3f8ff}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border-bottom:1px solid var(--bord);padding:.35rem .45rem;text-align:left;
vertical-align:top}
th{background:#f6f8fa}
td.n{text-align:right;white-space:nowrap}
.statut{display:inline-block;border-radius:1rem;padding:0 .55rem;color:#fff;
font-size:.85rem;white-space:nowrap}
.statut.ok{background:var(--ok)}.statut.retard{background:var(--retard)}
.statut.rejete{background:var(--rejete)}.statut.manquant{background:var(--manquant)}
.petit{color:#57606a;font-size:.85rem}
a{color:#0969da}
svg text{font-family:inherit}
@media (max-width:40rem){
 table.chambres thead{display:none}
 table.chambres tr{display:block;border:1px solid var(--bord);border-radius:.4rem;
 margin:.5rem 0;padding:.3rem .5rem}
 table.chambres td{display:block;border:none;padding:.15rem 0}
 table.chambres td::before{content:attr(data-titre) " : ";font-weight:600}
 td.n{text-align:left}
}
@media print{
 @page{size:A4;margin:12mm}
 body{max-width:none;padding:0;font-size:10pt}
 a{color:inherit;text-decoration:none}
 tr,.carte,.alerte{break-inside:avoid}
 h2{break-after:avoid}
 .statut{color:#000;border:1px solid #000;background:none!important}
}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _moment(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = value.astimezone()
    return f"{fmt_date(local)} à {local:%H:%M}"


def _link(path: str | None, label: str) -> str:
    """A link relative to the campaign folder (the page sits at its root)."""
    if not path:
        return ""
    return f'<a href="{_e(quote(path))}">{_e(label)}</a>'


def _badge(status: str) -> str:
    return f'<span class="statut {_CLASS.get(status, "manquant")}">{_e(status)}</span>'


def _dates(status: CampaignStatus) -> str:
    cards = []
    for d in status.dates:
        left = days_left(d.days_left)
        cards.append(
            f'<div class="carte"><span class="petit">{_e(d.label)}</span>'
            f"<strong>{_e(fmt_date(d.day))}</strong>"
            f"{_e(left[0].upper() + left[1:])}"
            f'<br><span class="petit">{_e(d.source)}</span></div>'
        )
    return f'<section id="echeances"><div class="cartes">{"".join(cards)}</div></section>'


def _summary_bar(status: CampaignStatus) -> str:
    """The chambers by status: counts and one stacked bar (SVG)."""
    counts = status.counts()
    total = len(status.chambers) or 1
    x, parts, legend = 0.0, [], []
    for name in (TRANSMITTED, LATE, REJECTED, MISSING):
        n = counts.get(name, 0)
        invariable = name in (TRANSMITTED, LATE)  # « 2 transmis », « 2 hors délai »
        legend.append(plural(n, name, name if invariable else None))
        if n:
            width = 100 * n / total
            parts.append(
                f'<rect x="{x:.2f}%" y="0" width="{width:.2f}%" height="18" '
                f'fill="{_COLOURS[name]}"><title>{_e(name)} : {n}</title></rect>'
            )
            x += width
    late = counts.get("en retard", 0)
    return (
        '<section id="synthese"><h2>Où en sont les chambres</h2>'
        f"<p><strong>{_e(' · '.join(legend))}</strong> sur {len(status.chambers)} chambres "
        f"déclarantes ; {_e(plural(late, 'chambre'))} en retard.</p>"
        '<svg role="img" aria-label="Répartition des chambres par statut" width="100%" '
        f'height="18" style="display:block">{"".join(parts)}</svg></section>'
    )


def _alerts(status: CampaignStatus) -> str:
    out = []
    if status.running:
        r = status.running
        since = r.get("depuis")
        when = f"{datetime.fromisoformat(since).astimezone():%H:%M}" if since else "?"
        out.append(
            f'<p class="alerte info">Passage en cours depuis {_e(when)}, pid {_e(r.get("pid"))} '
            f"sur {_e(r.get('hote'))} : cette page sera mise à jour à sa fin.</p>"
        )
    if status.copying:
        out.append(
            f'<p class="alerte info">{_e(plural(len(status.copying), "fichier"))} en cours de '
            f"copie, repris au prochain passage : {_e(', '.join(status.copying))}.</p>"
        )
    if status.mail_waiting:
        lines = "".join(
            f"<li>{_e(subject)} — {_e(error)} ({_e(plural(n, 'tentative'))})</li>"
            for subject, error, n in status.mail_waiting
        )
        out.append(
            f'<div class="alerte grave"><strong>{_e(plural(len(status.mail_waiting), "courriel"))}'
            " en attente</strong> : le serveur de courriel ne les a pas pris ; ils sont renvoyés "
            f"au prochain passage.<ul>{lines}</ul></div>"
        )
    reports = status.reports
    if reports is not None and reports.state == NOT_WRITTEN:
        out.append(
            f'<p class="alerte">Bilans {status.year} non établis : lancez '
            "<code>cmacop report</code> (ou attendez le prochain passage de cmacop run).</p>"
        )
    return "".join(out)


def _chamber_row(c: ChamberStatus) -> str:
    name = f"<strong>{_e(c.chamber)}</strong><br>{_e(c.name)}"
    late = " en retard" if c.late and c.status in (MISSING, REJECTED) else ""
    state = _badge(c.status) + (
        f'<br><span class="petit">{_e(late.strip())}</span>' if late else ""
    )
    if c.copying:
        state += '<br><span class="petit">fichier en cours de copie</span>'
    if c.last_file:
        declared = f"déclaré le {fmt_date(c.sent_on)}" if c.sent_on else ""
        last = (
            f"{_e(Path(c.last_file).name)}<br>"
            f'<span class="petit">reçu le {_e(_moment(c.received))}'
            f"{'<br>' + _e(declared) if declared and c.last_file == c.in_force else ''}</span>"
        )
        verdict = _e(c.verdict or "—")
    else:
        last, verdict = '<span class="petit">aucun fichier reçu</span>', "—"
    if c.in_force and c.last_file and c.in_force != c.last_file:
        verdict += f'<br><span class="petit">en vigueur : {_e(Path(c.in_force).name)}</span>'
    findings = (
        f"{_e(plural(c.errors, 'erreur'))}<br>"
        f"{_e(plural(c.warnings, 'avertissement ouvert', 'avertissements ouverts'))}<br>"
        f"{_e(plural(c.justified, 'justifié'))}"
        if c.last_file
        else "—"
    )
    links = "<br>".join(
        x
        for x in (_link(c.feedback, "classeur annoté"), _link(c.receipt, "accusé de réception"))
        if x
    )
    cells = (
        ("Chambre", name),
        ("Statut", state),
        ("Dernier fichier", last),
        ("Résultat", verdict),
        ("Constats", findings),
        ("Retours", links or "—"),
    )
    body = "".join(f'<td data-titre="{t}">{v}</td>' for t, v in cells)
    return f'<tr class="{_CLASS.get(c.status, "")}">{body}</tr>'


def _chambers(status: CampaignStatus) -> str:
    order = {c.chamber: i for i, c in enumerate(status.chambers)}
    rows = sorted(
        status.chambers,
        key=lambda c: (_ORDER.get(c.status, 9), not c.late, order[c.chamber]),
    )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Chambre", "Statut", "Dernier fichier", "Résultat", "Constats", "Retours")
    )
    note = (
        ""
        if status.source == "manifeste"
        else '<p class="petit">Aucun passage de cmacop run n\'a encore traité ces fichiers : '
        "ils viennent du dépôt de consolidation (cmacop consolidate).</p>"
    )
    return (
        '<section id="chambres"><h2>Les chambres (manquantes et en retard d\'abord)</h2>'
        f'{note}<table class="chambres"><thead><tr>{head}</tr></thead><tbody>'
        + "".join(_chamber_row(c) for c in rows)
        + "</tbody></table>"
        '<p class="petit">« Reçu le » : date d\'arrivée du fichier dans le dossier de dépôt, '
        "qui dit s'il est hors délai ; « déclaré le » : date de transmission saisie dans le "
        "classeur. Avertissements justifiés : expliqués dans referentiel/justifications.csv."
        "</p></section>"
    )


def _axes(status: CampaignStatus) -> str:
    head = f'<section id="axes"><h2>Atteinte des objectifs par axe ({status.year})</h2>'
    if not status.axes:
        return (
            f'{head}<p class="petit">Calculée à l\'établissement des bilans {status.year} '
            "(moyenne des taux des chambres ayant transmis).</p></section>"
        )
    bars, y = [], 0
    for axis in status.axes:
        rate = axis.get("taux")
        value = Decimal(rate) if rate is not None else None
        width = float(min(value, Decimal(1))) * 100 if value is not None else 0
        shown = fmt_percent(value) if value is not None else "sans indicateur"
        label = f"Axe {axis.get('axe')} — {axis.get('titre')}"
        bars.append(
            f'<text x="0" y="{y + 13}" font-size="12">{_e(label)}</text>'
            f'<rect x="0" y="{y + 18}" width="{width * 0.8:.1f}%" height="12" fill="#0969da"/>'
            f'<text x="{width * 0.8 + 1:.1f}%" y="{y + 28}" font-size="12">{_e(shown)}</text>'
        )
        y += 36
    return (
        f'{head}<svg role="img" aria-label="Taux d\'atteinte par axe" width="100%" '
        f'height="{y}" style="display:block">{"".join(bars)}</svg>'
        '<p class="petit">Taux du réseau : moyenne des taux d\'atteinte des chambres sur '
        "l'axe (bilans établis).</p></section>"
    )


def _run_text(run: RunEntry) -> str:
    if run.error:
        return f"arrêté : {run.error}"
    if run.nothing_new:
        text = "rien de nouveau"
        if run.repeats > 1:
            first = _moment(datetime.fromisoformat(run.first)) if run.first else "?"
            text += f" ({run.repeats} passages depuis le {first})"
    else:
        text = (
            f"{plural(run.processed, 'dépôt')} traité{'s' if run.processed > 1 else ''} "
            f"({run.accepted} accepté{'s' if run.accepted > 1 else ''}, "
            f"{run.rejected} rejeté{'s' if run.rejected > 1 else ''})"
        )
        if run.reports:
            text += f", bilans {run.reports}"
    if run.pending:
        text += f", {run.pending} en cours de copie"
    if run.mail_sent:
        text += f", {plural(run.mail_sent, 'courriel envoyé', 'courriels envoyés')}"
    if run.mail_failed:
        text += f", {plural(run.mail_failed, 'courriel en attente', 'courriels en attente')}"
    return text


def _runs(status: CampaignStatus) -> str:
    if not status.runs:
        return (
            '<section id="passages"><h2>Derniers passages</h2>'
            "<p>Aucun passage de cmacop run pour l'instant.</p></section>"
        )
    rows = []
    for run in reversed(status.runs):
        start = datetime.fromisoformat(run.started)
        seconds = (datetime.fromisoformat(run.finished) - start).total_seconds()
        end = "erreur" if run.error else ("problème" if run.exit_code else "normale")
        rows.append(
            f'<tr><td data-titre="Quand">{_e(_moment(start))}</td>'
            f'<td data-titre="Ce qu\'il a fait">{_e(_run_text(run))}</td>'
            f'<td class="n" data-titre="Durée">{_e(f"{seconds:.0f} s")}</td>'
            f'<td data-titre="Fin">{_e(end)} (code {run.exit_code})</td></tr>'
        )
    return (
        '<section id="passages"><h2>Derniers passages de cmacop run</h2>'
        '<table class="chambres"><thead><tr><th>Quand</th><th>Ce qu\'il a fait</th>'
        "<th>Durée</th><th>Fin</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


def _reports(status: CampaignStatus) -> str:
    r = status.reports
    if r is None or r.state == NOT_WRITTEN or not r.files:
        text = (
            f"Bilans {status.year} non établis : lancez cmacop report."
            if r is not None and r.state == NOT_WRITTEN
            else f"Bilans {status.year} non établis : aucun bilan de COM {status.year} accepté."
        )
        return f'<section id="bilans"><h2>Bilans</h2><p>{_e(text)}</p></section>'
    when = fmt_date(r.generated_on) if r.generated_on else "—"
    by = " (par cmacop report)" if r.state == BY_HAND else ""
    national = next((f for f in r.files if f.endswith(f"bilan_cop_{status.year}.html")), None)
    link = f" — {_link(national, 'bilan national')}" if national else ""
    return (
        f'<section id="bilans"><h2>Bilans</h2><p>Bilans {status.year} établis le {_e(when)}'
        f"{_e(by)} : {_e(plural(len(r.files), 'fichier'))} dans {_e(r.folder)}/{link}.</p>"
        "</section>"
    )


def render_dashboard(status: CampaignStatus, generated: datetime, by: str = "cmacop run") -> str:
    """The page, as text (deterministic for a given status and moment)."""
    mail = (
        "accusés de réception envoyés par courriel"
        if status.mail_on
        else "pas d'envoi de courriel ([notifications] non configuré)"
    )
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Campagne {status.year} — tableau de bord cmacop</title>"
        f"<style>{CSS}</style></head><body>"
        f"<header><h1>Campagne {status.year} du COP 2023-2027 — tableau de bord</h1>"
        f'<p class="meta">Mis à jour le {_e(_moment(generated))} par {_e(by)} '
        f"(cmacop {_e(__version__)}) ; aujourd'hui : {_e(fmt_date(status.today))} ; {_e(mail)}."
        "</p></header>"
        f"{_dates(status)}{_alerts(status)}{_summary_bar(status)}{_chambers(status)}"
        f"{_axes(status)}{_runs(status)}{_reports(status)}"
        f'<footer class="petit"><p>Dossier de campagne : {_e(status.root)}. Cette page est '
        "réécrite à chaque passage de cmacop run ; cmacop statut donne les mêmes "
        "informations dans un terminal.</p></footer></body></html>\n"
    )


def write_dashboard(
    status: CampaignStatus,
    generated: datetime,
    *,
    path: Path | None = None,
    by: str = "cmacop run",
) -> Path:
    """Write the page atomically (default: ``tableau_de_bord.html`` at the campaign root)."""
    target = path if path is not None else status.root / DASHBOARD_FILE
    # Atomic, not forced to disk: a crash leaves the previous page, the next run rewrites it.
    write_bytes_atomic(target, render_dashboard(status, generated, by).encode(), durable=False)
    return target
