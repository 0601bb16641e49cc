"""``cmacop consolidate`` and ``cmacop compute``: the history store, then targets and modulation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cmacop.cli.common import (
    CONFIG_HELP,
    AvenantsOption,
    BaseOption,
    JustificationsOption,
    KeyOption,
    ResultFormat,
    RulesOption,
    StoreOption,
    TargetsOption,
    YearOption,
    _err,
    _json,
    _print,
    app,
    examples,
)


@app.command(
    "consolidate",
    epilog=examples(
        "cmacop consolidate",
        "cmacop consolidate depot/2024 --year 2024",
        "cmacop consolidate --year 2023 --year 2024 --format json",
    ),
)
def consolidate_cmd(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Bilans .xlsx/.csv ou dossiers de dépôt (parcourus récursivement). "
            "Par défaut : le dossier de dépôt de la campagne.",
            metavar="CHEMIN",
            show_default=False,
        ),
    ] = None,
    year: Annotated[
        list[int] | None,
        typer.Option(
            "--year",
            "-a",
            help="Année des bilans (ex. 2024), répétable. Par défaut : « campagne.annee », "
            "ou chaque dossier depot/<année>/ de la campagne sans CHEMIN.",
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Dossier de consolidation. Par défaut : « campagne.consolidation », sinon "
            "consolidation/ à côté des dépôts (celui de la campagne pour …/depot/<année>/).",
        ),
    ] = None,
    targets: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            help="Cibles de COM (chambre,annee,code,cible) à vérifier. "
            "Par défaut : « referentiel.cibles » de la campagne.",
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="Clé de répartition (chambre,entreprises) : cibles dérivées hors COM. "
            "Par défaut : « referentiel.cle » de la campagne.",
        ),
    ] = None,
    justifications: JustificationsOption = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait", help="Secondes d'attente si une autre exécution écrit (0 : échec immédiat)."
        ),
    ] = 0.0,
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Sortie : table ou json.")
    ] = ResultFormat.table,
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
) -> None:
    """Consolide les bilans valides d'une ou plusieurs années dans l'historique (Parquet, CSV, Excel)."""
    from cmacop.consolidate.years import consolidate_years

    run = consolidate_years(
        paths or (),
        years=year or (),
        config=config,
        store=store,
        targets=targets,
        key=key,
        justifications=justifications,
        wait=wait,
    )
    if fmt is ResultFormat.json:
        _json(run.to_dict())
    else:
        from cmacop.cli.show_results import consolidation_tables

        for result in run.results:
            for table in consolidation_tables(result):
                _print(table)
    from cmacop.cli.show_results import consolidation_summary

    for result in run.results:
        _err(consolidation_summary(result))
    if run.exit_code:
        raise typer.Exit(run.exit_code)


@app.command(
    "compute",
    epilog=examples("cmacop compute --year 2024", "cmacop compute --format json"),
)
def compute_cmd(
    year: YearOption = None,
    store: StoreOption = None,
    targets: TargetsOption = None,
    key: KeyOption = None,
    base: BaseOption = None,
    rules: RulesOption = None,
    avenants: AvenantsOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Dossier de sortie. Par défaut : resultats/<année>/ à côté du dossier de "
            "consolidation.",
        ),
    ] = None,
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Sortie : table ou json.")
    ] = ResultFormat.table,
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
) -> None:
    """Calcule cibles, taux d'atteinte et modulation de la TFCMA ; écrit les fichiers CSV."""
    from cmacop.compute.year import compute_year

    results = compute_year(
        year, config=config, store=store, targets=targets, key=key, base=base, rules=rules,
        avenants=avenants, out_dir=out,
    )  # fmt: skip
    if fmt is ResultFormat.json:
        _json(results.to_dict())
    else:
        from cmacop.cli.show_results import compute_tables

        for table in compute_tables(results):
            _print(table)
    if results.modulation is None:
        _err(
            f"Attention : pas de base TFCMA {results.year + 1} (--base) : modulation non calculée.\n"
        )
    for warning in results.warnings:
        _err(f"Attention : {warning}.\n")
    for path in results.written:
        _err(f"écrit : {path}\n")
