"""The campaign's dashboard ``tableau_de_bord.html``, rewritten by each ``cmacop run``."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import unquote

from cmacop.run.dashboard import render_dashboard
from cmacop.run.history import RunEntry, load_history, record_run
from cmacop.run.nightly import run_campaign
from cmacop.run.status import campaign_status

NO_BILANS = 2022


def page_of(root: Path) -> str:
    return (root / "tableau_de_bord.html").read_text(encoding="utf-8")


def links(page: str) -> list[str]:
    return [unquote(h) for h in re.findall(r'href="([^"]+)"', page)]


def test_the_example_run_writes_the_dashboard(processed_run, registry):
    root, result = processed_run
    assert result.dashboard == "tableau_de_bord.html"
    page = page_of(root)
    assert page.startswith('<!DOCTYPE html><html lang="fr">')
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")
    for chamber in registry.reporting:
        assert f"<strong>{chamber.code}</strong>" in page
    assert "Transmission des bilans de COM 2024 par les chambres" in page
    assert "28 février 2025" in page and "avant le 1er juillet 2025" in page
    assert "19 transmis · 1 hors délai · 0 rejeté · 0 manquant" in page
    assert "Atteinte des objectifs par axe (2024)" in page and "Axe 6 — Efficience" in page
    assert "Derniers passages de cmacop run" in page and "40 dépôts traités" in page
    assert "Bilans 2024 établis le 15 juin 2025" in page


def test_every_link_is_relative_and_leads_to_a_file(processed_run):
    root, _ = processed_run
    found = links(page_of(root))
    assert len(found) == 2 * 20 + 1  # annotated workbook and accusé per chamber, the bilan
    for link in found:
        assert not link.startswith(("/", "file:", "http")), link
        assert (root / link).is_file(), link
    assert "retours/2024/COM_2024_CMAR-84_controle.xlsx" in found
    assert "retours/2024/COM_2024_CMAR-84_accuse.txt" in found
    assert "bilans/2024/bilan_cop_2024.html" in found


def test_missing_and_late_chambers_come_first(new_campaign, revise, run_date):
    depot = new_campaign / "depot" / "2024"
    (depot / "COM_2024_CMAR-93.xlsx").unlink()
    revise(depot / "COM_2024_CMAR-11.xlsx", depot / "COM_2024_CMAR-11.xlsx", realised="NC")
    (depot / "COM_2024_CMAR-24.xlsx").unlink()
    run_campaign(new_campaign, today=run_date)  # the dashboard is of the bilans' year
    page = page_of(new_campaign)
    order = re.findall(r'<td data-titre="Chambre"><strong>([^<]+)</strong>', page)
    # Missing (registry order), then rejected (CMAR-11, its only file broken), then late.
    assert order[:4] == ["CMAR-24", "CMAR-93", "CMAR-11", "CMAR-02"]
    assert len(order) == 20
    assert "aucun fichier reçu" in page


def test_a_run_that_stops_is_in_the_history_and_on_the_dashboard(processed_campaign):
    shutil.move(processed_campaign / "depot", processed_campaign / "depot_ailleurs")
    try:
        run_campaign(processed_campaign)
    except Exception as exc:  # the configuration error is the run's to raise
        assert "dossier de dépôt introuvable" in str(exc)
    runs = load_history(processed_campaign / "journal" / "passages.json")
    assert runs[-1].error is not None and runs[-1].exit_code == 4
    assert "arrêté : dossier de dépôt introuvable" in page_of(processed_campaign)


def test_a_dashboard_that_cannot_be_written_never_fails_the_run(processed_campaign):
    page = processed_campaign / "tableau_de_bord.html"
    page.unlink()
    page.mkdir()  # something in the way
    result = run_campaign(processed_campaign)
    assert result.exit_code == 0 and result.dashboard is None
    log = (processed_campaign / "journal" / "cmacop.log").read_text(encoding="utf-8")
    assert "ATTENTION" in log and "tableau de bord non écrit" in log


def test_runs_with_nothing_new_are_one_line_and_ten_are_kept(tmp_path):
    path = tmp_path / "passages.json"

    def entry(hour: int, processed: int = 0) -> RunEntry:
        start = datetime(2025, 3, 3, hour, tzinfo=UTC).isoformat()
        return RunEntry(start, start, processed=processed, accepted=processed)

    record_run(path, entry(0, processed=3))
    for hour in range(1, 5):
        record_run(path, entry(hour))
    runs = load_history(path)
    assert len(runs) == 2 and runs[-1].repeats == 4
    assert runs[-1].first == datetime(2025, 3, 3, 1, tzinfo=UTC).isoformat()
    for hour in range(5, 20):
        record_run(path, entry(hour, processed=1))
    runs = load_history(path)
    assert len(runs) == 10 and runs[-1].start == datetime(2025, 3, 3, 19, tzinfo=UTC)
    path.write_text("{ abîmé", encoding="utf-8")
    assert load_history(path) == []


def test_text_from_the_drive_is_escaped(processed_campaign):
    status = campaign_status(processed_campaign, today=date(2025, 3, 10))
    hostile = replace(
        status.chambers[0],
        name="<script>alert(1)</script>",
        last_file='depot/2024/x"><img src=y onerror=alert(1)>.xlsx',
        feedback='retours/2024/a b"c.xlsx',
    )
    page = render_dashboard(replace(status, chambers=(hostile,)), datetime.now(UTC))
    assert "<script>alert(1)" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="retours/2024/a%20b%22c.xlsx"' in page


def test_the_days_left_before_the_deadline(processed_campaign):
    status = campaign_status(processed_campaign, today=date(2025, 2, 16))
    page = render_dashboard(status, datetime(2025, 2, 16, 2, tzinfo=UTC))
    assert "<strong>28 février 2025</strong>Dans 12 jours" in page
    assert "<strong>30 juin 2025</strong>Dans 134 jours" in page


def test_a_warning_justified_after_the_run_shows_on_the_next_dashboard(processed_campaign):
    """The justifications file is read again as soon as it changes (open → justified)."""
    import polars as pl

    from cmacop.consolidate.store import FINDINGS, Store

    before = campaign_status(processed_campaign)
    row = next(c for c in before.chambers if c.chamber == "CMAR-84")
    found = (
        Store(processed_campaign / "consolidation")
        .read(FINDINGS, 2024)
        .filter((pl.col("chambre") == "CMAR-84") & (pl.col("gravite") != "erreur"))
        .filter(pl.col("indicateur").is_not_null())
        .row(0, named=True)
    )
    with (processed_campaign / "referentiel" / "justifications.csv").open(
        "a", encoding="utf-8"
    ) as fh:
        fh.write(f"CMAR-84,2024,{found['indicateur']},{found['code']},Expliqué au contrôleur.\n")
    now = next(c for c in campaign_status(processed_campaign).chambers if c.chamber == "CMAR-84")
    assert now.justified == row.justified + 1  # statut: read again, no run needed
    run_campaign(processed_campaign)  # the bilans are rebuilt (an input changed), and the page
    after = next(c for c in campaign_status(processed_campaign).chambers if c.chamber == "CMAR-84")
    assert (after.warnings, after.justified) == (row.warnings - 1, row.justified + 1)
    page = page_of(processed_campaign)
    cell = page.split("<strong>CMAR-84</strong>", 1)[1].split("</tr>", 1)[0]
    assert f"{after.warnings} avertissements ouverts" in cell
    assert f"{after.justified} justifié" in cell
