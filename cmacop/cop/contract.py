"""The submission contract: sheet names, headers and cells shared by templates and readers.

Changing anything here changes what chambers fill in: bump ``TEMPLATE_FORMAT``.
"""

from __future__ import annotations

from cmacop.cop.catalogue import Catalogue
from cmacop.errors import UsageError

# The COP's years of results (2023-2027), with one year of margin on each side: the
# last campaign of the previous contract and the first of the next one.
COP_YEARS = (2023, 2027)
YEAR_MARGIN = 1

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


def check_year(year: int | None) -> None:
    """A year given by the user is one of the COP's, give or take one (a usage error else).

    ``--year 24`` (a two-digit year) or ``--year 2042`` is a typing mistake, not a campaign.
    """
    if year is None:
        return
    first, last = COP_YEARS[0] - YEAR_MARGIN, COP_YEARS[1] + YEAR_MARGIN
    if not first <= year <= last:
        raise UsageError(
            f"année {year} hors du COP {COP_YEARS[0]}-{COP_YEARS[1]} : indiquez une année "
            f"de {first} à {last}, sur quatre chiffres (par exemple --year 2024)",
            hint=f"Le COP couvre les résultats de {COP_YEARS[0]} à {COP_YEARS[1]} ; cmacop "
            "accepte une année de plus de chaque côté.",
        )
