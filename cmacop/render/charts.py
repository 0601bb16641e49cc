"""Charts of the HTML bilan as inline SVG, built as strings: no script, no external file.

Every text is escaped; every chart carries a ``<title>`` and a ``<desc>`` for
screen readers, and shows its values as text (colour is never the only cue).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from html import escape

from markupsafe import Markup

from cmacop.french import fmt_number, fmt_percent

FONT = 'font-family="inherit"'
INK = "#1e1e1e"
MUTED = "#666666"
GRID = "#d9d9d9"
BLUE = "#000091"  # « bleu France »
BLUE_LIGHT = "#8f8fd6"
RED = "#c9191e"

# Heat-map bins: (lower bound, fill, text colour, legend).
BINS: tuple[tuple[Fraction, str, str, str], ...] = (
    (Fraction(1), "#1f7a4d", "#ffffff", "100 % et plus"),
    (Fraction(9, 10), "#8fd1a8", INK, "90 à 100 %"),
    (Fraction(3, 4), "#f6dc7d", INK, "75 à 90 %"),
    (Fraction(1, 2), "#f3a95a", INK, "50 à 75 %"),
    (Fraction(0), "#d8504d", "#ffffff", "moins de 50 %"),
)
NOT_MEASURED = "#ececec"


@dataclass(frozen=True)
class Series:
    """One series of a bar chart: a name for the legend, a value per category."""

    name: str
    values: tuple[Fraction | None, ...]
    colour: str = BLUE


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(value: float) -> str:
    """A coordinate: short, locale-free, stable."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _head(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" {FONT}>'
        f'<title id="{chart_id}-t">{_e(title)}</title><desc id="{chart_id}-d">{_e(desc)}</desc>'
    )


def _lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def bar_chart(
    chart_id: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    missing_text: str = "non mesuré",
) -> Markup:
    """Horizontal bars per category against the target (100 %), one bar per series."""
    top = 34 if len(series) > 1 else 14
    bar, gap = 16, 14
    row = len(series) * (bar + 3) + gap
    label_w, plot_w, width = 270, 350, 720
    x0 = label_w + 10
    high = max([Fraction(1)] + [v for s in series for v in s.values if v is not None])
    height = top + row * len(labels) + 24

    def x(v: Fraction) -> float:
        return x0 + float(v / high) * plot_w

    out = [_head(chart_id, width, height, title, desc)]
    if len(series) > 1:
        lx = float(x0)
        for s in series:
            out.append(
                f'<rect x="{_n(lx)}" y="6" width="12" height="12" fill="{s.colour}"/>'
                f'<text x="{_n(lx + 17)}" y="16" font-size="12" fill="{INK}">{_e(s.name)}</text>'
            )
            lx += 30 + 7.5 * len(s.name)
    for tick in (Fraction(0), Fraction(1, 2), Fraction(1)):
        out.append(
            f'<line x1="{_n(x(tick))}" y1="{top - 4}" x2="{_n(x(tick))}" '
            f'y2="{height - 20}" stroke="{GRID}"/>'
            f'<text x="{_n(x(tick))}" y="{height - 6}" font-size="11" text-anchor="middle" '
            f'fill="{MUTED}">{_e(fmt_percent(tick, 0))}</text>'
        )
    for i, label in enumerate(labels):
        y = top + i * row
        lines = _lines(label, 38)[:2]
        mid = y + (row - gap) / 2
        for j, line in enumerate(lines):
            dy = mid + 4 + (j - (len(lines) - 1) / 2) * 14
            out.append(
                f'<text x="{label_w}" y="{_n(dy)}" font-size="12.5" text-anchor="end" '
                f'fill="{INK}">{_e(line)}</text>'
            )
        for k, s in enumerate(series):
            by = y + k * (bar + 3)
            value = s.values[i]
            if value is None:
                out.append(
                    f'<text x="{x0 + 4}" y="{_n(by + 12)}" font-size="11.5" font-style="italic" '
                    f'fill="{MUTED}">{_e(missing_text)}</text>'
                )
                continue
            w = max(float(value / high) * plot_w, 1.0)
            out.append(
                f'<rect x="{x0}" y="{_n(by)}" width="{_n(w)}" height="{bar}" rx="2" '
                f'fill="{s.colour}"><title>{_e(s.name)} : {_e(fmt_percent(value))}</title></rect>'
                f'<text x="{width - 6}" y="{_n(by + 12)}" font-size="11.5" text-anchor="end" '
                f'fill="{INK}">{_e(fmt_percent(value))}</text>'
            )
    target_x = _n(x(Fraction(1)))
    out.append(
        f'<line x1="{target_x}" y1="{top - 8}" x2="{target_x}" y2="{height - 20}" '
        f'stroke="{RED}" stroke-width="1.5" stroke-dasharray="4 3"/>'
        f'<text x="{target_x}" y="{top - 11 if top > 14 else 10}" font-size="10.5" '
        f'text-anchor="middle" fill="{RED}">cible</text>'
    )
    out.append("</svg>")
    return Markup("".join(out))


def _nice(value: int) -> int:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ ``value`` (axis top)."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        top = int(step * power)
        if top >= value:
            return top
    return power * 10


def _short(value: int) -> str:
    """Compact axis label: ``150 000`` → ``150 k``."""
    if value >= 10_000 and value % 1000 == 0:
        return f"{fmt_number(value // 1000)} k"
    return fmt_number(value)


def trajectory_chart(
    chart_id: str,
    label: str,
    history: Sequence[tuple[int, int | None]],
    targets: Sequence[tuple[int, int | None]],
) -> Markup:
    """The network's realised values per year against the national target line to 2027."""
    width, height = 300, 150
    left, right, top, bottom = 44, 14, 12, 24
    years = [y for y, _ in targets] or [y for y, _ in history]
    first, last = years[0], years[-1]
    values = [v for _, v in history if v is not None] + [t for _, t in targets if t is not None]
    high = _nice(max(values, default=0))

    def x(year: int) -> float:
        span = max(last - first, 1)
        return left + (year - first) / span * (width - left - right)

    def y(v: int) -> float:
        return top + (1 - v / high) * (height - top - bottom)

    realised = [(yr, v) for yr, v in history if v is not None]
    target_points = [(yr, t) for yr, t in targets if t is not None]
    desc_parts = [f"Réalisé {yr} : {fmt_number(v)}" for yr, v in realised] or [
        "aucun réalisé connu"
    ]
    if target_points:
        desc_parts.append(
            "cible nationale " + ", ".join(f"{yr} : {fmt_number(t)}" for yr, t in target_points)
        )
    out = [_head(chart_id, width, height, f"Trajectoire — {label}", " ; ".join(desc_parts))]
    for v in (0, high // 2, high):
        out.append(
            f'<line x1="{left}" y1="{_n(y(v))}" x2="{width - right}" y2="{_n(y(v))}" '
            f'stroke="{GRID}"/><text x="{left - 5}" y="{_n(y(v) + 3.5)}" font-size="10" '
            f'text-anchor="end" fill="{MUTED}">{_e(_short(v))}</text>'
        )
    for yr in years:
        out.append(
            f'<text x="{_n(x(yr))}" y="{height - 8}" font-size="10" text-anchor="middle" '
            f'fill="{MUTED}">{yr}</text>'
        )
    if len(target_points) > 1:
        pts = " ".join(f"{_n(x(yr))},{_n(y(t))}" for yr, t in target_points)
        out.append(
            f'<polyline points="{pts}" fill="none" stroke="{RED}" stroke-width="1.5" '
            f'stroke-dasharray="5 3"/>'
        )
    for yr, t in target_points:
        out.append(
            f'<circle cx="{_n(x(yr))}" cy="{_n(y(t))}" r="2.5" fill="#ffffff" stroke="{RED}"/>'
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for yr, value in history:
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{_n(x(yr))},{_n(y(value))}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            out.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="{BLUE}" '
                f'stroke-width="2.2"/>'
            )
    for yr, v in realised:
        out.append(
            f'<circle cx="{_n(x(yr))}" cy="{_n(y(v))}" r="3.2" fill="{BLUE}">'
            f"<title>{yr} : {_e(fmt_number(v))}</title></circle>"
        )
    if realised:
        yr, v = realised[-1]
        anchor = "end" if x(yr) > width / 2 else "start"
        dx = -6 if anchor == "end" else 6
        out.append(
            f'<text x="{_n(x(yr) + dx)}" y="{_n(max(y(v) - 6, top + 8))}" font-size="10.5" '
            f'font-weight="600" text-anchor="{anchor}" fill="{BLUE}">{_e(fmt_number(v))}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def _bin(rate: Fraction) -> tuple[str, str]:
    for low, fill, ink, _ in BINS:
        if rate >= low:
            return fill, ink
    return BINS[-1][1], BINS[-1][2]


def heatmap(
    chart_id: str,
    rows: Sequence[tuple[str, Sequence[Fraction | None], str]],
    columns: Sequence[str],
    *,
    title: str,
    desc: str,
    highlight: str | None = None,
) -> Markup:
    """Chambers × axes: one coloured cell per rate, its value written in it.

    ``rows`` are ``(label, rates, text when not measured)``; ``highlight`` is the
    label of a row to outline (the chamber of a bilan de COM).
    """
    label_w, cell_w, cell_h, head = 250, 70, 22, 30
    width = label_w + cell_w * len(columns) + 10
    legend_y = head + cell_h * len(rows) + 18
    height = legend_y + 22
    out = [_head(chart_id, width, height, title, desc)]
    for j, col in enumerate(columns):
        out.append(
            f'<text x="{_n(label_w + cell_w * j + cell_w / 2)}" y="{head - 10}" font-size="11.5" '
            f'font-weight="600" text-anchor="middle" fill="{INK}">{_e(col)}</text>'
        )
    for i, (label, rates, missing) in enumerate(rows):
        y = head + i * cell_h
        weight = ' font-weight="700"' if label == highlight else ""
        out.append(
            f'<text x="{label_w - 8}" y="{_n(y + cell_h / 2 + 4)}" font-size="11.5" '
            f'text-anchor="end" fill="{INK}"{weight}>{_e(label)}</text>'
        )
        if all(rate is None for rate in rates):
            out.append(
                f'<rect x="{label_w + 1}" y="{y + 1}" width="{cell_w * len(columns) - 2}" '
                f'height="{cell_h - 2}" fill="{NOT_MEASURED}"/><text '
                f'x="{_n(label_w + cell_w * len(columns) / 2)}" y="{_n(y + cell_h / 2 + 4)}" '
                f'font-size="11" font-style="italic" text-anchor="middle" '
                f'fill="{MUTED}">{_e(missing)}</text>'
            )
            rates = ()
        for j, rate in enumerate(rates):
            cx = label_w + cell_w * j
            if rate is None:
                fill, ink, text = NOT_MEASURED, MUTED, missing
            else:
                fill, ink = _bin(rate)
                text = fmt_percent(rate)
            out.append(
                f'<rect x="{cx + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{fill}"/><text x="{_n(cx + cell_w / 2)}" y="{_n(y + cell_h / 2 + 4)}" '
                f'font-size="11" text-anchor="middle" fill="{ink}">{_e(text)}</text>'
            )
        if label == highlight:
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{cell_w * len(columns)}" '
                f'height="{cell_h}" fill="none" stroke="{BLUE}" stroke-width="2"/>'
            )
    lx = 10.0
    for _, fill, _, text in reversed(BINS):
        out.append(
            f'<rect x="{_n(lx)}" y="{legend_y}" width="14" height="12" fill="{fill}"/>'
            f'<text x="{_n(lx + 19)}" y="{legend_y + 10}" font-size="11" '
            f'fill="{INK}">{_e(text)}</text>'
        )
        lx += 26 + 6.2 * len(text)
    out.append("</svg>")
    return Markup("".join(out))
