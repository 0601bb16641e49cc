"""Is the file still the contract's layout? Sheets, headers, rows, codes, labels,
template version and merged cells (workbooks); columns and codes (CSV)."""

from __future__ import annotations

from typing import Any

from cmacop.cop.catalogue import Catalogue, Indicator
from cmacop.cop.contract import (
    CSV_COLUMNS,
    FIRST_DATA_ROW,
    HEADERS,
    ID_FIELDS,
    SHEET_ID,
    SHEET_IMPACT,
    SHEET_INDICATORS,
    SHEET_META,
    TEMPLATE_FORMAT,
)
from cmacop.files.xlsxread import column_index
from cmacop.validate.checks import Context, FileCheck
from cmacop.validate.submission import Row, Submission

CONTRACT_SHEETS = (SHEET_ID, SHEET_INDICATORS, SHEET_IMPACT)
# Hints are read by the chamber (feedback workbook, receipt): never a cmacop command, which
# it does not have. The command that helps goes to the controller's console (``command``).
_REDO_HINT = (
    "Demandez à CMA France le modèle de l'année pour votre chambre et recopiez-y vos valeurs."
)
_MOVED_HINT = (
    "Ne déplacez, n'insérez ni ne supprimez de lignes : repartez du modèle de l'année "
    "(à demander à CMA France) et recopiez-y vos valeurs."
)
# Columns of an indicator row compared with the catalogue (the others are filled in).
_FIXED = {"Axe": "axis", "Objectif": "objective", "Indicateur": "label", "Unité": "unit"}


def template_command(fc: FileCheck, *, csv: bool = False) -> str:
    """The command that makes this chamber's template (for the controller's console)."""
    command = "cmacop template"
    if fc.year is not None:
        command += f" --year {fc.year}"
    if fc.chamber:
        command += f" --chamber {fc.chamber}"
    return command + (" --format csv" if csv else "")


def sheet_of(indicator: Indicator) -> str:
    return SHEET_IMPACT if indicator.impact else SHEET_INDICATORS


def check_workbook(fc: FileCheck, ctx: Context) -> dict[str, Row]:
    """Structure of a workbook; returns the first row of each known indicator code."""
    sub = fc.sub
    assert sub is not None
    cat = ctx.catalogue
    for name in CONTRACT_SHEETS:
        if name not in sub.sheets:
            fc.add(
                "E-STRUCT-005",
                f"feuille « {name} » absente",
                _REDO_HINT,
                command=template_command(fc),
            )
    _template_version(fc, cat, ctx.catalogue_hash)
    for name in (SHEET_INDICATORS, SHEET_IMPACT):
        for cell, expected in zip(sub.headers.get(name, ()), HEADERS, strict=False):
            if _norm(cell.value) != expected:
                fc.add(
                    "E-STRUCT-006",
                    f"en-tête « {_norm(cell.value)} » au lieu de « {expected} »",
                    _REDO_HINT,
                    at=cell,
                    command=template_command(fc),
                )
    rows = _rows(fc, cat)
    for code, row in rows.items():
        _labels(fc, row, cat.indicator(code))
    _merged(fc, sub, cat)
    for name in sub.truncated:
        fc.add(
            "E-STRUCT-004",
            f"feuille « {name} » anormalement grande : seules les premières lignes ont été lues",
            _REDO_HINT,
            sheet=name,
            command=template_command(fc),
        )
    return rows


def _norm(value: Any) -> str:
    """A cell compared with the catalogue: ``1.0`` and ``"1"`` are ``1``, text is trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _template_version(fc: FileCheck, cat: Catalogue, fingerprint: str) -> None:
    sub = fc.sub
    assert sub is not None
    at = sub.identification.get("Version du modèle")
    fc.template_version = sub.metadata.get("version_modele") or (
        _norm(at.value) if at is not None else None
    )
    if SHEET_META not in sub.sheets:
        fc.add(
            "E-STRUCT-013",
            "modèle non reconnu : la feuille cachée « _cmacop » est absente, ce classeur "
            "n'est pas le modèle fourni par CMA France",
            _REDO_HINT,
            at=at,
            command=template_command(fc),
        )
        return
    reasons = []
    try:
        layout = int(sub.metadata.get("format_modele", ""))
    except ValueError:
        layout = 0
    if layout < TEMPLATE_FORMAT:
        reasons.append(f"format {layout or 'inconnu'} au lieu de {TEMPLATE_FORMAT}")
    elif layout > TEMPLATE_FORMAT:
        reasons.append(f"format {layout} plus récent que cette version de cmacop")
    if sub.metadata.get("empreinte_catalogue") != fingerprint:
        revision = sub.metadata.get("revision") or "inconnue"
        reasons.append(f"catalogue révision {revision} au lieu du catalogue {cat.version}")
    if reasons:
        fc.add(
            "E-STRUCT-013",
            f"modèle périmé ({' ; '.join(reasons)})",
            "Demandez à CMA France le modèle de l'année et recopiez-y les valeurs saisies.",
            at=at,
            command=template_command(fc),
        )


def _rows(fc: FileCheck, cat: Catalogue) -> dict[str, Row]:
    """Known codes → first row; unknown, duplicated, missing and displaced rows are findings."""
    sub = fc.sub
    assert sub is not None
    expected = {
        SHEET_INDICATORS: [i.code for i in cat.indicators],
        SHEET_IMPACT: [i.code for i in cat.impacts],
    }
    seen: dict[str, Row] = {}
    known = {i.code for i in cat.all_indicators}
    displaced: dict[str, tuple[Row, str | None]] = {}
    for row in sub.rows:
        order = expected[row.sheet or SHEET_INDICATORS]
        pos = row.number - FIRST_DATA_ROW
        wanted = order[pos] if 0 <= pos < len(order) else None
        if row.code != wanted and (row.sheet or "") not in displaced:
            displaced[row.sheet or ""] = (row, wanted)
        _register(fc, row, cat, known, seen)
    for row, wanted in displaced.values():
        detail = f"attendu : {wanted}" if wanted else "aucune ligne attendue ici"
        fc.add(
            "E-STRUCT-007",
            f"l'ordre des lignes ne suit plus le modèle à partir de la ligne {row.number} "
            f"({detail}, trouvé : {row.code or 'ligne sans code'})",
            _MOVED_HINT,
            at=row["Code"],
            command=template_command(fc),
        )
    for ind in cat.all_indicators:
        sheet = sheet_of(ind)
        if ind.code not in seen and sheet in sub.sheets:
            fc.add(
                "E-STRUCT-010",
                f"indicateur {ind.code} absent de la feuille « {sheet} »",
                _REDO_HINT,
                sheet=sheet,
                indicator=ind.code,
                command=template_command(fc),
                cause=f"{{n}} indicateurs absents de la feuille « {sheet} »",
            )
    return seen


def _register(
    fc: FileCheck, row: Row, cat: Catalogue, known: set[str], seen: dict[str, Row]
) -> None:
    code_cell = row["Code"]
    code = row.code
    if not code:
        fc.add(
            "E-STRUCT-008",
            "ligne sans code d'indicateur",
            "Ne saisissez des valeurs que sur les lignes des indicateurs du modèle.",
            at=code_cell,
        )
    elif code not in known:
        fc.add(
            "E-STRUCT-008",
            f"code d'indicateur inconnu « {code} »",
            f"Codes attendus : ceux du catalogue {cat.version}.",
            at=code_cell,
        )
    elif code in seen:
        first = seen[code]
        where = first.cells["Code"].location
        fc.add(
            "E-STRUCT-009",
            f"indicateur {code} en double (déjà en {where})",
            "Gardez une seule ligne par indicateur.",
            at=code_cell,
            indicator=code,
        )
    else:
        seen[code] = row


def _labels(fc: FileCheck, row: Row, ind: Indicator) -> None:
    for header, attribute in _FIXED.items():
        cell = row.cells.get(header)
        expected = _norm(getattr(ind, attribute))
        if cell is not None and _norm(cell.value) != expected:
            what = "libellé" if header == "Indicateur" else header.lower()
            fc.add(
                "E-STRUCT-011",
                f"{what} modifié : « {_norm(cell.value)} » au lieu de « {expected} »",
                "Les colonnes Code à Cible sont celles du catalogue : ne les modifiez pas.",
                at=cell,
                indicator=ind.code,
                cause="{n} libellés, axes, objectifs ou unités modifiés",
            )


def _contract_area(sheet: str, cat: Catalogue) -> tuple[int, int] | None:
    """(last row, last column) of the part of ``sheet`` the contract defines."""
    if sheet == SHEET_ID:
        return len(ID_FIELDS), 2
    if sheet == SHEET_INDICATORS:
        return FIRST_DATA_ROW - 1 + len(cat.indicators), len(HEADERS)
    if sheet == SHEET_IMPACT:
        return FIRST_DATA_ROW - 1 + len(cat.impacts), len(HEADERS)
    return None


def _merged(fc: FileCheck, sub: Submission, cat: Catalogue) -> None:
    for sheet, ref in sub.merged:
        area = _contract_area(sheet, cat)
        bounds = _bounds(ref)
        if area is None or bounds is None:
            continue
        (r1, c1), _ = bounds
        if r1 <= area[0] and c1 <= area[1]:
            fc.add(
                "E-STRUCT-014",
                f"cellules fusionnées ({ref}) dans la zone du modèle",
                "Annulez la fusion (Accueil > Fusionner et centrer) : chaque valeur a sa cellule.",
                sheet=sheet,
                cell=ref.split(":")[0],
                value=ref,
            )


def _bounds(ref: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``B2:D4`` → ((2, 2), (4, 4)); None when unreadable."""
    corners = []
    for part in ref.split(":"):
        letters = part.rstrip("0123456789")
        digits = part[len(letters) :]
        if not letters.isalpha() or not digits:
            return None
        corners.append((int(digits), column_index(letters.upper())))
    if len(corners) == 1:
        corners.append(corners[0])
    return corners[0], corners[1]


def check_csv(fc: FileCheck, ctx: Context) -> dict[str, Row]:
    """Columns and codes of a long-format CSV; returns the first line of each known code."""
    sub = fc.sub
    assert sub is not None
    cat = ctx.catalogue
    header = [c.value for c in sub.headers.get("csv", ())]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        fc.add(
            "E-STRUCT-006",
            f"colonne(s) absente(s) : {', '.join(missing)}",
            f"La première ligne doit être : {';'.join(CSV_COLUMNS)}",
            line=1,
        )
        if "code" in missing or "realise" in missing:
            return {}
    seen: dict[str, Row] = {}
    known = {i.code for i in cat.all_indicators}
    for row in sub.rows:
        extra = row.cells.get("__extra__")
        if extra is not None and str(extra.value).strip(";, \t"):
            fc.add(
                "E-STRUCT-006",
                "plus de cellules que de colonnes dans l'en-tête",
                "Mettez les nombres à virgule entre guillemets, ou utilisez le point-virgule "
                "comme séparateur.",
                at=extra,
            )
        _register(fc, row, cat, known, seen)
    for ind in cat.indicators:  # impact lines are optional in a CSV
        if ind.code not in seen:
            fc.add(
                "E-STRUCT-010",
                f"indicateur {ind.code} absent du fichier",
                "Ajoutez une ligne par indicateur d'activité : chambre, année, code, réalisé, "
                "commentaire (format décrit par CMA France).",
                indicator=ind.code,
                command=template_command(fc, csv=True),
                cause="{n} indicateurs absents du fichier",
            )
    return seen
