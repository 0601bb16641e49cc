"""``cmacop init``: a campaign folder, right from the start, and its year.

Without ``--year``, the campaign is the one under way (the year of today minus six
months); a folder that is already another year's campaign is changed only on request
(``--changer-annee``), one line of its ``cmacop.toml`` rewritten, comments kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cmacop.campaign.config import load_config, render_default_config
from cmacop.campaign.layout import (
    AVENANTS_DIR,
    CONFIG_FILE,
    DEPOSIT_DIR,
    FEEDBACK_DIR,
    LOG_DIR,
    REFERENCE_DIR,
    REPORTS_DIR,
    RULES_FILE,
    STORE_DIR,
)
from cmacop.cop.contract import check_year
from cmacop.errors import UsageError


def campaign_year_of(today: date) -> int:
    """The year whose campaign is under way on ``today``: the year of today minus six months.

    November 2026 → 2026 (results being collected), March 2027 → 2026 (bilans due end of
    February, then consolidated), July 2027 → 2027.
    """
    return today.year if today.month >= 7 else today.year - 1


@dataclass(frozen=True)
class InitResult:
    """The twin of ``cmacop init``: what was created, and the campaign's year."""

    root: Path
    year: int
    created: tuple[Path, ...]
    existed: bool  # cmacop.toml was already there
    previous_year: int | None = None  # campagne.annee before --changer-annee
    changed: bool = False  # campagne.annee rewritten (--changer-annee)

    def to_dict(self) -> dict[str, Any]:
        return {
            "campagne": str(self.root),
            "annee": self.year,
            "crees": [str(p) for p in self.created],
            "existait": self.existed,
            "annee_modifiee": self.changed,
            "annee_precedente": self.previous_year,
        }


_YEAR_LINE = re.compile(r"(?m)^(?P<indent>[ \t]*)(?P<comment>#\s*)?annee\s*=.*$")


def _set_year(text: str, year: int) -> str:
    """``cmacop.toml``'s text with ``campagne.annee`` set to ``year``, comments kept."""
    lines = text.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if line.strip().replace(" ", "") == "[campagne]"), None
    )
    if start is None:
        return f"[campagne]\nannee = {year}\n\n" + text
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines)
    )
    for i in range(start + 1, end):
        m = _YEAR_LINE.match(lines[i].rstrip("\r\n"))
        if m and not m.group("comment"):
            newline = lines[i][len(lines[i].rstrip("\r\n")) :]
            lines[i] = f"{m.group('indent')}annee = {year}{newline or chr(10)}"
            return "".join(lines)
    lines.insert(start + 1, f"annee = {year}\n")
    return "".join(lines)


def init_campaign(
    root: str | Path,
    year: int | None = None,
    *,
    change_year: bool = False,
    today: date | None = None,
    by_chamber: bool = False,
) -> InitResult:
    """Create a campaign folder (idempotent: existing files are never overwritten).

    ``year`` defaults to the campaign's ``campagne.annee`` when the folder is one, else to
    the year under way (:func:`campaign_year_of`). A ``year`` other than the folder's
    ``campagne.annee`` is refused, unless ``change_year``: then that one line of
    ``cmacop.toml`` is rewritten (its comments kept) and the new year's folders created.
    ``by_chamber``: one folder per reporting chamber, named by its code, in the year's
    deposit and feedback folders (``depot/2024/CMAR-84/``, ``retours/2024/CMAR-84/``), so
    that the drive's rights can be given per chamber; a file in such a folder must be that
    chamber's (E-IDENT-007).
    """
    from cmacop.cop.rulesfile import RULES_TEMPLATE
    from cmacop.files.fsutil import write_text_atomic

    check_year(year)
    root = Path(root)
    config = root / CONFIG_FILE
    existed = config.is_file()
    previous: int | None = None
    text = ""
    loaded = None
    if existed:
        loaded = load_config(config)
        assert loaded is not None
        previous, text = loaded.year, config.read_text(encoding="utf-8")
    if year is None:
        year = previous if previous is not None else campaign_year_of(today or date.today())
    if existed and previous is not None and previous != year and not change_year:
        raise UsageError(
            f"{config} est la campagne {previous} (« campagne.annee ») : --year {year} ne la "
            "change pas",
            hint=f"Pour passer cette campagne en {year}, relancez avec --changer-annee (seule la "
            "ligne « annee » de cmacop.toml change) ; pour une autre campagne, indiquez un "
            "autre dossier.",
        )
    created = []
    deposit, feedback = root / DEPOSIT_DIR, root / FEEDBACK_DIR
    store, reports, logs = root / STORE_DIR, root / REPORTS_DIR, root / LOG_DIR
    rules = root / REFERENCE_DIR / RULES_FILE
    avenants = root / REFERENCE_DIR / AVENANTS_DIR
    if loaded is not None:  # an existing cmacop.toml may have moved any of them
        deposit, feedback, store = loaded.deposit, loaded.feedback, loaded.store
        reports, logs = loaded.reports, loaded.log_dir
        rules = loaded.rules_file or rules
        avenants = loaded.avenants_dir or avenants
    folders = [
        deposit / str(year),
        feedback / str(year),
        root / REFERENCE_DIR,
        avenants,
        store,
        reports / str(year),
        logs,
        rules.parent,
    ]
    if by_chamber:
        from cmacop.cop.registry import load_registry

        for chamber in load_registry().reporting:
            folders += [deposit / str(year) / chamber.code, feedback / str(year) / chamber.code]
    for folder in folders:
        if not folder.exists():
            folder.mkdir(parents=True)
            created.append(folder)
    if not existed:
        write_text_atomic(config, render_default_config(year))
        created.append(config)
    if not rules.exists():  # every key commented: nothing decided until CMA France decides
        write_text_atomic(rules, RULES_TEMPLATE)
        created.append(rules)
    if existed and change_year and previous != year:
        write_text_atomic(config, _set_year(text, year))
        return InitResult(root, year, tuple(created), existed, previous, changed=True)
    return InitResult(root, year, tuple(created), existed)
