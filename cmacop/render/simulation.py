"""``cmacop simuler``'s twin: simulate a year's modulation under several rules, write the files.

``simulation_<année>.csv`` (long format, for machines: UTF-8, ``,``, ``.`` decimals, cents)
and ``simulation_<année>.xlsx`` (for people: a sheet per variant, a comparison sheet with
the differences, French formats), in ``<bilans>/<année>/simulation/`` by default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from openpyxl import Workbook

from cmacop.campaign.config import Config
from cmacop.campaign.settings import Settings, TargetKey, settings_for
from cmacop.compute.outputs import OutputError
from cmacop.compute.simulation import CSV_COLUMNS, Simulation, Variant, simulate
from cmacop.cop.registry import load_registry
from cmacop.cop.rules import NO_RESULTS_FLAG, Decisions
from cmacop.files.fsutil import write_bytes_atomic, write_with
from cmacop.french import to_csv
from cmacop.render.build import default_out_dir
from cmacop.render.xlsx import write_summary, write_table
from cmacop.render.xlsxsheets import EURO, PERCENT, Column, Table

SIMULATION_DIR = "simulation"


def output_names(year: int) -> tuple[str, str]:
    return f"simulation_{year}.csv", f"simulation_{year}.xlsx"


def simulate_year(
    year: int | None = None,
    *,
    variants: Sequence[str | Path | Decisions] = (),
    shares: str | Sequence[str | Decimal] | None = None,
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    store: str | Path | None = None,
    targets: str | Path | Mapping[TargetKey, int] | None = None,
    key: str | Path | Mapping[str, int] | None = None,
    base: str | Path | None = None,
    rules: str | Path | Decisions | None = None,
    avenants: str | Path | None = None,
    out_dir: str | Path | None = None,
) -> Simulation:
    """The twin of ``cmacop simuler``: :func:`~cmacop.compute.simulation.simulate`, then its
    CSV and workbook written to ``out_dir`` (default ``<bilans>/<année>/simulation/``),
    listed in ``written``. Nothing is written when a rules or avenant file is wrong."""
    s = settings_for(
        settings, config, year=year, need_year=True, store=store, targets=targets, key=key,
        base=base, rules=rules, avenants=avenants,
    )  # fmt: skip
    result = simulate(variants=variants, shares=shares, settings=s)
    if out_dir is not None:
        out = Path(out_dir)
    else:
        reports = s.reports if s.reports is not None else default_out_dir(s.store_dir, result.year)
        out = reports / SIMULATION_DIR
    csv_name, xlsx_name = output_names(result.year)
    try:
        write_bytes_atomic(out / csv_name, to_csv(result.rows(), CSV_COLUMNS).encode("utf-8"))
        write_with(out / xlsx_name, build_workbook(result).save)
    except OSError as exc:
        raise OutputError(
            f"écriture impossible dans le dossier de sortie {out} ({exc.strerror or exc})",
            hint="Vérifiez le chemin (--out), les droits d'écriture et la place disponible.",
        ) from None
    return replace(result, written=(out / csv_name, out / xlsx_name))


def _name(code: str) -> str:
    found = load_registry().get(code)
    return found.name if found else code


def _variant_table(variant: Variant, sheet: str) -> Table:
    mod = variant.modulation
    columns = (
        Column("Code"),
        Column("Chambre"),
        Column("Base", EURO),
        Column("Part performance", EURO),
        Column("Réduction", EURO),
        Column("Dotation finale", EURO),
        Column("Part retenue", PERCENT),
        Column("Signalement"),
    )
    rows = tuple(
        (
            line.chamber,
            _name(line.chamber),
            line.base,
            line.performance_part,
            line.reduction,
            line.final,
            Fraction(line.reduction) / Fraction(line.performance_part)
            if line.performance_part
            else None,
            NO_RESULTS_FLAG if line.outside else "sans données" if line.no_data else None,
        )
        for line in mod.lines
    )
    footer = (
        (None, "Total", mod.total_base, mod.total_performance, mod.pool, mod.total_final,
         Fraction(mod.pool) / Fraction(mod.total_performance) if mod.total_performance else None,
         None),
    )  # fmt: skip
    return Table(sheet, columns, rows, footer, freeze_columns=2)


def _comparison_table(sim: Simulation) -> Table:
    first = sim.reference
    columns = [Column("Code"), Column("Chambre")]
    for v in sim.variants:
        columns.append(Column(f"{v.name} : dotation finale", EURO))
        if v is not first:
            columns.append(Column(f"{v.name} : écart avec {first.name}", EURO))
    rows = []
    for chamber in sim.chambers:
        row: list[object] = [chamber, _name(chamber)]
        for v in sim.variants:
            row.append(sim.final(v, chamber))
            if v is not first:
                row.append(sim.difference(v, chamber))
        rows.append(tuple(row))
    total: list[object] = [None, "Total des dotations"]
    pool: list[object] = [None, "Projets nationaux (montant retenu)"]
    for v in sim.variants:
        total.append(v.modulation.total_final)
        pool.append(v.modulation.pool)
        if v is not first:
            total.append(v.modulation.total_final - first.modulation.total_final)
            pool.append(sim.pool_difference(v))
    return Table("Comparaison", tuple(columns), tuple(rows), (tuple(total), tuple(pool)), 2)


def _sheet_names(sim: Simulation) -> list[str]:
    """A sheet per variant: its name, made valid for Excel (31 characters, no []:*?/\\)."""
    names: list[str] = []
    for v in sim.variants:
        base = "".join("-" if c in "[]:*?/\\" else c for c in v.name)[:28] or "variante"
        name, n = base, 2
        while name.lower() in {x.lower() for x in [*names, "Comparaison", "Simulation"]}:
            name, n = f"{base[:26]} {n}", n + 1
        names.append(name)
    return names


def build_workbook(sim: Simulation) -> Workbook:
    """The workbook for people: a summary, the comparison, then a sheet per variant."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Simulation"
    lines: list[tuple[str, object, str | None]] = [
        ("Résultats", str(sim.year), None),
        ("Année de taxe", str(sim.tax_year), None),
        ("Référence des écarts", sim.reference.name, None),
        ("", None, None),
    ]
    for v in sim.variants:
        lines.append((f"Variante {v.name}", None, "heading"))
        lines.append(("Part performance", v.rules.share, PERCENT))
        lines.append(("Montant retenu pour les projets nationaux", v.modulation.pool, EURO))
        lines.extend((r.label, f"{r.shown} — {r.source}", None) for r in v.rules.rules)
        lines.append(("", None, None))
    write_summary(ws, f"Simulation de la modulation de la TFCMA {sim.tax_year}", lines)
    write_table(wb.create_sheet("Comparaison"), _comparison_table(sim))
    for v, name in zip(sim.variants, _sheet_names(sim), strict=True):
        write_table(wb.create_sheet(name), _variant_table(v, name))
    wb.properties.title = f"Simulation de la modulation de la TFCMA {sim.tax_year}"
    wb.properties.creator = "cmacop"
    wb.properties.language = "fr-FR"
    return wb
