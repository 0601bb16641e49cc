"""The checks a template makes on itself while the chamber types: formulas only, no macro.

Each check is a condition on a row of ``Indicateurs`` or ``Impact``, written as an
Excel formula that Excel and LibreOffice both evaluate: it highlights a cell (conditional
formatting) and counts in a hidden helper column, whose total the top of ``Indicateurs``
turns into « 3 points à vérifier avant l'envoi » or « Prêt à être transmis ». The same
condition serves both, so what is counted is what is highlighted.

What the template checks is what ``cmacop validate`` says first, in the chamber's terms:
a ``Réalisé`` empty while a target exists (E-COMPL-001), text (E-VAL-001), negative
(E-VAL-004), a decimal in a count (E-VAL-003), a percentage above 100 (E-VAL-009), a
bound between indicators broken (E-COHER-001, or W-COHER-002 for the bounds of severity
« avertissement »: both cells), a gap to the target beyond the tolerance with an empty
``Commentaire`` (W-PLAUS-005), and the date of transmission not given (E-COMPL-002).
The helper cells are outside the contract's columns: readers ignore them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmacop.cop.catalogue import CEILING_WARNING, Catalogue, Indicator
from cmacop.cop.contract import COL_LETTER, FIRST_DATA_ROW, ID_ROW, SHEET_ID

ERROR = "erreur"
WARNING = "avertissement"
# Red for what the validation rejects, a clear orange for what it warns of (never the pale
# yellow of the cells to fill), green once everything is in order. The feedback workbook
# sent back to the chamber uses the same colours.
ERROR_FILL = "FFC7CE"
WARNING_FILL = "F4B183"
READY_FILL = "C6EFCE"
# Outside the contract's columns A-H: the count shown at the top, the hidden helper column.
STATUS_COLUMN = "I"
HELPER_COLUMN = "J"
STATUS_CELL = f"{STATUS_COLUMN}1"
TOTAL_CELL = f"{HELPER_COLUMN}1"
READY = "Prêt à être transmis"

_G, _F, _H = COL_LETTER["Réalisé"], COL_LETTER["Cible"], COL_LETTER["Commentaire"]


@dataclass(frozen=True)
class Check:
    """One condition of one row: true when there is something to look at in ``cell``."""

    cell: str  # the cell highlighted, e.g. "G5"
    condition: str  # an Excel formula without "=", true when the check fails
    severity: str  # ERROR (red) or WARNING (orange)


def row_of(catalogue: Catalogue, code: str) -> int:
    ind = catalogue.indicator(code)
    group = catalogue.impacts if ind.impact else catalogue.indicators
    return FIRST_DATA_ROW + [i.code for i in group].index(code)


def _valid(ind: Indicator, cell: str) -> str:
    """The value of ``cell`` (a number) is one validation accepts for ``ind``."""
    if ind.unit == "nombre":
        return f"AND({cell}>=0,{cell}=INT({cell}))"
    if ind.unit == "%":
        return f"AND({cell}>=0,{cell}<=100)"
    return f"{cell}>=0"


def row_checks(ind: Indicator, row: int, catalogue: Catalogue, tolerance: float) -> list[Check]:
    """The conditions of ``ind``'s row (its ``Réalisé`` in column G, ``Commentaire`` in H).

    As in validation, a value with an error is judged no further: the gap and the bound
    are only looked at between valid numbers. Every comparison sits behind ``IF(ISNUMBER…``
    (``AND`` evaluates all its arguments: ``INT("NC")`` would make the whole check fail).
    """
    g, f, h = f"{_G}{row}", f"{_F}{row}", f"{_H}{row}"

    def numeric(test: str) -> str:
        return f"IF(ISNUMBER({g}),{test},FALSE)"

    checks = [Check(g, f"ISTEXT({g})", ERROR), Check(g, numeric(f"{g}<0"), ERROR)]
    if ind.unit == "nombre":
        checks.append(Check(g, numeric(f"{g}<>INT({g})"), ERROR))
    elif ind.unit == "%":
        checks.append(Check(g, numeric(f"{g}>100"), ERROR))
    if not ind.impact:
        checks.append(Check(g, f"AND(LEN({g})=0,N({f})>0)", ERROR))
        # W-PLAUS-005: realised below the target by more than the tolerance, no comment.
        factor = f"{1 - tolerance:.6g}"
        gap = f"AND({_valid(ind, g)},N({f})>0,{g}<{f}*{factor},LEN(TRIM({h}))=0)"
        checks.append(Check(h, numeric(gap), WARNING))
    # A bound: this indicator must not exceed its ceiling; both cells are highlighted.
    if ind.ceiling is not None:
        top = f"{_G}{row_of(catalogue, ind.ceiling)}"
        valid = f"AND({_valid(ind, g)},{_valid(catalogue.indicator(ind.ceiling), top)},{g}>{top})"
        broken = f"IF(AND(ISNUMBER({g}),ISNUMBER({top})),{valid},FALSE)"
        severity = WARNING if ind.ceiling_severity == CEILING_WARNING else ERROR
        checks += [Check(g, broken, severity), Check(top, broken, severity)]
    return checks


def helper_formula(checks: list[Check]) -> str:
    """The number of checks of a row that fail (a bound counts once, on its own row)."""
    seen: list[str] = []
    for c in checks:
        if c.condition not in seen:
            seen.append(c.condition)
    terms = [f"IF({condition},1,0)" for condition in seen]
    return "=" + ("+".join(terms) if terms else "0")


def total_formula(indicators: int, impacts: int, impact_sheet: str) -> str:
    """Every failing check of both sheets, plus a date of transmission not given."""
    first, column = FIRST_DATA_ROW, HELPER_COLUMN
    own = f"SUM({column}{first}:{column}{first + indicators - 1})"
    other = f"SUM('{impact_sheet}'!{column}{first}:{column}{first + impacts - 1})"
    date = f"IF(LEN('{SHEET_ID}'!B{ID_ROW['Date de transmission']})=0,1,0)"
    return f"={own}+{other}+{date}"


def status_formula() -> str:
    """« Prêt à être transmis », « 1 point à vérifier avant l'envoi », « 3 points … »."""
    n = TOTAL_CELL
    return (
        f'=IF({n}=0,"{READY}",IF({n}=1,"1 point à vérifier avant l\'envoi",'
        f'{n}&" points à vérifier avant l\'envoi"))'
    )
