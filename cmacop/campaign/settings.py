"""A campaign folder as the commands find it: settings, year, layout.

:func:`command_settings` is the one place where a command's options meet
``cmacop.toml``: an option given on the command line always wins, then the
campaign's setting, then the command's own default.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from cmacop.campaign.config import Config, ConfigError, load_config
from cmacop.errors import UsageError

if TYPE_CHECKING:
    from cmacop.validate.checks import Thresholds


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


# --------------------------------------------------------------------------- options and cmacop.toml


def existing(path: Path) -> Path | None:
    """A reference file named by the campaign, when it is there (they are optional)."""
    return path if path.is_file() else None


def thresholds_of(cfg: Config) -> Thresholds:
    """The plausibility thresholds of ``[controles]``."""
    from cmacop.validate.checks import Thresholds

    return Thresholds(
        high=float(cfg.plausibility_max),
        low=float(cfg.plausibility_min),
        change=float(cfg.change_max),
    )


@dataclass(frozen=True)
class Settings:
    """What a command runs with: its options completed from ``cmacop.toml``.

    None means "neither given nor configured": the command's own default applies
    (for the store, ``consolidation/``; for reference files, ``referentiel/``
    beside the store).
    """

    config: Config | None = None
    year: int | None = None
    store: Path | None = None
    targets: Path | None = None
    key: Path | None = None
    base: Path | None = None
    reports: Path | None = None  # the bilans folder of ``year``
    cap: Decimal = Decimal(1)
    weights: dict[str, Decimal] | None = None
    share_overrides: dict[int, Decimal] | None = None
    settle_seconds: int = 0

    @property
    def thresholds(self) -> Thresholds | None:
        """The campaign's plausibility thresholds (None: the built-in defaults)."""
        return None if self.config is None else thresholds_of(self.config)


def _path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)


def command_settings(
    config: Config | str | Path | None = None,
    *,
    year: int | None = None,
    need_year: bool = False,
    store: str | Path | None = None,
    targets: str | Path | None = None,
    key: str | Path | None = None,
    base: str | Path | None = None,
    reports: str | Path | None = None,
) -> Settings:
    """A command's settings: each option given wins over ``cmacop.toml``.

    ``config`` is a :class:`Config`, a campaign folder or its ``cmacop.toml``;
    None reads the current folder's when there is one (outside a campaign, the
    options alone). From the file: the year (``campagne.annee``), the store, the
    COM targets, the allocation key and the TFCMA base of the year (each only when
    the file exists: they are optional), the bilans folder of the year, the
    calculation settings and the plausibility thresholds. A wrong file raises a
    :class:`~cmacop.campaign.config.ConfigError` naming the key (exit code 4); with
    ``need_year``, a year given by neither raises a :class:`UsageError` (exit 2).
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    if year is None and cfg is not None:
        year = cfg.year
    if need_year and year is None:
        if cfg is None:
            raise UsageError(
                "année non indiquée : ajoutez --year (par exemple --year 2024)",
                hint="Ou lancez la commande dans un dossier de campagne (ou avec --config) "
                "dont le cmacop.toml renseigne « campagne.annee ».",
            )
        raise UsageError(
            "année non indiquée : ajoutez --year (par exemple --year 2024) ou renseignez "
            f"« campagne.annee » dans {cfg.source}"
        )
    if cfg is None:
        return Settings(
            year=year,
            store=_path(store),
            targets=_path(targets),
            key=_path(key),
            base=_path(base),
            reports=_path(reports),
        )
    return Settings(
        config=cfg,
        year=year,
        store=_path(store) or cfg.store,
        targets=_path(targets) or existing(cfg.targets_file),
        key=_path(key) or existing(cfg.key_file),
        base=_path(base) or (existing(cfg.base_file(year)) if year is not None else None),
        reports=_path(reports) or (cfg.reports_dir(year) if year is not None else None),
        cap=cfg.cap,
        weights=cfg.weights or None,
        share_overrides=cfg.share_overrides or None,
        settle_seconds=cfg.settle_seconds,
    )
