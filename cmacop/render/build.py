"""``cmacop report``'s Python twin: compute the year, then write the bilans and machine files.

:func:`build_report` runs :func:`cmacop.compute.year.compute_year` (what ``cmacop
compute`` runs), writes its machine CSV files and manifest, then the national
bilan and one bilan de COM per CMAR in Markdown, HTML and Excel.
:func:`render_report` writes the documents from already computed inputs.
Every file is written atomically.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from cmacop.campaign.config import Config
from cmacop.campaign.layout import (
    DEFAULT_REPORT_FORMATS,
    REPORT_FORMATS,
    REPORTS_DIR,
    beside_store,
)
from cmacop.campaign.settings import Settings, settings_for
from cmacop.compute.outputs import OutputError, write_outputs
from cmacop.errors import CmacopError, UsageError, folder_error
from cmacop.files.fsutil import write_bytes_atomic, write_text_atomic, write_with
from cmacop.render.inputs import ReportInputs
from cmacop.render.pdf import PdfUnavailable, check_pdf, html_to_pdf

FORMATS = REPORT_FORMATS
DEFAULT_FORMATS = tuple(DEFAULT_REPORT_FORMATS.split(","))  # pdf needs cmacop[pdf]
NATIONAL = "national"


def default_out_dir(store: str | Path, year: int) -> Path:
    """``bilans/<year>/`` of the campaign (the store folder's parent), as ``cmacop compute``."""
    return beside_store(store, REPORTS_DIR, str(year))


def national_name(year: int, fmt: str) -> str:
    return f"bilan_cop_{year}.{fmt}"


def com_name(year: int, chamber: str, fmt: str) -> str:
    return f"com/bilan_com_{year}_{chamber}.{fmt}"


@dataclass(frozen=True)
class ReportFile:
    """One document written: its scope (``national`` or a chamber code) and format."""

    scope: str
    fmt: str
    path: Path


@dataclass(frozen=True)
class ReportResult:
    """What ``cmacop report`` wrote."""

    year: int
    out_dir: Path
    generated_on: date
    documents: tuple[ReportFile, ...]
    data_files: tuple[Path, ...] = ()  # the machine files of ``cmacop compute``
    modulated: bool = True  # False: no TFCMA base, the modulation is « non calculée »
    # The network's rate per axis (the dashboard shows them): (axis, short title, rate).
    axis_rates: tuple[tuple[int, str, Fraction | None], ...] = field(default=(), compare=False)
    warnings: tuple[str, ...] = ()  # rules left to cmacop's defaults (YearResults.warnings)

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(d.path for d in self.documents) + self.data_files

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "dossier": str(self.out_dir),
            "etabli_le": self.generated_on.isoformat(),
            "bilans": [
                {"perimetre": d.scope, "format": d.fmt, "fichier": str(d.path)}
                for d in self.documents
            ],
            "fichiers_calcul": [str(p) for p in self.data_files],
            "modulation_calculee": self.modulated,
            "avertissements": list(self.warnings),
        }


def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """``"md,html"`` or ``["md", "html"]`` → ``("md", "html")``, in the canonical order."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = {f.strip().lower().lstrip(".") for f in items if f.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise UsageError(
            f"format de bilan inconnu : {', '.join(unknown) or '(aucun)'} "
            f"(formats possibles : {', '.join(FORMATS)})"
        )
    return tuple(f for f in FORMATS if f in wanted)


def _unwritable(path: Path, exc: OSError) -> CmacopError:
    """The same error as ``cmacop compute`` gives for an output it cannot write (exit 4)."""
    return folder_error(exc, folder=str(path.parent), cls=OutputError)


def _com_chambers(inputs: ReportInputs, chambers: Sequence[str] | None) -> list[str]:
    """The CMAR whose bilan de COM is written: all of them by default, in registry order."""
    cmar = [c.code for c in inputs.registry.reporting if c.kind == "CMAR"]
    if chambers is None:
        return cmar
    chosen = []
    for code in chambers:
        code = code.strip().upper()
        found = inputs.registry.get(code)
        if found is None:
            raise UsageError(
                f"chambre inconnue : {code}",
                hint="Les codes sont ceux de « cmacop chambres » (ex. CMAR-84).",
            )
        if code not in cmar:
            raise UsageError(
                f"{code} ({found.name}) n'est pas une chambre de région : pas de bilan de COM",
                hint="Un bilan de COM est établi pour chacune des 18 CMAR.",
            )
        if code not in chosen:
            chosen.append(code)
    return chosen


def render_report(
    inputs: ReportInputs,
    *,
    out_dir: str | Path,
    generated_on: date,
    chambers: Sequence[str] | None = None,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    ranking: bool = False,
) -> ReportResult:
    """Write the national bilan and the bilans de COM of ``chambers`` (all CMAR by default).

    ``ranking`` adds the rank of each CMAR (the contract asks for none; never the CM).
    """
    from cmacop.render.documents import render
    from cmacop.render.model import national_bilan
    from cmacop.render.model_com import com_bilan, com_shared
    from cmacop.render.xlsx import build_workbook

    fmts = parse_formats(formats)
    out = Path(out_dir)
    selected = _com_chambers(inputs, chambers)
    written: list[ReportFile] = []
    bilans: list[tuple[str, str, Any]] = [
        (
            NATIONAL,
            national_name(inputs.year, "{fmt}"),
            national_bilan(inputs, generated_on, ranking=ranking),
        )
    ]
    shared = com_shared(inputs, ranking=ranking) if selected else None
    bilans += [
        (code, com_name(inputs.year, code, "{fmt}"), com_bilan(inputs, code, generated_on, shared))
        for code in selected
    ]
    pdf_error: PdfUnavailable | None = None
    if "pdf" in fmts:
        try:
            check_pdf()  # before anything is written: the other formats are still written
        except PdfUnavailable as exc:
            pdf_error = exc
    for scope, pattern, bilan in bilans:
        html: str | None = None
        for fmt in fmts:
            if fmt == "pdf" and pdf_error is not None:
                continue
            path = out / pattern.format(fmt=fmt)
            try:
                if fmt == "xlsx":
                    write_with(path, build_workbook(bilan).save)
                elif fmt == "md":
                    write_text_atomic(path, render(bilan, fmt))
                else:
                    html = html if html is not None else render(bilan, "html")
                    if fmt == "html":
                        write_text_atomic(path, html)
                    else:
                        write_bytes_atomic(path, html_to_pdf(html))
            except OSError as exc:
                raise _unwritable(path, exc) from None
            written.append(ReportFile(scope, fmt, path))
    result = ReportResult(
        inputs.year, out, generated_on, tuple(written), modulated=inputs.modulation is not None
    )
    if pdf_error is not None:
        raise PdfUnavailable(pdf_error.message, hint=pdf_error.hint, written=result)
    return result


def build_report(
    year: int | None = None,
    *,
    settings: Settings | None = None,
    config: Config | str | Path | None = None,
    store: str | Path | None = None,
    targets: str | Path | None = None,
    key: str | Path | None = None,
    base: str | Path | None = None,
    justifications: str | Path | None = None,
    rules: str | Path | None = None,
    avenants: str | Path | None = None,
    chambers: Sequence[str] | None = None,
    formats: str | Iterable[str] | None = None,
    out_dir: str | Path | None = None,
    generated_on: date | None = None,
    ranking: bool | None = None,
) -> ReportResult:
    """The twin of ``cmacop report``: compute the year as ``cmacop compute`` does, then write
    its bilans (default: the campaign's ``bilans/<année>/``, else ``bilans/<année>/`` beside
    the store) dated ``generated_on`` (default: today).

    The machine files of the computation (targets, attainment, axes, modulation
    CSV and the run manifest) are written in the same folder. ``formats`` and ``ranking``
    default to the campaign's ``[bilans]`` (else md, html and xlsx, no ranking).
    """
    from cmacop.compute.results import compute_results
    from cmacop.cop.catalogue import load_catalogue
    from cmacop.cop.registry import load_registry
    from cmacop.render.inputs import inputs_from_results

    s = settings_for(
        settings, config, year=year, need_year=True, store=store, targets=targets, key=key,
        base=base, reports=out_dir, justifications=justifications, rules=rules,
        avenants=avenants,
    )  # fmt: skip
    assert s.year is not None
    fmts = parse_formats(formats if formats is not None else s.formats or DEFAULT_FORMATS)
    ranking = s.ranking if ranking is None else ranking
    generated_on = generated_on or date.today()
    catalogue, registry = load_catalogue(), load_registry()
    out = s.reports if s.reports is not None else default_out_dir(s.store_dir, s.year)
    results = compute_results(settings=s, catalogue=catalogue, registry=registry)
    inputs = inputs_from_results(results, catalogue, registry)
    _com_chambers(inputs, chambers)  # refuse a wrong --chamber before writing anything
    data_files = write_outputs(results, out)
    try:
        result = render_report(
            inputs,
            out_dir=out,
            generated_on=generated_on,
            chambers=chambers,
            formats=fmts,
            ranking=ranking,
        )
    except PdfUnavailable as exc:  # the other formats are written: say so with them
        done = exc.written
        assert done is not None
        raise PdfUnavailable(
            exc.message,
            hint=exc.hint,
            written=ReportResult(
                s.year, out, generated_on, done.documents, tuple(data_files), done.modulated
            ),
        ) from None
    titles = {a.number: a.short_title for a in catalogue.axes}
    rates = tuple(
        (r.axis, titles.get(r.axis, str(r.axis)), None if r.no_indicator else r.rate)
        for r in results.attainment.network_axes
    )
    return ReportResult(
        s.year, out, generated_on, result.documents, tuple(data_files), result.modulated, rates,
        results.warnings,
    )  # fmt: skip
