"""CMA France's rules (regles.toml): what the contract fixes, what is decided, what is a default.

Worked examples by hand for ``taux_axe = "objectifs"`` and ``chambre_sans_resultats =
"hors_modulation"``, the cents written out; bad rules files; the bilan with every rule left
to cmacop's defaults.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from cmacop.cli import main
from cmacop.compute.attainment import compute_attainment
from cmacop.compute.modulation import modulate
from cmacop.cop.catalogue import Axis, Catalogue, Indicator, Objective, load_catalogue
from cmacop.cop.rules import (
    PROVISIONAL_SHARE,
    Decided,
    Decisions,
)
from cmacop.cop.rulesfile import RulesError, load_decisions
from cmacop.cop.targets import TargetRow
from cmacop.render.documents import render
from cmacop.render.model import national_bilan
from cmacop.render.model_com import com_bilan

DAY = date(2025, 6, 15)
EXAMPLE_RULES = """\
# Décisions de CMA France pour appliquer le contrat là où il laisse le choix.
[modulation]
taux_axe = "indicateurs"          # ou "objectifs" : moyenne des objectifs de l'axe,
                                  # chacun moyenne de ses indicateurs
chambre_sans_resultats = "zero"   # ou "hors_modulation" : aucune réduction, signalée à arbitrer
plafond_taux = "1"
decision = "Bureau de CMA France du 12 mars 2025"

[part_performance.2025]           # année de taxe
taux = "0.40"
decision = "Assemblée générale de CMA France du 24 juin 2025"
"""


def _ind(code: str, axis: int, objective: int) -> Indicator:
    return Indicator(code, axis, objective, "flux", "nombre", code, "")


# Axis 1 (60 %): objective 1 = A1, A2; objective 2 = A3. Axis 2 (30 %): objective 3 = B1,
# objective 4 = B2 (no target this year). Axis 3 (10 %): objective 5 = D1 (no target).
BY_HAND = Catalogue(
    id="a-la-main",
    title="exemple à la main",
    revision="test",
    axes=(
        Axis(1, "Axe 1", "A1", Decimal("0.6")),
        Axis(2, "Axe 2", "A2", Decimal("0.3")),
        Axis(3, "Axe 3", "A3", Decimal("0.1")),
    ),
    objectives=tuple(Objective(n, axis, f"O{n}") for n, axis in ((1, 1), (2, 1), (3, 2), (4, 2), (5, 3))),
    indicators=(
        _ind("A1", 1, 1), _ind("A2", 1, 1), _ind("A3", 1, 2),
        _ind("B1", 2, 3), _ind("B2", 2, 4), _ind("D1", 3, 5),
    ),
    impacts=(),
    performance_share={2025: Decimal("0.425")},
    deadline_month=2,
)  # fmt: skip
#       target → realised    rate
# A1    100 → 50             1/2
# A2    100 → 100            1
# A3    200 → 50             1/4
# B1     10 → 5              1/2
# B2, D1  no target          not applicable
TARGETS = {"A1": 100, "A2": 100, "A3": 200, "B1": 10, "B2": None, "D1": None}
REALISED = {"A1": 50, "A2": 100, "A3": 50, "B1": 5, "B2": 3, "D1": 7}
BASES = {"C1": Decimal("123456.78"), "C9": Decimal("50000.10")}  # C9 sent nothing


def _decisions(**modulation: str) -> Decisions:
    return Decisions(
        modulation={k: Decided(v, "Bureau du 12 mars 2025") for k, v in modulation.items()},
        shares={2025: Decided(Decimal("0.40"), "Assemblée générale du 24 juin 2025")},
    )


def _by_hand(**modulation: str):
    rules = _decisions(**modulation).for_year(2024, BY_HAND)
    rows = [TargetRow("C1", code, t, "COM") for code, t in TARGETS.items()]
    realised = {("C1", code): v for code, v in REALISED.items()}
    attainment = compute_attainment(
        2024, rows, realised, BY_HAND, cap=rules.cap, axis_rate=rules.axis_rate
    )
    return attainment, modulate(attainment, BASES, BY_HAND, rules=rules)


def test_worked_example_axis_rate_by_objectives():
    # Objectives: O1 = (1/2 + 1) / 2 = 3/4, O2 = 1/4, O3 = 1/2; O4 and O5 have no indicator
    # with a target. Axis 1 = (3/4 + 1/4) / 2 = 1/2; axis 2 = O3 = 1/2 (O4 left out);
    # axis 3 has no objective to measure: 1, flagged.
    attainment, mod = _by_hand(taux_axe="objectifs")
    assert attainment.axis_rates()["C1"] == {1: Fraction(1, 2), 2: Fraction(1, 2), 3: 1}
    assert [a.no_indicator for a in attainment.axes] == [False, False, True]
    # P = 123 456,78 × 0,40 = 49 382,712 -> 49 382,71 €.
    # Axis 1: 49 382,71 × 0,6 × (1 − 1/2) = 14 814,813 -> 14 814,81 shown
    # Axis 2: 49 382,71 × 0,3 × (1 − 1/2) =  7 407,4065 -> 7 407,41 shown
    # Axis 3: 0. Exact sum 22 222,2195 -> R = 22 222,22 € ; final 123 456,78 − 22 222,22.
    line = mod.line("C1")
    assert line.performance_part == Decimal("49382.71")
    assert line.axis_reductions == {
        1: Decimal("14814.81"), 2: Decimal("7407.41"), 3: Decimal("0.00")
    }  # fmt: skip
    assert line.reduction == Decimal("22222.22")
    assert line.final == Decimal("101234.56")


def test_the_same_example_by_indicators_differs():
    # Axis 1 = (1/2 + 1 + 1/4) / 3 = 7/12: 49 382,71 × 0,6 × 5/12 = 12 345,6775;
    # axis 2: 7 407,4065. Exact sum 19 753,084 -> R = 19 753,08 € ; final 103 703,70 €.
    attainment, mod = _by_hand(taux_axe="indicateurs")
    assert attainment.axis_rates()["C1"] == {1: Fraction(7, 12), 2: Fraction(1, 2), 3: 1}
    line = mod.line("C1")
    assert (line.reduction, line.final) == (Decimal("19753.08"), Decimal("103703.70"))


def test_worked_example_a_chamber_without_results():
    # C9 has a base of 50 000,10 € and no accepted results. P = 50 000,10 × 0,40 = 20 000,04 €.
    zero = _by_hand(taux_axe="objectifs")[1]
    line = zero.line("C9")
    # « zero »: every axis at 0 %, the whole performance part withheld.
    assert (line.no_data, line.outside) == (True, False)
    assert (line.reduction, line.final) == (Decimal("20000.04"), Decimal("30000.06"))
    assert zero.pool == Decimal("42222.26")  # 22 222,22 + 20 000,04
    outside = _by_hand(taux_axe="objectifs", chambre_sans_resultats="hors_modulation")[1]
    line = outside.line("C9")
    # « hors_modulation »: no reduction, the final allocation is the base, flagged.
    assert (line.no_data, line.outside) == (True, True)
    assert line.axis_rates == {}
    assert (line.performance_part, line.reduction, line.final) == (
        Decimal("20000.04"), Decimal("0.00"), Decimal("50000.10")
    )  # fmt: skip
    assert line.to_dict()["sans_resultats_a_arbitrer"] is True
    # Bases 173 456,88 € = finals 101 234,56 + 50 000,10 € + pool 22 222,22 €, to the cent.
    assert outside.pool == Decimal("22222.22")
    assert outside.total_final == Decimal("151234.66")
    assert outside.total_final + outside.pool == outside.total_base == Decimal("173456.88")


def test_every_rule_applied_has_a_value_and_a_source():
    rules = _decisions(taux_axe="objectifs").for_year(2024, BY_HAND)
    sources = {r.key: r.source for r in rules.rules}
    assert sources["poids_axes"] == "contrat"
    assert sources["part_performance_2023"] == "contrat"
    assert sources["reduction"] == sources["projets_nationaux"] == "contrat"
    assert sources["part_performance"] == "décision : Assemblée générale du 24 juin 2025"
    assert sources["taux_axe"] == "décision : Bureau du 12 mars 2025"
    assert sources["chambre_sans_resultats"] == "défaut cmacop"
    assert sources["plafond_taux"] == sources["poids_indicateurs"] == "défaut cmacop"
    assert rules.share_source == "décision : Assemblée générale du 24 juin 2025"
    undecided = Decisions().for_year(2024, BY_HAND)
    assert (undecided.share, undecided.share_source) == (Decimal("0.425"), PROVISIONAL_SHARE)


def test_the_contract_fixes_2023():
    rules = Decisions().for_year(2022, BY_HAND)
    assert rules.rule("part_performance").source == "contrat"
    assert rules.share == Decimal("0.35")


# --------------------------------------------------------------------------- the file


def test_the_issue_s_example_file_is_read(tmp_path):
    path = tmp_path / "regles.toml"
    path.write_text(EXAMPLE_RULES, encoding="utf-8")
    decisions = load_decisions(path, load_catalogue())
    assert decisions.name == "regles"
    assert {k: (d.value, d.decision) for k, d in decisions.modulation.items()} == {
        "taux_axe": ("indicateurs", "Bureau de CMA France du 12 mars 2025"),
        "chambre_sans_resultats": ("zero", "Bureau de CMA France du 12 mars 2025"),
        "plafond_taux": (Decimal(1), "Bureau de CMA France du 12 mars 2025"),
    }
    assert decisions.shares == {
        2025: Decided(Decimal("0.40"), "Assemblée générale de CMA France du 24 juin 2025")
    }


def test_a_rule_can_carry_its_own_decision(tmp_path):
    path = tmp_path / "regles.toml"
    path.write_text(
        '[modulation]\ntaux_axe = { valeur = "objectifs", decision = "Bureau du 2 avril 2025" }\n'
        'poids_indicateurs = { "I1.3" = 2 }\ndecision = "Bureau du 12 mars 2025"\n',
        encoding="utf-8",
    )
    decisions = load_decisions(path, load_catalogue())
    assert decisions.modulation["taux_axe"] == Decided("objectifs", "Bureau du 2 avril 2025")
    assert decisions.modulation["poids_indicateurs"] == Decided(
        {"I1.3": Decimal(2)}, "Bureau du 12 mars 2025"
    )


BAD_RULES = [
    (
        "[modulation]\ntaux_axe = objectifs\n",
        "regles.toml : fichier TOML illisible, ligne 2, colonne 12 : valeur invalide",
    ),
    ("[modulatio]\n", "regles.toml, « modulatio » : section ou clé inconnue"),
    (
        '[modulation]\ntaux_axes = "objectifs"\ndecision = "Bureau"\n',
        "regles.toml, « modulation.taux_axes » : clé inconnue (attendu : l'une de taux_axe, "
        "chambre_sans_resultats, plafond_taux, poids_indicateurs, decision)",
    ),
    (
        '[modulation]\ntaux_axe = "axes"\ndecision = "Bureau"\n',
        "regles.toml, « modulation.taux_axe » : valeur 'axes' (attendu : \"indicateurs\" ou "
        '"objectifs")',
    ),
    (
        '[modulation]\ntaux_axe = "objectifs"\n',
        "regles.toml, « modulation.taux_axe » : valeur sans décision",
    ),
    (
        '[part_performance.2025]\ntaux = "1.4"\ndecision = "AG"\n',
        "regles.toml, « part_performance.2025.taux » : '1.4' hors de 0 à 1 (attendu : une part "
        'entre 0 et 1, ex. "0.40")',
    ),
    (
        '[part_performance.2025]\ntaux = "0,40"\ndecision = "AG"\n',
        "regles.toml, « part_performance.2025.taux » : valeur '0,40'",
    ),
    (
        '[part_performance.2025]\ntaux = "0.40"\n',
        "regles.toml, « part_performance.2025.decision » : absente",
    ),
    (
        '[part_performance.2023]\ntaux = "0.40"\ndecision = "AG"\n',
        "regles.toml, « part_performance.2023 » : la part de 2023 est fixée par le contrat (35 %)",
    ),
    (
        '[part_performance.2031]\ntaux = "0.40"\ndecision = "AG"\n',
        "regles.toml, « part_performance.2031 » : année de taxe 2031 hors du contrat",
    ),
    (
        '[modulation]\npoids_indicateurs = { "I9.9" = 2 }\ndecision = "Bureau"\n',
        "regles.toml, « modulation.poids_indicateurs.I9.9 » : indicateur « I9.9 » inconnu du "
        "catalogue cop-2023-2027",
    ),
    (
        '[modulation]\nplafond_taux = "0.8"\ndecision = "Bureau"\n',
        "regles.toml, « modulation.plafond_taux » : valeur '0.8' (attendu : un nombre au moins "
        'égal à 1, ex. "1" pour 100 %)',
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_RULES)
def test_a_bad_rules_file_names_the_file_the_key_and_what_is_expected(tmp_path, text, message):
    path = tmp_path / "regles.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_decisions(path, load_catalogue())
    assert str(info.value).startswith(message), str(info.value)
    assert info.value.exit_code == 2
    assert (
        info.value.hint == f"Corrigez le fichier des règles {path} : rien n'a été calculé ni écrit."
    )


@pytest.mark.parametrize("command", ["compute", "report", "simuler"])
def test_a_bad_rules_file_stops_the_command_before_anything_is_written(
    consolidated_campaign, tmp_path, capsys, command
):
    bad = tmp_path / "regles.toml"
    bad.write_text('[part_performance.2025]\ntaux = "1.4"\ndecision = "AG"\n', encoding="utf-8")
    out = tmp_path / "sortie"
    argv = [command, "--year", "2024", "--store", str(consolidated_campaign / "consolidation")]
    argv += ["--regles", str(bad), "--out", str(out)]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "« part_performance.2025.taux » : '1.4' hors de 0 à 1" in err
    assert not out.exists()


def test_a_bad_rules_file_leaves_the_run_s_bilans_as_they_were(processed_campaign, capsys):
    """« cmacop run » with a broken regles.toml: a French error (exit 2), bilans untouched."""
    bilans = processed_campaign / "bilans" / "2024"
    before = {p: p.read_bytes() for p in sorted(bilans.rglob("*")) if p.is_file()}
    (processed_campaign / "referentiel" / "regles.toml").write_text(
        "[part_performance.2025]\ntaux = 0.40 0.45\n", encoding="utf-8"
    )
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--config", str(processed_campaign), "--date", "2025-06-20"])
    assert exit_.value.code == 2
    assert "regles.toml : fichier TOML illisible, ligne 2, colonne 13" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in sorted(bilans.rglob("*")) if p.is_file()} == before


# --------------------------------------------------------------------------- outputs


def test_the_manifest_records_each_rule_its_value_and_its_source(consolidated_campaign, tmp_path):
    from cmacop.compute.year import compute_year

    campaign = Path(shutil.copytree(consolidated_campaign, tmp_path / "c"))
    (campaign / "referentiel" / "regles.toml").unlink()  # nothing decided
    results = compute_year(2024, store=campaign / "consolidation", out_dir=tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifeste_2024.json").read_text("utf-8"))
    assert manifest["part_performance_source"] == "provisoire : part performance non arrêtée"
    regles = {r["regle"]: (r["valeur"], r["source"]) for r in manifest["regles"]}
    assert regles["part_performance"] == ("0.425", "défaut cmacop")
    assert regles["taux_axe"] == ("indicateurs", "défaut cmacop")
    assert regles["chambre_sans_resultats"] == ("zero", "défaut cmacop")
    assert regles["poids_axes"] == ("1=0.20,2=0.20,3=0.25,4=0.10,5=0.15,6=0.10", "contrat")
    assert results.warnings[0].startswith(
        "part performance de la taxe 2025 non décidée par CMA France : 42,50\u202f%"
    )


def test_with_every_rule_left_to_defaults_the_bilan_says_so(report_inputs):
    """No output of cmacop calls a choice the contract's: every open rule is labelled a
    default of cmacop, and the modulation is titled a proposition."""
    assert report_inputs.rules is None  # nothing decided
    open_rules = [
        "Part performance de la taxe 2025",
        "Taux d'atteinte d'un axe («\u202fobjectifs de l'axe\u202f»)",
        "CMAR sans résultats recevables",
        "Plafond du taux d'atteinte d'un indicateur",
        "Poids des indicateurs dans les moyennes",
    ]
    national = render(national_bilan(report_inputs, DAY), "md")
    defaults = national.split("**Défauts de cmacop, non encore décidés par CMA France**", 1)[1]
    defaults = defaults.split("### Sources", 1)[0]
    for label in open_rules:
        assert f"- **{label}**" in defaults
        line = next(x for x in defaults.splitlines() if x.startswith(f"- **{label}**"))
        assert "défaut de cmacop, à décider par CMA France" in line
    contract = national.split("**Fixées par le contrat**", 1)[1].split("**Décidées", 1)[0]
    assert not any(label in contract for label in open_rules)
    assert "- Aucune\u00a0: CMA France n'a encore décidé aucune des règles" in national
    assert "## 4. Proposition de modulation de la TFCMA 2025" in national
    assert "### Proposition de modulation de la TFCMA 2025" in national
    assert "**Proposition**\u00a0: CMA France n'a pas encore décidé" in national
    assert "Règle (préambule" not in national
    assert "(42,50\u202f%, provisoire\u00a0: part performance non arrêtée)" in national
    html = render(national_bilan(report_inputs, DAY), "html")
    assert '<h2 id="h-modulation">4. Proposition de modulation de la TFCMA 2025</h2>' in html
    assert "<h4>Défauts de cmacop, non encore décidés par CMA France</h4>" in html
    com = render(com_bilan(report_inputs, "CMAR-11", DAY), "md")
    assert "## 4. Proposition de modulation de la TFCMA 2025" in com
    assert "Règle (préambule" not in com


def test_with_every_rule_decided_the_modulation_is_no_longer_a_proposition(report_inputs):
    decided = _decisions(
        taux_axe="indicateurs",
        chambre_sans_resultats="zero",
        plafond_taux=Decimal(1),
    )
    decided = dataclasses.replace(
        decided,
        modulation={**decided.modulation, "poids_indicateurs": Decided({}, "Bureau du 12 mars")},
    )
    rules = decided.for_year(2024, report_inputs.catalogue)
    inputs = dataclasses.replace(
        report_inputs,
        rules=rules,
        modulation=modulate(
            report_inputs.attainment,
            {line.chamber: line.base for line in report_inputs.modulation.lines},
            report_inputs.catalogue,
            rules=rules,
        ),
    )
    national = render(national_bilan(inputs, DAY), "md")
    assert "## 4. Modulation de la TFCMA 2025" in national
    assert "Proposition" not in national
    assert "- Aucun\u00a0: chaque règle que le contrat laisse ouverte a été décidée" in national


def test_a_chamber_left_out_is_flagged_in_every_output(report_inputs):
    rules = _decisions(chambre_sans_resultats="hors_modulation").for_year(
        2024, report_inputs.catalogue
    )
    bases = {line.chamber: line.base for line in report_inputs.modulation.lines}
    inputs = dataclasses.replace(
        report_inputs,
        rules=rules,
        modulation=modulate(report_inputs.attainment, bases, report_inputs.catalogue, rules=rules),
    )
    flag = "sans résultats\u00a0: à arbitrer"
    national = render(national_bilan(inputs, DAY), "md")
    assert "| CMA Corse (sans résultats : à arbitrer) |" in national
    assert "| CMA Mayotte (sans résultats : à arbitrer) |" in national
    assert "sans résultats : à arbitrer" in render(national_bilan(inputs, DAY), "html")
    com = render(com_bilan(inputs, "CMAR-06", DAY), "md")
    assert "la chambre est laissée hors modulation" in com and flag.replace("\u00a0", " ") in com
