"""The HTML report seen in a real browser: Debian's Chromium driven by Playwright, offline.

The browser is never downloaded (no `playwright install`): the test uses /usr/bin/chromium and
fails, rather than skips, when it is missing, because "seen in a real browser" is part of what
the report promises. Install it with:

    apt-get install -y --no-install-recommends chromium fonts-nanum
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route
from report_cases import fleet, single

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import LANGS, Lang, text
from arcsupport.report.documents.assessment import sort_by_urgency
from arcsupport.report.html import render_html
from chromium import launched_chromium
from helpers import default_pack

HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium("the HTML report") as launched:
        yield launched


def _open_offline(browser: Browser, html: str, path: Path) -> tuple[Page, list[str]]:
    """Open the report from a file:// URL with every network request aborted and recorded."""
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1100, "height": 900}, offline=True)
    attempted: list[str] = []

    def refuse(route: Route) -> None:
        if route.request.url == path.as_uri():
            route.continue_()  # the report itself, read from disk
            return
        attempted.append(route.request.url)
        route.abort()

    context.route("**/*", refuse)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(path.as_uri(), wait_until="load")
    # The page itself is the only thing loaded; anything else would be a reference out.
    others = [url for url in requested if url != path.as_uri()]
    return page, list(dict.fromkeys(attempted + others))


def _distinct_colours(png: bytes) -> int:
    """Distinct RGB(A) pixel values of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, b""
    width = height = colour_type = 0
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour_type in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            chunks += body
        position += 12 + length
    channels = 3 if colour_type == 2 else 4
    stride = width * channels
    raw = zlib.decompress(chunks)
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                corner = previous[i - channels] if i >= channels else 0
                guess = left + up - corner
                near = min(
                    (abs(guess - left), 0, left),
                    (abs(guess - up), 1, up),
                    (abs(guess - corner), 2, corner),
                )
                line[i] = (line[i] + near[2]) & 0xFF
        # Every eighth pixel of every fourth row is plenty to tell a picture from a blank.
        if row % 4 == 0:
            colours.update(bytes(line[i : i + channels]) for i in range(0, stride, channels * 8))
        previous = line
    return len(colours)


def _check_report(
    browser: Browser, assessments: list[Assessment], lang: Lang, tmp_path: Path, name: str
) -> Page:
    html = render_html(assessments, default_pack(), lang)
    page, attempted = _open_offline(browser, html, tmp_path / f"{name}.{lang}.html")
    assert attempted == [], f"the report tried to reach the network: {attempted}"

    verdict = page.locator(".verdict .value").first
    expected = sort_by_urgency(assessments)[0].verdict  # the first cluster shown
    assert verdict.inner_text() == text(lang, f"ui.verdict.{expected}")
    for timeline in page.locator("svg.timeline").all():
        box = timeline.bounding_box()
        assert box is not None and box["width"] > 400 and box["height"] > 100

    shot = tmp_path / f"{name}.{lang}.png"
    page.screenshot(path=str(shot))
    picture = shot.read_bytes()
    assert len(picture) > 20_000
    assert _distinct_colours(picture) > 16, "the screenshot is blank"
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_single_report_renders_offline_and_prints(
    browser: Browser, lang: Lang, tmp_path: Path
) -> None:
    page = _check_report(browser, [single()], lang, tmp_path, "single")
    heading = page.locator("h1").inner_text()
    assert "edge-seoul-01" in heading
    assert bool(HANGUL.search(page.locator("body").inner_text())) == (lang == "ko")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-")
    (tmp_path / f"single.{lang}.pdf").write_bytes(pdf)


@pytest.mark.parametrize("lang", LANGS)
def test_fleet_report_puts_each_cluster_on_its_own_printed_page(
    browser: Browser, lang: Lang, tmp_path: Path
) -> None:
    assessments = fleet()
    page = _check_report(browser, assessments, lang, tmp_path, "fleet")
    assert page.locator("section.cluster").count() == 3
    pdf = page.pdf(format="A4", print_background=True)
    # The root of the page tree counts every page: the summary, then a break before each
    # cluster (so at least one page each).
    counts = [int(count) for count in re.findall(rb"/Type /Pages\s*/Count (\d+)", pdf)]
    assert counts and max(counts) >= 1 + len(assessments)


def test_blank_picture_is_told_apart_from_a_report(browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 300, "height": 200}, offline=True)
    page = context.new_page()
    page.set_content("<html><body style='background:#fff'></body></html>")
    assert _distinct_colours(page.screenshot()) == 1
