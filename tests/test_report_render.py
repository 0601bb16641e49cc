"""Markdown and HTML bilans: golden files, safety, accessibility, self-containment.

Golden files live in ``tests/golden/``. After an intended change of a bilan,
regenerate them with ``CMACOP_UPDATE_GOLDEN=1 python -m pytest tests/test_report_render.py
tests/test_report_xlsx.py`` and review the diff before committing.
"""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cmacop.render import render_report
from cmacop.render.documents import bar, md, plain, render
from cmacop.render.model import national_bilan
from cmacop.render.model_com import com_bilan

DAY = date(2025, 6, 15)
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("CMACOP_UPDATE_GOLDEN") == "1"
# Anything that would make a browser fetch something: a URL, a src/href to elsewhere, CSS imports.
EXTERNAL = re.compile(
    r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|\bsrc\s*=|@import|url\((?!\s*['\"]?data:)|"
    r"<script|<link|<iframe|<object|<embed|href\s*=\s*[\"'](?!#)",
    re.IGNORECASE,
)


def check_golden(name: str, data: bytes) -> None:
    """``data`` must equal ``tests/golden/<name>`` byte for byte (CMACOP_UPDATE_GOLDEN=1 rewrites)."""
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert path.is_file(), f"fichier de référence absent : {path} (CMACOP_UPDATE_GOLDEN=1)"
    assert data == path.read_bytes(), f"{name} diffère du fichier de référence"


@pytest.fixture
def written(report_inputs, tmp_path):
    result = render_report(
        report_inputs, out_dir=tmp_path, generated_on=DAY, formats=("md", "html")
    )
    return {d.path.relative_to(tmp_path).as_posix(): d.path.read_bytes() for d in result.documents}


@pytest.mark.parametrize(
    "name",
    [
        "bilan_cop_2024.md",
        "bilan_cop_2024.html",
        "com/bilan_com_2024_CMAR-53.md",
        "com/bilan_com_2024_CMAR-53.html",
        "com/bilan_com_2024_CMAR-06.md",
    ],
)
def test_golden(written, name):
    check_golden(name.replace("com/", ""), written[name])


def test_same_inputs_and_date_give_the_same_bytes(report_inputs, tmp_path):
    first = render_report(report_inputs, out_dir=tmp_path / "a", generated_on=DAY)
    second = render_report(report_inputs, out_dir=tmp_path / "b", generated_on=DAY)
    for one, two in zip(first.documents, second.documents, strict=True):
        if one.fmt != "xlsx":
            assert one.path.read_bytes() == two.path.read_bytes()


def test_every_document_of_every_chamber_is_written(written):
    assert len(written) == 2 * 5  # national + 4 CMAR (the CM has no bilan de COM)
    assert "com/bilan_com_2024_CM-ALSACE.md" not in written


def _html(written):
    return {k: v.decode("utf-8") for k, v in written.items() if k.endswith(".html")}


def test_html_is_self_contained(written):
    for name, text in _html(written).items():
        assert not EXTERNAL.search(text), f"{name}: {EXTERNAL.search(text)}"
        assert "<style>" in text and "<svg" in text


def test_submission_text_is_shown_never_run(written):
    html = written["bilan_cop_2024.html"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; recrutement | tardif" in html
    assert "<script" not in html
    mdown = written["bilan_cop_2024.md"].decode()
    assert "\\<script\\>alert(1)\\</script\\> recrutement \\| tardif" in mdown
    com = written["com/bilan_com_2024_CMAR-11.md"].decode()
    assert "+33 6 12 34 56 78 : joindre le service" in com


def test_markdown_tables_are_well_formed(written):
    for name, data in written.items():
        if not name.endswith(".md"):
            continue
        lines = data.decode().splitlines()
        for pos, line in enumerate(lines):
            if line.startswith("|") and pos and not lines[pos - 1].startswith("|"):
                width = _cells(line)
                assert pos == 0 or lines[pos - 1] == "", f"{name}:{pos}: table collée"
                rows = [line]
                for nxt in lines[pos + 1 :]:
                    if not nxt.startswith("|"):
                        break
                    rows.append(nxt)
                assert all(_cells(r) == width for r in rows), f"{name}:{pos + 1}"
                assert re.fullmatch(r"\|(:?-{3}:?\|)+", rows[1]), f"{name}:{pos + 2}"


def _cells(row: str) -> int:
    return len(re.split(r"(?<!\\)\|", row)) - 2


def test_html_tables_are_accessible(written):
    for name, text in _html(written).items():
        assert text.count("<table") == text.count("<caption>"), name
        headers = re.findall(r"<th\b[^>]*>", text)
        assert headers and all("scope=" in th for th in headers), name
        assert '<html lang="fr">' in text
        svgs = re.findall(r"<svg\b[^>]*>", text)
        assert svgs and all('role="img"' in s and "aria-labelledby" in s for s in svgs), name


def test_html_prints_on_a4(written):
    html = written["bilan_cop_2024.html"].decode()
    assert "size: A4;" in html and "size: A4 landscape;" in html
    assert "thead { display: table-header-group; }" in html
    assert "break-before: page" in html


def test_national_html_has_the_three_charts(report_inputs, written):
    html = written["bilan_cop_2024.html"].decode()
    assert 'aria-labelledby="axes-t axes-d"' in html  # realised vs target per axis
    assert html.count('aria-labelledby="traj-') == len(report_inputs.catalogue.indicators)
    assert 'aria-labelledby="carte-t carte-d"' in html  # chambers × axes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "bilan_cop_2024.md",
            # No « Rang » column unless asked (issue #12).
            "| CMA Mayotte | non transmis | non transmis | non transmis | — |",
        ),
        (
            "bilan_cop_2024.md",
            # Nothing was due (no target, nothing reported): « sans objet » (issue #12).
            "| I1.2 | PME industrielles contactées | — | 380 | sans objet | sans cible |",
        ),
        ("bilan_cop_2024.md", "| CMA Corse (sans données) | 98\u202f765,43 |"),
        ("com/bilan_com_2024_CMAR-06.md", "Bilan 2024\u00a0: non transmis."),
        ("bilan_cop_2024.html", "Établi le</dt><dd>15 juin 2025</dd>"),
        ("bilan_cop_2024.md", "**167\u202f704,43\u202f€**"),
    ],
)
def test_missing_data_and_french_formats(written, name, expected):
    assert expected in written[name].decode()


def test_year_without_history_renders(report_inputs):
    inputs = dataclasses.replace(report_inputs, previous=None, history={})
    text = render(national_bilan(inputs, DAY), "md")
    assert "Pas de résultats consolidés pour 2023" in text
    assert "| I1.1 | Diagnostics réalisés | 800 | — | 1\u202f050 |" in text
    html = render(com_bilan(inputs, "CMAR-53", DAY), "html")
    assert "Pas de résultats consolidés pour 2023" in html


def test_without_modulation_the_bilan_says_so(report_inputs):
    inputs = dataclasses.replace(report_inputs, modulation=None)
    assert "Modulation non calculée" in render(national_bilan(inputs, DAY), "html")
    assert "Modulation non calculée" in render(com_bilan(inputs, "CMAR-11", DAY), "md")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a_b *c* [d](e) <f> | g # h", "a_b \\*c\\* \\[d\\](e) \\<f\\> \\| g \\# h"),
        ("_début fin_", "\\_début fin\\_"),
        ("ligne 1\nligne 2\t fin", "ligne 1 ligne 2 fin"),
    ],
)
def test_markdown_escaping(text, expected):
    assert md(text) == expected


def test_control_characters_are_visible_not_interpreted():
    assert plain("a\x1b[31mb\u202ec") == "a\\x1b[31mb\\u202ec"


@pytest.mark.parametrize(
    ("rate", "expected"),
    [(None, ""), (0, "░░░░░░░░░░"), (0.5, "█████░░░░░"), (1, "██████████"), (1.3, "██████████")],
)
def test_text_bar(rate, expected):
    from fractions import Fraction

    assert bar(None if rate is None else Fraction(str(rate))) == expected


def test_exact_rates_are_formatted_without_float_error():
    from fractions import Fraction

    from cmacop.french import fmt_percent

    assert fmt_percent(Fraction(7, 8)) == "87,5\u202f%"
    assert fmt_percent(Fraction(2, 3), 2) == "66,67\u202f%"
    assert fmt_percent(Fraction(1, 800)) == "0,1\u202f%"  # 0.125 % rounds half up


@pytest.mark.parametrize(
    ("text", "expected"),
    [("=1+1", "'=1+1"), ("+33 6", "'+33 6"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("normal", "normal"), ("a=b", "a=b")],
)  # fmt: skip
def test_formula_safe(text, expected):
    from cmacop.french import formula_safe

    assert formula_safe(text) == expected


def test_charts_escape_their_text_and_show_missing_values():
    from fractions import Fraction

    from cmacop.render import charts

    svg = charts.bar_chart(
        "x",
        ["<b>axe</b> & co"],
        [charts.Series("a", (None,)), charts.Series("b", (Fraction(1, 2),))],
        title='titre "<script>"',
        desc="d",
    )
    assert "<b>" not in svg and "&lt;b&gt;axe&lt;/b&gt; &amp; co" in svg
    assert "titre &quot;&lt;script&gt;&quot;" in svg
    assert "non mesuré" in svg and "50,0\u202f%" in svg
    heat = charts.heatmap(
        "h", [("C1", (Fraction(1, 4), None), "n. t."), ("C2", (None, None), "non transmis")],
        ["Axe 1", "Axe 2"], title="t", desc="d", highlight="C1",
    )  # fmt: skip
    assert "25,0\u202f%" in heat and "n. t." in heat and "non transmis" in heat
    assert heat.count('stroke="#000091" stroke-width="2"') == 1  # the highlighted row


def test_trajectory_chart_breaks_the_line_where_a_year_is_missing():
    from cmacop.render import charts

    svg = charts.trajectory_chart(
        "t", "I1", [(2023, 10), (2024, None), (2025, 30), (2026, 40)], [(2023, 10), (2027, 50)]
    )
    assert svg.count('stroke="#000091" stroke-width="2.2"') == 1  # 2025-2026 only
    assert svg.count('fill="#000091"><title>') == 3  # one dot per known year
    assert "Réalisé 2023 : 10 ; Réalisé 2025 : 30 ; Réalisé 2026 : 40" in svg


def test_parameters_of_the_computation_are_stated(report_inputs):
    """The weights and the share are CMA France's decisions now (regles.toml), stated with
    their decision; left undecided, they are cmacop's defaults and say so."""
    from cmacop.cop.rules import Decided, Decisions

    decided = Decisions(
        modulation={"poids_indicateurs": Decided({"I1.1": Decimal(2)}, "Bureau du 12 mars 2025")},
        shares={2025: Decided(Decimal("0.40"), "AG du 24 juin 2025")},
    )
    inputs = dataclasses.replace(
        report_inputs, rules=decided.for_year(2024, report_inputs.catalogue)
    )
    text = render(national_bilan(inputs, DAY), "md")
    assert (
        "- **Poids des indicateurs dans les moyennes**\u00a0: I1.1\u00a0: 2 (les autres\u00a0: 1)"
        " — décision\u00a0: Bureau du 12 mars 2025." in text
    )
    assert (
        "- **Part performance de la taxe 2025**\u00a0: 40,00\u202f% — décision\u00a0: AG du 24 "
        "juin 2025." in text
    )
    plain_text = render(com_bilan(report_inputs, "CMAR-11", DAY), "html")
    assert "égal\u00a0: 1 pour chaque indicateur — défaut de cmacop" in plain_text


def test_running_title_cannot_break_out_of_the_stylesheet():
    from cmacop.render.documents import css_string

    assert css_string('a"b</style><script>') == "a b /style  script "
