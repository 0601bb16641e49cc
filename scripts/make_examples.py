"""Rebuild ``examples/``: an ILLUSTRATIVE campaign (fictitious figures), from a fixed seed.

    python scripts/make_examples.py          # rewrites examples/campagne and examples/broken

Every number here is invented to tell a believable story (most chambers near
target, a few far below, comments on gaps); none is an official figure.
The output is byte-reproducible: same seed, same files.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from cmacop.campaign.config import CONFIG_FILE, render_default_config
from cmacop.cop.catalogue import Catalogue, load_catalogue
from cmacop.cop.contract import (
    COL,
    FIRST_DATA_ROW,
    ID_ROW,
    SHEET_ID,
    SHEET_IMPACT,
    SHEET_INDICATORS,
)
from cmacop.cop.registry import Chamber, load_registry
from cmacop.cop.targets import apportion, national_target
from cmacop.template import build_workbook, csv_template

SEED = 20240229
ROOT = Path(__file__).resolve().parent.parent / "examples"
YEARS = (2023, 2024)
FIXED_TIME = datetime(2025, 3, 1, 12, 0, 0)

# Illustrative number of artisanal enterprises per chamber (allocation key).
KEY = {
    "CMAR-84": 218_000, "CMAR-27": 74_000, "CMAR-53": 79_000, "CMAR-24": 58_000,
    "CMAR-94": 17_500, "CMAR-44": 68_000, "CMAR-32": 96_000, "CMAR-11": 205_000,
    "CMAR-28": 62_000, "CMAR-75": 152_000, "CMAR-76": 171_000, "CMAR-52": 88_000,
    "CMAR-93": 168_000, "CMAR-01": 14_500, "CMAR-02": 12_000, "CMAR-03": 5_500,
    "CMAR-04": 27_000, "CMAR-06": 3_200, "CM-ALSACE": 38_000, "CM-MOSELLE": 17_000,
}  # fmt: skip

# TFCMA: finance-law cap of the tax year, CMA France's own share taken first.
TFCMA = {2024: (Decimal("182899000"), Decimal("15800000")),
         2025: (Decimal("169649000"), Decimal("14900000"))}  # fmt: skip

# Story: chambers struggling on some axes (factor applied to their realised values).
STRUGGLING = {"CMAR-03": {1: 0.45, 2: 0.6, 3: 0.7}, "CMAR-06": {2: 0.5, 4: 0.55},
              "CMAR-94": {1: 0.65, 5: 0.7}, "CMAR-32": {2: 0.78}}  # fmt: skip
LATE = {(2024, "CMAR-02"): date(2025, 3, 14), (2023, "CMAR-06"): date(2024, 3, 8)}
GAP_COMMENTS = (
    "Recrutement du conseiller dédié intervenu en cours d'année.",
    "Action décalée au premier semestre de l'année suivante.",
    "Baisse de la demande des entreprises sur ce dispositif.",
    "Priorité donnée aux actions collectives ; rattrapage prévu.",
    "Vacance de poste pendant cinq mois sur ce périmètre.",
    "Partenariat régional signé tardivement.",
)
FIRST_NAMES = ("Claire", "Julien", "Sophie", "Karim", "Nathalie", "Thomas", "Élodie", "Marc")
LAST_NAMES = ("Martin", "Bernard", "Durand", "Lefèvre", "Moreau", "Girard", "Roux", "Fontaine")


def regional_com_targets(
    cat: Catalogue, year: int, rng: random.Random
) -> dict[tuple[str, int, str], int]:
    """COM targets of the 18 CMAR: the apportioned national target, negotiated ±8 %."""
    cmar = {c: k for c, k in KEY.items() if c.startswith("CMAR-")}
    out = {}
    for ind in cat.indicators:
        total = national_target(ind, year)
        if total is None:
            continue
        for chamber, share in apportion(total, cmar).items():
            negotiated = round(share * rng.uniform(0.92, 1.08))
            out[(chamber, year, ind.code)] = max(negotiated, 1 if share else 0)
    return out


def derived_targets(cat: Catalogue, year: int) -> dict[tuple[str, int, str], int]:
    """Targets of every chamber of the key (what cmacop derives without a COM target)."""
    out = {}
    for ind in cat.indicators:
        total = national_target(ind, year)
        if total is not None:
            for chamber, share in apportion(total, KEY).items():
                out[(chamber, year, ind.code)] = share
    return out


def realised_values(cat: Catalogue, chamber: str, year: int, targets, rng: random.Random):
    """Realised value and comment per activity indicator, respecting every ceiling."""
    values: dict[str, int | None] = {}
    comments: dict[str, str] = {}
    for ind in cat.indicators:
        target = targets.get((chamber, year, ind.code))
        if not target:
            values[ind.code] = None
            continue
        factor = rng.gauss(1.02, 0.09) * STRUGGLING.get(chamber, {}).get(ind.axis, 1.0)
        values[ind.code] = max(0, round(target * factor))
    for ind in cat.indicators:
        if ind.ceiling and values.get(ind.code) is not None:
            bound = values.get(ind.ceiling)
            if bound is not None and values[ind.code] > bound:  # type: ignore[operator]
                values[ind.code] = bound
    for ind in cat.indicators:
        target, value = targets.get((chamber, year, ind.code)), values[ind.code]
        # Most gaps are explained (R. 323-24); a few are left unexplained on purpose.
        if target and value is not None and value < target and rng.random() < 0.8:
            comments[ind.code] = rng.choice(GAP_COMMENTS)
    return values, comments


def impact_values(cat: Catalogue, rng: random.Random) -> dict[str, float]:
    out = {}
    for ind in cat.impacts:
        if rng.random() < 0.6:
            if ind.unit == "%":
                out[ind.code] = round(rng.uniform(55, 95), 1)
            elif ind.unit == "€":
                out[ind.code] = round(rng.uniform(50_000, 900_000), -3)
            else:
                out[ind.code] = round(rng.uniform(120, 2_400), 0)
    return out


def transmission_date(chamber: str, year: int, rng: random.Random) -> date:
    return LATE.get((year, chamber), date(year + 1, 2, rng.randint(3, 27)))


def fill_workbook(wb, cat, chamber, year, values, comments, impacts, sent, rng):
    ident = wb[SHEET_ID]
    ident.cell(row=ID_ROW["Date de transmission"], column=2, value=sent)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    ident.cell(row=ID_ROW["Nom du contact"], column=2, value=f"{first} {last} (fictif)")
    ident.cell(row=ID_ROW["Courriel du contact"], column=2,
              value=f"{_ascii(first)}.{_ascii(last)}@{chamber.code.lower()}.exemple.fr")  # fmt: skip
    ws = wb[SHEET_INDICATORS]
    for offset, ind in enumerate(cat.indicators):
        row = FIRST_DATA_ROW + offset
        ws.cell(row=row, column=COL["Réalisé"], value=values.get(ind.code))
        ws.cell(row=row, column=COL["Commentaire"], value=comments.get(ind.code))
    ws = wb[SHEET_IMPACT]
    for offset, ind in enumerate(cat.impacts):
        ws.cell(row=FIRST_DATA_ROW + offset, column=COL["Réalisé"], value=impacts.get(ind.code))


def _ascii(text: str) -> str:
    return text.lower().replace("é", "e").replace("è", "e")


def save_reproducible(wb, path: Path) -> None:
    """Save a workbook with fixed timestamps so the examples are byte-reproducible."""
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


def write_csv_submission(
    path: Path, chamber: Chamber, year: int, cat, values, comments, impacts
) -> None:
    """As French Excel exports it: cp1252, ``;``, decimal comma, U+00A0 thousands."""
    rows = list(csv.reader(io.StringIO(csv_template(chamber, year, cat)), delimiter=";"))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(rows[0])
    for chamber_code, annee, code, _, _ in rows[1:]:
        value: object = values.get(code, impacts.get(code))
        if isinstance(value, int):
            text = f"{value:,}".replace(",", "\u00a0")
        elif isinstance(value, float):
            text = f"{value:.1f}".replace(".", ",")
        else:
            text = ""
        writer.writerow([chamber_code, annee, code, text, comments.get(code, "")])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue().encode("cp1252"))


JUSTIFICATIONS = (
    "chambre,annee,indicateur,constat,justification\n"
    'CMAR-53,2024,I6.4,W-PLAUS-005,"Deux conseillers partis à la retraite au premier semestre, '
    "remplacés en septembre : l'écart est expliqué dans le rapport de la COM.\"\n"
)


def write_reference(camp: Path, com: dict, cat: Catalogue) -> None:
    ref = camp / "referentiel"
    ref.mkdir(parents=True, exist_ok=True)
    lines = ["chambre,annee,code,cible"]
    lines += [f"{c},{y},{code},{t}" for (c, y, code), t in sorted(com.items())]
    (ref / "cibles_com.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["chambre,entreprises"] + [f"{c},{k}" for c, k in KEY.items()]
    (ref / "cle_repartition.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # A warning explained once (the broken example of CMAR-53 shows it « justifié »).
    (ref / "justifications.csv").write_text(JUSTIFICATIONS, encoding="utf-8")
    cmar = {c: k for c, k in KEY.items() if c.startswith("CMAR-")}
    for tax_year, (cap, own_share) in TFCMA.items():
        cents = apportion(int((cap - own_share) * 100), cmar)
        lines = ["chambre,montant"] + [f"{c},{Decimal(v) / 100:.2f}" for c, v in cents.items()]
        (ref / f"tfcma_{tax_year}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_campaign(cat: Catalogue, rng: random.Random) -> dict:
    registry = load_registry()
    camp = ROOT / "campagne"
    com = {}
    for year in YEARS:
        com.update(regional_com_targets(cat, year, rng))
    write_reference(camp, com, cat)
    # A campaign folder: « cmacop run --config examples/campagne » processes it end to end.
    # The example files are not being copied by anyone: no settling delay, so that the
    # README's quick start works right after a clone (a real campaign keeps the default).
    config = render_default_config(2024).replace(
        "delai_stabilite = 60",
        "# Exemple : les fichiers sont déjà en place, aucun délai (valeur usuelle : 60).\n"
        "delai_stabilite = 0",
    )
    assert "delai_stabilite = 0" in config
    (camp / CONFIG_FILE).write_text(config, encoding="utf-8")
    receptions = ["fichier,recu_le"]
    for year in YEARS:
        targets = {**derived_targets(cat, year), **{k: v for k, v in com.items() if k[1] == year}}
        for chamber in registry.reporting:
            values, comments = realised_values(cat, chamber.code, year, targets, rng)
            impacts = impact_values(cat, rng)
            sent = transmission_date(chamber.code, year, rng)
            suffix = ".csv" if chamber.code == "CM-MOSELLE" else ".xlsx"
            name = f"COM_{year}_{chamber.code}{suffix}"
            # A clone dates every file of the day it is made, long after the deadline: the
            # example records each file's date of receipt (the date it states, for the CSV
            # the date it would have stated), as a campaign team does for files received by
            # another channel.
            receptions.append(f"{year}/{name},{sent.isoformat()}")
            if chamber.code == "CM-MOSELLE":
                path = camp / "depot" / str(year) / name
                write_csv_submission(path, chamber, year, cat, values, comments, impacts)
                continue
            wb = build_workbook(chamber, year, cat, targets)
            fill_workbook(wb, cat, chamber, year, values, comments, impacts, sent, rng)
            save_reproducible(wb, camp / "depot" / str(year) / name)
    (camp / "referentiel" / "receptions.csv").write_text(
        "\n".join(receptions) + "\n", encoding="utf-8"
    )
    return com


def build_broken(cat: Catalogue, com: dict, rng: random.Random) -> None:
    """Typical mistakes, one file each, for the validation demo."""
    registry = load_registry()
    year = 2024
    targets = {**derived_targets(cat, year), **{k: v for k, v in com.items() if k[1] == year}}
    row = {ind.code: FIRST_DATA_ROW + i for i, ind in enumerate(cat.indicators)}
    cases = {
        "CMAR-53": ("texte_dans_un_nombre", lambda ws: ws.cell(row=row["I6.1"], column=COL["Réalisé"], value="NC")),
        "CMAR-24": ("valeur_manquante", lambda ws: setattr(ws.cell(row=row["I9.2"], column=COL["Réalisé"]), "value", None)),
        "CMAR-28": ("cible_modifiee", lambda ws: ws.cell(row=row["I3.3"], column=COL["Cible"], value=1)),
        "CMAR-52": ("plafond_depasse", lambda ws: ws.cell(row=row["I6.3"], column=COL["Réalisé"],
                                                           value=ws.cell(row=row["I6.2"], column=COL["Réalisé"]).value + 25)),
    }  # fmt: skip
    for code, (label, mutate) in cases.items():
        chamber = registry.get(code)
        assert chamber is not None
        values, comments = realised_values(cat, code, year, targets, rng)
        wb = build_workbook(chamber, year, cat, targets)
        fill_workbook(wb, cat, chamber, year, values, comments, {}, date(2025, 2, 20), rng)
        mutate(wb[SHEET_INDICATORS])
        save_reproducible(wb, ROOT / "broken" / f"COM_{year}_{code}_{label}.xlsx")
    # Wrong year: a 2023 workbook sent as the 2024 report.
    chamber = registry.get("CMAR-93")
    assert chamber is not None
    targets_2023 = {**derived_targets(cat, 2023), **{k: v for k, v in com.items() if k[1] == 2023}}
    values, comments = realised_values(cat, "CMAR-93", 2023, targets_2023, rng)
    wb = build_workbook(chamber, 2023, cat, targets_2023)
    fill_workbook(wb, cat, chamber, 2023, values, comments, {}, date(2025, 2, 20), rng)
    save_reproducible(wb, ROOT / "broken" / "COM_2024_CMAR-93_mauvaise_annee.xlsx")


def main() -> None:
    rng = random.Random(SEED)
    cat = load_catalogue()
    for sub in ("campagne", "broken"):
        shutil.rmtree(ROOT / sub, ignore_errors=True)
    com = build_campaign(cat, rng)
    build_broken(cat, com, rng)
    print(f"exemples écrits dans {ROOT}")


if __name__ == "__main__":
    main()
