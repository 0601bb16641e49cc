"""``cmacop catalogue`` and ``cmacop chambres``: the COP catalogue and the chamber registry."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmacop.cli.common import CONFIG_HELP, AvenantsOption, _out, _print, app, examples


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command(
    "catalogue",
    epilog=examples(
        "cmacop catalogue",
        "cmacop catalogue --format csv > catalogue.csv",
        "cmacop catalogue --year 2026 --avenants referentiel/avenants --format csv",
    ),
)
def catalogue_cmd(
    fmt: Annotated[
        TableFormat, typer.Option("--format", "-f", help="Format de sortie : table, csv ou json.")
    ] = TableFormat.table,
    catalogue: Annotated[
        Path | None, typer.Option("--catalogue", help="Fichier de catalogue à utiliser (TOML).")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            "-a",
            help="Année de résultats : ajoute la cible nationale en vigueur cette année-là "
            "(cible_annee) et sa source (source_cible : contrat, interpolation ou avenant).",
        ),
    ] = None,
    avenants: AvenantsOption = None,
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
) -> None:
    """Affiche le catalogue du COP : axes, objectifs et indicateurs d'activité."""
    from cmacop.campaign.settings import command_settings
    from cmacop.cli.common import rich_table
    from cmacop.cop.catalogue import load_catalogue
    from cmacop.cop.targets import catalogue_rows, catalogue_view
    from cmacop.french import to_csv, to_json

    cat = load_catalogue(catalogue)
    amendments = command_settings(config, year=year, avenants=avenants).amendments(cat)
    rows = catalogue_rows(cat, year, amendments)
    severity = {i.code: i.ceiling_severity for i in cat.indicators}
    if fmt is TableFormat.csv:
        _out(to_csv(rows, list(rows[0])))
    elif fmt is TableFormat.json:
        _out(to_json(catalogue_view(cat, year, amendments)))
    else:
        from cmacop.french import fmt_number

        extra = [f"Cible {year}", "Source"] if year is not None else []
        table = rich_table(
            f"{cat.title} — {cat.version}",
            ["Code", "Axe", "Obj.", "Type", "Résultat connu", "Cible 2023", "Cible 2027", *extra, "Plafond", "Indicateur"],
            [
                [
                    r["code"], r["axe"], r["objectif"], r["type"],
                    fmt_number(r["resultat_connu"]), fmt_number(r["cible_2023"]),
                    fmt_number(r["cible_2027"]),
                    *([fmt_number(r["cible_annee"]), r["source_cible"]] if year is not None else []),
                    _bound(r["plafond"], severity[r["code"]]), r["libelle"],
                ]
                for r in rows
            ],
        )  # fmt: skip
        _print(table)


def _bound(ceiling: str | None, severity: str) -> str | None:
    """``I1.1``, or ``I3.3 (avertissement)`` when exceeding it only warns."""
    if ceiling is None:
        return None
    return ceiling if severity == "erreur" else f"{ceiling} ({severity})"


@app.command(
    "chambres",
    epilog=examples("cmacop chambres", "cmacop chambres --format json"),
)
def chambres_cmd(
    fmt: Annotated[
        TableFormat, typer.Option("--format", "-f", help="Format de sortie : table, csv ou json.")
    ] = TableFormat.table,
) -> None:
    """Affiche le registre des chambres (CMAR, CM d'Alsace-Moselle, CMA France)."""
    from cmacop.cli.common import rich_table
    from cmacop.cop.registry import load_registry
    from cmacop.french import to_csv, to_json

    reg = load_registry()
    rows = reg.to_rows()
    if fmt is TableFormat.csv:
        _out(to_csv(rows, list(rows[0])))
    elif fmt is TableFormat.json:
        _out(to_json(rows))
    else:
        table = rich_table(
            "Registre des chambres",
            ["Code", "Chambre", "Type", "Région", "Départements", "TFCMA"],
            [
                [r["code"], r["nom"], r["type"], r["region"], " ".join(r["departements"]),
                 "oui" if r["tfcma"] else "non"]
                for r in rows
            ],
        )  # fmt: skip
        _print(table)
