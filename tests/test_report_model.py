"""The bilan's view model: what the documents show, chosen before any formatting."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from cmacop.errors import UsageError
from cmacop.render import parse_formats, render_report
from cmacop.render.model import national_bilan
from cmacop.render.model_com import com_bilan

DAY = date(2025, 6, 15)


def _indicator(bilan, code):
    for axis in bilan.axes:
        for objective in axis.objectives:
            for line in objective.indicators:
                if line.code == code:
                    return line
    raise KeyError(code)


def test_synthesis_counts_every_status(report_inputs):
    s = national_bilan(report_inputs, DAY).synthesis
    assert (s.expected, s.transmitted, s.rejected, s.missing, s.late) == (5, 3, 1, 1, 1)
    assert s.chambers_measured == 3


def test_network_axis_rates_and_attained_counts(report_inputs):
    axes = national_bilan(report_inputs, DAY).synthesis.axes
    # Axis 1: CMAR-11 (1 + 1) / 2, CMAR-53 (270/360 + 1) / 2, CM-ALSACE (1 + 4/5) / 2.
    assert axes[0].rate == (Fraction(1) + Fraction(7, 8) + Fraction(9, 10)) / 3
    assert axes[0].chambers_attained == 1
    assert axes[2].rate is None and axes[2].chambers == 0  # no indicator at all


def test_indicator_line_against_national_target(report_inputs):
    bilan = national_bilan(report_inputs, DAY)
    line = _indicator(bilan, "I1.1")
    assert line.realised == 650 + 270 + 130
    assert line.realised_previous == 480 + 300 + 60 + 90
    assert line.target == 1250  # 1000 + (2000 - 1000) / 4
    assert line.rate == Fraction(1050, 1250)
    assert line.progress == Fraction(1050 - 800, 2000 - 800)
    assert (line.chambers_at_target, line.chambers_with_target) == (2, 3)
    assert line.trajectory == ((2023, 1000), (2024, 1250), (2025, 1500), (2026, 1750), (2027, 2000))
    assert line.history == ((2023, 930), (2024, 1050))


@pytest.mark.parametrize(
    ("code", "target", "progress"),
    [
        ("I1.2", None, None),  # no 2024 target: « sans cible »
        ("I2.1", 60, None),  # 2027 target equals the baseline: progress undefined
        ("I3.1", 400, None),  # no baseline
    ],
)
def test_undefined_values_stay_none(report_inputs, code, target, progress):
    line = _indicator(national_bilan(report_inputs, DAY), code)
    assert line.target == target and line.progress == progress


def test_chamber_rows_rank_by_weighted_rate(report_inputs):
    rows = {r.code: r for r in national_bilan(report_inputs, DAY).chambers}
    assert rows["CMAR-11"].overall == Fraction(1, 2) * 1 + Fraction(3, 10) * Fraction(
        7, 10
    ) + Fraction(1, 5)
    assert [rows[c].rank for c in ("CM-ALSACE", "CMAR-11", "CMAR-53")] == [1, 2, 3]
    assert rows["CMAR-94"].status == "rejeté" and rows["CMAR-94"].rank is None
    assert rows["CMAR-06"].axis_rates == (None, None, None)
    assert rows["CMAR-11"].no_indicator == (False, False, True)


def test_modulation_view_reconciles(report_inputs):
    m = national_bilan(report_inputs, DAY).modulation
    assert m is not None
    assert m.total_final + m.pool == m.total_base
    assert sum((r.reduction for r in m.rows), Decimal(0)) == m.pool
    assert m.outside == ("Chambre de métiers d'Alsace",)
    missing = next(r for r in m.rows if r.code == "CMAR-06")
    assert missing.no_data and missing.withheld == 1


def test_quality_lists_gaps_comments_and_findings(report_inputs):
    q = national_bilan(report_inputs, DAY).quality
    assert [(g.code, g.indicator) for g in q.unjustified] == [("CMAR-53", "I1.1")]
    assert [(g.code, g.indicator) for g in q.commented] == [
        ("CMAR-11", "I3.1"),
        ("CMAR-53", "I3.1"),
        ("CM-ALSACE", "I2.1"),
    ]
    by_code = {s.code: s for s in q.submissions}
    assert (by_code["CMAR-94"].errors, by_code["CMAR-53"].warnings) == (2, 2)
    assert [s.code for s in q.rejected] == ["CMAR-94"]
    assert [s.code for s in q.missing] == ["CMAR-06"]
    assert [s.code for s in q.late] == ["CMAR-53"]


def test_com_bilan_of_a_missing_chamber(report_inputs):
    b = com_bilan(report_inputs, "CMAR-06", DAY)
    assert b.submission.status == "manquant"
    assert all(a.rate is None for a in b.axes)
    assert b.modulation is not None and b.modulation.no_data
    assert b.findings == () and b.unjustified == ()
    assert [f.chamber for f in b.source.input_files] == [None, None]


def test_com_bilan_keeps_its_own_targets_and_comments(report_inputs):
    b = com_bilan(report_inputs, "CMAR-11", DAY)
    lines = {i.code: i for s in b.sections for i in s.indicators}
    assert (lines["I1.1"].target, lines["I1.1"].origin, lines["I1.1"].realised) == (600, "COM", 650)
    assert lines["I3.1"].comment == "<script>alert(1)</script> recrutement | tardif"
    assert (b.chamber.rank, b.ranked) == (2, 3)
    assert [f.chamber for f in b.source.input_files] == [None, None, "CMAR-11"]


def test_year_without_history(report_inputs):
    inputs = dataclasses.replace(report_inputs, previous=None, history={})
    bilan = national_bilan(inputs, DAY)
    assert not bilan.has_history
    line = _indicator(bilan, "I1.1")
    assert line.realised_previous is None and line.history == ((2023, None), (2024, 1050))
    assert all(a.previous_rate is None for a in bilan.synthesis.axes)


def test_history_of_earlier_years_feeds_the_trajectory(report_inputs):
    history = {2022: {"I1.1": 1}, 2023: {"I1.1": 777}}
    inputs = dataclasses.replace(report_inputs, previous=None, history=history)
    line = _indicator(national_bilan(inputs, DAY), "I1.1")
    assert line.history == ((2023, 777), (2024, 1050))  # years before the COP are left out


@pytest.mark.parametrize(
    ("given", "expected"),
    [("md,html,xlsx", ("md", "html", "xlsx")), ("xlsx, MD", ("md", "xlsx")), (["html"], ("html",))],
)
def test_parse_formats(given, expected):
    assert parse_formats(given) == expected


@pytest.mark.parametrize("given", ["pdf", "", "md,docx"])
def test_parse_formats_refuses_unknown(given):
    with pytest.raises(UsageError, match="format de bilan inconnu"):
        parse_formats(given)


@pytest.mark.parametrize(
    ("chamber", "message"),
    [
        ("CMAR-99", "chambre inconnue : CMAR-99"),
        ("CM-ALSACE", "n'est pas une chambre de région"),
    ],
)
def test_only_cmar_have_a_bilan_de_com(report_inputs, tmp_path, chamber, message):
    with pytest.raises(UsageError, match=message):
        render_report(report_inputs, out_dir=tmp_path, generated_on=DAY, chambers=[chamber])
    assert not any(tmp_path.iterdir())


# --------------------------------------------------------------------------- issue 13


def _justified_inputs(report_inputs):
    """CMAR-53 explained its I1.1 gap and its late transmission; CMAR-11's I1.1 is an outlier."""
    from cmacop.validate.checks.network import Outlier

    findings = tuple(
        dataclasses.replace(f, justification="Délai accordé par CMA France le 3 mars 2025.")
        if (f.chamber, f.code) == ("CMAR-53", "W-TIME-001")
        else f
        for f in report_inputs.findings
    )
    return dataclasses.replace(
        report_inputs,
        findings=findings,
        gap_justifications={
            ("CMAR-53", "I1.1"): "Conseiller absent six mois, remplacé en juillet."
        },
        outliers=(Outlier("CMAR-11", "I1.1", 650.0, 1000, 650.0, 60.0, 12.3, 9),),
    )


def test_a_justified_gap_and_warning_are_explained(report_inputs):
    inputs = _justified_inputs(report_inputs)
    q = national_bilan(inputs, DAY).quality
    assert q.unjustified == ()  # CMAR-53's I1.1 is explained now
    by_code = {s.code: s for s in q.submissions}
    assert (by_code["CMAR-53"].warnings, by_code["CMAR-53"].justified) == (1, 1)
    assert q.total_justified == 1
    b = com_bilan(inputs, "CMAR-53", DAY)
    assert [(g.indicator, g.explained) for g in b.gaps] == [("I3.1", True), ("I1.1", True)]
    assert b.unjustified == ()


def test_every_gap_is_listed_in_the_bilan_de_com(report_inputs, tmp_path):
    """R. 323-24: the COM report explains the gaps — the bilan lists them all, explained or not."""
    result = render_report(report_inputs, out_dir=tmp_path, generated_on=DAY, formats="md",
                           chambers=["CMAR-53"])  # fmt: skip
    text = next(f.path for f in result.documents if "CMAR-53" in f.path.name).read_text("utf-8")
    section = text.split("### Écarts à la cible")[1].split("###")[0]
    assert "| I1.1 | Diagnostics réalisés | 360 | 270 | 75,0\u202f% | **non expliqué** |" in section
    assert "| I3.1 |" in section  # commented, still listed


def test_justifications_and_outliers_in_the_documents(report_inputs, tmp_path):
    inputs = _justified_inputs(report_inputs)
    result = render_report(inputs, out_dir=tmp_path, generated_on=DAY, formats="md,html")
    by_name = {f.path.name: f.path.read_text("utf-8") for f in result.documents}
    national = by_name["bilan_cop_2024.md"]
    assert "| 1 (+ 1 justifié) |" in national
    outliers = national.split("### Valeurs atypiques au regard du réseau")[1].split("###")[0]
    assert (
        "| CMA Île-de-France | I1.1 | Diagnostics réalisés | 650 | 650,0 | 60,0 | 12,3 |"
        in outliers
    )
    com = by_name["bilan_com_2024_CMAR-53.md"]
    assert (
        "| avertissement justifié | Identification!B5 | — | transmis hors délai — justification\u00a0: "
        "Délai accordé par CMA France le 3 mars 2025. |" in com
    )
    assert "justification\u00a0: Conseiller absent six mois, remplacé en juillet. |" in com
    assert "Conseiller absent six mois" in by_name["bilan_com_2024_CMAR-53.html"]
    assert "12,3" in by_name["bilan_com_2024_CMAR-11.html"]
