"""Terminal rendering of ``cmacop consolidate`` and ``cmacop compute`` results (rich tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cmacop.compute.results import YearResults
    from cmacop.consolidate.year import ConsolidationResult


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
            ]
        )
        # Withheld amounts fund national projects, never another chamber (COP, p. 3).
        rows.append(["Réserve", "", "", fmt_euro(mod.pool), ""])
        tables.append(
            rich_table(
                f"Modulation de la TFCMA {mod.tax_year} "
                f"(part performance {fmt_percent(mod.share)})",
                ["Chambre", "Base", "Part performance", "Réduction", "Dotation finale"],
                rows,
            )
        )
    return tables
