"""The bilan's own reference files: timetable, jalons' follow-up, COM signatures, préfets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cmacop.cop.followup import (
    JALON_STATUSES,
    OVERDUE,
    SENT_LATE,
    SENT_ON_TIME,
    TO_SEND,
    CalendarStep,
    JalonFollowUp,
    jalon_states,
    read_appreciations,
    read_calendar,
    read_follow_up,
    read_signatures,
    timetable,
)
from cmacop.cop.jalons import Jalon
from cmacop.errors import DataFileError


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_follow_up_reads_french_excel_csv(tmp_path, catalogue):
    path = _write(
        tmp_path,
        "suivi_jalons.csv",
        "jalon;annee;statut;date;commentaire\n"
        "J10.1-a;2023;fait;15/12/2023;SIRH déployé dans les 21 établissements\n"
        "J10.1-i;2024;En cours;;recette du module analytique\n",
        "cp1252",
    )
    rows = read_follow_up(path, catalogue)
    assert rows == (
        JalonFollowUp(
            "J10.1-a", 2023, "fait", date(2023, 12, 15), "SIRH déployé dans les 21 établissements"
        ),
        JalonFollowUp("J10.1-i", 2024, "en cours", None, "recette du module analytique"),
    )
    assert JALON_STATUSES == ("fait", "en cours", "non commencé", "abandonné")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("J99-z,2024,fait,,", "ligne 2, colonne « jalon » : jalon « J99-z » absent du catalogue"),
        ("J10.1-a,2024,terminé,,", "ligne 2, colonne « statut » : « terminé » inconnu"),
        ("J10.1-a,2024,fait,31/02/2024,", "ligne 2, colonne « date » : « 31/02/2024 » n'est pas"),
        ("J10.1-a,deux mille,fait,,", "ligne 2, colonne « annee » : « deux mille » n'est pas"),
        ("J10.1-a,2024,fait,,\nJ10.1-a,2024,en cours,,", "ligne 3, colonne « jalon » : jalon"),
    ],
)
def test_follow_up_errors_name_the_line(tmp_path, catalogue, lines, message):
    path = _write(tmp_path, "suivi_jalons.csv", f"jalon,annee,statut,date,commentaire\n{lines}\n")
    with pytest.raises(DataFileError) as info:
        read_follow_up(path, catalogue)
    assert f"suivi_jalons.csv, {message}" in str(info.value)


def test_follow_up_needs_its_exact_columns(tmp_path, catalogue):
    path = _write(tmp_path, "suivi_jalons.csv", "jalon,annee,etat\nJ10.1-a,2024,fait\n")
    with pytest.raises(DataFileError, match="colonne\\(s\\) manquante\\(s\\) : statut, date"):
        read_follow_up(path, catalogue)


def test_calendar_and_its_errors(tmp_path):
    path = _write(
        tmp_path,
        "calendrier_bilan.csv",
        "annee,etape,date,commentaire\n2024,Bureau élargi,2025-05-20,\n"
        "2024,transmission au ministre,27/06/2025,courrier du président\n",
    )
    assert read_calendar(path) == (
        CalendarStep(2024, "bureau élargi", date(2025, 5, 20)),
        CalendarStep(2024, "transmission au ministre", date(2025, 6, 27), "courrier du président"),
    )
    bad = _write(tmp_path, "c.csv", "annee,etape,date\n2024,conseil,2025-05-20\n")
    with pytest.raises(DataFileError, match=r"c\.csv, ligne 2, colonne « etape » : « conseil »"):
        read_calendar(bad)


def test_signatures_are_for_cmar_only(tmp_path, registry):
    path = _write(
        tmp_path,
        "signatures_com.csv",
        "chambre,date_signature,commentaire\nCMAR-84,2023-06-30,\nCMAR-06,,en négociation\n",
    )
    signed = read_signatures(path, registry)
    assert signed["CMAR-84"].signed_on == date(2023, 6, 30)
    assert signed["CMAR-06"].signed_on is None and signed["CMAR-06"].comment == "en négociation"
    bad = _write(tmp_path, "s.csv", "chambre,date_signature\nCM-ALSACE,2023-06-30\n")
    with pytest.raises(DataFileError, match="ligne 2, colonne « chambre » : CM-ALSACE"):
        read_signatures(bad, registry)


def test_appreciations(tmp_path, registry):
    path = _write(
        tmp_path,
        "appreciations_prefet.csv",
        "chambre;annee;date;appreciation\nCMAR-53;2024;02/04/2025;Bilan sincère et étayé.\n",
    )
    found = read_appreciations(path, registry)
    assert found["CMAR-53", 2024].text == "Bilan sincère et étayé."
    empty = _write(tmp_path, "a.csv", "chambre,annee,date,appreciation\nCMAR-53,2024,,\n")
    with pytest.raises(DataFileError, match="colonne « appreciation » : appréciation vide"):
        read_appreciations(empty, registry)


@pytest.mark.parametrize(
    ("steps", "today", "state", "met"),
    [
        ((), date(2025, 6, 15), TO_SEND, None),
        ((), date(2025, 7, 1), OVERDUE, False),
        (
            ((("transmission au ministre", date(2025, 6, 30))),),
            date(2025, 9, 1),
            SENT_ON_TIME,
            True,
        ),
        (((("transmission au ministre", date(2025, 7, 1))),), date(2025, 9, 1), SENT_LATE, False),
    ],
)
def test_timetable_deadline_is_before_1_july(steps, today, state, met):
    given = [CalendarStep(2024, step, on) for step, on in steps]
    t = timetable(2024, [*given, CalendarStep(2023, "commission", date(2024, 6, 2))], today)
    assert t.deadline == date(2025, 7, 1)
    assert (t.state, t.met) == (state, met)
    assert t.steps[0].step == "bureau élargi" and len(t.steps) == 4
    assert t.to_dict()["delai_respecte"] is met


def test_timetable_order_follows_annex_i():
    steps = [
        CalendarStep(2024, "assemblée générale", date(2025, 6, 1)),
        CalendarStep(2024, "commission", date(2025, 6, 10)),
    ]
    assert not timetable(2024, steps, date(2025, 6, 15)).in_order


def test_jalon_states_late_done_and_carried():
    jalons = [
        Jalon("A", "§1", "a", "CMAR", 1, due="2023"),
        Jalon("B", "§1", "b", "CMAR", 1, due="2024-06"),
        Jalon("C", "§1", "c", "CMAR", 1, due="2027"),
        Jalon("D", "§1", "d", "CMAR", 1),
        Jalon("E", "§1", "e", "CMAR", 1, periodicity="annuelle"),
    ]
    follow = [
        JalonFollowUp("A", 2023, "fait", date(2024, 3, 1)),  # done after its deadline
        JalonFollowUp("B", 2023, "en cours", None),
        JalonFollowUp("E", 2023, "fait", None),  # last year's: not this year's
    ]
    states = {s.jalon.code: s for s in jalon_states(jalons, follow, 2024)}
    assert set(states) == {"A", "B", "D", "E"}  # C is due in 2027
    assert (states["A"].status, states["A"].late, states["A"].done_late) == ("fait", False, True)
    assert (states["B"].status, states["B"].late, states["B"].from_year) == ("en cours", True, 2023)
    assert (states["D"].status, states["D"].late) == (None, False)
    assert states["E"].status is None


def test_a_comment_holding_the_separator_must_be_quoted(tmp_path, catalogue):
    """Never a comment silently cut at a « ; »: the line is refused, with the cure."""
    cut = _write(
        tmp_path,
        "suivi_jalons.csv",
        "jalon;annee;statut;date;commentaire\nJ10.1-i;2024;en cours;;modèle validé ; 2025\n",
    )
    with pytest.raises(DataFileError) as info:
        read_follow_up(cut, catalogue)
    assert "suivi_jalons.csv, ligne 2 : plus de cellules que de colonnes" in str(info.value)
    assert "guillemets" in (info.value.hint or "")
    quoted = _write(
        tmp_path,
        "suivi_jalons.csv",
        'jalon;annee;statut;date;commentaire\nJ10.1-i;2024;en cours;;"modèle validé ; 2025"\n',
    )
    assert read_follow_up(quoted, catalogue)[0].comment == "modèle validé ; 2025"


def test_the_example_campaign_tells_a_believable_story(catalogue, registry):
    """Most commitments done, a few late; one CMAR without a signed COM."""
    from conftest import EXAMPLE_CAMPAIGN

    ref = EXAMPLE_CAMPAIGN / "referentiel"
    follow = read_follow_up(ref / "suivi_jalons.csv", catalogue)
    states = jalon_states(catalogue.jalons, follow, 2024)
    done = sum(1 for s in states if s.status == "fait")
    late = [s.jalon.code for s in states if s.late]
    assert done > len(states) / 2 and 1 <= len(late) <= 6
    signed = read_signatures(ref / "signatures_com.csv", registry)
    assert len(signed) == 18 and [c for c, s in signed.items() if s.signed_on is None] == [
        "CMAR-03"
    ]
    t = timetable(2023, read_calendar(ref / "calendrier_bilan.csv"), date(2024, 9, 1))
    assert (t.state, t.met) == (SENT_ON_TIME, True)
    assert read_appreciations(ref / "appreciations_prefet.csv", registry)
