"""The HTML bilan in a real browser: Chromium headless driven through the DevTools protocol.

The page must load with no request other than the file itself and no console
error, and print to A4 (portrait, and landscape for the wide TFCMA tables).
Chromium talks to the test over ``--remote-debugging-pipe`` (fds 3 and 4,
messages terminated by a NUL byte): no port, no network.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cmacop.render import render_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium n'est pas installé")
TIMEOUT = 60.0


# Chromium reads commands on fd 3 and writes answers on fd 4: a tiny trampoline puts the
# pipe ends there (whatever numbers they had) and then becomes Chromium.
TRAMPOLINE = (
    "import fcntl, os, sys\n"
    "read, write = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])\n"
    "os.dup2(read, 3, inheritable=True)\n"
    "os.dup2(write, 4, inheritable=True)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


class Browser:
    """A headless Chromium and one page, spoken to over the DevTools pipe."""

    def __init__(self, profile: Path) -> None:
        to_child, self._write = os.pipe()
        self._read, from_child = os.pipe()
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-default-apps", "--disable-extensions", f"--user-data-dir={profile}",
            "--remote-debugging-pipe", "about:blank",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                TRAMPOLINE,
                str(to_child),
                str(from_child),
                str(CHROMIUM),
                *flags,
            ],
            pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._read], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium ne répond pas")
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise EOFError("Chromium s'est arrêté")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = False
    ) -> Any:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            answer = self._message(deadline)
            if answer.get("id") == self._id:
                assert "error" not in answer, answer
                return answer["result"]
            self.events.append(answer)

    def load(self, url: str) -> None:
        """Navigate and wait for the load event, then for the page to be idle."""
        self.call("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + TIMEOUT
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._message(deadline))
        self.call(
            "Runtime.evaluate",
            {"expression": "document.fonts.ready", "awaitPromise": True},
            session=True,
        )

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (EOFError, TimeoutError, OSError):
            pass
        finally:
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            os.close(self._read)
            os.close(self._write)

    def named(self, method: str) -> list[dict[str, Any]]:
        return [e["params"] for e in self.events if e.get("method") == method]


@pytest.fixture
def html_bilans(report_inputs, tmp_path) -> dict[str, Path]:
    out = tmp_path / "html"
    result = render_report(
        report_inputs, out_dir=out, generated_on=date(2025, 6, 15), formats="html"
    )
    return {d.scope: d.path for d in result.documents}


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path / "profil")
    yield b
    b.close()


@pytest.mark.parametrize("scope", ["national", "CMAR-53", "CMAR-06"])
def test_page_loads_alone_and_without_console_error(browser, html_bilans, scope):
    url = html_bilans[scope].as_uri()
    browser.load(url)
    requested = [r["request"]["url"] for r in browser.named("Network.requestWillBeSent")]
    assert requested == [url]
    console = [
        c for c in browser.named("Runtime.consoleAPICalled") if c["type"] in ("error", "warning")
    ]
    assert console == []
    assert browser.named("Runtime.exceptionThrown") == []
    assert [e for e in browser.named("Log.entryAdded") if e["entry"]["level"] == "error"] == []
    title = browser.call("Runtime.evaluate", {"expression": "document.title"}, session=True)
    assert title["result"]["value"].startswith("Bilan")


def test_xss_comment_is_text_in_the_dom(browser, html_bilans):
    browser.load(html_bilans["national"].as_uri())
    script = (
        "[document.scripts.length, document.body.innerText.includes('<script>alert(1)</script>')]"
    )
    found = browser.call(
        "Runtime.evaluate", {"expression": script, "returnByValue": True}, session=True
    )
    assert found["result"]["value"] == [0, True]


def test_prints_on_a4_with_landscape_tables(browser, html_bilans):
    browser.load(html_bilans["national"].as_uri())
    pdf = base64.b64decode(
        browser.call("Page.printToPDF", {"preferCSSPageSize": True}, session=True)["data"]
    )
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [0 0 594.95996 841.91998]" in pdf  # A4 portrait, in points
    assert b"/MediaBox [0 0 841.91998 594.95996]" in pdf  # A4 landscape (TFCMA tables)
    assert (
        pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") >= 5
    )
