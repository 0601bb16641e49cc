"""``cmacop report``: the national bilan and the bilans de COM (Markdown, HTML, Excel)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cmacop.cli.common import (
    CONFIG_HELP,
    AvenantsOption,
    BaseOption,
    JustificationsOption,
    KeyOption,
    RulesOption,
    StoreOption,
    TargetsOption,
    YearOption,
    _date,
    _err,
    _json,
    _out,
    app,
    examples,
)

if TYPE_CHECKING:
    from cmacop.render.build import ReportResult


@app.command(
    "report",
    epilog=examples(
        "cmacop report --date 2025-06-15",
        "cmacop report --chamber CMAR-84 --format html",
        "cmacop report --year 2024 --config examples/campagne",
    ),
)
def report_cmd(
    year: YearOption = None,
    store: StoreOption = None,
    targets: TargetsOption = None,
    key: KeyOption = None,
    base: BaseOption = None,
    justifications: JustificationsOption = None,
    rules: RulesOption = None,
    avenants: AvenantsOption = None,
    chamber: Annotated[
        list[str] | None,
        typer.Option(
            "--chamber",
            "-c",
            help="CMAR dont écrire le bilan de COM (répétable). Par défaut : les 18 CMAR.",
        ),
    ] = None,
    formats: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="Formats, séparés par des virgules : md, html, xlsx, pdf (pdf : extension "
            "cmacop\\[pdf]). Par défaut : « bilans.formats » de la campagne, sinon md,html,xlsx.",
        ),
    ] = None,
    ranking: Annotated[
        bool,
        typer.Option(
            "--classement",
            help="Ajoute le rang des CMAR par taux global (le contrat ne demande aucun "
            "classement). Par défaut : « bilans.classement » de la campagne, sinon sans.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Dossier de sortie. Par défaut : « campagne.bilans »/<année>/ de la campagne, "
            "sinon bilans/<année>/ à côté du dossier de consolidation.",
        ),
    ] = None,
    when: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Date d'établissement imprimée (AAAA-MM-JJ). Par défaut : aujourd'hui.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Décrit les fichiers écrits en JSON sur la sortie.")
    ] = False,
    config: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
) -> None:
    """Établit le bilan national du COP et le bilan de COM de chaque CMAR (Markdown, HTML, Excel)."""
    from datetime import date

    from cmacop.render import build_report
    from cmacop.render.pdf import PdfUnavailable

    try:
        result = build_report(
            year,
            config=config,
            store=store,
            targets=targets,
            key=key,
            base=base,
            justifications=justifications,
            rules=rules,
            avenants=avenants,
            chambers=chamber,
            formats=formats,
            out_dir=out,
            generated_on=_date(when) or date.today(),
            ranking=True if ranking else None,  # without the flag: the campaign's setting
        )
    except PdfUnavailable as exc:  # the other formats are written: list them, then say why
        if exc.written is not None:
            _show(exc.written, as_json)
        raise
    _show(result, as_json)


def _show(result: ReportResult, as_json: bool) -> None:
    """The files written on stdout (or their JSON), a summary on stderr."""
    from cmacop.french import plural

    if as_json:
        _json(result.to_dict())
    else:
        _out("".join(f"{path}\n" for path in result.files))
    coms = len({d.scope for d in result.documents}) - 1
    docs, data = len(result.documents), len(result.data_files)
    _err(
        f"Bilans {result.year} écrits dans {result.out_dir} : le bilan national et "
        f"{plural(coms, 'bilan')} de COM ({plural(docs, 'document')}), "
        f"{plural(data, 'fichier')} de calcul.\n"
    )
    if not result.modulated:
        _err(
            f"Attention : pas de base TFCMA {result.year + 1} (--base) : modulation non calculée.\n"
        )
    for warning in result.warnings:
        _err(f"Attention : {warning}.\n")
