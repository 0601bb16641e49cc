"""``cmacop template``: each chamber's workbook (or the blank CSV) for the year."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmacop.cli.common import CONFIG_HELP, _err, _out, app, examples


class TemplateFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


@app.command(
    "template",
    epilog=examples(
        "cmacop template --year 2024 --out modeles/2024",
        "cmacop template --year 2024 --chamber CMAR-84 --format csv",
    ),
)
def template_cmd(
    year: Annotated[
        int | None,
        typer.Option(
            "--year", "-a", help="Année du bilan (ex. 2024). Par défaut : « campagne.annee »."
        ),
    ] = None,
    chamber: Annotated[
        list[str] | None,
        typer.Option("--chamber", "-c", help="Code de chambre (répétable). Par défaut : toutes."),
    ] = None,
    targets: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            help="Fichier des cibles de COM (chambre,annee,code,cible). "
            "Par défaut : « referentiel.cibles » de la campagne.",
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="Clé de répartition (chambre,entreprises) : cible dérivée de la cible nationale "
            "quand le COM n'en donne pas. Par défaut : « referentiel.cle » de la campagne.",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Dossier de sortie.")] = Path("."),
    fmt: Annotated[
        TemplateFormat, typer.Option("--format", "-f", help="xlsx (classeur) ou csv (format long).")
    ] = TemplateFormat.xlsx,
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
) -> None:
    """Génère le modèle de saisie de chaque chambre : COM_<année>_<chambre>.xlsx."""
    from cmacop.template import write_templates

    result = write_templates(
        year, out, config=config, chambers=chamber, targets=targets, key=key, fmt=fmt.value
    )
    for path in result.files:
        _out(f"{path}\n")
    _err(f"{len(result.files)} modèle(s) écrit(s) dans {out}\n")
