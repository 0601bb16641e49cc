"""Campaign folders: ``cmacop init`` and the checks of ``cmacop.toml``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cmacop.campaign.config import CONFIG_FILE, ConfigError, init_campaign, load_config
from cmacop.cli import app


def test_init_creates_the_layout_and_a_loadable_config(tmp_path):
    root = tmp_path / "campagne"
    created = init_campaign(root, 2025)
    for sub in (
        "depot/2025",
        "retours/2025",
        "referentiel",
        "consolidation",
        "bilans/2025",
        "journal",
    ):
        assert (root / sub).is_dir()
    assert root / CONFIG_FILE in created
    config = load_config(root)
    assert config is not None
    assert config.year == 2025
    assert config.deposit_dir(2025) == root.resolve() / "depot" / "2025"
    assert config.base_file(2024) == root.resolve() / "referentiel" / "tfcma_2025.csv"
    assert config.plausibility_max == Decimal(3)
    assert config.cap == Decimal(1)


def test_init_never_overwrites(tmp_path):
    init_campaign(tmp_path, 2024)
    (tmp_path / CONFIG_FILE).write_text("[campagne]\nannee = 2023\n", encoding="utf-8")
    assert init_campaign(tmp_path, 2024) == []
    assert load_config(tmp_path).year == 2023


def test_defaults_apply_to_an_empty_file(tmp_path):
    (tmp_path / CONFIG_FILE).write_text("", encoding="utf-8")
    config = load_config(tmp_path)
    assert config.year is None
    assert config.settle_seconds == 60
    assert config.store == tmp_path.resolve() / "consolidation"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[campagne]\nanne = 2024\n", "réglage inconnu « campagne.anne »"),
        ("[compagne]\n", "section [compagne] inconnue"),
        ('[campagne]\nannee = "2024"\n', "« campagne.annee » doit être un nombre entier positif"),
        (
            '[controles]\nplausibilite_max = "trois"\n',
            "« controles.plausibilite_max » doit être un nombre",
        ),
        (
            "[calcul]\npart_performance = { 2026 = 1.5 }\n",
            "« calcul.part_performance.2026 » doit être entre 0 et 1",
        ),
        (
            '[calcul]\npoids_indicateurs = { "I1.3" = -2 }\n',
            "« calcul.poids_indicateurs.I1.3 » doit être un nombre positif",
        ),
        ("[campagne\n", "fichier TOML illisible"),
    ],
)
def test_wrong_settings_name_the_key(tmp_path, text, message):
    (tmp_path / CONFIG_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert message in str(info.value)
    assert info.value.exit_code == 4


def test_overrides_are_read(tmp_path):
    (tmp_path / CONFIG_FILE).write_text(
        '[calcul]\nplafond_taux = 1.2\npart_performance = { 2026 = "0.45" }\npoids_indicateurs = { "I1.3" = 2 }\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.cap == Decimal("1.2")
    assert config.share_overrides == {2026: Decimal("0.45")}
    assert config.weights == {"I1.3": Decimal(2)}


def test_no_config_outside_a_campaign(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config() is None


def test_init_command(tmp_path):
    result = CliRunner().invoke(app, ["init", str(tmp_path / "c"), "--year", "2024"])
    assert result.exit_code == 0
    assert (tmp_path / "c" / CONFIG_FILE).is_file()


def test_missing_config_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "absent")
    assert str(info.value) == f"fichier de configuration introuvable : {tmp_path / 'absent'}"
    assert info.value.hint == (
        "Créez la campagne avec « cmacop init DOSSIER », ou indiquez son dossier avec --config."
    )
