"""A campaign folder as ``cmacop run`` and ``cmacop statut`` find it: settings, year, layout."""

from __future__ import annotations

from pathlib import Path

from .config import Config, ConfigError, load_config


def load_campaign(config: Config | str | Path | None) -> Config:
    """The campaign's settings: ``config`` itself, a folder or file, or the current folder's."""
    if isinstance(config, Config):
        return config
    found = load_config(config)
    if found is None:
        raise ConfigError(
            f"aucun fichier cmacop.toml dans {Path.cwd()}",
            hint="Lancez la commande dans un dossier de campagne, indiquez-le avec "
            "--config DOSSIER, ou créez-en un avec « cmacop init DOSSIER ».",
        )
    return found


def campaign_year(cfg: Config, year: int | None) -> int:
    if year is not None:
        return year
    if cfg.year is None:
        raise ConfigError(
            f"{cfg.source or 'cmacop.toml'} : année de campagne non renseignée "
            "(« campagne.annee »)",
            hint="Indiquez-la dans cmacop.toml (annee = 2024) ou avec --year.",
        )
    return cfg.year


def check_layout(cfg: Config) -> None:
    """The deposit folder exists and none of cmacop's outputs lives inside it."""
    if not cfg.deposit.is_dir():
        raise ConfigError(
            f"dossier de dépôt introuvable : {cfg.deposit}",
            hint="Créez-le (« cmacop init ») ou corrigez « campagne.depot » dans cmacop.toml.",
        )
    deposit = cfg.deposit.resolve()
    for key, folder in (
        ("retours", cfg.feedback),
        ("consolidation", cfg.store),
        ("bilans", cfg.reports),
        ("journal", cfg.log_dir),
    ):
        if folder.resolve() == deposit or deposit in folder.resolve().parents:
            raise ConfigError(
                f"« campagne.{key} » ({folder}) est dans le dossier de dépôt {cfg.deposit} : "
                "ses fichiers y seraient lus comme des bilans",
                hint=f"Choisissez pour « campagne.{key} » un dossier hors de {cfg.deposit}.",
            )
