"""The machine files of ``cmacop compute``: UTF-8 CSV with ``,`` and ``.`` decimals, and the
JSON manifest with the SHA-256 of every input and output. Their terminal rendering is
the CLI's (``cli/show_results.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmacop.cop.rules import NO_RESULTS_FLAG
from cmacop.errors import CmacopError, folder_error
from cmacop.files.fsutil import sha256, write_bytes_atomic
from cmacop.french import to_csv, to_json

if TYPE_CHECKING:
    from cmacop.compute.results import YearResults

# --------------------------------------------------------------------------- for machines

TARGET_COLUMNS = ("chambre", "code", "cible", "origine")
ATTAINMENT_COLUMNS = ("chambre", "code", "cible", "realise", "taux")
AXIS_COLUMNS = ("chambre", "axe", "taux", "poids")
MODULATION_COLUMNS = (
    "chambre", "base", "part_performance", "part_fonctionnement", "reduction", "dotation_finale",
)  # fmt: skip


class OutputError(CmacopError):
    """The output folder cannot be written."""

    code = "E-SORTIE"
    exit_code = 4


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
    from cmacop.compute.attainment import rate_str

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
        # signalement: a CMAR without results (« sans données », or « sans résultats : à arbitrer »).
        columns = [*MODULATION_COLUMNS, *(f"reduction_axe_{a}" for a in axes), "signalement"]
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
            row["signalement"] = (
                NO_RESULTS_FLAG if line.outside else "sans données" if line.no_data else None
            )
            rows.append(row)
        files[names["modulation"]] = to_csv(rows, columns)
    return {name: text.encode("utf-8") for name, text in files.items()}


def write_outputs(results: YearResults, out_dir: str | Path) -> list[Path]:
    """Write the machine files and the manifest (with the outputs' SHA-256) atomically."""
    out = Path(out_dir)
    files = render_outputs(results)
    manifest = dict(results.manifest)
    manifest["fichiers_sortie"] = [
        {"fichier": name, "sha256": sha256(data)} for name, data in files.items()
    ]
    files[output_names(results.year)["manifeste"]] = to_json(manifest).encode("utf-8")
    written = []
    try:
        for name, data in files.items():
            write_bytes_atomic(out / name, data)
            written.append(out / name)
    except OSError as exc:
        raise folder_error(exc, cls=OutputError) from None
    return written
