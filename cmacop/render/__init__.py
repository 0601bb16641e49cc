"""The yearly bilans: the national bilan for the tutelle and one bilan de COM per CMAR.

``cmacop report`` ≙ :func:`build_report`; :func:`render_report` writes the
documents from already computed :class:`ReportInputs`.
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
