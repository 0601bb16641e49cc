"""Files written for people and machines: store exports, compute results, run manifest.

Exports for people (beside the store) are CSV as French Excel opens it (UTF-8
with BOM, ``;``, decimal comma) and an Excel workbook; text typed by chambers
can never become a live formula there. Machine files of ``cmacop compute`` are
UTF-8 CSV with ``,`` and ``.`` decimals, plus a JSON manifest.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from math import isfinite
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from .compute import rate_str
from .errors import CmacopError
from .fsutil import sha256_bytes, write_bytes_atomic
from .render import formula_safe, to_csv, to_json
from .store import AUDIT, DATA, DEPOSITS, FINDINGS, SCHEMAS, Store

if TYPE_CHECKING:
    from .consolidate import Completeness, ConsolidationResult
    from .pipeline import YearResults

COMPLETENESS_COLUMNS = (
    "chambre", "nom", "statut", "transmis_le", "fichier", "sha256", "erreurs", "avertissements",
)  # fmt: skip
SHEETS = (
    ("Données", DATA),
    ("Dépôts", DEPOSITS),
    ("Constats", FINDINGS),
    ("Audit", AUDIT),
)


def export_names(year: int) -> tuple[str, str, str]:
    """Tidy table CSV, completeness CSV and workbook written beside the store's tables."""
    return (f"donnees_{year}.csv", f"completude_{year}.csv", f"consolidation_{year}.xlsx")


# --------------------------------------------------------------------------- for people


def _french(value: Any) -> str:
    """A cell of a French-Excel CSV: decimal comma, dd/mm/yyyy, text made formula-safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone().strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return formula_safe(str(value))


def french_csv(rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> bytes:
    """CSV for French Excel: UTF-8 with BOM, ``;``, CRLF, formula-safe text."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_french(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


# A minimal SpreadsheetML writer: the exports are plain tables, and openpyxl takes
# ~1 s to import and serialise 12 000 cells, most of the consolidation's time budget.
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 cannot carry (a CSV comment may hold them): dropped from exports.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = datetime(1899, 12, 30)
# cellXfs: 0 default, 1 date, 2 date and time, 3 bold header.
_STYLES = (
    f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _col(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xml_text(text: str) -> str:
    return escape(_ILLEGAL_XML.sub("", text))


def _xlsx_cell(ref: str, value: Any, header: bool = False) -> str:
    """One ``<c>``; text is always an inline string, so ``=…`` is never a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float) and not (isinstance(value, float) and not isfinite(value)):
        number = int(value) if isinstance(value, float) and value.is_integer() else value
        return f'<c r="{ref}"><v>{number!r}</v></c>'
    if isinstance(value, datetime):
        local = value.astimezone().replace(tzinfo=None) if value.tzinfo else value
        serial = (local - _EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="2"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    style = ' s="3"' if header else ""
    return (
        f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">'
        f"{_xml_text(str(value))}</t></is></c>"
    )


def _sheet_xml(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    parts = [
        f'{_XML_DECL}<worksheet xmlns="{_NS}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews><sheetData>"
    ]
    letters = [_col(i) for i in range(1, len(columns) + 1)]
    header = "".join(
        _xlsx_cell(f"{c}1", name, True) for c, name in zip(letters, columns, strict=True)
    )
    parts.append(f'<row r="1">{header}</row>')
    for number, row in enumerate(rows, start=2):
        cells = "".join(_xlsx_cell(f"{c}{number}", v) for c, v in zip(letters, row, strict=True))
        parts.append(f'<row r="{number}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per ``(title, columns, rows)``, header row frozen."""
    count = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
        for i in range(1, count + 1)
    )
    parts = {
        "[Content_Types].xml": (
            f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'{_XML_DECL}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{_XML_DECL}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name={quoteattr(title)} sheetId="{i}" r:id="rId{i}"/>'
                for i, (title, _, _) in enumerate(sheets, start=1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_DECL}<Relationships xmlns="{_PKG}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, count + 1)
            )
            + f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _XML_DECL + _STYLES,
    }
    for i, (_, columns, rows) in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(columns, rows)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)),
                text.encode("utf-8"),
                zipfile.ZIP_DEFLATED,
            )
    return buf.getvalue()


def completeness_rows(comp: Completeness) -> list[list[Any]]:
    return [
        [r.chamber, r.name, r.status, r.sent_on, r.file, r.sha256, r.errors, r.warnings]
        for r in comp.rows
    ]


def write_store_exports(store: Store, year: int, comp: Completeness) -> list[Path]:
    """Rewrite the year's CSV and Excel exports from the store's tables."""
    data_csv, comp_csv, book = (store.root / n for n in export_names(year))
    tables = {table: store.read(table, year) for _, table in SHEETS}
    data = tables[DATA]
    write_bytes_atomic(data_csv, french_csv(data.iter_rows(), data.columns))
    write_bytes_atomic(comp_csv, french_csv(completeness_rows(comp), COMPLETENESS_COLUMNS))
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = [
        (title, list(SCHEMAS[table]), tables[table].iter_rows()) for title, table in SHEETS
    ]
    sheets.insert(1, ("Complétude", COMPLETENESS_COLUMNS, completeness_rows(comp)))
    write_bytes_atomic(book, xlsx_bytes(sheets))
    return [data_csv, comp_csv, book]


def exports_missing(store: Store, year: int) -> bool:
    return not all((store.root / n).is_file() for n in export_names(year))


# --------------------------------------------------------------------------- for machines

TARGET_COLUMNS = ("chambre", "code", "cible", "origine")
ATTAINMENT_COLUMNS = ("chambre", "code", "cible", "realise", "taux")
AXIS_COLUMNS = ("chambre", "axe", "taux", "poids")
MODULATION_COLUMNS = (
    "chambre", "base", "part_performance", "part_fonctionnement", "reduction", "dotation_finale",
)  # fmt: skip


RESULTS_DIR = "resultats"


class OutputError(CmacopError):
    """The output folder cannot be written."""

    code = "E-SORTIE"
    exit_code = 4


def default_out_dir(store: str | Path, year: int) -> Path:
    """``resultats/<année>/`` of the campaign (the store folder's parent)."""
    return Path(store).parent / RESULTS_DIR / str(year)


def output_names(year: int) -> dict[str, str]:
    return {
        "cibles": f"cibles_{year}.csv",
        "atteinte": f"atteinte_{year}.csv",
        "axes": f"axes_{year}.csv",
        "modulation": f"modulation_{year}.csv",
        "manifeste": f"manifeste_{year}.json",
    }


def render_outputs(results: YearResults) -> dict[str, bytes]:
    """The machine files of a computed year, by file name (manifest excluded)."""
    names = output_names(results.year)
    files = {
        names["cibles"]: to_csv(
            (r.to_dict() for r in results.targets if r.target is not None), TARGET_COLUMNS
        ),
        names["atteinte"]: to_csv(
            (
                {
                    "chambre": r.chamber,
                    "code": r.code,
                    "cible": r.target,
                    "realise": r.realised,
                    "taux": rate_str(r.rate),
                }
                for r in results.attainment.indicators
            ),
            ATTAINMENT_COLUMNS,
        ),
        names["axes"]: to_csv(
            (
                {"chambre": r.chamber, "axe": r.axis, "taux": rate_str(r.rate), "poids": r.weight}
                for r in results.attainment.axes
            ),
            AXIS_COLUMNS,
        ),
    }
    mod = results.modulation
    if mod is not None:
        axes = list(mod.axis_weights)
        columns = [*MODULATION_COLUMNS, *(f"reduction_axe_{a}" for a in axes)]
        rows = []
        for line in mod.lines:
            row: dict[str, Any] = {
                "chambre": line.chamber,
                "base": line.base,
                "part_performance": line.performance_part,
                "part_fonctionnement": line.operating_part,
                "reduction": line.reduction,
                "dotation_finale": line.final,
            }
            row.update({f"reduction_axe_{a}": line.axis_reductions[a] for a in axes})
            rows.append(row)
        files[names["modulation"]] = to_csv(rows, columns)
    return {name: text.encode("utf-8") for name, text in files.items()}


def write_outputs(results: YearResults, out_dir: str | Path) -> list[Path]:
    """Write the machine files and the manifest (with the outputs' SHA-256) atomically."""
    out = Path(out_dir)
    files = render_outputs(results)
    manifest = dict(results.manifest)
    manifest["fichiers_sortie"] = [
        {"fichier": name, "sha256": sha256_bytes(data)} for name, data in files.items()
    ]
    files[output_names(results.year)["manifeste"]] = to_json(manifest).encode("utf-8")
    written = []
    try:
        for name, data in files.items():
            write_bytes_atomic(out / name, data)
            written.append(out / name)
    except OSError as exc:
        raise OutputError(
            f"écriture impossible dans le dossier de sortie {out} ({exc.strerror or exc})",
            hint="Vérifiez le chemin (--out), les droits d'écriture et la place disponible.",
        ) from None
    return written


# --------------------------------------------------------------------------- terminal


def consolidation_tables(result: ConsolidationResult) -> list[Any]:
    """Rich tables of a consolidation run: files, rejected files' findings, completeness."""
    from .render import fmt_date, rich_table

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
    totals = result.to_dict()["totaux"]
    parts = ", ".join(f"{n} {label}" for label, n in totals.items())
    state = "dépôt mis à jour" if result.changed else "aucun changement"
    return f"{len(result.files)} fichier(s) : {parts} — {state} : {result.store}\n"


def compute_tables(results: YearResults) -> list[Any]:
    """Rich tables of a computed year: axis rates per chamber, then the modulation."""
    from .render import fmt_euro, fmt_percent, rich_table

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
