"""Validation findings: one dataclass and the single registry of their stable codes.

A code says its family and severity: ``E-…`` is an error (the file must be
corrected), ``W-…`` a warning (to check, the file is accepted). The registry
below is the only list of codes: the README table is generated from it and a
test checks that every code has a bad-input case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from cmacop.french import fmt_number, plural

ERROR = "erreur"
WARNING = "avertissement"

# Families, in the order of the report and of the README table.
FAMILIES = {
    "STRUCT": "Structure",
    "IDENT": "Identité",
    "VAL": "Valeurs",
    "COMPL": "Complétude",
    "COHER": "Cohérence",
    "PLAUS": "Plausibilité",
    "DELAI": "Délai",
}

# code → short French title (what the README table says).
_TITLES = {
    "E-STRUCT-001": "format non pris en charge (.xls, .ods, .pdf…) : enregistrez au format .xlsx",
    "E-STRUCT-002": "fichier illisible : archive .xlsx corrompue, pas un classeur, CSV non textuel",
    "E-STRUCT-003": "classeur chiffré (protégé par un mot de passe d'ouverture)",
    "E-STRUCT-004": "fichier refusé par sécurité : bombe zip, entités XML, dimensions absurdes",
    "E-STRUCT-005": "feuille manquante (Identification, Indicateurs, Impact)",
    "E-STRUCT-006": "en-têtes ou colonnes différents du contrat",
    "E-STRUCT-007": "lignes déplacées, insérées ou supprimées",
    "E-STRUCT-008": "code d'indicateur inconnu, ou ligne sans code",
    "E-STRUCT-009": "code d'indicateur en double",
    "E-STRUCT-010": "indicateur manquant",
    "E-STRUCT-011": "libellé, axe, objectif ou unité modifié par rapport au catalogue",
    "E-STRUCT-012": "cible modifiée par rapport aux cibles de la chambre",
    "E-STRUCT-013": "modèle périmé ou non reconnu : demandez le modèle de l'année à CMA France",
    "E-STRUCT-014": "cellules fusionnées dans la zone du contrat",
    "E-IDENT-001": "chambre inconnue ou non déclarante",
    "E-IDENT-002": "année illisible ou différente de l'année attendue",
    "W-IDENT-003": "nom du fichier incohérent avec son contenu",
    "E-IDENT-004": "deux dépôts pour la même chambre et la même année que rien ne départage (même date de transmission, même heure)",
    "E-IDENT-005": "identification incohérente dans le fichier",
    "E-IDENT-006": "date de transmission illisible",
    "E-IDENT-007": "dépôt dans le dossier d'une autre chambre",
    "E-VAL-001": "texte au lieu d'un nombre (« NC », « n/a », « - »…)",
    "W-VAL-002": "nombre saisi comme texte (« 1 200 ») : accepté",
    "E-VAL-003": "nombre décimal pour un indicateur qui compte des unités",
    "E-VAL-004": "valeur négative",
    "E-VAL-005": "date au lieu d'un nombre",
    "E-VAL-006": "booléen (VRAI/FAUX) au lieu d'un nombre",
    "E-VAL-007": "formule non calculée : ouvrez et enregistrez le fichier dans Excel",
    "E-VAL-008": "erreur Excel (#DIV/0!, #REF!…) au lieu d'un nombre",
    "E-VAL-009": "pourcentage hors de l'intervalle 0 à 100 (indicateur qui compte dans les taux)",
    "W-VAL-010": "taux d'un indicateur d'impact hors de 0 à 100 % : accepté, écarté des chiffres du réseau",
    "E-COMPL-001": "réalisé manquant pour un indicateur qui a une cible",
    "E-COMPL-002": "identification incomplète (chambre, année, date de transmission)",
    "E-COHER-001": "règle « ne peut dépasser » du catalogue non respectée (ex. I1.2 > I1.1)",
    "W-COHER-002": "règle « ne dépasse pas d'ordinaire » du catalogue non respectée "
    "(ex. I3.4 > I3.3) : à expliquer en commentaire",
    "W-PLAUS-001": "réalisé supérieur à 3 fois la cible",
    "W-PLAUS-002": "réalisé inférieur à 10 % de la cible",
    "W-PLAUS-003": "variation de plus de 50 % par rapport à l'année précédente",
    "W-PLAUS-004": "indicateur de stock en baisse",
    "W-PLAUS-005": "écart non justifié : réalisé inférieur à la cible de plus de 5 % (tolérance réglable) sans commentaire",
    "W-PLAUS-006": "valeur atypique au regard du réseau : niveau pour 1 000 entreprises loin de la médiane des chambres (écart robuste > 3,5)",
    "W-PLAUS-007": "montant d'impact (€, tCO2e) invraisemblable pour la taille de la chambre",
    "W-DELAI-001": "transmis hors délai",
}


@dataclass(frozen=True)
class FindingCode:
    """One entry of the registry."""

    code: str
    title: str

    @property
    def severity(self) -> str:
        return ERROR if self.code.startswith("E-") else WARNING

    @property
    def family(self) -> str:
        return self.code.split("-")[1]


CODES: dict[str, FindingCode] = {code: FindingCode(code, title) for code, title in _TITLES.items()}


@dataclass(frozen=True)
class Finding:
    """One problem found in one file, located as precisely as the file allows.

    ``sheet`` + ``cell`` (``Indicateurs``, ``G14``) in a workbook; ``line`` +
    ``column`` in a CSV; neither for a problem of the whole file.
    """

    code: str
    file: str
    message: str
    hint: str | None = None
    sheet: str | None = None
    cell: str | None = None
    line: int | None = None
    column: str | None = None
    indicator: str | None = None
    value: str | None = None
    # For the controller's console only (never in what the chamber receives): the cmacop
    # command that helps, e.g. ``cmacop template --year 2024 --chamber CMAR-84``.
    command: str | None = None
    # Findings of one code and one ``cause`` in a file are one line for people; ``detail``
    # names this one in that line (« 239 pour 247 »). ``group`` links them in JSON.
    cause: str | None = field(default=None, compare=False)
    detail: str | None = field(default=None, compare=False)
    group: str | None = None
    # A warning explained in ``referentiel/justifications.csv``: no longer counted as open.
    justification: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered finding code {self.code}")

    @property
    def severity(self) -> str:
        return CODES[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def justified(self) -> bool:
        return self.justification is not None

    @property
    def is_open_warning(self) -> bool:
        """A warning still to look at: not an error, not justified."""
        return not self.is_error and self.justification is None

    @property
    def location(self) -> str:
        """``Indicateurs!G14``, ``ligne 12, colonne realise``, ``Impact`` or ``""``."""
        if self.line is not None:
            return f"ligne {self.line}" + (f", colonne {self.column}" if self.column else "")
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "gravite": self.severity,
            "fichier": self.file,
            "feuille": self.sheet,
            "cellule": self.cell,
            "ligne": self.line,
            "colonne": self.column,
            "emplacement": self.location,
            "indicateur": self.indicator,
            "valeur": self.value,
            "message": self.message,
            "conseil": self.hint,
            "commande": self.command,
            "groupe": self.group,
            "justifie": self.justified,
            "justification": self.justification,
        }


MAX_VALUE_CHARS = 200


def value_text(value: Any) -> str | None:
    """A cell's value as the report shows it (None for a blank cell), cut when very long."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def fmt_amount(value: float | int | Decimal | None) -> str:
    """A realised value in a French message: ``1 200``, ``12,5``; ``—`` when missing."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return fmt_number(number)
    decimals = min(max(-int(number.normalize().as_tuple().exponent), 1), 6)
    return fmt_number(number, decimals)


def sort_key(finding: Finding, sheet_order: dict[str, int]) -> tuple[Any, ...]:
    """Errors first, then warnings (the order a person fixes them); each in file order:
    whole-file findings first, then by sheet, row and column; CSV by line."""
    row, col = _split_ref(finding.cell)
    return (
        not finding.is_error,
        finding.sheet is not None or finding.line is not None,
        sheet_order.get(finding.sheet or "", len(sheet_order)),
        finding.line or 0,
        row,
        col,
        finding.code,
    )


@dataclass(frozen=True)
class FindingGroup:
    """Findings of one code and one cause in one file: one line for people.

    ``cause`` holds ``{n}`` where the count goes (« {n} indicateurs absents du
    fichier »); the line names each finding by its indicator, cell and ``detail``.
    """

    findings: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        return self.findings[0]

    @property
    def code(self) -> str:
        return self.first.code

    @property
    def severity(self) -> str:
        return self.first.severity

    @property
    def is_error(self) -> bool:
        return self.first.is_error

    @property
    def hint(self) -> str | None:
        return self.first.hint

    @property
    def command(self) -> str | None:
        return self.first.command

    @property
    def justification(self) -> str | None:
        return self.first.justification

    @property
    def indicator(self) -> str | None:
        return None

    @property
    def sheet(self) -> str | None:
        sheets = {f.sheet for f in self.findings}
        return self.first.sheet if len(sheets) == 1 else None

    @property
    def location(self) -> str:
        """The sheet all the cells are in (``Indicateurs``), or nothing."""
        return self.sheet or ""

    @property
    def items(self) -> tuple[str, ...]:
        """Each finding as its group's line names it: ``I6.1 (G16 : 3,5)``."""
        sheet = self.sheet
        out = []
        for f in self.findings:
            if f.line is not None:
                where = f"ligne {f.line}"
            elif f.cell:
                where = f.cell if f.sheet == sheet else f"{f.sheet}!{f.cell}"
            else:
                where = ""
            inner = " : ".join(part for part in (where, f.detail or "") if part)
            if f.indicator:
                out.append(f"{f.indicator} ({inner})" if inner else f.indicator)
            else:
                out.append(inner or f.location)
        return tuple(out)

    @property
    def message(self) -> str:
        cause = (self.first.cause or "").replace("{n}", str(len(self.findings)))
        return f"{cause} : {', '.join(self.items)}"


def group_ids(findings: list[Finding]) -> list[Finding]:
    """``findings`` (of one file) with ``group`` set where two or more share code and cause.

    The id is the code and the group's number among that code's groups (``E-STRUCT-010/1``).
    """
    members: dict[tuple[str, str, str | None], list[int]] = {}
    for i, f in enumerate(findings):
        if f.cause is not None:
            members.setdefault((f.code, f.cause, f.justification), []).append(i)
    out = list(findings)
    numbers: dict[str, int] = {}
    for (code, _, _), indexes in members.items():
        if len(indexes) < 2:
            continue
        numbers[code] = numbers.get(code, 0) + 1
        for i in indexes:
            out[i] = replace(out[i], group=f"{code}/{numbers[code]}")
    return out


def grouped(findings: Iterable[Finding]) -> list[Finding | FindingGroup]:
    """One file's findings for people: each group at the place of its first finding."""
    firsts: list[Finding] = []
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        if f.group is None:
            firsts.append(f)
        elif f.group in groups:
            groups[f.group].append(f)
        else:
            groups[f.group] = [f]
            firsts.append(f)
    return [FindingGroup(tuple(groups[f.group])) if f.group is not None else f for f in firsts]


def _split_ref(ref: str | None) -> tuple[int, str]:
    if not ref:
        return (0, "")
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters) :]
    return (int(digits) if digits else 0, letters.rjust(3))


def counts_text(errors: int, warnings: int) -> str:
    """``0 erreur, 2 avertissements``: a file's or a run's findings counted."""
    return f"{plural(errors, 'erreur')}, {plural(warnings, 'avertissement')}"


def codes_markdown() -> str:
    """The table of finding codes (``docs/codes.md``), generated from the registry."""
    lines = ["| Code | Gravité | Famille | Signification |", "|---|---|---|---|"]
    for entry in CODES.values():
        family = FAMILIES[entry.family]
        lines.append(f"| `{entry.code}` | {entry.severity} | {family} | {entry.title} |")
    return "\n".join(lines) + "\n"
