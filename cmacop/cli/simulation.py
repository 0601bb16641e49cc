"""``cmacop simuler``: the modulation of a year under several rules, to choose them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cmacop.cli.common import (
    CONFIG_HELP,
    AvenantsOption,
    BaseOption,
    KeyOption,
    ResultFormat,
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
    "simuler",
    epilog=examples(
        "cmacop simuler --part-performance 0.35,0.40,0.45",
        "cmacop simuler --regles regles_indicateurs.toml --regles regles_objectifs.toml",
        "cmacop simuler --year 2024 --format json > simulation.json",
    ),
)
def simuler_cmd(
    year: YearOption = None,
    rules: Annotated[
        list[Path] | None,
        typer.Option(
            "--regles",
            help="Fichier de règles d'une variante (répétable) ; la variante porte le nom du "
            "fichier. La première variante sert de référence aux écarts.",
        ),
    ] = None,
    shares: Annotated[
        str | None,
        typer.Option(
            "--part-performance",
            help="Parts performance à comparer, séparées par des virgules (ex. "
            "0.35,0.40,0.45) : une variante par valeur (p=0.40), les autres règles étant "
            "celles de la campagne.",
        ),
    ] = None,
    store: StoreOption = None,
    targets: TargetsOption = None,
    key: KeyOption = None,
    base: BaseOption = None,
    avenants: AvenantsOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Dossier des fichiers simulation_<année>.csv et .xlsx. Par défaut : "
            "<bilans>/<année>/simulation/.",
        ),
    ] = None,
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Sortie : table ou json.")
    ] = ResultFormat.table,
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
) -> None:
    """Compare la modulation de la TFCMA sous plusieurs jeux de règles, chambre par chambre."""
    from cmacop.render.simulation import simulate_year

    result = simulate_year(
        year, variants=rules or (), shares=shares, config=config, store=store,
        targets=targets, key=key, base=base, avenants=avenants, out_dir=out,
    )  # fmt: skip
    if fmt is ResultFormat.json:
        _json(result.to_dict())
    else:
        from cmacop.cli.show_results import simulation_table

        _print(simulation_table(result))
    for path in result.written:
        _err(f"écrit : {path}\n")
