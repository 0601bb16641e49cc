"""The shipped examples tell the story the README promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmacop import validate_paths

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REFERENCE = EXAMPLES / "campagne" / "referentiel"


@pytest.fixture(scope="module")
def broken():
    report = validate_paths(
        [EXAMPLES / "broken"],
        year=2024,
        targets=REFERENCE / "cibles_com.csv",
        key=REFERENCE / "cle_repartition.csv",
    )
    return {Path(f.path).name: f for f in report.files}


@pytest.mark.parametrize(
    ("name", "code", "cell"),
    [
        ("COM_2024_CMAR-53_texte_dans_un_nombre.xlsx", "E-VAL-001", "Indicateurs!G16"),
        ("COM_2024_CMAR-24_valeur_manquante.xlsx", "E-COMPL-001", "Indicateurs!G31"),
        ("COM_2024_CMAR-28_cible_modifiee.xlsx", "E-STRUCT-012", "Indicateurs!F12"),
        ("COM_2024_CMAR-52_plafond_depasse.xlsx", "E-COHER-001", "Indicateurs!G18"),
        ("COM_2024_CMAR-93_mauvaise_annee.xlsx", "E-IDENT-002", "Identification!B3"),
    ],
)
def test_each_broken_example_shows_its_mistake(broken, name, code, cell):
    errors = [(f.code, f.location) for f in broken[name].findings if f.severity == "erreur"]
    assert errors == [(code, cell)]


def test_the_campaign_submissions_are_all_receivable():
    for year in (2023, 2024):
        report = validate_paths(
            [EXAMPLES / "campagne" / "depot" / str(year)],
            year=year,
            targets=REFERENCE / "cibles_com.csv",
            key=REFERENCE / "cle_repartition.csv",
        )
        assert len(report.files) == 20
        assert [f.code for f in report.findings if f.severity == "erreur"] == []
