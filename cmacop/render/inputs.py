"""What a bilan is made from: the computed year and what the store knows about the campaign.

:class:`ReportInputs` is the boundary between the computation (``cmacop.compute.year``)
and the documents: the view model is built from it alone, so that documents can
be built — and tested — from plain compute-layer objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from cmacop.compute.attainment import Attainment
from cmacop.compute.modulation import Modulation
from cmacop.cop.catalogue import Catalogue
from cmacop.cop.registry import Registry
from cmacop.cop.targets import TargetRow

# A submission's status in a bilan: transmis, rejeté or manquant (campaign/statuses.py);
# « hors délai » is a transmitted file with ``late`` set.
Status = str
Severity = Literal["erreur", "avertissement"]


@dataclass(frozen=True)
class SubmissionState:
    """Where a chamber's submission of the year stands (completeness table)."""

    chamber: str
    status: Status
    late: bool = False
    transmitted_on: date | None = None
    file: str | None = None


@dataclass(frozen=True)
class Finding:
    """A validation finding kept by the store, as far as a bilan shows it."""

    chamber: str
    severity: Severity
    code: str
    message: str
    indicator: str | None = None
    location: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class InputFile:
    """One input of the run, with its fingerprint (run manifest)."""

    role: str
    name: str
    sha256: str
    chamber: str | None = None  # a chamber's own submission


@dataclass(frozen=True)
class ReportInputs:
    """Everything a bilan of ``year`` shows, already computed.

    ``history`` holds the network's realised value per activity indicator for
    the years before ``year`` that the store knows (``{year: {code: value}}``);
    ``comments`` the chambers' comments of ``year`` (``{(chamber, code): text}``).
    """

    year: int
    catalogue: Catalogue
    registry: Registry
    targets: tuple[TargetRow, ...]
    attainment: Attainment
    previous: Attainment | None = None
    history: Mapping[int, Mapping[str, int | None]] = field(default_factory=dict)
    modulation: Modulation | None = None
    submissions: tuple[SubmissionState, ...] = ()
    findings: tuple[Finding, ...] = ()
    comments: Mapping[tuple[str, str], str] = field(default_factory=dict)
    impact_values: Mapping[tuple[str, str], Any] = field(default_factory=dict)
    input_files: tuple[InputFile, ...] = ()
    indicator_weights: tuple[tuple[str, str], ...] = ()  # (code, weight) when not all 1
    share_overridden: bool = False  # p of the tax year set by configuration, not the schedule
    cmacop_version: str = ""
