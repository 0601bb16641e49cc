"""Warnings a chamber has explained: ``referentiel/justifications.csv``.

One line per warning explained once and for all, with exactly the columns
``chambre,annee,indicateur,constat,justification`` (``indicateur`` empty for a warning
on the whole file, such as ``W-DELAI-001``). A matching warning is shown « justifié »
with its text and is no longer counted as open: in ``cmacop validate``, the annotated
workbook, the accusé de réception, ``cmacop run``, ``cmacop statut`` and the bilans.
An error cannot be justified (it is corrected): a line naming an error code is refused.

The file is CMA France's (or the controller's) record, not the chamber's submission: it
is read at each use, so that a justification added later counts from then on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cmacop.errors import DataFileError, InputFileError
from cmacop.files.frenchcsv import read_csv
from cmacop.validate.findings import CODES, Finding

if TYPE_CHECKING:
    from cmacop.campaign.settings import Settings
    from cmacop.cop.catalogue import Catalogue
    from cmacop.cop.registry import Registry

COLUMNS = ("chambre", "annee", "indicateur", "constat", "justification")
Key = tuple[str, int, str | None, str]  # (chambre, annee, indicateur or None, constat)


@dataclass(frozen=True)
class Justifications:
    """The explained warnings, by chamber, year, indicator (None: the whole file) and code."""

    texts: Mapping[Key, str] = field(default_factory=dict)
    source: Path | None = None

    def __bool__(self) -> bool:
        return bool(self.texts)

    def text_for(
        self, chamber: str | None, year: int | None, indicator: str | None, code: str
    ) -> str | None:
        """The justification of that warning, None when there is none (or it is an error)."""
        if not self.texts or chamber is None or year is None or not code.startswith("W-"):
            return None
        return self.texts.get((chamber, year, indicator or None, code))

    def apply(
        self, findings: Iterable[Finding], chamber: str | None, year: int | None
    ) -> list[Finding]:
        """``findings`` of one file, each justified warning carrying its text."""
        out = []
        for f in findings:
            text = self.text_for(chamber, year, f.indicator, f.code)
            out.append(replace(f, justification=text) if text is not None else f)
        return out


NONE = Justifications()


def read_justifications(
    path: str | Path, catalogue: Catalogue, registry: Registry
) -> Justifications:
    """Read and check ``justifications.csv``; a wrong line is a French error naming it."""
    path = Path(path)
    try:
        table = read_csv(path)
    except InputFileError as exc:
        raise DataFileError(str(exc), hint=exc.hint) from None
    if tuple(table.header) != COLUMNS:
        raise DataFileError(
            f"{path.name} : en-tête « {table.delimiter.join(table.header)} » au lieu de "
            f"« {','.join(COLUMNS)} »",
            hint="La première ligne du fichier des justifications doit être exactement : "
            + ",".join(COLUMNS),
        )
    codes = {i.code for i in catalogue.all_indicators}
    texts: dict[Key, str] = {}
    lines: dict[Key, int] = {}
    for line, row in table.rows:
        where = f"{path.name}, ligne {line}"
        chamber = row["chambre"].strip()
        found = registry.get(chamber)
        if found is None or not found.reports:
            raise DataFileError(f"{where} : chambre « {chamber} » inconnue ou non déclarante")
        year_text = row["annee"].strip()
        if not (year_text.isdigit() and len(year_text) == 4):
            raise DataFileError(f"{where} : année « {year_text} » illisible (attendu : 2024…)")
        indicator = row["indicateur"].strip() or None
        if indicator is not None and indicator not in codes:
            raise DataFileError(
                f"{where} : indicateur « {indicator} » absent du catalogue {catalogue.id}",
                hint="Laissez la colonne vide pour un avertissement sur tout le fichier "
                "(W-DELAI-001, W-IDENT-003).",
            )
        code = row["constat"].strip().upper()
        if code not in CODES:
            raise DataFileError(f"{where} : code de constat « {code} » inconnu")
        if code.startswith("E-"):
            raise DataFileError(
                f"{where} : {code} est une erreur ; une erreur ne se justifie pas, elle se "
                "corrige dans le fichier de la chambre",
                hint="Seuls les avertissements (codes W-…) peuvent être justifiés.",
            )
        # The text is the last column: commas left unquoted in it are kept, not refused.
        text = row["justification"]
        if row.get("__extra__"):
            text += table.delimiter + row["__extra__"]
        text = text.strip()
        if not text:
            raise DataFileError(f"{where} : justification vide")
        key = (chamber, int(year_text), indicator, code)
        if key in texts:
            raise DataFileError(
                f"{where} : justification en double pour {chamber}, {year_text}, "
                f"{indicator or 'tout le fichier'}, {code} (déjà ligne {lines[key]})"
            )
        texts[key], lines[key] = text, line
    return Justifications(texts, path)


def justifications_of(
    settings: Settings, catalogue: Catalogue, registry: Registry
) -> Justifications:
    """The justifications ``settings`` name (a file, read once per settings, or a mapping)."""
    given = settings.justifications
    if given is None:
        return NONE
    if isinstance(given, Mapping):
        return Justifications(dict(given))
    path = Path(given)
    return settings.once(
        ("justifications", id(catalogue), id(registry)),
        lambda: read_justifications(path, catalogue, registry),
    )
