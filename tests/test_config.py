"""Campaign folders: ``cmacop init`` and the checks of ``cmacop.toml``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cmacop.campaign.config import CONFIG_FILE, ConfigError, load_config
from cmacop.campaign.folder import init_campaign
from cmacop.cli import app
from cmacop.cop.catalogue import load_catalogue
from cmacop.cop.rulesfile import load_decisions
from cmacop.errors import UsageError


def test_init_creates_the_layout_and_a_loadable_config(tmp_path):
    root = tmp_path / "campagne"
    created = init_campaign(root, 2025).created
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
    assert config.rules_file == root.resolve() / "referentiel" / "regles.toml"
    assert config.avenants_dir == root.resolve() / "referentiel" / "avenants"
    assert config.avenants_dir.is_dir()
    # A rules file with every key commented: nothing is decided, each rule is a default.
    decisions = load_decisions(config.rules_file, load_catalogue())
    assert (decisions.modulation, decisions.shares) == ({}, {})


def test_init_never_overwrites(tmp_path):
    init_campaign(tmp_path, 2024)
    assert init_campaign(tmp_path, 2024, change_year=True).created == ()
    (tmp_path / CONFIG_FILE).write_text("[campagne]\nannee = 2023\n", encoding="utf-8")
    again = init_campaign(tmp_path)  # the campaign's own year: its folders, nothing else
    assert (again.year, again.existed, again.changed) == (2023, True, False)
    assert tmp_path / CONFIG_FILE not in again.created
    assert load_config(tmp_path).year == 2023


# Issue 14 changes this: « init --year N » on another year's campaign used to say « prête »
# and leave cmacop.toml on the old year; it is now refused unless --changer-annee.
def test_init_refuses_another_year_without_changer_annee(tmp_path):
    init_campaign(tmp_path, 2024)
    before = (tmp_path / CONFIG_FILE).read_text(encoding="utf-8")
    with pytest.raises(UsageError) as info:
        init_campaign(tmp_path, 2025)
    assert info.value.message == (
        f"{tmp_path / CONFIG_FILE} est la campagne 2024 (« campagne.annee ») : --year 2025 ne "
        "la change pas"
    )
    assert "--changer-annee" in (info.value.hint or "")
    assert (tmp_path / CONFIG_FILE).read_text(encoding="utf-8") == before
    assert not (tmp_path / "depot" / "2025").exists()


def test_changer_annee_rewrites_only_the_year_line(tmp_path):
    init_campaign(tmp_path, 2024)
    config = tmp_path / CONFIG_FILE
    config.write_text(
        config.read_text(encoding="utf-8").replace("delai_stabilite = 60", "delai_stabilite = 5"),
        encoding="utf-8",
    )
    before = config.read_text(encoding="utf-8")
    result = init_campaign(tmp_path, 2025, change_year=True)
    assert (result.year, result.previous_year, result.changed) == (2025, 2024, True)
    assert config.read_text(encoding="utf-8") == before.replace("annee = 2024", "annee = 2025")
    assert load_config(tmp_path).year == 2025 and load_config(tmp_path).settle_seconds == 5
    assert (tmp_path / "depot" / "2025").is_dir() and (tmp_path / "depot" / "2024").is_dir()


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (date(2026, 11, 15), 2026),  # results of 2026 being collected
        (date(2027, 3, 10), 2026),  # bilans 2026 due end of February 2027, then consolidated
        (date(2027, 6, 30), 2026),
        (date(2027, 7, 1), 2027),
        (date(2027, 1, 1), 2026),
    ],
)
def test_init_without_year_takes_the_campaign_under_way(tmp_path, today, year):
    result = init_campaign(tmp_path / "c", today=today)
    assert result.year == year
    assert load_config(tmp_path / "c").year == year
    assert (tmp_path / "c" / "depot" / str(year)).is_dir()


def test_init_command_refuses_another_year(tmp_path, capsys):
    from cmacop.cli import main

    main(["init", str(tmp_path), "--year", "2024"])
    with pytest.raises(SystemExit) as info:
        main(["init", str(tmp_path), "--year", "2025"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "(« campagne.annee ») : --year 2025 ne la change pas" in err
    assert "relancez avec --changer-annee" in err
    main(["init", str(tmp_path), "--year", "2025", "--changer-annee"])
    err = capsys.readouterr().err
    assert err.startswith("Campagne passée de 2024 à 2025 : « campagne.annee » modifiée dans ")
    assert load_config(tmp_path).year == 2025


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
            "« calcul.part_performance » n'est plus un réglage de cmacop.toml : c'est une "
            "décision de CMA France, qui s'inscrit désormais dans le fichier des règles "
            "referentiel/regles.toml (« referentiel.regles »)",
        ),
        (
            '[calcul]\npoids_indicateurs = { "I1.3" = -2 }\n',
            "« calcul.poids_indicateurs » n'est plus un réglage de cmacop.toml",
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


@pytest.mark.parametrize(
    ("line", "example"),
    [
        ("plafond_taux = 1.2", 'plafond_taux = "1"'),
        ('part_performance = { 2026 = "0.45" }', "[part_performance.2026]"),
        ('poids_indicateurs = { "I1.3" = 2 }', 'poids_indicateurs = { "I1.3" = 2 }'),
    ],
)
def test_the_decisions_of_an_old_calcul_section_are_sent_to_the_rules_file(tmp_path, line, example):
    """The issue moves [calcul]'s decisions to regles.toml: an old cmacop.toml that still has
    one is refused, with the new place and an example of how to write it there."""
    (tmp_path / CONFIG_FILE).write_text(f"[calcul]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "referentiel/regles.toml" in str(info.value)
    assert example in info.value.hint
    assert 'decision = "…"' in info.value.hint


def test_an_empty_calcul_section_is_harmless(tmp_path):
    (tmp_path / CONFIG_FILE).write_text("[calcul]\n", encoding="utf-8")
    assert load_config(tmp_path).rules_file == tmp_path.resolve() / "referentiel" / "regles.toml"


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


def test_init_creates_the_folders_where_cmacop_toml_puts_them(tmp_path):
    """An admin who moved folders in cmacop.toml gets them there, not the defaults."""
    root = tmp_path / "campagne"
    root.mkdir()
    (root / CONFIG_FILE).write_text(
        "[campagne]\nannee = 2025\n"
        'depot = "../partage/depot"\nretours = "../partage/retours"\n'
        'consolidation = "../cloture/consolidation"\nbilans = "../cloture/bilans"\n'
        'journal = "../journaux"\n'
        '[referentiel]\nregles = "decisions/regles.toml"\navenants = "decisions/avenants"\n',
        encoding="utf-8",
    )
    result = init_campaign(root, by_chamber=True)
    assert result.year == 2025
    for moved in (
        "partage/depot/2025/CMAR-84",
        "partage/retours/2025/CMAR-84",
        "cloture/consolidation",
        "cloture/bilans/2025",
        "journaux",
        "campagne/decisions/avenants",
    ):
        assert (tmp_path / moved).is_dir(), moved
    assert (root / "decisions" / "regles.toml").is_file()
    for default in ("depot", "retours", "consolidation", "bilans", "journal"):
        assert not (root / default).exists(), default
    assert not (root / "referentiel" / "regles.toml").exists()
