"""The dashboard in a real browser (Chromium headless, as the HTML bilan is tested).

It loads alone (no request but the page, no script, no console error), its links lead
to the campaign's files, it reads on a phone without sideways scrolling, and it prints
on A4.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from test_report_browser import CHROMIUM, Browser

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium n'est pas installé")


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path / "profil")
    yield b
    b.close()


def _evaluate(browser: Browser, expression: str):
    found = browser.call(
        "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True
    )
    return found["result"]["value"]


def test_the_dashboard_loads_alone_without_script_or_error(browser, processed_run):
    root, _ = processed_run
    url = (root / "tableau_de_bord.html").as_uri()
    browser.load(url)
    requested = [r["request"]["url"] for r in browser.named("Network.requestWillBeSent")]
    assert requested == [url]
    assert browser.named("Runtime.exceptionThrown") == []
    assert [e for e in browser.named("Log.entryAdded") if e["entry"]["level"] == "error"] == []
    assert _evaluate(browser, "document.scripts.length") == 0
    assert _evaluate(browser, "document.documentElement.lang") == "fr"
    assert _evaluate(browser, "document.title") == "Campagne 2024 — tableau de bord cmacop"
    rows = _evaluate(browser, "document.querySelectorAll('table.chambres tbody tr').length")
    assert rows >= 20
    assert _evaluate(browser, "document.querySelectorAll('svg').length") == 2  # summary, axes


def test_its_links_lead_to_the_campaigns_files(browser, processed_run):
    root, _ = processed_run
    browser.load((root / "tableau_de_bord.html").as_uri())
    hrefs = _evaluate(browser, "[...document.querySelectorAll('a')].map(a => a.href)")
    assert len(hrefs) == 41
    for href in hrefs:
        parsed = urlparse(href)
        assert parsed.scheme == "file"
        target = Path(unquote(parsed.path))
        assert target.is_file() and root.resolve() in target.resolve().parents, href


def test_it_reads_on_a_phone(browser, processed_run):
    root, _ = processed_run
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True},
        session=True,
    )
    browser.load((root / "tableau_de_bord.html").as_uri())
    width = _evaluate(browser, "document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling
    header = _evaluate(
        browser,
        "getComputedStyle(document.querySelector('table.chambres thead')).display",
    )
    assert header == "none"  # each chamber is a card: label and value on their own lines
    label = _evaluate(
        browser,
        "getComputedStyle(document.querySelector('table.chambres td'), '::before').content",
    )
    assert label == '"Chambre : "'


def test_it_prints_on_a4(browser, processed_run):
    root, _ = processed_run
    browser.load((root / "tableau_de_bord.html").as_uri())
    pdf = base64.b64decode(
        browser.call("Page.printToPDF", {"preferCSSPageSize": True}, session=True)["data"]
    )
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [0 0 594.95996 841.91998]" in pdf  # A4 portrait, in points
