"""TOML syntax errors of cmacop's data files, told in French with their line and column."""

from __future__ import annotations

import tomllib

import pytest

from cmacop.errors import toml_error_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'a = 1\n\n\n\n\n\n\ntaux = "0.40" 2\n',
            "ligne 8, colonne 15 : fin de ligne attendue après la valeur "
            "(une seule « clé = valeur » par ligne)",
        ),
        ("[modulation\n", "ligne 1, colonne 12 : « ] » attendu à la fin du nom de section"),
        ("taux = 0,40\n", "ligne 1, colonne 9 : fin de ligne attendue après la valeur "
         "(une seule « clé = valeur » par ligne)"),
        ("decision = Bureau\n", "ligne 1, colonne 12 : valeur invalide "
         "(un texte s'écrit entre guillemets droits)"),
        ('titre = "Avenant\n', "ligne 1, colonne 17 : texte non fermé sur sa ligne (guillemet manquant)"),
        ("[a]\n[a]\n", "ligne 2, colonne 3 : section déclarée deux fois"),
        ("a = 1\na = 2", "à la fin du fichier : clé ou section définie deux fois"),
        ("signe_le = 2024-02-30\n", "ligne 1, colonne 12 : date invalide (attendu : AAAA-MM-JJ)"),
    ],
)  # fmt: skip
def test_toml_error_in_french_with_line_and_column(text, expected):
    with pytest.raises(tomllib.TOMLDecodeError) as info:
        tomllib.loads(text)
    assert toml_error_text(info.value) == expected
