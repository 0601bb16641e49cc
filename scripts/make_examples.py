"""Rebuild ``examples/``: an ILLUSTRATIVE campaign (fictitious figures), from a fixed seed.

    python scripts/make_examples.py          # rewrites examples/campagne and examples/broken
    python scripts/make_examples.py DOSSIER  # writes them under DOSSIER instead (tests compare)

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
import sys
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
    for name, text in BILAN_REFERENCES.items():
        (ref / name).write_text(text, encoding="utf-8")


# The bilan's own reference files (cop/followup.py): a believable story for the closing
# team — the 2023 bilan sent in time, the 2024 one under way; most commitments of the
# contract done, a few late; CMA Guyane's COM still unsigned; six préfets' appreciations.
BILAN_REFERENCES = {
    "calendrier_bilan.csv": """\
annee;etape;date;commentaire
2023;bureau élargi;16/05/2024;
2023;commission;04/06/2024;commission des finances et de la performance
2023;assemblée générale;20/06/2024;bilan adopté à l'unanimité
2023;transmission au ministre;27/06/2024;courrier du président de CMA France
2024;bureau élargi;20/05/2025;
2024;commission;03/06/2025;commission des finances et de la performance
""",
    "suivi_jalons.csv": """\
jalon;annee;statut;date;commentaire
JP-a;2024;en cours;24/06/2024;part performance 2025 arrêtée par l'assemblée générale (42,5 %)
JP-b;2023;en cours;;projet d'avenant sur les indicateurs d'impact en discussion avec la DGE
JP-b;2024;en cours;12/03/2024;"projet d'avenant transmis à la DGE ; signature attendue"
J1.1-a;2023;fait;03/04/2023;liste transmise par la DGE
J1.1-b;2023;fait;31/05/2023;10 212 entreprises contactées
J1.1-c;2023;fait;20/04/2023;webinaires de formation des conseillers environnement
J1.1-d;2023;fait;15/12/2023;diagnostics et plans d'action partagés avec les autres opérateurs
J1.1-e;2023;fait;15/12/2023;contacts et diagnostics achevés avec la phase 2
J1.1-f;2024;fait;28/06/2024;appels de suivi à six mois réalisés
J1.2-a;2024;en cours;;outil commun d'autodiagnostic des quatre opérateurs en recette
J1.2-b;2024;non commencé;;
J1.3-a;2023;fait;14/03/2023;webinaire des services de l'État sur les aides énergie
J1.3-b;2024;non commencé;;aucune date proposée par les services de l'État
J2.2-a;2024;fait;30/09/2024;Eco-Défis, Répar'acteurs et Imprim'Vert proposés dans les 18 CMAR
J3.1-a;2023;fait;30/11/2023;152 conseillers activateurs France Num
J3.1-b;2023;en cours;;19 structures sur 21 inscrites
J3.1-b;2024;fait;15/03/2024;les 21 structures inscrites
J3.2-a;2024;en cours;;"16 sites de CMAR sur 18 ; CMA Guyane et CMA Mayotte en refonte"
J4.1-a;2023;fait;01/06/2023;groupe de travail installé par la DGE
J4.1-b;2024;en cours;;"FAQ diffusée ; signe distinctif à l'étude"
J4.1-c;2024;fait;01/02/2024;note de CMA France aux CMAR
J5.1-a;2023;fait;01/01/2023;
J5.2-a;2023;fait;30/06/2023;procédure de secours assurée jusqu'au 30 juin 2023
J6.1-a;2024;en cours;;offre normée déployée dans 15 CMAR
J6.1-b;2024;non commencé;;
J6.3-a;2023;fait;09/02/2023;webinaire de la DGE sur l'entrepreneur individuel en difficulté
J6.4-a;2024;fait;31/12/2024;
J6.4-b;2024;en cours;;
J6.7-a;2023;fait;01/03/2023;point de contact national désigné
J6.7-b;2023;fait;10/10/2023;
J6.7-b;2024;fait;19/11/2024;
J6.7-c;2024;en cours;;référents désignés dans 14 régions
J6.7-d;2024;fait;;
J6.7-e;2023;fait;01/10/2023;
J6.7-g;2024;en cours;;
J7.2-a;2024;fait;11/04/2024;installation du think tank
J7.4-a;2024;fait;08/03/2024;campagne nationale « Artisanes »
J7.5-a;2024;fait;;
J8.1-a;2023;fait;;un référent métiers d'art dans chaque CMAR
J8.2-a;2023;fait;;données transmises en juin et en décembre
J8.2-a;2024;fait;;données transmises en juin et en décembre
J8.4-a;2024;en cours;;
J8.5-a;2023;fait;;
J8.5-a;2024;fait;;JEMA 2024 coordonnées par 17 CMAR, le conseil régional en Bretagne
J9.1-a;2024;fait;;
J9.3-a;2024;en cours;;12 conventions SRDEII sur 18
J9.3-b;2024;fait;;
J10.1-a;2023;fait;20/12/2023;
J10.1-b;2023;fait;20/12/2023;12 CMA sur 21 dans SAP
J10.1-c;2023;fait;30/09/2023;
J10.1-d;2023;fait;30/06/2023;
J10.1-e;2023;fait;31/10/2023;
J10.1-f;2023;en cours;;
J10.1-f;2024;fait;30/04/2024;annuaire unifié publié
J10.1-g;2023;fait;15/12/2023;
J10.1-h;2024;en cours;;"19 CMA sur 21 ; CMA Guyane et CMA Mayotte au premier semestre 2025"
J10.1-i;2024;en cours;;modèle analytique validé, déploiement en 2025
J10.1-j;2024;en cours;;interfaces avec SAP en recette
J10.2-a;2024;en cours;;17 COM signées sur 18 (CMA Guyane)
J10.2-b;2023;fait;29/02/2024;
J10.2-b;2024;fait;14/03/2025;20 bilans transmis, dont 1 hors délai
J10.3-a;2024;en cours;;
J10.4-a;2024;fait;;
J11.1-a;2024;en cours;;
J12.1-a;2024;fait;;
J13.1-a;2023;fait;30/06/2023;plans de mutualisations signés dans les 18 régions
J13.1-b;2023;fait;30/06/2023;
J13.2-a;2024;fait;23/05/2024;convention CMA France – Bpifrance signée
J13.2-b;2024;en cours;;convention en discussion
J13.3-a;2024;en cours;;
JA1-a;2023;fait;27/06/2024;
JA1-a;2024;en cours;;"bureau élargi et commission tenus ; assemblée générale le 24 juin 2025"
JA1-b;2023;fait;;consolidation par cmacop
JA1-c;2023;fait;;appréciations reçues des 18 préfets de région
JA1-c;2024;en cours;;4 appréciations reçues
""",
    "signatures_com.csv": """\
chambre;date_signature;commentaire
CMAR-84;29/06/2023;
CMAR-27;06/07/2023;
CMAR-53;04/07/2023;
CMAR-24;30/06/2023;
CMAR-94;12/09/2023;signée après la session de l'assemblée de Corse
CMAR-44;05/07/2023;
CMAR-32;28/06/2023;
CMAR-11;30/06/2023;
CMAR-28;11/07/2023;
CMAR-75;03/07/2023;
CMAR-76;07/07/2023;
CMAR-52;30/06/2023;
CMAR-93;10/07/2023;
CMAR-01;19/10/2023;
CMAR-02;14/11/2023;
CMAR-03;;"en cours de négociation avec la préfecture de région ; signature prévue en 2025"
CMAR-04;26/09/2023;
CMAR-06;08/02/2024;
""",
    "appreciations_prefet.csv": """\
chambre;annee;date;appreciation
CMAR-84;2023;18/04/2024;"Bilan complet et étayé ; les écarts sur la transition numérique sont expliqués."
CMAR-03;2023;22/05/2024;"Résultats en net retrait sur les axes 1 à 3 ; un plan de redressement est attendu avec la signature de la COM."
CMAR-53;2024;02/04/2025;"Bilan sincère et documenté ; les retards sur les territoires engagés sont justifiés et un rattrapage est programmé."
CMAR-84;2024;15/04/2025;"Objectifs atteints sur la plupart des indicateurs ; l'effort sur les médiations de l'apprentissage est à poursuivre."
CMAR-03;2024;06/05/2025;"La situation reste préoccupante sur la transition écologique et le numérique ; la COM n'est toujours pas signée."
CMAR-06;2024;28/04/2025;"Progrès réels sur l'entrepreneuriat ; les résultats du numérique restent très en deçà des cibles."
""",
}


# CMA France's decisions of the example (fictitious): the share of tax year 2025 only.
RULES = """\
# Décisions de CMA France pour appliquer le contrat là où il laisse le choix.
# EXEMPLE FICTIF : cette décision n'a jamais été prise. Les règles absentes restent
# des défauts de cmacop, signalés comme tels (voir docs/formats/regles.md).

# [modulation]
# taux_axe = "indicateurs"          # ou "objectifs"
# chambre_sans_resultats = "zero"   # ou "hors_modulation"
# plafond_taux = "1"
# decision = "Bureau de CMA France du …"

[part_performance.2025]             # année de taxe (résultats 2024)
taux = "0.40"
decision = "Assemblée générale de CMA France du 24 juin 2025 (exemple fictif)"
"""

# An avenant of the example (fictitious), effective from the results of 2026.
AVENANT = """\
# EXEMPLE FICTIF : aucun avenant de ce contenu n'a été signé.
id = "avenant-1"
titre = "Avenant n° 1 au COP 2023-2027 (exemple fictif)"
signe_le = 2025-06-30
effet = 2026                        # première année de résultats concernée

[cibles_nationales]                 # cible nationale d'une année donnée
"I6.1" = { 2026 = 142000 }           # au lieu de 145 000 (interpolation)

[impact."M3.3"]                     # taux de survie à 3 ans : une cible…
cibles = { 2026 = 0.75, 2027 = 0.75 }
dans_modulation = true              # …et il entre dans le taux de l'axe 3
"""


def build_campaign(cat: Catalogue, rng: random.Random) -> dict:
    registry = load_registry()
    camp = ROOT / "campagne"
    com = {}
    for year in YEARS:
        com.update(regional_com_targets(cat, year, rng))
    write_reference(camp, com, cat)
    (camp / "referentiel" / "regles.toml").write_text(RULES, encoding="utf-8")
    (camp / "referentiel" / "avenants").mkdir(parents=True, exist_ok=True)
    (camp / "referentiel" / "avenants" / "avenant-1.toml").write_text(AVENANT, encoding="utf-8")
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


def main(argv: list[str] | None = None) -> None:
    global ROOT
    args = sys.argv[1:] if argv is None else argv
    if args:
        ROOT = Path(args[0]).resolve()
    rng = random.Random(SEED)
    cat = load_catalogue()
    for sub in ("campagne", "broken"):
        shutil.rmtree(ROOT / sub, ignore_errors=True)
    com = build_campaign(cat, rng)
    build_broken(cat, com, rng)
    print(f"exemples écrits dans {ROOT}")


if __name__ == "__main__":
    main()
