"""The settings of ``cmacop.toml``, once: each one's section, kind, default and doc.

``config.py`` checks a file against :data:`SCHEMA` and ``cmacop init`` writes the
commented file from it; ``docs/formats/cmacop-toml.md`` shows that file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cmacop.campaign.layout import (
    APPRECIATIONS_FILE,
    AVENANTS_DIR,
    BASE_PATTERN,
    CALENDAR_FILE,
    CONTACTS_FILE,
    DEFAULT_REPORT_FORMATS,
    DEPOSIT_DIR,
    FEEDBACK_DIR,
    FOLLOW_UP_FILE,
    JUSTIFICATIONS_FILE,
    KEY_FILE,
    LOG_DIR,
    RECEPTIONS_FILE,
    REFERENCE_DIR,
    REPORTS_DIR,
    RULES_FILE,
    SIGNATURES_FILE,
    STORE_DIR,
    TARGETS_FILE,
)
from cmacop.campaign.notifications import PASSWORD_ENV, SECURITIES, STARTTLS
from cmacop.errors import CmacopError


class ConfigError(CmacopError):
    """``cmacop.toml`` is missing, unreadable or holds a wrong setting."""

    code = "E-CONFIG"
    exit_code = 4


@dataclass(frozen=True)
class Setting:
    key: str
    kind: str  # "int", "number", "bool", "formats", "text", "path", "table"
    default: Any
    doc: str


# section -> settings; the order is the order of the generated file.
SCHEMA: dict[str, tuple[Setting, ...]] = {
    "campagne": (
        Setting(
            "annee",
            "int",
            None,
            "Année des résultats collectés (ex. 2024 : bilans transmis début 2025).",
        ),
        Setting(
            "depot",
            "path",
            DEPOSIT_DIR,
            "Dossier où les chambres déposent leurs fichiers, un sous-dossier par année.",
        ),
        Setting(
            "retours", "path", FEEDBACK_DIR, "Classeurs annotés et accusés de réception, par année."
        ),
        Setting(
            "consolidation",
            "path",
            STORE_DIR,
            "Historique consolidé (Parquet, CSV, Excel) et journal d'audit.",
        ),
        Setting("bilans", "path", REPORTS_DIR, "Bilans produits, par année."),
        Setting("journal", "path", LOG_DIR, "Journal des exécutions (cmacop.log, avec rotation)."),
    ),
    "referentiel": (
        Setting(
            "cibles",
            "path",
            f"{REFERENCE_DIR}/{TARGETS_FILE}",
            "Cibles de COM : chambre,annee,code,cible (facultatif).",
        ),
        Setting(
            "cle",
            "path",
            f"{REFERENCE_DIR}/{KEY_FILE}",
            "Clé de répartition des cibles dérivées : chambre,entreprises.",
        ),
        Setting(
            "justifications",
            "path",
            f"{REFERENCE_DIR}/{JUSTIFICATIONS_FILE}",
            "Avertissements justifiés : chambre,annee,indicateur,constat,justification "
            "(facultatif).",
        ),
        Setting(
            "base_tfcma",
            "text",
            f"{REFERENCE_DIR}/{BASE_PATTERN}",
            "Base TFCMA par CMAR de l'année de taxe : chambre,montant ({annee_taxe} = année + 1).",
        ),
        Setting(
            "contacts",
            "path",
            f"{REFERENCE_DIR}/{CONTACTS_FILE}",
            "Adresses des accusés et des relances par courriel : chambre,courriel (facultatif).",
        ),
        Setting(
            "receptions",
            "path",
            f"{REFERENCE_DIR}/{RECEPTIONS_FILE}",
            "Dates de réception de fichiers reçus par un autre canal : fichier,recu_le (facultatif).",
        ),
        Setting(
            "calendrier",
            "path",
            f"{REFERENCE_DIR}/{CALENDAR_FILE}",
            "Calendrier des bilans : annee,etape,date,commentaire (facultatif).",
        ),
        Setting(
            "suivi_jalons",
            "path",
            f"{REFERENCE_DIR}/{FOLLOW_UP_FILE}",
            "Suivi des engagements datés du contrat : jalon,annee,statut,date,commentaire.",
        ),
        Setting(
            "signatures_com",
            "path",
            f"{REFERENCE_DIR}/{SIGNATURES_FILE}",
            "Signature des COM : chambre,date_signature,commentaire (facultatif).",
        ),
        Setting(
            "appreciations_prefet",
            "path",
            f"{REFERENCE_DIR}/{APPRECIATIONS_FILE}",
            "Appréciations des préfets sur les bilans de COM : chambre,annee,date,appreciation.",
        ),
        Setting(
            "regles",
            "path",
            f"{REFERENCE_DIR}/{RULES_FILE}",
            "Décisions de CMA France là où le contrat laisse le choix (part performance, "
            "taux d'un axe…) ; sans elles, les défauts de cmacop, signalés comme tels.",
        ),
        Setting(
            "avenants",
            "path",
            f"{REFERENCE_DIR}/{AVENANTS_DIR}",
            "Dossier des avenants au COP, un fichier .toml par avenant (facultatif).",
        ),
    ),
    "bilans": (
        Setting(
            "formats",
            "formats",
            DEFAULT_REPORT_FORMATS,
            "Formats des bilans écrits par cmacop run et cmacop report : md, html, xlsx, pdf.",
        ),
        Setting(
            "classement",
            "bool",
            False,
            "Ajouter le rang des CMAR (taux global) ; le contrat ne demande aucun classement.",
        ),
    ),
    "controles": (
        Setting(
            "plausibilite_max",
            "number",
            "3",
            "Avertir si le réalisé dépasse ce multiple de la cible.",
        ),
        Setting(
            "plausibilite_min",
            "number",
            "0.10",
            "Avertir si le réalisé est sous cette fraction de la cible.",
        ),
        Setting(
            "variation_max",
            "number",
            "0.50",
            "Avertir si le réalisé varie de plus que cette fraction d'une année sur l'autre.",
        ),
        Setting(
            "tolerance_ecart",
            "number",
            "0.05",
            "Avertir d'un écart non commenté au-delà de cette fraction de la cible "
            "(le bilan de COM liste tous les écarts).",
        ),
        Setting(
            "seuil_reseau",
            "number",
            "3.5",
            "Avertir d'une valeur atypique au regard du réseau au-delà de cet écart robuste "
            "(niveau pour 1 000 entreprises, médiane et MAD des chambres).",
        ),
        Setting(
            "impact_max_euros",
            "number",
            "1000",
            "Avertir d'un montant d'impact au-delà de tant d'euros par entreprise artisanale "
            "de la chambre (clé de répartition).",
        ),
        Setting(
            "impact_max_tco2e",
            "number",
            "1",
            "Avertir d'un impact carbone au-delà de tant de tCO2e par entreprise artisanale "
            "de la chambre.",
        ),
        Setting(
            "delai_stabilite",
            "int",
            60,
            "Secondes sans modification avant de lire un fichier déposé (copie en cours).",
        ),
    ),
    "journal": (
        Setting("taille_max_mo", "int", 5, "Taille d'un fichier journal avant rotation, en Mo."),
        Setting(
            "fichiers_conserves", "int", 5, "Nombre de fichiers journaux conservés après rotation."
        ),
    ),
    # Off while smtp_hote is empty; see docs/administrateur.md.
    "notifications": (
        Setting("smtp_hote", "str", "", "Serveur de courriel ; vide : aucun courriel envoyé."),
        Setting(
            "smtp_port",
            "int",
            None,
            "Port ; par défaut : 25 (aucune), 587 (starttls) ou 465 (ssl).",
        ),
        Setting("smtp_securite", "choice", STARTTLS, "« aucune », « starttls » ou « ssl »."),
        Setting("smtp_utilisateur", "str", "", "Vide : pas d'authentification."),
        Setting(
            "smtp_mot_de_passe_env",
            "text",
            PASSWORD_ENV,
            "Variable d'environnement qui contient le mot de passe (jamais écrit ici).",
        ),
        Setting("expediteur", "str", "", "Adresse d'expédition des courriels."),
        Setting("copie", "list", [], "Adresses en copie de chaque envoi."),
        Setting("envoyer_accuses", "bool", True, "Envoyer chaque accusé de réception."),
    ),
}
CHOICES = {("notifications", "smtp_securite"): SECURITIES}
