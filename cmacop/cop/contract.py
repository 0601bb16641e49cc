"""The submission contract: sheet names, headers and cells shared by templates and readers.

Changing anything here changes what chambers fill in: bump ``TEMPLATE_FORMAT``.
"""

from __future__ import annotations

from cmacop.cop.catalogue import Catalogue

# Layout version of the workbook; validation flags older templates as outdated.
TEMPLATE_FORMAT = 1

SHEET_ID = "Identification"
SHEET_INDICATORS = "Indicateurs"
SHEET_IMPACT = "Impact"
SHEET_META = "_cmacop"  # hidden sheet: template version and catalogue fingerprint

HEADERS = ("Code", "Axe", "Objectif", "Indicateur", "Unité", "Cible", "Réalisé", "Commentaire")
COL = {name: idx + 1 for idx, name in enumerate(HEADERS)}  # 1-based column numbers
COL_LETTER = {name: chr(ord("A") + idx) for idx, name in enumerate(HEADERS)}
FIRST_DATA_ROW = 2

# Identification sheet: label in column A, value in column B, one row each.
ID_FIELDS = (
    "Code chambre",
    "Chambre",
    "Année",
    "Version du modèle",
    "Date de transmission",
    "Nom du contact",
    "Courriel du contact",
)
ID_ROW = {label: idx + 1 for idx, label in enumerate(ID_FIELDS)}
ID_EDITABLE = ("Date de transmission", "Nom du contact", "Courriel du contact")

# CSV long format for chambers whose own software exports data (contract, 10.1).
CSV_COLUMNS = ("chambre", "annee", "code", "realise", "commentaire")


def template_version(catalogue: Catalogue) -> str:
    """The value of ``Identification!B4``, e.g. ``1/cop-2023-2027/2023-12-01``."""
    return f"{TEMPLATE_FORMAT}/{catalogue.id}/{catalogue.revision}"


def workbook_name(year: int, chamber: str, suffix: str = ".xlsx") -> str:
    return f"COM_{year}_{chamber}{suffix}"
