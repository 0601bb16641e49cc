"""The contract's dated or checkable commitments (« jalons ») in the catalogue (issue #12)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmacop.cli import app
from cmacop.cop.catalogue import load_catalogue
from cmacop.cop.jalons import OWNERS, Jalon
from cmacop.errors import DataFileError

# The contract's text, kept in the repository (docs/contrat/) so that this test runs on a
# clean clone; the workspace's seed, where present, is the same text.
CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "contrat" / "COP_2023_2027.txt"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "COP_2023_2027.txt"
QUOTED = re.compile(r"«\s*([^«»]{12,}?)\s*»")


def _flat(text: str) -> str:
    """The contract's text on one line, typographic spaces and apostrophes made plain."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(\w)- (\w)", r"\1-\2", text)  # words cut at the end of a line


# Commitments the issue names, by what the contract says of them: each must be a jalon.
NAMED = {
    "J3.1-a": ("§3.1", "2023", "CMAR"),  # 150 activateurs France Num, dès 2023
    "J3.1-b": ("§3.1", "2023", "CMA France"),  # the 21 structures as activateurs
    "J3.2-a": ("§3.2", "2023", "CMAR"),  # France Num on every CMAR's website
    "J10.1-a": ("§10.1", "2023", "CMAR"),  # SIRH
    "J10.1-b": ("§10.1", "2023", "CMAR"),  # SAP, majority of the CMA
    "J10.1-c": ("§10.1", "2023", "CMAR"),  # CRM
    "J10.1-h": ("§10.1", "2024", "CMAR"),  # SAP, all the CMA
    "J10.1-i": ("§10.1", "2024", "CMA France"),  # analytic accounting
    "J13.1-a": ("§13.1", None, "CMAR"),  # CMAR-CCIR mutualisation plan
    "J13.2-a": ("§13.2", None, "CMA France"),  # Bpifrance
    "J13.2-b": ("§13.2", None, "CMA France"),  # Banque des Territoires
    "J6.7-c": ("§6.7", "2027", "CMAR"),  # economic-security referents
    "J1.3-a": ("§1.3", None, "État"),  # webinar, energy aid
    "J1.3-b": ("§1.3", None, "État"),  # webinar, energy and business mediation
    "J6.3-a": ("§6.3", None, "État"),  # webinar, entrepreneur in difficulty
    "J1.1-a": ("§1.1 a), phase 1", "2023-05", "État"),  # the DGE's list of firms
    "J4.1-a": ("§4.1", None, "État"),  # the DGE's working group
}


def test_every_named_commitment_is_a_jalon(catalogue):
    for code, (article, due, owner) in NAMED.items():
        j = catalogue.jalon(code)
        assert (j.article, j.due, j.owner) == (article, due, owner), code


def test_jalons_quote_the_contract(catalogue):
    """Every text between « » in a jalon (the contract's words) is found in the contract."""
    if SEED.is_file():
        assert CONTRACT.read_bytes() == SEED.read_bytes()
    contract = _flat(CONTRACT.read_text(encoding="utf-8"))
    assert len(catalogue.jalons) >= 50
    for j in catalogue.jalons:
        for quote in QUOTED.findall(j.text):
            for part in re.split(r"\s*\[…\]\s*|\s*\[[^\]]*\]\s*", _flat(quote)):
                part = part.strip(" .,;")
                if len(part) >= 12 and "«" not in part:
                    assert part in contract, f"{j.code} : « {part} » absent du contrat"


def test_no_date_the_contract_does_not_give(catalogue):
    """A due date or year of a jalon appears in the contract's words for it."""
    for j in catalogue.jalons:
        if j.due is None:
            continue
        words = f"{j.due_text or ''} {j.text}"
        year = j.due[:4]
        assert year in words or (j.due == "2027" and "fin du COP" in words), j.code
    assert catalogue.jalon("J13.2-a").due_label == "sans date"


def test_jalons_are_well_formed(catalogue):
    codes = [j.code for j in catalogue.jalons]
    assert len(codes) == len(set(codes))
    assert {j.owner for j in catalogue.jalons} <= set(OWNERS)
    assert {j.axis for j in catalogue.jalons} <= {None, 1, 2, 3, 4, 5, 6}
    state = [j.code for j in catalogue.jalons if j.owed_by_state]
    assert {"J1.1-a", "J1.3-a", "J1.3-b", "J4.1-a", "J6.3-a", "JA1-c"} <= set(state)


@pytest.mark.parametrize(
    ("jalon", "label", "last_day"),
    [
        (Jalon("X", "§1", "t", "CMAR", 1, due="2023"), "2023", date(2023, 12, 31)),
        (Jalon("X", "§1", "t", "CMAR", 1, due="2024-02"), "février 2024", date(2024, 2, 29)),
        (Jalon("X", "§1", "t", "CMAR", 1, due="2023-01-31"), "31 janvier 2023", date(2023, 1, 31)),
        (Jalon("X", "§1", "t", "CMAR", 1, due="2025-07-01"), "1er juillet 2025", date(2025, 7, 1)),
        (Jalon("X", "§1", "t", "CMAR", 1), "sans date", None),
        (Jalon("X", "§1", "t", "CMAR", 1, periodicity="annuelle"), "chaque année", None),
    ],
)
def test_due_label_and_last_day(jalon, label, last_day):
    assert (jalon.due_label, jalon.due_date) == (label, last_day)


def test_jalons_leave_the_fingerprint_alone(tmp_path, catalogue_text, catalogue):
    """Templates already sent to the chambers stay valid: jalons change no template."""
    start = catalogue_text.index("[[jalons]]")
    bare = tmp_path / "sans_jalons.toml"
    bare.write_text(catalogue_text[:start], encoding="utf-8")
    without = load_catalogue(bare)
    assert without.jalons == () and without.content_hash == catalogue.content_hash


def test_catalogue_json_lists_the_jalons(catalogue):
    result = CliRunner().invoke(app, ["catalogue", "--format", "json"])
    assert result.exit_code == 0, result.output
    jalons = json.loads(result.output)["jalons"]
    assert len(jalons) == len(catalogue.jalons)
    assert all({"code", "article", "libelle", "echeance", "porteur"} <= set(j) for j in jalons)
    sirh = next(j for j in jalons if j["code"] == "J10.1-a")
    assert (sirh["article"], sirh["echeance"], sirh["porteur"], sirh["axe"]) == (
        "§10.1",
        "2023",
        "CMAR",
        6,
    )
    assert "SIRH" in sirh["libelle"] and sirh["echeance_contrat"] == "Dès 2023"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('porteur = "État"', 'porteur = "Etat"', 1), "porteur « Etat » inconnu"),
        (('echeance = "2023-05"', 'echeance = "mai 2023"', 1), "échéance « mai 2023 »"),
        (('code = "J3.1-b"', 'code = "J3.1-a"'), "code « J3.1-a » défini deux fois"),
        (('periodicite = "annuelle"', 'periodicite = "mensuelle"', 1), "périodicité « mensuelle »"),
        (('article = "§3.2"\n', ""), "(J3.2-a) : champ « article » manquant"),
        (('code = "J3.2-a"', 'code = "J3.2-a"\nechance = "2023"'), "champ(s) inconnu(s) : echance"),
    ],
)
def test_malformed_jalon_names_the_entry(tmp_path, catalogue_text, edit, message):
    old, new, *count = edit
    path = tmp_path / "catalogue.toml"
    path.write_text(catalogue_text.replace(old, new, *count), encoding="utf-8")
    with pytest.raises(DataFileError, match=re.escape(message)):
        load_catalogue(path)
