"""The names of the files a run sends back for each deposit (annotated workbook, accusé).

The file's own stem when it is safe (``files/names.py``); another deposit's name is
never reused. Output names already given by earlier runs come from the manifest;
folders are looked at once per run, never each file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cmacop.campaign.config import Config
from cmacop.campaign.layout import FEEDBACK_SUFFIX, RECEIPT_SUFFIX
from cmacop.files.names import name_limit
from cmacop.run.deposits import Fresh
from cmacop.run.state import RunState


def assign_outputs(
    cfg: Config, state: RunState, rel: Callable[[Path], str], fresh: list[Fresh]
) -> dict[Path, Path]:
    """Where each file's annotated workbook goes (its accusé beside it), in arrival order.

    ``COM.xlsx`` and ``COM.csv``, ``a.xlsx`` and ``A.xlsx`` would share their outputs'
    names (on a Windows share too): the later file's carry the hash of its own name.
    ``rel`` shows a path as the manifest records it.
    """
    from cmacop.validate.feedback import feedback_folder, output_stem

    owners = {st.receipt.lower(): key for key, st in state.files.items() if st.receipt}
    shown: dict[Path, tuple[str, int]] = {}
    out: dict[Path, Path] = {}
    for f in sorted(fresh, key=lambda f: (f.candidate.mtime_ns, f.candidate.key)):
        c = f.candidate
        folder = feedback_folder(c.path, cfg.feedback_dir(c.year), cfg.deposit_dir(c.year))
        if folder not in shown:
            shown[folder] = (rel(folder), name_limit(folder))
        where, limit = shown[folder]
        stem = output_stem(c.path, limit)
        n = 1
        while owners.get(f"{where}/{stem}{RECEIPT_SUFFIX}".lower(), c.key) != c.key:
            n += 1
            stem = output_stem(c.path, limit, tag=True) + (f"_{n}" if n > 2 else "")
        owners[f"{where}/{stem}{RECEIPT_SUFFIX}".lower()] = c.key
        out[c.path] = folder / f"{stem}{FEEDBACK_SUFFIX}"
    return out
