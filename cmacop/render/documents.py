"""Markdown and HTML bilans: Jinja templates from ``templates/bilan/`` and French filters.

HTML templates are autoescaped (text from submissions is shown, never run);
Markdown templates escape free text with the ``md`` filter. Numbers, rates,
amounts and dates are formatted only here, through :mod:`cmacop.french`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from cmacop.campaign.statuses import LATE, MISSING, REJECTED, TRANSMITTED
from cmacop.compute.impacts import ImpactFigure
from cmacop.compute.progress import BELOW_BASELINE, REACHED, REASONS, Progress
from cmacop.french import fmt_date, fmt_euro, fmt_number, fmt_percent, plural, safe_text
from cmacop.render import charts
from cmacop.render.model import AxisRef, Bilan, ChamberRow, IndicatorLine, SubmissionLine
from cmacop.render.model_com import ComBilan
from cmacop.render.rulesview import typo
from cmacop.resources import data_dir
from cmacop.validate.checks.network import level_text

TEMPLATES = {
    ("national", "md"): "bilan/national.md.j2",
    ("national", "html"): "bilan/national.html.j2",
    ("com", "md"): "bilan/com.md.j2",
    ("com", "html"): "bilan/com.html.j2",
}
# Markdown punctuation escaped in free text; « _ » only where it could start or end emphasis.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|#~])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_SPACES = re.compile(r"\s+")
_NUMBERED = re.compile(r"^\d+\. ")
BAR_WIDTH = 10  # characters of a Markdown text bar


def plain(text: object) -> str:
    """Free text on one line: runs of spaces and line breaks become one space, controls visible."""
    one_line = _SPACES.sub(" ", "" if text is None else str(text)).strip()
    return one_line if one_line.isprintable() else safe_text(one_line)


def md(text: object) -> str:
    """Free text for a Markdown document (and its tables): special characters escaped."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), plain(text))


def percent(value: Fraction | Decimal | None, decimals: int = 1) -> str:
    return fmt_percent(value, decimals)


def bar(value: Fraction | None) -> str:
    """``0.75`` → ``███████▌░░``: the rate as a text bar, capped at 100 %."""
    if value is None:
        return ""
    eighths = round(min(Fraction(value), Fraction(1)) * BAR_WIDTH * 8)
    full, part = divmod(int(eighths), 8)
    partial = " ▏▎▍▌▋▊▉"[part].strip()
    return ("█" * full + partial).ljust(BAR_WIDTH, "░")


def status_label(row: ChamberRow | SubmissionLine) -> str:
    """French status of a submission, as the documents show it."""
    if row.status == MISSING:
        return "non transmis"
    if row.status == REJECTED:
        return REJECTED
    return f"{TRANSMITTED} {LATE}" if row.late else TRANSMITTED


def status_class(row: ChamberRow | SubmissionLine) -> str:
    if row.status == MISSING:
        return "na"
    if row.status == REJECTED:
        return "ko"
    return "warn" if row.late else "ok"


def css_string(text: str) -> str:
    """Text safe inside a double-quoted CSS string of the inline stylesheet."""
    return re.sub(r'["\\<>\n\r]', " ", plain(text))


def short_name(name: str) -> str:
    """« CMA Bretagne » → « Bretagne »: CMAR names in wide money tables."""
    return name.removeprefix("CMA ")


def ordinal(rank: int) -> str:
    return "1er" if rank == 1 else f"{rank}e"


def jalon_class(status: str) -> str:
    """Badge class of a commitment's status."""
    return {"fait": "ok", "en cours": "warn", "non commencé": "warn"}.get(status, "na")


def rate_class(value: Fraction | None) -> str:
    """CSS class of a rate: the heat-map bin it falls into."""
    if value is None:
        return "r-na"
    for pos, (low, *_rest) in enumerate(charts.BINS):
        if value >= low:
            return f"r-{pos}"
    return f"r-{len(charts.BINS) - 1}"


# An impact value the chamber did not give: optional, so not « non renseigné » (nothing was due).
NOT_GIVEN = "non communiqué"


def unit_value(value: object, unit: str, decimals: int | None = None) -> str:
    """An impact value in its unit (``%`` values are given in percent by chambers)."""
    if value is None:
        return NOT_GIVEN
    number = value if isinstance(value, int | Decimal) else Decimal(str(value))
    if decimals is None:
        decimals = 0 if number == int(number) else 1
    text = fmt_number(number, decimals)
    suffix = {"%": "\u202f%", "€": "\u202f€", "tCO2e": "\u202ftCO2e"}.get(unit, "")
    return text + suffix


# The footnote letter of each reason a progression cell is empty (compute/progress.py).
PROGRESS_LETTERS = {reason: chr(ord("a") + pos) for pos, reason in enumerate(REASONS)}


def progress_text(p: Progress) -> str:
    """A progression cell: « 45,3 % », « cible 2027 atteinte », « en recul » or « — (a) »."""
    if p.state == REACHED:
        return "cible 2027 atteinte"
    if p.state == BELOW_BASELINE:
        return "en recul"
    if p.rate is not None:
        return percent(p.rate)
    return f"— ({PROGRESS_LETTERS[p.reason or '']})"


def progress_notes(lines: Sequence[IndicatorLine]) -> list[tuple[str, str]]:
    """The footnotes of the empty progression cells of ``lines``: (letter, reason), in order."""
    used = {line.progress.reason for line in lines if line.progress.reason}
    return [(PROGRESS_LETTERS[r], text) for r, text in REASONS.items() if r in used]


def impact_text(figure: ImpactFigure) -> str:
    """The network's figure of an impact indicator: median and range, or sum."""
    if not figure.reporting:
        return "aucune valeur"
    if figure.is_rate:
        assert figure.median is not None and figure.low is not None and figure.high is not None
        return (
            f"médiane {unit_value(figure.median, '%', 1)} "
            f"(de {unit_value(figure.low, '%', 1)} à {unit_value(figure.high, '%', 1)})"
        )
    return f"somme {unit_value(figure.total, figure.unit)}"


def weighted_text(figure: ImpactFigure) -> str:
    """The mean weighted by the firms measured, where chambers gave them."""
    if figure.weighted is None:
        return "—"
    chambers = plural(figure.weighted_reporting, "chambre")
    return f"{unit_value(figure.weighted, '%', 1)} ({chambers})"


def axes_chart(bilan: Bilan | ComBilan) -> Markup:
    """Figure 1: realised against target (100 %) per axis, with the year before when known."""
    year, before = bilan.year, bilan.year - 1
    if isinstance(bilan, Bilan):
        refs = bilan.synthesis.axes
        series = [charts.Series(f"Réseau {year}", tuple(a.rate for a in refs))]
        if bilan.has_history:
            series.append(
                charts.Series(
                    f"Réseau {before}", tuple(a.previous_rate for a in refs), charts.BLUE_LIGHT
                )
            )
        subject = "du réseau"
    else:
        refs = tuple(line.axis for line in bilan.axes)
        series = [
            charts.Series(bilan.chamber.code, tuple(line.rate for line in bilan.axes)),
            charts.Series(f"Réseau {year}", tuple(a.rate for a in refs), charts.BLUE_LIGHT),
        ]
        subject = f"de {bilan.chamber.name}"
    return charts.bar_chart(
        "axes",
        [f"{a.number}. {a.short_title}" for a in refs],
        series,
        title=f"Taux d'atteinte {subject} par axe, {year}",
        desc="Barres horizontales : taux d'atteinte de chacun des six axes comparé à la cible "
        "de 100 %. Les mêmes valeurs figurent dans le tableau qui suit la figure.",
    )


def chambers_heatmap(
    rows: Sequence[ChamberRow], axes: Sequence[AxisRef], highlight: str | None = None
) -> Markup:
    """Figure 2: chambers × axes, one coloured cell per rate."""
    return charts.heatmap(
        "carte",
        [(plain(r.name), r.axis_rates, status_label(r)) for r in rows],
        [f"Axe {a.number}" for a in axes],
        title="Taux d'atteinte par chambre et par axe",
        desc="Carte de chaleur : une ligne par chambre, une colonne par axe ; chaque case porte "
        "le taux d'atteinte, du rouge (moins de 50 %) au vert (100 % et plus). Les mêmes "
        "valeurs figurent dans le tableau qui suit la figure.",
        highlight=plain(next((r.name for r in rows if r.code == highlight), "")) or None,
    )


FILTERS: dict[str, Callable[..., Any]] = {
    "number": fmt_number,
    "percent": percent,
    "euro": fmt_euro,
    "date": fmt_date,
    "plain": plain,
    "md": md,
    "bar": bar,
    "status": status_label,
    "status_class": status_class,
    "ordinal": ordinal,
    "short": short_name,
    "css_string": css_string,
    "rate_class": rate_class,
    "unit_value": unit_value,
    "level": level_text,
    "progress": progress_text,
    "jalon_class": jalon_class,
    "impact": impact_text,
    "weighted": weighted_text,
    "plural": plural,
    "typo": typo,
}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja environment of the bilans (autoescape for ``.html.j2`` templates)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("templates")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(FILTERS)
    env.globals.update(
        axes_chart=axes_chart,
        chambers_heatmap=chambers_heatmap,
        trajectory_chart=charts.trajectory_chart,
        progress_notes=progress_notes,
    )
    return env


def render(bilan: Bilan | ComBilan, fmt: str) -> str:
    """The text of ``bilan`` in ``fmt`` (``md`` or ``html``)."""
    kind = "national" if isinstance(bilan, Bilan) else "com"
    template = environment().get_template(TEMPLATES[(kind, fmt)])
    text = template.render(b=bilan, generated=fmt_date(bilan.generated_on))
    return _tidy(text, markdown=fmt == "md")


def _block(line: str) -> str:
    """The kind of a Markdown line: table row, heading, list item or paragraph text."""
    if line.startswith("|"):
        return "table"
    if line.startswith("#"):
        return "heading"
    if line.startswith("- ") or _NUMBERED.match(line):
        return "list"
    return "text"


def _tidy(text: str, *, markdown: bool) -> str:
    """No trailing spaces, at most one blank line in a row, one final newline.

    In Markdown, a blank line also separates blocks of different kinds (a
    paragraph and the table that follows it), whatever the template's spacing.
    """
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        if (
            markdown
            and line
            and out
            and out[-1]
            and (_block(line) != _block(out[-1]) or _block(line) == "heading")
        ):
            out.append("")
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
