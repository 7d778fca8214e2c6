"""Debian's Chromium, launched by Playwright, for the tests that look at a page in a real
browser (the HTML report, the dashboard).

The browser is never downloaded (no `playwright install`): /usr/bin/chromium is used, and its
absence fails the test rather than skipping it, because "seen in a real browser" is part of
what those pages promise. The flags keep it off the network: without them Chromium reaches
for Google's hosts at every start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@contextmanager
def launched_chromium(checked: str) -> Iterator[Browser]:
    """`checked` names what the caller looks at, for the message when Chromium is missing."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing; {checked} is checked in Debian's Chromium. Install it "
            "with `apt-get install -y --no-install-recommends chromium fonts-nanum` "
            "(never `playwright install`)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()
