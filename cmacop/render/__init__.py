"""Stage 7 — ``cmacop report``: the national bilan and one bilan de COM per CMAR.

``cmacop report`` ≙ :func:`build_report`; :func:`render_report` writes the documents
from already computed :class:`ReportInputs` (``inputs``). ``model`` and ``model_com``
build the view models, ``documents`` renders Markdown and HTML (Jinja templates of
``templates/bilan/``, ``charts`` for the inline SVG), ``xlsx`` the workbooks.
"""

from __future__ import annotations

from cmacop.render.build import (
    FORMATS,
    ReportFile,
    ReportResult,
    build_report,
    parse_formats,
    render_report,
)
from cmacop.render.inputs import Finding, InputFile, ReportInputs, SubmissionState

__all__ = [
    "FORMATS",
    "Finding",
    "InputFile",
    "ReportFile",
    "ReportInputs",
    "ReportResult",
    "SubmissionState",
    "build_report",
    "parse_formats",
    "render_report",
]
