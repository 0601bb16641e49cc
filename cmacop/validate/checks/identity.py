"""Who sent the file, for which year, when: identity, completeness of the
Identification sheet, timeliness, and duplicates among the inputs."""

from __future__ import annotations

import calendar
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cmacop.cop.contract import ID_ROW, SHEET_ID, workbook_name
from cmacop.cop.registry import Registry
from cmacop.files.frenchcsv import parse_number
from cmacop.french import fmt_date
from cmacop.validate.checks import Context, FileCheck
from cmacop.validate.submission import Cell, Submission

_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_YEAR_FOLDER = re.compile(r"^\d{4}$")
MISPLACED = "E-IDENT-007"
_DATE_TEXT = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ID_HINT = "Renseignez la feuille « Identification » (cellules sur fond jaune)."


def parse_year(value: Any) -> int | None:
    """``2024``, ``2024.0`` or ``"2024"`` → 2024; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is not None and parsed.value == parsed.value.to_integral_value():
            return int(parsed.value)
    return None


def parse_date(value: Any) -> date | None:
    """A date cell, or text ``15/02/2025`` or ``2025-02-15``; None otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        match = _DATE_TEXT.match(text)
        try:
            if match:
                return date(int(match[3]), int(match[2]), int(match[1]))
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None


def chamber_and_year(sub: Submission) -> tuple[str | None, int | None]:
    """The chamber code and year a submission declares (no judgement)."""
    chamber = sub.value_of("Code chambre")
    if chamber is None or (isinstance(chamber, str) and not chamber.strip()):
        chamber = sub.metadata.get("chambre") or None
    year = parse_year(sub.value_of("Année"))
    if year is None:
        year = parse_year(sub.metadata.get("annee"))
    return (str(chamber).strip() if chamber is not None else None), year


def sent_on_of(sub: Submission | None) -> date | None:
    """The date of transmission a submission declares (None: none, or unreadable)."""
    return None if sub is None else parse_date(sub.value_of("Date de transmission"))


def deadline(year: int, month: int) -> date:
    """Last day of ``month`` of ``year + 1`` (code de l'artisanat, R. 323-24)."""
    return date(year + 1, month, calendar.monthrange(year + 1, month)[1])


def chamber_folder(path: Path, registry: Registry) -> str | None:
    """The chamber whose deposit folder holds ``path``: the folder right under a year
    folder (``depot/2024/CMAR-84/…``) when it is named by a reporting chamber's code (in
    any case); None for a file at the top of ``depot/2024/`` or in another folder."""
    parts = path.parent.parts
    for i in range(len(parts) - 1, -1, -1):  # the nearest year folder above the file
        if _YEAR_FOLDER.match(parts[i]):
            if i + 1 == len(parts):
                return None  # at the top of the year folder
            found = registry.get(parts[i + 1].upper())
            return found.code if found is not None and found.reports else None
    return None


def check_identity(fc: FileCheck, ctx: Context) -> None:
    """Chamber, year and date of transmission: filled, known, consistent, on time; a file
    in a chamber's deposit folder declares that chamber."""
    assert fc.sub is not None
    if fc.sub.kind == "xlsx":
        _workbook_identity(fc, ctx)
    else:
        _csv_identity(fc, ctx)
    if _misplaced(fc, ctx.registry):
        return  # what else it holds is another chamber's business: nothing more is said
    _expected_year(fc, ctx)
    _file_name(fc, ctx.registry)
    if fc.year is None:
        fc.year = ctx.year or _folder_year(fc)
    if fc.sent_on is not None and fc.year is not None:
        limit = deadline(fc.year, ctx.catalogue.deadline_month)
        if fc.sent_on > limit:
            fc.add(
                "W-DELAI-001",
                f"transmis hors délai : le {fmt_date(fc.sent_on)}, après la date limite du "
                f"{fmt_date(limit)}",
                "Le bilan de l'année N est dû le dernier jour de février de N + 1 "
                "(code de l'artisanat, art. R. 323-24) : vérifiez la date saisie.",
                at=fc.sub.identification.get("Date de transmission"),
            )


def _misplaced(fc: FileCheck, registry: Registry) -> bool:
    """A file in a chamber's folder that declares another chamber (E-IDENT-007).

    Rights on a shared drive are given per folder: a chamber writes its own. Its file may
    not put figures in another chamber's name; the finding says only what the depositor
    knows (the folder and the code its own file declares).
    """
    fc.folder_chamber = chamber_folder(fc.path, registry)
    if fc.folder_chamber is None or fc.chamber is None:
        return False
    if fc.chamber.strip().upper() == fc.folder_chamber:
        return False
    assert fc.sub is not None
    at = fc.sub.identification.get("Code chambre")
    if at is None and fc.sub.kind == "csv":
        at = next((r.cells["chambre"] for r in fc.sub.rows if "chambre" in r.cells), None)
    fc.add(
        MISPLACED,
        f"fichier déposé dans le dossier de {fc.folder_chamber} alors qu'il déclare la chambre "
        f"{fc.chamber} : il n'est pas pris en compte",
        f"Une chambre ne dépose que son propre bilan, dans son dossier. Si ce bilan est celui "
        f"de {fc.folder_chamber}, corrigez le code de la chambre (feuille « Identification ») "
        f"et déposez-le de nouveau ; sinon, c'est à {fc.chamber} de le déposer dans son dossier.",
        at=at,
    )
    fc.misplaced = True
    return True


def _id_cell(sub: Submission, label: str) -> Cell:
    cell = sub.identification.get(label)
    return cell if cell is not None else Cell(SHEET_ID, f"B{ID_ROW[label]}", None)


def _workbook_identity(fc: FileCheck, ctx: Context) -> None:
    sub = fc.sub
    assert sub is not None
    meta_chamber, meta_year = sub.metadata.get("chambre"), parse_year(sub.metadata.get("annee"))
    if SHEET_ID not in sub.sheets:  # reported by the structure checks; fall back on metadata
        fc.chamber, fc.year = meta_chamber or None, meta_year
        return
    chamber_cell = _id_cell(sub, "Code chambre")
    if chamber_cell.is_blank:
        fc.add("E-COMPL-002", "code de la chambre non renseigné", _ID_HINT, at=chamber_cell)
    else:
        fc.chamber = str(chamber_cell.value).strip()
        _known_chamber(fc, ctx.registry, chamber_cell)
        if meta_chamber and meta_chamber != fc.chamber:
            fc.add(
                "E-IDENT-005",
                f"code chambre « {fc.chamber} » différent de celui du modèle généré "
                f"({meta_chamber})",
                "Utilisez le modèle généré pour votre chambre, sans modifier l'identification.",
                at=chamber_cell,
            )
    year_cell = _id_cell(sub, "Année")
    if year_cell.is_blank:
        fc.add("E-COMPL-002", "année du bilan non renseignée", _ID_HINT, at=year_cell)
    else:
        fc.year = parse_year(year_cell.value)
        if fc.year is None:
            fc.add(
                "E-IDENT-002", "année illisible", "Saisissez l'année sur 4 chiffres.", at=year_cell
            )
        elif meta_year is not None and meta_year != fc.year:
            fc.add(
                "E-IDENT-005",
                f"année {fc.year} différente de celle du modèle généré ({meta_year})",
                "Utilisez le modèle généré pour l'année du bilan, sans modifier l'identification.",
                at=year_cell,
            )
    date_cell = _id_cell(sub, "Date de transmission")
    if date_cell.is_blank:
        fc.add("E-COMPL-002", "date de transmission non renseignée", _ID_HINT, at=date_cell)
    else:
        fc.sent_on = parse_date(date_cell.value)
        if fc.sent_on is None:
            fc.add(
                "E-IDENT-006",
                "date de transmission illisible",
                "Saisissez une date au format jj/mm/aaaa.",
                at=date_cell,
            )


def _known_chamber(fc: FileCheck, registry: Registry, cell: Cell) -> None:
    chamber = registry.get(fc.chamber or "")
    if chamber is None or not chamber.reports:
        known = ", ".join(c.code for c in registry.reporting)
        fc.add(
            "E-IDENT-001",
            f"chambre « {fc.chamber} » inconnue ou non déclarante",
            f"Codes attendus : {known}.",
            at=cell,
        )


def _majority(fc: FileCheck, column: str, cells: list[Cell], label: str) -> Any:
    """The value most lines of a CSV give for ``column``; other lines are findings."""
    blank = [c for c in cells if c.is_blank]
    values = Counter(str(c.value).strip() for c in cells if not c.is_blank)
    if blank:
        lines = ", ".join(str(c.line) for c in blank[:10]) + ("…" if len(blank) > 10 else "")
        fc.add(
            "E-COMPL-002",
            f"{label} non renseignée (ligne(s) {lines})",
            f"Renseignez la colonne « {column} » sur chaque ligne.",
            at=blank[0],
        )
    if not values:
        return None
    majority = values.most_common(1)[0][0]
    for cell in cells:
        if not cell.is_blank and str(cell.value).strip() != majority:
            fc.add(
                "E-IDENT-005",
                f"{label} « {str(cell.value).strip()} » différente de celle des autres lignes "
                f"({majority})",
                "Un fichier ne contient le bilan que d'une chambre pour une année.",
                at=cell,
            )
    return majority


def _csv_identity(fc: FileCheck, ctx: Context) -> None:
    sub = fc.sub
    assert sub is not None
    chamber_cells = [r.cells["chambre"] for r in sub.rows if "chambre" in r.cells]
    year_cells = [r.cells["annee"] for r in sub.rows if "annee" in r.cells]
    columns = {c.value for c in sub.headers.get("csv", ())}
    if "chambre" in columns:
        fc.chamber = _majority(fc, "chambre", chamber_cells, "chambre")
        first = next((c for c in chamber_cells if str(c.value).strip() == fc.chamber), None)
        if fc.chamber is not None and first is not None:
            _known_chamber(fc, ctx.registry, first)
    if "annee" in columns:
        text = _majority(fc, "annee", year_cells, "année")
        if text is not None:
            fc.year = parse_year(text)
            if fc.year is None:
                first = next(c for c in year_cells if str(c.value).strip() == text)
                fc.add(
                    "E-IDENT-002", "année illisible", "Saisissez l'année sur 4 chiffres.", at=first
                )


def _folder_year(fc: FileCheck) -> int | None:
    """The year folder the file was deposited in (``depot/2024/`` or ``depot/2024/CMAR-84/``)."""
    parent = fc.path.parent
    if fc.folder_chamber is not None:
        parent = parent.parent
    name = parent.name
    return int(name) if len(name) == 4 and name.isdigit() else None


def _expected_year(fc: FileCheck, ctx: Context) -> None:
    """The year declared against ``--year`` and the year folder: one finding, every reason."""
    if fc.year is None or fc.sub is None:
        return
    at = fc.sub.identification.get("Année")
    folder = _folder_year(fc)
    reasons = []
    if ctx.year is not None and fc.year != ctx.year:
        reasons.append(f"alors que l'année contrôlée est {ctx.year}")
    if folder is not None and fc.year != folder and folder != ctx.year:
        reasons.append(f"déposé dans le dossier « {folder} »")
    if reasons:
        fc.add(
            "E-IDENT-002",
            f"bilan de l'année {fc.year} {' et '.join(reasons)}",
            "Vérifiez l'année du bilan et le dossier de dépôt.",
            at=at,
        )


def _file_name(fc: FileCheck, registry: Registry) -> None:
    """Warn when the file's name names another chamber or year than its content."""
    stem = fc.path.stem.upper()
    named = [
        c.code
        for c in registry.chambers
        if re.search(rf"(?<![A-Z0-9-]){re.escape(c.code.upper())}(?![A-Z0-9-])", stem)
    ]
    years = {int(y) for y in _YEAR_IN_NAME.findall(stem)}
    problems = []
    if fc.chamber and named and fc.chamber not in named:
        problems.append(f"la chambre {', '.join(named)} (contenu : {fc.chamber})")
    if fc.year and years and fc.year not in years:
        problems.append(f"l'année {', '.join(map(str, sorted(years)))} (contenu : {fc.year})")
    if problems:
        hint = "Vérifiez qu'il s'agit du bon bilan"
        if fc.chamber and fc.year:
            expected = workbook_name(fc.year, fc.chamber, fc.path.suffix.lower())
            hint += f", puis renommez le fichier « {expected} »"
        fc.add(
            "W-IDENT-003",
            f"le nom du fichier désigne {' et '.join(problems)}",
            hint + ".",
            value=fc.path.name,
        )


def check_versions(files: Iterable[FileCheck]) -> None:
    """Several files for one chamber and year: the current one is the latest version
    (:func:`~cmacop.validate.versions.version_order`), the others are replaced by it.

    Files that neither date nor time tells apart, when they are the latest, are both
    errors: there is no knowing which one the chamber meant.
    """
    from cmacop.validate.versions import Version, version_order

    groups: dict[tuple[str, int], list[FileCheck]] = defaultdict(list)
    for fc in files:
        if fc.sub is not None and fc.chamber and fc.year is not None:
            groups[(fc.chamber, fc.year)].append(fc)
    for (chamber, year), group in groups.items():
        if len(group) < 2:
            continue
        order = version_order(group, lambda fc: Version(fc.sent_on, fc.mtime_ns))
        current = order[-1]
        for older in order[:-1]:
            for fc in older:
                fc.replaced_by = " ou ".join(c.display for c in current)
        if len(current) < 2:
            continue
        for fc in current:
            others = ", ".join(o.display for o in current if o is not fc)
            assert fc.sub is not None
            fc.add(
                "E-IDENT-004",
                f"deux dépôts pour {chamber} en {year} : ce fichier et {others}, même date de "
                "transmission et même heure d'enregistrement",
                "Ne gardez dans le dépôt que la version à retenir (ou indiquez sa date de "
                "transmission).",
                at=fc.sub.identification.get("Code chambre"),
            )
