"""Terminal rendering of ``cmacop consolidate`` and ``cmacop compute`` results (rich tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cmacop.cop.rules import NO_RESULTS_FLAG, PROVISIONAL_SHARE

if TYPE_CHECKING:
    from cmacop.compute.results import YearResults
    from cmacop.compute.simulation import Simulation
    from cmacop.consolidate.year import ConsolidationResult
    from cmacop.cop.rules import YearRules


def consolidation_tables(result: ConsolidationResult) -> list[Any]:
    """Rich tables of a consolidation run: files, rejected files' findings, completeness."""
    from cmacop.cli.common import rich_table
    from cmacop.french import fmt_date

    tables = [
        rich_table(
            f"Consolidation {result.year} — {result.store}",
            ["Fichier", "Chambre", "Résultat", "Erreurs", "Avertissements"],
            [[f.name, f.chamber, f.outcome, f.errors, f.warnings] for f in result.files],
        )
    ]
    for f in result.rejected:
        tables.append(
            rich_table(
                f"Rejeté : {f.name}",
                ["Code", "Emplacement", "Indicateur", "Message", "Correction"],
                [
                    [
                        x.code,
                        "!".join(p for p in (x.sheet, x.cell) if p),
                        x.indicator,
                        x.message,
                        x.hint,
                    ]
                    for x in f.findings
                    if x.severity == "erreur"
                ],
            )
        )
    if result.audit:
        tables.append(
            rich_table(
                "Remplacements (audit)",
                ["Chambre", "Ancien fichier", "Nouveau fichier", "Code", "Champ", "Avant", "Après"],
                [
                    [
                        a.chamber,
                        a.old_file,
                        a.new_file,
                        a.code,
                        a.attribute,
                        a.old_value,
                        a.new_value,
                    ]
                    for a in result.audit
                ],
            )
        )
    comp = result.completeness
    tables.append(
        rich_table(
            f"Complétude {comp.year} (date limite : {fmt_date(comp.deadline)})",
            ["Chambre", "Nom", "Statut", "Transmis le", "Avertissements"],
            [
                [
                    r.chamber,
                    r.name,
                    r.status,
                    fmt_date(r.sent_on) if r.sent_on else None,
                    r.warnings,
                ]
                for r in comp.rows
            ],
        )
    )
    return tables


def consolidation_summary(result: ConsolidationResult) -> str:
    """One French line for stderr: what the run did."""
    from cmacop.campaign.statuses import REPLACED

    totals = result.to_dict()["totaux"]
    # « remplacé » (an older version than the one in force) only when it happened.
    parts = ", ".join(f"{n} {label}" for label, n in totals.items() if n or label != REPLACED)
    state = "dépôt mis à jour" if result.changed else "aucun changement"
    return f"{len(result.files)} fichier(s) : {parts} — {state} : {result.store}\n"


def compute_tables(results: YearResults) -> list[Any]:
    """Rich tables of a computed year: axis rates per chamber, then the modulation."""
    from cmacop.cli.common import rich_table
    from cmacop.french import fmt_euro, fmt_percent

    att = results.attainment
    axes = [n.axis for n in att.network_axes]
    rates = att.axis_rates()
    tables = [
        rich_table(
            f"Taux d'atteinte par axe — résultats {results.year}",
            ["Chambre", *(f"Axe {a}" for a in axes)],
            [[c, *(fmt_percent(rates[c].get(a)) for a in axes)] for c in att.chambers],
        )
    ]
    mod = results.modulation
    if mod is not None:
        rows = [
            [
                line.chamber,
                fmt_euro(line.base),
                fmt_euro(line.performance_part),
                fmt_euro(line.reduction),
                fmt_euro(line.final),
                NO_RESULTS_FLAG if line.outside else "sans données" if line.no_data else "",
            ]
            for line in mod.lines
        ]
        rows.append(
            [
                "Total",
                fmt_euro(mod.total_base),
                fmt_euro(mod.total_performance),
                fmt_euro(mod.pool),
                fmt_euro(mod.total_final),
                "",
            ]
        )
        # Withheld amounts fund national projects, never another chamber (COP, p. 3).
        rows.append(["Réserve", "", "", fmt_euro(mod.pool), "", ""])
        title = "Proposition de modulation" if mod.proposal else "Modulation"
        provisional = f", {PROVISIONAL_SHARE}" if mod.rules.share_provisional else ""
        tables.append(
            rich_table(
                f"{title} de la TFCMA {mod.tax_year} "
                f"(part performance {fmt_percent(mod.share, 2)}{provisional})",
                ["Chambre", "Base", "Part performance", "Réduction", "Dotation finale", ""],
                rows,
            )
        )
    tables.append(rules_table(results.rules))
    return tables


def rules_table(rules: YearRules) -> Any:
    """The rules applied, each with its value and its source (contrat, décision, défaut)."""
    from cmacop.cli.common import rich_table

    return rich_table(
        f"Règles appliquées — résultats {rules.results_year}, taxe {rules.tax_year}",
        ["Règle", "Valeur", "Source"],
        [[r.label, r.shown, r.source] for r in rules.rules],
    )


def simulation_table(sim: Simulation) -> Any:
    """Chambers in rows, for each variant its final allocation and its difference with the
    first; then the totals and the pool for national projects."""
    from cmacop.cli.common import rich_table
    from cmacop.french import fmt_euro, fmt_percent

    first = sim.reference
    columns = ["Chambre"]
    for v in sim.variants:
        columns.append(f"{v.name} ({fmt_percent(v.rules.share, 2)})")
        if v is not first:
            columns.append(f"écart avec {first.name}")

    def signed(amount: Any) -> str:
        return ("+" if amount > 0 else "") + fmt_euro(amount)

    rows = []
    for chamber in sim.chambers:
        row = [chamber]
        for v in sim.variants:
            row.append(fmt_euro(sim.final(v, chamber)))
            if v is not first:
                row.append(signed(sim.difference(v, chamber)))
        rows.append(row)
    total, pool = ["Total des dotations"], ["Projets nationaux"]
    for v in sim.variants:
        total.append(fmt_euro(v.modulation.total_final))
        pool.append(fmt_euro(v.modulation.pool))
        if v is not first:
            total.append(signed(v.modulation.total_final - first.modulation.total_final))
            pool.append(signed(sim.pool_difference(v)))
    rows += [total, pool]
    return rich_table(
        f"Simulation de la modulation de la TFCMA {sim.tax_year} (résultats {sim.year})",
        columns,
        rows,
    )
