"""The bilan's view model: what the documents show, chosen before any formatting."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from cmacop.compute.progress import (
    BASELINE_AT_TARGET,
    EMPTY,
    NO_BASELINE,
    NO_TARGET_2027,
    RATE,
    Progress,
)
from cmacop.errors import UsageError
from cmacop.render import parse_formats, render_report
from cmacop.render.model import national_bilan
from cmacop.render.model_com import com_bilan, com_shared

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
    # Axis 1: CMAR-11 (1 + 1) / 2, CMAR-53 (270/360 + 1) / 2; CM-ALSACE (1 + 4/5) / 2 is
    # outside the modulation, hence outside the mean of the CMAR (issue #12).
    assert axes[0].rate == (Fraction(1) + Fraction(7, 8)) / 2
    assert (axes[0].chambers, axes[0].chambers_attained) == (2, 1)
    # I1.1: 1 050 against 1 250 (not met); I2.1: 54 against 60 (not met); I1.2: no target.
    assert (axes[0].national_met, axes[0].national_targets) == (0, 2)
    assert axes[2].rate is None and axes[2].chambers == 0  # no indicator at all


def test_indicator_line_against_national_target(report_inputs):
    bilan = national_bilan(report_inputs, DAY)
    line = _indicator(bilan, "I1.1")
    assert line.realised == 650 + 270 + 130
    assert line.realised_previous == 480 + 300 + 60 + 90
    assert line.target == 1250  # 1000 + (2000 - 1000) / 4
    assert line.realisation == Fraction(1050, 1250)  # Σ of every chamber, CM included
    # Mean of the CMAR's capped rates: CMAR-11 650/600 → 1, CMAR-53 270/360 (CM-ALSACE out).
    assert line.cmar_mean == (1 + Fraction(270, 360)) / 2
    assert line.progress == Progress(RATE, Fraction(1050 - 800, 2000 - 800))
    assert (line.chambers_at_target, line.chambers_with_target) == (2, 3)
    assert line.trajectory == ((2023, 1000), (2024, 1250), (2025, 1500), (2026, 1750), (2027, 2000))
    assert line.history == ((2023, 930), (2024, 1050))


@pytest.mark.parametrize(
    ("code", "target", "progress"),
    [
        ("I1.2", None, Progress(EMPTY, reason=NO_TARGET_2027)),  # no 2024 target either
        # 2027 target equals the baseline and 54 < 60: nothing to measure (issue #12).
        ("I2.1", 60, Progress(EMPTY, reason=BASELINE_AT_TARGET)),
        ("I3.1", 400, Progress(EMPTY, reason=NO_BASELINE)),  # no baseline
    ],
)
def test_undefined_values_stay_none(report_inputs, code, target, progress):
    line = _indicator(national_bilan(report_inputs, DAY), code)
    assert line.target == target and line.progress == progress


def test_nothing_due_is_sans_objet_not_non_renseigne(report_inputs):
    """Issue #12: no target and nothing reported is « sans objet »."""
    line = _indicator(national_bilan(report_inputs, DAY), "I1.2")
    assert line.realised is None and line.target is None and line.not_applicable
    assert not _indicator(national_bilan(report_inputs, DAY), "I1.1").not_applicable
    com = com_bilan(report_inputs, "CMAR-06", DAY)  # COM target of I2.1 is 0
    lines = {i.code: i for s in com.sections for i in s.indicators}
    assert lines["I2.1"].target == 0 and lines["I2.1"].not_applicable


def test_chamber_rows_rank_by_weighted_rate(report_inputs):
    rows = {r.code: r for r in national_bilan(report_inputs, DAY).chambers}
    assert rows["CMAR-11"].overall == Fraction(1, 2) * 1 + Fraction(3, 10) * Fraction(
        7, 10
    ) + Fraction(1, 5)
    # No ranking by default (issue #12): the contract asks for none.
    assert all(r.rank is None for r in rows.values())
    ranked = {r.code: r for r in national_bilan(report_inputs, DAY, ranking=True).chambers}
    # Only the CMAR are ranked: CM-ALSACE has the best rate but is outside the modulation.
    assert [ranked[c].rank for c in ("CM-ALSACE", "CMAR-11", "CMAR-53")] == [None, 1, 2]
    assert rows["CM-ALSACE"].overall > rows["CMAR-11"].overall
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
    assert (b.chamber.rank, b.ranked) == (None, 0)  # no ranking unless asked
    ranked = com_bilan(report_inputs, "CMAR-11", DAY, com_shared(report_inputs, ranking=True))
    assert (ranked.chamber.rank, ranked.ranked) == (1, 2)  # among the CMAR only
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
    [
        ("md,html,xlsx", ("md", "html", "xlsx")),
        ("xlsx, MD", ("md", "xlsx")),
        (["html"], ("html",)),
        ("pdf,md", ("md", "pdf")),
    ],
)
def test_parse_formats(given, expected):
    assert parse_formats(given) == expected


@pytest.mark.parametrize("given", ["docx", "", "md,docx"])
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
        if (f.chamber, f.code) == ("CMAR-53", "W-DELAI-001")
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


# --------------------------------------------------------------------------- issue 12


def test_regional_targets_against_the_national_target(report_inputs):
    """Issue #12: Σ regional targets next to the national target, and the gap."""
    sums = {t.code: t for t in national_bilan(report_inputs, DAY).targets_check}
    i31 = sums["I3.1"]
    # CMAR: 200 + 120 + 40 + 20 (COM); CM-ALSACE: 40 (derived); national 2024: 400.
    assert (i31.national, i31.cmar, i31.others, i31.total, i31.gap) == (400, 380, 40, 420, 20)
    assert i31.gap_share == Fraction(1, 20) and (i31.cmar_com, i31.cmar_count) == (4, 4)
    # CMAR-06's COM target of 0 (« no target ») is not a CMAR with a target.
    assert (sums["I2.1"].cmar_count, sums["I2.1"].cmar) == (3, 55)
    assert "I1.2" not in sums  # no national target in 2024


def test_targets_under_five_are_flagged(report_inputs):
    targets = tuple(
        dataclasses.replace(t, target=3) if (t.chamber, t.code) == ("CMAR-94", "I2.1") else t
        for t in report_inputs.targets
    )
    q = national_bilan(dataclasses.replace(report_inputs, targets=targets), DAY).quality
    assert [(s.code, s.targets) for s in q.small_targets] == [("CMAR-94", (("I2.1", 3),))]
    assert national_bilan(report_inputs, DAY).quality.small_targets == ()  # 5 is not under 5


def test_commitments_late_first_and_the_states_apart(report_inputs):
    e = national_bilan(report_inputs, DAY).commitments
    assert e is not None and e.followed
    groups = {g.axis: [line.code for line in g.lines] for g in e.groups}
    assert groups == {2: ["J2-a"], 3: ["J3-a", "J3-b", "J3-c", "J3-d"]}
    late = [line.code for g in e.groups for line in g.lines if line.late]
    assert late == ["J3-a", "J3-b"]  # due in 2024, in progress / nothing said
    j2a = e.groups[0].lines[0]
    assert (j2a.status, j2a.from_year, j2a.done_late) == ("fait", 2023, True)
    assert [line.code for line in e.state] == ["J1-a", "J1-b"]
    assert [line.code for line in e.later] == ["JP-a"]  # 2027
    assert (e.total, e.done, e.late, e.unknown) == (7, 3, 2, 2)


def test_com_signatures_timetable_and_appreciation(report_inputs):
    b = national_bilan(report_inputs, DAY)
    assert b.signatures is not None and b.signatures.given
    assert [s.code for s in b.signatures.signed] == ["CMAR-11", "CMAR-53"]
    assert [(s.code, s.comment) for s in b.signatures.unsigned] == [
        ("CMAR-94", "en cours de négociation"),
        ("CMAR-06", "absente du fichier des signatures"),
    ]
    t = b.timetable
    assert t is not None and t.deadline == date(2025, 7, 1) and t.state == "à transmettre"
    assert [s.on for s in t.steps] == [date(2025, 5, 20), date(2025, 6, 3), None, None]
    com = com_bilan(report_inputs, "CMAR-53", DAY)
    assert com.signature is not None and com.signature.signed_on == date(2023, 7, 4)
    assert com.appreciation is not None and com.appreciation.on == date(2025, 4, 2)
    assert com_bilan(report_inputs, "CMAR-11", DAY).appreciation is None


def test_ranking_only_when_asked_and_only_cmar(report_inputs, tmp_path):
    plain = render_report(report_inputs, out_dir=tmp_path / "a", generated_on=DAY, formats="md")
    ranked = render_report(
        report_inputs, out_dir=tmp_path / "b", generated_on=DAY, formats="md", ranking=True
    )
    text = {d.scope: d.path.read_text(encoding="utf-8") for d in plain.documents}
    ranked_text = {d.scope: d.path.read_text(encoding="utf-8") for d in ranked.documents}
    assert "Rang" not in text["national"] and "Rang" not in text["CMAR-11"]
    assert "| Taux global | Rang |" in ranked_text["national"]
    alsace = "| Chambre de métiers d'Alsace (hors modulation) | 90,0\u202f% |"
    assert alsace in ranked_text["national"]
    assert "| **95,0\u202f%** | — |" in ranked_text["national"]  # the CM has no rank
    assert "| Rang parmi les CMAR | 1er / 2 |" in ranked_text["CMAR-11"]


def test_the_fixtures_findings_use_registered_codes(report_inputs):
    """A bilan test on a code the validator never emits would test nothing real."""
    from cmacop.validate.findings import CODES

    assert report_inputs.findings
    assert {f.code for f in report_inputs.findings} <= set(CODES)
