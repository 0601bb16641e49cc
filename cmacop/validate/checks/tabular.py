"""The tabular checks, as one pandera schema (polars backend) generated from the catalogue.

Every parsed value of every file of the run is one row of a single frame
(``fichier``, ``code``, ``realise``, ``vide``, ``cible``), validated in one
call: per-unit rules (whole numbers, bounds), completeness where a target
exists, and the catalogue's "must not exceed" rules as cross-row checks.
Each check is named after the finding code it produces; pandera's failure
cases (one per row and check) become findings located at the cell.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cmacop.cop.catalogue import CEILING_WARNING, Catalogue
from cmacop.validate.checks import FileCheck, Record
from cmacop.validate.findings import fmt_amount

if TYPE_CHECKING:
    import pandera.polars as pa
    import polars as pl


@dataclass(frozen=True)
class UnitRule:
    """What a value of a unit may be (the template's Excel data validation says the same)."""

    whole: bool
    minimum: float | None
    maximum: float | None


UNIT_RULES = {
    "nombre": UnitRule(whole=True, minimum=0, maximum=None),
    "%": UnitRule(whole=False, minimum=0, maximum=100),
    "€": UnitRule(whole=False, minimum=0, maximum=None),
    "tCO2e": UnitRule(whole=False, minimum=0, maximum=None),
}
CEILING = "E-COHER-001"  # a bound of severity « erreur » broken: the file is rejected
CEILING_WARNED = "W-COHER-002"  # a bound of severity « avertissement » broken: to explain


def import_pandera() -> None:
    """Import pandera's polars API without hypothesis, pandas nor numpy, even where installed.

    pandera imports hypothesis (about 0,08 s, a third of a ``cmacop validate`` start-up)
    only to offer data synthesis, and numpy and pandas (with pyarrow, about 0,8 s: an
    analyst's environment usually has them) only for its pandas API; cmacop uses none of
    them, and a ``pandera[polars]`` install has none. While pandera is imported they are
    reported missing, as pandera's optional imports expect (« No module named … »), so
    that pandera is the same whatever else is installed. A module already imported (the
    test suite's hypothesis, a caller's pandas) is not hidden: pandera then sees it.
    """
    if "pandera.strategies.base_strategies" in sys.modules:
        return
    hidden = _Hidden({"hypothesis", "pandas", "numpy"} - set(sys.modules))
    sys.meta_path.insert(0, hidden)
    try:
        import pandera.polars
        import pandera.strategies.base_strategies  # noqa: F401

        # pandera looks for its pandas backends once, at the first check, and keeps the
        # answer: ask now, while pandas is hidden (its polars backends are used either way).
        with contextlib.suppress(ImportError, AttributeError):
            from pandera.backends.register_checks import _load_get_backend_types_from_mro

            _load_get_backend_types_from_mro()
    finally:
        sys.meta_path.remove(hidden)


class _Hidden(importlib.abc.MetaPathFinder):
    """Reports ``names`` (and their submodules) as not installed."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None


def build_schema(catalogue: Catalogue) -> pa.DataFrameSchema:
    """The pandera schema of a run's frame, generated from the catalogue's units and ceilings."""
    import_pandera()
    import pandera.polars as pa
    import polars as pl

    by_minimum: dict[float, list[str]] = defaultdict(list)
    by_maximum: dict[float, list[str]] = defaultdict(list)
    whole: list[str] = []
    for ind in catalogue.all_indicators:
        rule = UNIT_RULES[ind.unit]
        if ind.impact and ind.unit == "%":
            # An impact rate outside 0-100 % is a warning (W-VAL-010, plausibility): an
            # optional figure outside the modulation never rejects a chamber's bilan.
            continue
        if rule.minimum is not None:
            by_minimum[rule.minimum].append(ind.code)
        if rule.maximum is not None:
            by_maximum[rule.maximum].append(ind.code)
        if rule.whole:
            whole.append(ind.code)
    value = pl.col("realise")
    checks = []
    for minimum, codes in sorted(by_minimum.items()):
        checks.append(_check("E-VAL-004", codes, value >= minimum))
    for maximum, codes in sorted(by_maximum.items()):
        checks.append(_check("E-VAL-009", codes, value <= maximum))
    if whole:
        checks.append(_check("E-VAL-003", whole, value == value.round(0)))
    # An indicator with a target (> 0: a COM target of 0 means "no target") needs a value: an
    # activity indicator, or an impact indicator that an avenant makes count (it has a target).
    every = [i.code for i in catalogue.all_indicators]
    checks.append(
        _check("E-COMPL-001", every, ~(pl.col("vide") & (pl.col("cible") > 0)), values=False)
    )
    for name, warned in ((CEILING, False), (CEILING_WARNED, True)):
        capped = {
            i.code: i.ceiling
            for i in catalogue.indicators
            if i.ceiling is not None and (i.ceiling_severity == CEILING_WARNING) == warned
        }
        if capped:
            # The value, in the same file, of the indicator each row must not exceed.
            ceiling = pl.coalesce(
                pl.when(pl.col("code") == code).then(
                    value.filter(pl.col("code") == cap).first().over("fichier")
                )
                for code, cap in capped.items()
            )
            checks.append(_check(name, list(capped), ceiling.is_null() | (value <= ceiling)))
    return pa.DataFrameSchema(
        {
            "fichier": pa.Column(pl.Int64),
            "code": pa.Column(pl.String),
            "realise": pa.Column(pl.Float64, nullable=True),
            "vide": pa.Column(pl.Boolean),
            "cible": pa.Column(pl.Int64, nullable=True),
        },
        checks=checks,
        name="valeurs du bilan de COM",
        strict=True,
    )


def _check(name: str, codes: Sequence[str], condition: pl.Expr, *, values: bool = True) -> Any:
    """A dataframe-level check: rows of ``codes`` (with a value, when ``values``) must satisfy it."""
    import pandera.polars as pa
    import polars as pl

    applies = pl.col("code").is_in(list(codes))
    if values:
        applies = applies & pl.col("realise").is_not_null()
    expr = (~applies | condition.fill_null(True)).alias("ok")

    def check(data: Any) -> pl.LazyFrame:
        frame: pl.LazyFrame = data.lazyframe
        return frame.select(expr)

    return pa.Check(check, name=name)


def frame_of(records: Sequence[Record]) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(
        {
            "fichier": [r.file for r in records],
            "code": [r.indicator.code for r in records],
            "realise": [r.value for r in records],
            "vide": [r.blank for r in records],
            "cible": [r.target for r in records],
        },
        schema={
            "fichier": pl.Int64,
            "code": pl.String,
            "realise": pl.Float64,
            "vide": pl.Boolean,
            "cible": pl.Int64,
        },
    )


def check_tabular(files: Sequence[FileCheck], catalogue: Catalogue) -> None:
    """Validate every record of the run in one pandera call; failures become findings."""
    records = [r for fc in files for r in fc.records]
    if not records:
        return
    schema = build_schema(catalogue)  # imports pandera (see import_pandera)
    import pandera.errors

    try:
        schema.validate(frame_of(records), lazy=True)
    except pandera.errors.SchemaErrors as exc:
        failures = exc.failure_cases.select("check", "index").rows()
    else:
        return
    by_code = {(r.file, r.indicator.code): r for r in records}
    # One error per cell: when a value fails several checks, the first of PRIORITY is kept.
    order = {name: i for i, name in enumerate(PRIORITY)}
    for check, index in sorted(
        failures, key=lambda f: (f[1] is None, f[1] or 0, order.get(f[0], len(order)))
    ):
        if index is None:  # a column-level failure: the frame builder broke its own schema
            raise RuntimeError(f"unexpected schema failure {check!r}")
        record = records[index]
        _translate(files[record.file], check, record, by_code)


PRIORITY = ("E-VAL-004", "E-VAL-009", "E-VAL-003", "E-COMPL-001", CEILING, CEILING_WARNED)
# code → (message, hint, cause of a group, detail in the group's line)
_MESSAGES = {
    "E-VAL-004": (
        "valeur négative ({value})",
        "Saisissez un nombre positif ou nul.",
        "{n} valeurs négatives",
        "{value}",
    ),
    "E-VAL-009": (
        "pourcentage hors de l'intervalle 0 à 100 ({value})",
        "Saisissez un pourcentage entre 0 et 100 (87,5 pour 87,5 %).",
        "{n} pourcentages hors de l'intervalle 0 à 100",
        "{value}",
    ),
    "E-VAL-003": (
        "nombre décimal ({value}) pour un indicateur qui compte des unités",
        "Saisissez un nombre entier, sans décimales.",
        "{n} nombres décimaux pour des indicateurs qui comptent des unités",
        "{value}",
    ),
    "E-COMPL-001": (
        "réalisé manquant alors que la chambre a une cible ({target})",
        "Saisissez le réalisé de l'année ; 0 si aucune réalisation.",
        "{n} réalisés manquants alors que la chambre a une cible",
        "cible {target}",
    ),
}


def _translate(
    fc: FileCheck, check: str, record: Record, by_code: dict[tuple[int, str], Record]
) -> None:
    ind = record.indicator
    value = fmt_amount(record.value)
    if check in _MESSAGES:
        message, hint, cause, detail = _MESSAGES[check]
        target = fmt_amount(record.target)
        fc.add(
            check,
            message.format(value=value, target=target),
            hint,
            at=record.cell,
            indicator=ind.code,
            cause=cause,
            detail=detail.format(value=value, target=target),
        )
    elif check in (CEILING, CEILING_WARNED) and ind.ceiling is not None:
        code, ceiling_code = ind.code, ind.ceiling
        ceiling = by_code[(record.file, ceiling_code)]
        if fc.has_error(ceiling.cell):  # the other value is wrong: that error comes first
            return
        where = (
            f"{code} ({record.cell.location} = {value}) dépasse {ceiling_code} "
            f"({ceiling.cell.location} = {fmt_amount(ceiling.value)}) : "
            f"« {ind.label} »"
        )
        if check == CEILING:
            message = f"{where} ne peut pas dépasser « {ceiling.indicator.label} »"
            hint = f"Vérifiez les deux valeurs : {code} est une partie de {ceiling_code}."
        else:
            message = f"{where} ne dépasse pas d'ordinaire « {ceiling.indicator.label} »"
            hint = f"Vérifiez les deux valeurs ; {code} ne dépasse pas {ceiling_code} d'ordinaire."
        fc.add(check, message, ind.ceiling_hint or hint, at=record.cell, indicator=code)
    else:
        raise RuntimeError(f"unknown schema check {check!r}")
