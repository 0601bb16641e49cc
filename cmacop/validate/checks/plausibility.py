"""Plausibility warnings: a value far from the chamber's target or from last year,
a stock that went down, a gap to the target left unexplained."""

from __future__ import annotations

from collections.abc import Iterable

from cmacop.french import fmt_percent
from cmacop.validate.checks import Context, FileCheck, Record
from cmacop.validate.findings import fmt_amount

_CHECK_HINT = "Vérifiez la valeur ; si elle est juste, expliquez-la dans la colonne Commentaire."


def check_plausibility(files: Iterable[FileCheck], ctx: Context) -> None:
    """Warnings on the values that are valid numbers (a cell with an error is not judged)."""
    for fc in files:
        for record in fc.records:
            if record.value is not None and not fc.has_error(record.cell):
                _against_target(fc, record, ctx)
                _against_history(fc, record, ctx)
                if record.indicator.impact:
                    _impact(fc, record, ctx)


# Units of impact amounts judged against the chamber's size, with the setting's threshold.
_PER_FIRM = {"€": ("euros", "impact_eur"), "tCO2e": ("tCO2e", "impact_tco2e")}


def _impact(fc: FileCheck, record: Record, ctx: Context) -> None:
    """An impact rate outside 0-100 %; an impact amount implausible for the chamber's size.

    Impact indicators are optional and outside the modulation: a warning, never a rejection;
    the bilan leaves a rate outside 0-100 % out of the network's figure.
    """
    ind, value = record.indicator, record.value
    assert value is not None
    if ind.unit == "%":
        if not 0 <= value <= 100:
            fc.add(
                "W-VAL-010",
                f"taux d'impact hors de l'intervalle 0 à 100 % ({fmt_amount(value)})",
                "Saisissez un pourcentage entre 0 et 100 (87,5 pour 87,5 %) ; la valeur est "
                "acceptée mais écartée des chiffres du réseau.",
                at=record.cell,
                indicator=ind.code,
                cause="{n} taux d'impact hors de l'intervalle 0 à 100 %",
                detail=fmt_amount(value),
            )
        return
    unit = _PER_FIRM.get(ind.unit)
    firms = (ctx.key or {}).get(fc.chamber or "")
    if unit is None or not firms:
        return  # a count, or the chamber's size unknown (no allocation key)
    name, setting = unit
    limit = getattr(ctx.thresholds, setting)
    per_firm = value / firms
    if per_firm > limit:
        fc.add(
            "W-PLAUS-007",
            f"montant d'impact invraisemblable pour la taille de la chambre : "
            f"{fmt_amount(value)} {name} pour {fmt_amount(firms)} entreprises artisanales, soit "
            f"{fmt_amount(round(per_firm, 2))} par entreprise (seuil : {fmt_amount(limit)})",
            "Vérifiez l'unité (des euros, pas des milliers d'euros) et le périmètre "
            "(les entreprises accompagnées ou l'échantillon) ; si la valeur est juste, "
            "expliquez-la dans la colonne Commentaire.",
            at=record.cell,
            indicator=ind.code,
            cause="{n} montants d'impact invraisemblables pour la taille de la chambre",
            detail=f"{fmt_amount(round(per_firm, 2))} {name} par entreprise",
        )


def _against_target(fc: FileCheck, record: Record, ctx: Context) -> None:
    target, value = record.target, record.value
    if not target or value is None:  # no target, or a COM target of 0 ("no target")
        return
    th = ctx.thresholds
    code = record.indicator.code
    if value > th.high * target:
        fc.add(
            "W-PLAUS-001",
            f"réalisé ({fmt_amount(value)}) supérieur à {fmt_amount(th.high)} fois la cible "
            f"({fmt_amount(target)})",
            _CHECK_HINT,
            at=record.cell,
            indicator=code,
            cause=f"{{n}} réalisés supérieurs à {fmt_amount(th.high)} fois la cible",
            detail=f"{fmt_amount(value)} pour {fmt_amount(target)}",
        )
    elif value < th.low * target:
        fc.add(
            "W-PLAUS-002",
            f"réalisé ({fmt_amount(value)}) inférieur à {fmt_percent(th.low, 0)} de la cible "
            f"({fmt_amount(target)})",
            _CHECK_HINT,
            at=record.cell,
            indicator=code,
            cause=f"{{n}} réalisés inférieurs à {fmt_percent(th.low, 0)} de la cible",
            detail=f"{fmt_amount(value)} pour {fmt_amount(target)}",
        )
    # Code de l'artisanat, R. 323-24: the yearly COM report explains the gaps to targets.
    # Warned only beyond the tolerance (a cmacop setting); the bilan de COM lists them all.
    if value < target * (1 - th.gap) and not record.comment.strip():
        fc.add(
            "W-PLAUS-005",
            f"écart sans commentaire : réalisé ({fmt_amount(value)}) inférieur de "
            f"{_percent(1 - value / target)} à la cible ({fmt_amount(target)})",
            "Expliquez l'écart dans la colonne Commentaire (art. R. 323-24 du code de "
            "l'artisanat).",
            at=record.comment_cell or record.cell,
            indicator=code,
            value=None,
            cause="{n} écarts à la cible sans commentaire",
            detail=f"{fmt_amount(value)} pour {fmt_amount(target)}",
        )


def _against_history(fc: FileCheck, record: Record, ctx: Context) -> None:
    if fc.chamber is None or fc.year is None or record.value is None:
        return
    ind = record.indicator
    previous = ctx.history.get((fc.chamber, fc.year - 1, ind.code))
    if previous is None:
        return
    value = record.value
    if ind.kind == "stock" and value < previous:
        fc.add(
            "W-PLAUS-004",
            f"indicateur de stock en baisse : {fmt_amount(value)} contre "
            f"{fmt_amount(previous)} en {fc.year - 1}",
            "Un stock (niveau au 31 décembre) ne baisse que si des engagements ont pris fin : "
            "vérifiez et expliquez-le en commentaire.",
            at=record.cell,
            indicator=ind.code,
            cause=f"{{n}} indicateurs de stock en baisse depuis {fc.year - 1}",
            detail=f"{fmt_amount(value)} contre {fmt_amount(previous)}",
        )
    # No percentage of change exists from 0: only non-zero previous values are compared.
    if previous > 0 and abs(value - previous) > ctx.thresholds.change * previous:
        change = (value - previous) / previous
        sign = "+" if change > 0 else "−"
        fc.add(
            "W-PLAUS-003",
            f"variation de {sign}{fmt_percent(abs(change), 0)} par rapport à l'année précédente "
            f"({fmt_amount(value)} contre {fmt_amount(previous)} en {fc.year - 1})",
            _CHECK_HINT,
            at=record.cell,
            indicator=ind.code,
            cause=f"{{n}} variations de plus de {fmt_percent(ctx.thresholds.change, 0)} "
            f"depuis {fc.year - 1}",
            detail=f"{sign}{fmt_percent(abs(change), 0)}",
        )


def _percent(fraction: float) -> str:
    """``25 %``, ``5,2 %``: one decimal unless the percentage is whole."""
    text = fmt_percent(fraction, 1)
    return text.replace(",0\u202f%", "\u202f%")
