"""Reading each value cell before the tabular checks: what Excel and people put
in a number cell (text, grouped digits, dates, booleans, formulas, errors)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from cmacop.cop.catalogue import Indicator
from cmacop.files.frenchcsv import parse_number
from cmacop.files.xlsxread import CellError
from cmacop.validate.checks import Context, FileCheck, Record
from cmacop.validate.findings import fmt_amount
from cmacop.validate.submission import Cell, Row

_NUMBER_HINT = "Saisissez un nombre (0 si aucune réalisation), sans texte ni unité."


def check_values(fc: FileCheck, rows: Mapping[str, Row], ctx: Context) -> None:
    """Parse the realised value, target and comment of every indicator row into records."""
    assert fc.sub is not None
    workbook = fc.sub.kind == "xlsx"
    reference = None
    if fc.chamber and fc.year is not None:
        reference = ctx.targets_for(fc.chamber, fc.year)
    indicators = {i.code: i for i in ctx.catalogue.all_indicators}
    counted = ctx.counted_impacts(fc.year)  # impact indicators with a target (avenants)
    for code, row in rows.items():
        ind = indicators[code]
        cell = row["Réalisé"]
        value, blank = parse_value(fc, cell, ind, text_is_normal=not workbook)
        has_target = not ind.impact or code in counted
        if workbook:
            target = _target(fc, row, ind, reference, has_target=has_target)
        else:  # a CSV has no Cible column: only the reference gives a target
            target = reference.get(code) if reference is not None and has_target else None
        comment = row.cells.get("Commentaire")
        fc.records.append(
            Record(
                file=fc.index,
                indicator=ind,
                cell=cell,
                value=value,
                blank=blank,
                target=target,
                comment="" if comment is None or comment.is_blank else str(comment.value),
                comment_cell=comment,
            )
        )


def parse_value(
    fc: FileCheck, cell: Cell, ind: Indicator, *, text_is_normal: bool
) -> tuple[float | None, bool]:
    """(number, blank) of a value cell; anything unusable is a finding and gives no number.

    In a CSV every value is text; in a workbook a number stored as text is
    accepted with a warning (Excel shows a green triangle in that cell).
    """
    raw: Any = cell.value
    code = ind.code
    if cell.formula is not None and not cell.has_cached_value:
        fc.add(
            "E-VAL-007",
            "formule non calculée : ouvrez et enregistrez le fichier dans Excel",
            "Le fichier a été écrit par un programme qui ne calcule pas les formules.",
            at=cell,
            indicator=code,
            value=f"={cell.formula}",
        )
        return None, False
    if cell.is_blank:
        return None, True
    if isinstance(raw, CellError):
        fc.add(
            "E-VAL-008",
            f"erreur Excel {raw.code} au lieu d'un nombre",
            "Corrigez la formule ou saisissez directement la valeur.",
            at=cell,
            indicator=code,
            cause="{n} erreurs Excel au lieu d'un nombre",
            detail=raw.code,
        )
    elif isinstance(raw, bool):
        fc.add(
            "E-VAL-006",
            "VRAI/FAUX au lieu d'un nombre",
            _NUMBER_HINT,
            at=cell,
            indicator=code,
            cause="{n} VRAI/FAUX au lieu d'un nombre",
        )
    elif isinstance(raw, (date, time)):
        fc.add(
            "E-VAL-005",
            "date au lieu d'un nombre",
            "Appliquez le format « Nombre » à la cellule et saisissez la valeur.",
            at=cell,
            indicator=code,
            cause="{n} dates au lieu d'un nombre",
        )
    elif isinstance(raw, (int, float)):
        return float(raw), False
    else:
        return _text(fc, cell, ind, str(raw), text_is_normal), False
    return None, False


def _text(
    fc: FileCheck, cell: Cell, ind: Indicator, text: str, text_is_normal: bool
) -> float | None:
    stripped = text.strip()
    if ind.unit in ("%", "€") and stripped.endswith(ind.unit):
        stripped = stripped[: -len(ind.unit)].rstrip()  # "87,5 %", "1 200 €"
    parsed = parse_number(stripped)
    if parsed is None:
        fc.add(
            "E-VAL-001",
            f"texte « {text.strip()} » au lieu d'un nombre",
            _NUMBER_HINT + " Une explication va dans la colonne Commentaire.",
            at=cell,
            indicator=ind.code,
            cause=f"{{n}} textes « {text.strip()} » au lieu d'un nombre",
        )
        return None
    if not text_is_normal:
        fc.add(
            "W-VAL-002",
            f"nombre saisi comme texte (« {text.strip()} ») : lu comme {fmt_amount(parsed.value)}",
            "Saisissez le nombre sans espace ni apostrophe, dans une cellule au format Nombre.",
            at=cell,
            indicator=ind.code,
            cause="{n} nombres saisis comme texte : acceptés",
            detail=f"« {text.strip()} »",
        )
    return float(parsed.value)


def _target(
    fc: FileCheck,
    row: Row,
    ind: Indicator,
    reference: Mapping[str, int | None] | None,
    *,
    has_target: bool = True,
) -> int | None:
    """The chamber's target for ``ind``: the reference when it knows it, else the Cible cell.

    An impact indicator has a target only when an avenant in force gives it one."""
    cell = row.cells.get("Cible")
    found, valid = _whole(cell.value) if cell is not None else (None, True)
    hint = "La colonne Cible reprend les cibles de votre COM : ne la modifiez pas."
    if not has_target:
        if found is not None or not valid:
            fc.add(
                "E-STRUCT-012",
                "cible modifiée : un indicateur d'impact n'a pas de cible",
                hint,
                at=cell,
                indicator=ind.code,
            )
        return None
    if reference is not None and ind.code in reference:
        expected = reference[ind.code]
        if cell is not None and (found != expected or not valid):
            shown = "aucune" if expected is None else fmt_amount(expected)
            fc.add(
                "E-STRUCT-012",
                f"cible modifiée : la cible de la chambre est {shown}",
                hint,
                at=cell,
                indicator=ind.code,
                cause="{n} cibles modifiées",
                detail=f"cible de la chambre : {shown}",
            )
        return expected
    if not valid:
        fc.add(
            "E-STRUCT-012",
            "cible modifiée : ce n'est pas un nombre entier positif ou nul",
            hint,
            at=cell,
            indicator=ind.code,
        )
    return found


def _whole(value: Any) -> tuple[int | None, bool]:
    """(target, valid): blank is (None, True); a whole number ≥ 0 is valid."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        return value, value >= 0
    if isinstance(value, float) and value.is_integer():
        return int(value), value >= 0
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is not None and parsed.value == parsed.value.to_integral_value():
            return int(parsed.value), parsed.value >= 0
    return None, False
