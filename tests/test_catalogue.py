"""The COP catalogue file: content faithful to the contract, and clear errors when malformed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cmacop.cop.catalogue import load_catalogue
from cmacop.errors import DataFileError

# The contract's table, as the foundation issue writes it: code, axis, objective, kind,
# baseline, 2023 target, 2027 target, ceiling.
EXPECTED = """
I1.1 1 1 flux - 5000 - -
I1.2 1 1 flux - 2500 - I1.1
I1.3 1 1 flux - 5000 10000 -
I1.4 1 1 flux - 5000 5000 -
I1.5 1 1 flux 60 60 60 -
I2.1 1 2 flux 114 80 200 -
I2.2 1 2 flux 8233 10000 13000 -
I2.3 1 2 stock 212 300 600 -
I3.1 2 3 stock 2 30 60 -
I3.2 2 3 flux 22000 5000 7500 -
I3.3 2 3 flux 1383 5000 6000 -
I3.4 2 3 flux - 3000 3600 I3.3
I4.1 2 4 flux 10952 11000 11000 -
I4.2 2 4 flux 6536 7000 7000 -
I6.1 3 6 flux 124178 130000 150000 -
I6.2 3 6 flux 131455 135000 150000 -
I6.3 3 6 flux - 30000 70000 I6.2
I6.4 3 6 flux - 500 3000 -
I6.5 3 6 flux 1020 2000 3000 -
I6.6 3 6 flux - 1000 2000 -
I7.1 4 7 flux 267 300 400 -
I7.2 4 7 flux - 50 500 -
I7.3 4 7 flux 3273 6000 10000 -
I7.4 4 7 flux - 1000 10000 -
I7.5 4 7 flux 15700 16000 20000 -
I7.6 4 7 flux 5084 6000 10000 -
I8.1 4 8 flux - 3600 9000 -
I8.2 4 8 flux - 1000 3000 -
I9.1 5 9 flux 306 400 500 -
I9.2 5 9 flux 1194 1300 1500 -
I9.3 5 9 flux 661 670 700 -
I9.4 5 9 flux 1360 1200 1200 -
I9.5 5 9 flux 562 600 700 -
I13.1 6 13 flux 5950 7000 10000 -
I13.2 6 13 flux 2330 3500 5000 I13.1
"""


def _opt(text: str) -> int | None:
    return None if text == "-" else int(text)


def test_activity_indicators_match_the_contract(catalogue):
    rows = [line.split() for line in EXPECTED.strip().splitlines()]
    assert [i.code for i in catalogue.indicators] == [r[0] for r in rows]
    for ind, (code, axis, obj, kind, base, t23, t27, ceiling) in zip(
        catalogue.indicators, rows, strict=True
    ):
        assert (ind.code, ind.axis, ind.objective, ind.kind, ind.unit) == (
            code,
            int(axis),
            int(obj),
            kind,
            "nombre",
        )
        assert (ind.baseline, ind.target_2023, ind.target_2027) == (
            _opt(base),
            _opt(t23),
            _opt(t27),
        )
        assert ind.ceiling == (None if ceiling == "-" else ceiling)
        assert ind.label and ind.definition


def test_axes_objectives_and_weights(catalogue):
    assert [a.number for a in catalogue.axes] == [1, 2, 3, 4, 5, 6]
    assert [a.weight for a in catalogue.axes] == [
        Decimal(x) for x in ("0.20", "0.20", "0.25", "0.10", "0.15", "0.10")
    ]
    assert (
        catalogue.axis(5).title == "Contribuer au développement et à l'aménagement des territoires"
    )
    assert [o.number for o in catalogue.objectives] == list(range(1, 14))
    assert catalogue.objective(9).title == "Appuyer les territoires"
    assert {o.axis for o in catalogue.objectives if o.number >= 10} == {6}


def test_impact_indicators(catalogue):
    codes = [i.code for i in catalogue.impacts]
    assert codes == ["M1.1", "M1.2", "M1.3", "M2.1", "M2.2", "M2.3", "M3.1", "M3.2", "M3.3",
                     "M3.4", "M4.1", "M4.2", "M6.1"]  # fmt: skip
    assert all(
        i.impact and i.target_2023 is None and i.target_2027 is None for i in catalogue.impacts
    )
    assert {i.unit for i in catalogue.impacts} == {"%", "€", "tCO2e"}


@pytest.mark.parametrize(
    ("tax_year", "share"),
    [(2022, "0.35"), (2023, "0.35"), (2024, "0.3875"), (2025, "0.425"), (2026, "0.4625"),
     (2027, "0.50"), (2031, "0.50")],
)  # fmt: skip
def test_performance_share_schedule(catalogue, tax_year, share):
    assert catalogue.share_for_year(tax_year) == Decimal(share)


def test_performance_share_override(catalogue):
    assert catalogue.share_for_year(2025, {2025: Decimal("0.40")}) == Decimal("0.40")


def test_hash_and_version_are_stable(catalogue):
    again = load_catalogue(catalogue.source)
    assert again.content_hash == catalogue.content_hash
    assert catalogue.id == "cop-2023-2027"
    assert catalogue.revision


def test_hash_ignores_layout_but_not_content(tmp_path, catalogue_text, catalogue):
    relaid = tmp_path / "c.toml"
    relaid.write_text("# reformatted\n\n" + catalogue_text, encoding="utf-8")
    assert load_catalogue(relaid).content_hash == catalogue.content_hash
    changed = tmp_path / "d.toml"
    changed.write_text(
        catalogue_text.replace("cible_2027 = 10000", "cible_2027 = 11000", 1), encoding="utf-8"
    )
    assert load_catalogue(changed).content_hash != catalogue.content_hash


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ('code = "I1.4"\naxe = 1', 'code = "I1.4"\naxe = 9'),
            "indicateurs[3] (I1.4) : axe 9 inconnu",
        ),
        (
            ('type = "stock"', 'type = "stocks"', 1),
            "indicateurs[7] (I2.3) : type « stocks » inconnu",
        ),
        (('plafond = "I1.1"', 'plafond = "I9.9"'), "indicateurs[1] (I1.2) : plafond « I9.9 »"),
        (('code = "I1.5"', 'code = "I1.4"'), "« I1.4 » est défini deux fois"),
        (('poids = "0.20"', 'poids = "0.30"', 1), "la somme des poids vaut 1.10"),
        (
            ('libelle = "Agents des CMA formés"\n', ""),
            "indicateurs[4] (I1.5) : champ « libelle » manquant",
        ),
        (
            ("cible_2023 = 60\n", 'cible_2023 = "soixante"\n'),
            "(I1.5) : champ « cible_2023 » de type inattendu",
        ),
        (("[catalogue]", "[catalogue"), "fichier TOML illisible"),
        (
            ('plafond_gravite = "avertissement"', 'plafond_gravite = "alerte"', 1),
            "indicateurs[11] (I3.4) : plafond_gravite « alerte » inconnue (attendu : erreur, "
            "avertissement)",
        ),
        (
            ("cible_2027 = 60\n", 'cible_2027 = 60\nplafond_gravite = "avertissement"\n'),
            "indicateurs[4] (I1.5) : plafond_gravite et plafond_conseil demandent un plafond",
        ),
    ],
)
def test_malformed_catalogue_names_file_and_entry(tmp_path, catalogue_text, edit, message):
    old, new, *count = edit
    path = tmp_path / "catalogue_avenant.toml"
    path.write_text(catalogue_text.replace(old, new, *count), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_catalogue(path)
    assert "catalogue_avenant.toml" in str(info.value)
    assert message in str(info.value)


def test_missing_catalogue_file(tmp_path):
    with pytest.raises(DataFileError, match="catalogue introuvable"):
        load_catalogue(tmp_path / "absent.toml")


def test_catalogue_rows_for_csv(catalogue):
    rows = catalogue.to_rows()
    assert len(rows) == 35
    assert set(rows[0]) >= {"code", "axe", "objectif", "type", "resultat_connu", "cible_2023",
                            "cible_2027", "plafond", "libelle"}  # fmt: skip
    assert rows[1]["plafond"] == "I1.1"


def test_each_bound_has_its_severity(catalogue):
    """Contract: I1.2 and the « dont » I6.3 are parts of I1.1 and I6.2 (errors); I3.4 counts
    implementations « à l'issue des accompagnements » and I13.2 proposals, which may follow
    last year's accompaniments or needs (warnings, with advice)."""
    bounds = {
        i.code: (i.ceiling, i.ceiling_severity, i.ceiling_hint is not None)
        for i in catalogue.indicators
        if i.ceiling
    }
    assert bounds == {
        "I1.2": ("I1.1", "erreur", False),
        "I3.4": ("I3.3", "avertissement", True),
        "I6.3": ("I6.2", "erreur", False),
        "I13.2": ("I13.1", "avertissement", True),
    }
    rows = {r["code"]: r for r in catalogue.to_dict()["indicateurs"]}
    assert (rows["I3.4"]["plafond_gravite"], rows["I1.2"]["plafond_gravite"]) == (
        "avertissement",
        "erreur",
    )
    assert rows["I3.4"]["plafond_conseil"] == (
        "À expliquer en commentaire si les mises en œuvre suivent des accompagnements de "
        "l'année précédente."
    )


def test_shipped_file_is_the_default(catalogue):
    assert Path(catalogue.source).name == "catalogue_cop_2023_2027.toml"


# --------------------------------------------------------------------------- the contract's words


def test_labels_say_what_the_contract_says(catalogue):
    """Labels and notes checked against the contract's text (axes 1 to 4)."""
    i31 = catalogue.indicator("I3.1")
    # « Nombre d'inscriptions des acteurs des CMA ayant des fonctions d'animation ou de
    # coordination de la transformation numérique des TPE-PME sur le site collaboratif « RESO » »
    assert "fonctions d'animation ou de coordination" in i31.label
    assert "RESO" in i31.label and "activateur" not in (i31.label + i31.definition)
    # « ayant fait l'objet d'un diagnostic ou démarche équivalente »
    assert "ou démarches équivalentes" in catalogue.indicator("I2.1").label
    # « appropriation du nouveau statut de l'entrepreneur individuel (y compris la prévention
    # des difficultés et leur traitement procédural) »
    i63 = catalogue.indicator("I6.3").label
    assert "nouveau statut de l'entrepreneur individuel" in i63
    assert "(y compris la prévention des difficultés et leur traitement procédural)" in i63
    # Préambule : « Axe 4 « Valorisation et promotion de l'artisanat » : 10% »
    assert catalogue.axis(4).short_title == "Valorisation et promotion de l'artisanat"


def test_baselines_given_in_words_are_kept_as_notes(catalogue):
    i32 = catalogue.indicator("I3.2")
    # « 22 000² » — note 2 : « Résultat consolidant les données des 4 opérateurs (ADEME,
    # Bpifrance, CCI et CMA). Les objectifs 2023 à 2027 concernent uniquement le réseau des CMA. »
    assert i32.baseline == 22000 and not i32.baseline_comparable
    assert i32.baseline_note is not None
    assert all(x in i32.baseline_note for x in ("ADEME", "Bpifrance", "CCI", "CMA"))
    # « 267 évènements 16 régions 85 départements mobilisés »
    i71 = catalogue.indicator("I7.1")
    assert (i71.baseline, i71.baseline_note) == (
        267, "267 évènements, 16 régions et 85 départements mobilisés"
    )  # fmt: skip
    for code in ("I7.2", "I7.4"):  # « CMA France » in the « Résultat connu » column
        ind = catalogue.indicator(code)
        assert (ind.baseline, ind.baseline_note) == (None, "CMA France")
    assert all(i.baseline_comparable for i in catalogue.indicators if i.code != "I3.2")


def test_the_bilan_never_compares_the_network_with_the_four_operators(
    consolidated_campaign, tmp_path
):
    from datetime import date

    from cmacop.render import build_report

    result = build_report(
        2024, store=consolidated_campaign / "consolidation", out_dir=tmp_path, chambers=[],
        formats="md", generated_on=date(2025, 6, 15),
    )  # fmt: skip
    text = result.documents[0].path.read_text(encoding="utf-8")
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("| I3.2 |"))
    header = next(line for line in reversed(lines[: lines.index(row)]) if line.startswith("| Code"))
    cell = dict(zip([c.strip() for c in header.split("|")[1:-1]],
                    [c.strip() for c in row.split("|")[1:-1]], strict=True))  # fmt: skip
    assert cell["Résultat connu"] == "22\u202f000 (1)"
    # No progression towards 2027 from the four operators' figure: an empty cell, with why.
    assert cell["Progression vers 2027"].startswith("— (")
    assert (
        "(1) Résultat connu de I3.2\u00a0: Résultat consolidant les données des 4 opérateurs"
        in text
    )
    i72 = next(line for line in text.splitlines() if line.startswith("| I7.2 |"))
    assert i72.split("|")[3].strip() == "CMA France"
