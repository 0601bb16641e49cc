"""A campaign folder and its ``cmacop.toml``: one schema gives defaults, docs and checks.

``cmacop init`` writes the commented file from :data:`~cmacop.campaign.schema.SCHEMA`;
every command run inside the folder (or with ``--config``) reads it. A wrong setting is
a French error naming the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cmacop.campaign.layout import (
    CONFIG_FILE,
    DEFAULT_REPORT_FORMATS,
    REPORT_FORMATS,
)
from cmacop.campaign.moved import moved_decision
from cmacop.campaign.notifications import DEFAULT_PORTS, Notifications
from cmacop.campaign.schema import CHOICES, SCHEMA, ConfigError, Setting
from cmacop.errors import folder_error, library_error_text


@dataclass(frozen=True)
class Config:
    """Settings of a campaign folder, paths resolved against it."""

    root: Path
    year: int | None
    deposit: Path
    feedback: Path
    store: Path
    reports: Path
    log_dir: Path
    targets_file: Path
    key_file: Path
    base_pattern: str
    plausibility_max: Decimal
    plausibility_min: Decimal
    change_max: Decimal
    settle_seconds: int
    gap_tolerance: Decimal = Decimal("0.05")
    justifications_file: Path | None = None
    network_threshold: Decimal = Decimal("3.5")
    impact_eur: Decimal = Decimal(1000)
    impact_tco2e: Decimal = Decimal(1)
    rules_file: Path | None = None
    avenants_dir: Path | None = None
    log_max_bytes: int = 5 * 1024 * 1024
    log_backups: int = 5
    source: Path | None = None
    contacts_file: Path | None = None
    receptions_file: Path | None = None
    calendar_file: Path | None = None
    follow_up_file: Path | None = None
    signatures_file: Path | None = None
    appreciations_file: Path | None = None
    report_formats: str = DEFAULT_REPORT_FORMATS
    ranking: bool = False
    notifications: Notifications | None = None  # None: no email is sent

    def with_references(
        self, *, rules: str | Path | None = None, avenants: str | Path | None = None
    ) -> Config:
        """These settings with the rules file and the avenants folder given (None: kept)."""
        return replace(
            self,
            rules_file=self.rules_file if rules is None else Path(rules),
            avenants_dir=self.avenants_dir if avenants is None else Path(avenants),
        )

    def rules_inputs(self) -> dict[str, Path | None]:
        """The rules file and each avenant, by name: a change of one rewrites the bilans."""
        found: dict[str, Path | None] = {"regles": self.rules_file}
        if self.avenants_dir is not None and self.avenants_dir.is_dir():
            for path in sorted(self.avenants_dir.glob("*.toml")):
                found[f"avenants/{path.name}"] = path
        return found

    def base_file(self, results_year: int) -> Path:
        """The TFCMA base of the tax year that results of ``results_year`` modulate."""
        return self.root / self.base_pattern.format(annee_taxe=results_year + 1, annee=results_year)

    def deposit_dir(self, year: int) -> Path:
        return self.deposit / str(year)

    def feedback_dir(self, year: int) -> Path:
        return self.feedback / str(year)

    def reports_dir(self, year: int) -> Path:
        return self.reports / str(year)


def render_default_config(year: int | None) -> str:
    """The commented ``cmacop.toml`` that ``cmacop init`` writes."""
    lines = [
        "# Configuration d'une campagne cmacop (COP 2023-2027).",
        "# Les chemins relatifs partent du dossier de ce fichier. Chaque réglage a une",
        "# valeur par défaut : une ligne commentée garde la valeur indiquée.",
    ]
    for section, settings in SCHEMA.items():
        lines += ["", f"[{section}]"]
        if section == "notifications":
            lines += [
                "# Accusés de réception et relances par courriel : désactivés tant que",
                "# smtp_hote est vide (exemple : docs/administrateur.md).",
            ]
        for s in settings:
            lines.append(f"# {s.doc}")
            value = year if (section, s.key) == ("campagne", "annee") else s.default
            if value is None or value == {} or section == "notifications":
                lines.append(f"# {s.key} = {_toml_value(s, value)}")
            else:
                lines.append(f"{s.key} = {_toml_value(s, value)}")
    return "\n".join(lines) + "\n"


def _toml_value(setting: Setting, value: Any) -> str:
    if setting.kind == "table":
        return "{ }"
    if setting.kind == "list":
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    if setting.kind == "bool":
        return "true" if value else "false"
    if value is None:
        return "587" if setting.key == "smtp_port" else "2024"
    if setting.kind in ("int", "number"):
        return str(value)
    return f'"{value}"'


def find_config(start: Path | None = None) -> Path | None:
    """``cmacop.toml`` in the given folder (the current one by default), if any."""
    candidate = (start or Path.cwd()) / CONFIG_FILE
    return candidate if candidate.is_file() else None


def load_config(path: str | Path | None = None) -> Config | None:
    """Load ``path`` (or the current folder's ``cmacop.toml``); None when there is none."""
    if path is None:
        found = find_config()
        if found is None:
            return None
        path = found
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"fichier de configuration introuvable : {path}",
            hint="Créez la campagne avec « cmacop init DOSSIER », ou indiquez son dossier "
            "avec --config.",
        ) from None
    except OSError as exc:
        raise folder_error(exc, folder=str(path), writing=False, cls=ConfigError) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path} : fichier TOML illisible, {library_error_text(exc)}",
            hint="Corrigez cette ligne de cmacop.toml (« cmacop init » dans un dossier vide "
            "écrit un modèle commenté de chaque réglage).",
        ) from None
    values = _check(path, raw)
    root = path.resolve().parent
    c, r, k, j, b = (
        values[s] for s in ("campagne", "referentiel", "controles", "journal", "bilans")
    )
    return Config(
        root=root,
        year=c["annee"],
        deposit=root / c["depot"],
        feedback=root / c["retours"],
        store=root / c["consolidation"],
        reports=root / c["bilans"],
        log_dir=root / c["journal"],
        targets_file=root / r["cibles"],
        key_file=root / r["cle"],
        justifications_file=root / r["justifications"],
        base_pattern=r["base_tfcma"],
        plausibility_max=k["plausibilite_max"],
        plausibility_min=k["plausibilite_min"],
        change_max=k["variation_max"],
        gap_tolerance=k["tolerance_ecart"],
        network_threshold=k["seuil_reseau"],
        impact_eur=k["impact_max_euros"],
        impact_tco2e=k["impact_max_tco2e"],
        settle_seconds=k["delai_stabilite"],
        rules_file=root / r["regles"],
        avenants_dir=root / r["avenants"],
        log_max_bytes=j["taille_max_mo"] * 1024 * 1024,
        log_backups=j["fichiers_conserves"],
        source=path,
        contacts_file=root / r["contacts"],
        receptions_file=root / r["receptions"],
        calendar_file=root / r["calendrier"],
        follow_up_file=root / r["suivi_jalons"],
        signatures_file=root / r["signatures_com"],
        appreciations_file=root / r["appreciations_prefet"],
        report_formats=b["formats"],
        ranking=b["classement"],
        notifications=_notifications(path, values["notifications"]),
    )


def _check(path: Path, raw: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    moved = moved_decision(path, raw)  # an old [calcul] section: where its decisions went
    if moved is not None:
        raise ConfigError(moved[0], hint=moved[1])
    for section in raw:
        if section == "calcul":
            continue
        if section not in SCHEMA:
            raise ConfigError(
                f"{path.name} : section [{section}] inconnue",
                hint=f"Sections possibles : {', '.join(SCHEMA)}.",
            )
    for section, settings in SCHEMA.items():
        given = raw.get(section, {})
        if not isinstance(given, Mapping):
            raise ConfigError(f"{path.name} : [{section}] doit être une section")
        known = {s.key for s in settings}
        for key in given:
            if key not in known:
                raise ConfigError(
                    f"{path.name} : réglage inconnu « {section}.{key} »",
                    hint=f"Réglages de [{section}] : {', '.join(sorted(known))}.",
                )
        out[section] = {
            s.key: _coerce(path, section, s, given.get(s.key, s.default)) for s in settings
        }
    return out


def _coerce(path: Path, section: str, s: Setting, value: Any) -> Any:
    name = f"{section}.{s.key}"

    def fail(expected: str) -> ConfigError:
        return ConfigError(f"{path.name} : « {name} » doit être {expected} (trouvé : {value!r})")

    if value is None:
        return None
    if s.kind == "bool":
        if not isinstance(value, bool):
            raise fail("true ou false")
        return value
    if s.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise fail("un nombre entier positif")
        return value
    if s.kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise fail("un nombre")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise fail("un nombre") from None
        if not number.is_finite() or number < 0:
            raise fail("un nombre positif")
        return number
    if s.kind == "formats":
        items = [f.strip().lower() for f in value.split(",")] if isinstance(value, str) else []
        if not items or any(f not in REPORT_FORMATS for f in items):
            raise fail(
                f"une liste de formats séparés par des virgules parmi {', '.join(REPORT_FORMATS)}"
            )
        return ",".join(items)
    if s.kind in ("text", "path"):
        if not isinstance(value, str) or not value.strip():
            raise fail("un texte non vide")
        return value
    if s.kind == "str":
        if not isinstance(value, str):
            raise fail("un texte")
        return value.strip()
    if s.kind == "choice":
        choices = CHOICES[section, s.key]
        if value not in choices:
            raise fail(" ou ".join(f"« {c} »" for c in choices))
        return value
    if s.kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail('une liste de textes, ex. ["a@exemple.fr"]')
        return [v.strip() for v in value if v.strip()]
    if not isinstance(value, Mapping):
        raise fail("une table { clé = valeur }")
    return dict(value)


def _notifications(path: Path, n: Mapping[str, Any]) -> Notifications | None:
    """``[notifications]`` checked; None when no server is named (nothing is sent)."""
    if not n["smtp_hote"]:
        return None
    from cmacop.cop.referentiel import is_email

    for address in [n["expediteur"], *n["copie"]]:
        if not is_email(address):
            key = "expediteur" if address == n["expediteur"] else "copie"
            raise ConfigError(
                f"{path.name} : « notifications.{key} » : « {address} » n'est pas une adresse "
                "de courriel",
                hint="Avec smtp_hote renseigné, expediteur est obligatoire (ex. "
                '"cop@cma-france.fr").',
            )
    security = n["smtp_securite"]
    return Notifications(
        host=n["smtp_hote"],
        port=n["smtp_port"] if n["smtp_port"] is not None else DEFAULT_PORTS[security],
        security=security,
        user=n["smtp_utilisateur"],
        password_env=n["smtp_mot_de_passe_env"],
        sender=n["expediteur"],
        copy=tuple(n["copie"]),
        send_receipts=n["envoyer_accuses"],
    )


__all__ = ["SCHEMA", "Config", "ConfigError", "Setting", "load_config", "render_default_config"]
