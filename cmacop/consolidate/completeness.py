"""Where each reporting chamber stands for a year: transmis, hors délai, rejeté or manquant.

Derived from the store's deposits table; the deadline is the catalogue's
(last day of February of N + 1). Timeliness is judged on the date of receipt (when the
file appeared in the deposit folder), not on the date the file declares: a CSV, which
declares none, can be late too. A deposit recorded before dates of receipt were kept
is judged on its declared date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from cmacop.campaign.statuses import COMPLETENESS, LATE, MISSING, REJECTED, TRANSMITTED
from cmacop.cop.catalogue import Catalogue, load_catalogue
from cmacop.cop.registry import Registry, load_registry

if TYPE_CHECKING:
    from cmacop.consolidate.store import Store


@dataclass(frozen=True)
class CompletenessRow:
    chamber: str
    name: str
    status: str  # transmis, hors délai, rejeté or manquant
    file: str | None = None
    sha256: str | None = None
    sent_on: date | None = None
    errors: int = 0
    warnings: int = 0
    received: datetime | None = None  # date of receipt of the file (None: not recorded)

    @property
    def late(self) -> bool:
        return self.status == LATE

    def to_dict(self) -> dict[str, Any]:
        return {
            "chambre": self.chamber,
            "nom": self.name,
            "statut": self.status,
            "transmis_le": None if self.sent_on is None else self.sent_on.isoformat(),
            "recu_le": None if self.received is None else self.received.isoformat(),
            "fichier": self.file,
            "sha256": self.sha256,
            "erreurs": self.errors,
            "avertissements": self.warnings,
        }


@dataclass(frozen=True)
class Completeness:
    """Where each reporting chamber of the registry stands for one year."""

    year: int
    deadline: date
    rows: tuple[CompletenessRow, ...]

    def status_of(self, chamber: str) -> str:
        for row in self.rows:
            if row.chamber == chamber:
                return row.status
        raise KeyError(chamber)

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for r in self.rows if r.status == s) for s in COMPLETENESS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.year,
            "date_limite": self.deadline.isoformat(),
            "totaux": self.counts(),
            "chambres": [r.to_dict() for r in self.rows],
        }


def deadline_of(year: int, catalogue: Catalogue) -> date:
    """Last day of month ``deadline_month`` of ``year + 1`` (code de l'artisanat, R. 323-24)."""
    month = catalogue.deadline_month
    return date(year + 1, month, calendar.monthrange(year + 1, month)[1])


def receipt_day(received: datetime | None, sent_on: date | None) -> date | None:
    """The day a file counts as received: its date of receipt (local time), else declared."""
    return received.astimezone().date() if received is not None else sent_on


def completeness(
    store: Store,
    year: int,
    *,
    registry: Registry | None = None,
    catalogue: Catalogue | None = None,
) -> Completeness:
    """Status of every reporting chamber for ``year`` from the store's deposits table."""
    from cmacop.campaign.statuses import ACCEPTED
    from cmacop.consolidate.store import DEPOSITS

    registry = registry or load_registry()
    catalogue = catalogue or load_catalogue()
    deadline = deadline_of(year, catalogue)
    # The latest accepted and the latest rejected deposit of each chamber.
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for dep in store.read(DEPOSITS, year).sort("consolide_le", "fichier").iter_rows(named=True):
        latest[dep["chambre"], dep["statut"]] = dep
    rows = []
    for chamber in registry.reporting:
        accepted = latest.get((chamber.code, ACCEPTED))
        rejected = latest.get((chamber.code, REJECTED))
        if accepted is not None:
            dep, day = accepted, receipt_day(accepted["recu_le"], accepted["transmis_le"])
            status = LATE if day is not None and day > deadline else TRANSMITTED
        elif rejected is not None:
            dep, status = rejected, REJECTED
        else:
            rows.append(CompletenessRow(chamber.code, chamber.name, MISSING))
            continue
        rows.append(
            CompletenessRow(
                chamber.code,
                chamber.name,
                status,
                file=dep["fichier"],
                sha256=dep["sha256"],
                sent_on=dep["transmis_le"],
                errors=dep["erreurs"],
                warnings=dep["avertissements"],
                received=dep["recu_le"],
            )
        )
    return Completeness(year, deadline, tuple(rows))
