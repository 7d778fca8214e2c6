"""The dashboard in a real browser: Debian's Chromium driven by Playwright against the app served
on loopback. Each page in both languages at a laptop's width and at a phone's (390 px), a
keyboard-only path through sign-in, a filter, a grant and an access request approved, the
landmarks, labels and contrast, and no request anywhere but the service.

The browser is never downloaded: /usr/bin/chromium is used, and its absence fails the test
(install it with `apt-get install -y --no-install-recommends chromium fonts-nanum`).
Screenshots go to $ARCSUPPORT_SCREENSHOTS when set (docs/dashboard.png is one of them), else to
a temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from dashboard_kit import Fleet
from playwright.sync_api import Browser, BrowserContext, Page, Route
from service_kit import Served, auth

from arcsupport.i18n import LANGS, Lang
from chromium import launched_chromium

LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

# The contrast of every text (WCAG 2.1: 4.5:1, 3:1 when large) and the page's structure, measured
# in the page by scripts kept beside this file.
_CONTRAST = (Path(__file__).parent / "contrast.js").read_text()
_STRUCTURE = (Path(__file__).parent / "structure.js").read_text()


@dataclass
class Visit:
    context: BrowserContext
    page: Page
    origin: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium("the dashboard") as launched:
        yield launched


@pytest.fixture(scope="module")
def server(fleet: Fleet) -> Iterator[Served]:
    served = Served(fleet.service.app).start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("ARCSUPPORT_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        return Path(wanted)
    return tmp_path_factory.mktemp("screens")


@pytest.fixture
def visit(browser: Browser, server: Served) -> Iterator[Any]:
    opened: list[Visit] = []

    def open_at(viewport: dict[str, int], lang: Lang = "en") -> Visit:
        context = browser.new_context(
            viewport=viewport, locale="ko-KR" if lang == "ko" else "en-US"
        )
        visit = Visit(context, context.new_page(), server.url)

        def only_the_service(route: Route) -> None:
            if route.request.url.startswith(server.url + "/"):
                route.continue_()
                return
            visit.outside.append(route.request.url)
            route.abort()

        context.route("**/*", only_the_service)
        visit.page.on(
            "console", lambda message: message.type == "error" and visit.errors.append(message.text)
        )
        visit.page.on("pageerror", lambda error: visit.errors.append(str(error)))
        opened.append(visit)
        return visit

    yield open_at
    for visit in opened:
        visit.context.close()


def sign_in(visit: Visit, token: str, lang: Lang) -> None:
    page = visit.page
    page.goto(f"{visit.origin}/?lang={lang}")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_selector("#clusters")


def check_page(visit: Visit, name: str, screens: Path, lang: Lang) -> dict[str, Any]:
    page = visit.page
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screens / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.lang") == lang, name
    assert page.evaluate("typeof window.htmx") == "object", name  # the vendored script ran
    structure: dict[str, Any] = page.evaluate(_STRUCTURE)
    assert structure["unlabelled"] == [], name
    assert (structure["banner"], structure["main"], structure["contentinfo"]) == (1, 1, 1), name
    assert all(structure["navs"]), name  # every navigation landmark is named
    assert structure["h1"] == 1, name
    assert page.evaluate(_CONTRAST) == [], name
    assert visit.outside == [], name
    assert visit.errors == [], name
    return structure


@pytest.mark.parametrize("lang", LANGS)
def test_each_page_in_each_language_at_a_laptops_width(
    visit: Any, fleet: Fleet, screens: Path, lang: Lang
) -> None:
    opened: Visit = visit(LAPTOP, lang)
    page = opened.page
    page.goto(f"{opened.origin}/?lang={lang}")
    check_page(opened, f"sign-in-{lang}", screens, lang)
    sign_in(opened, fleet.tokens["admin"], lang)
    check_page(opened, f"fleet-{lang}", screens, lang)
    rows = page.locator("#clusters tbody tr")
    assert rows.count() == len(fleet.clusters)
    text = page.inner_text("main")
    assert ("클러스터" in text) is (lang == "ko")
    # One click to the cluster.
    page.click("#clusters tbody tr:first-child th a")
    page.wait_for_selector("svg.timeline")
    check_page(opened, f"cluster-{lang}", screens, lang)
    assert page.locator("svg.timeline rect.marker").count() >= 1
    page.goto(f"{opened.origin}/clusters/{fleet.clusters['stopped']}?lang={lang}")
    check_page(opened, f"cluster-stopped-{lang}", screens, lang)
    page.goto(f"{opened.origin}/support?lang={lang}")
    check_page(opened, f"support-{lang}", screens, lang)
    assert page.locator("table.grants tbody tr").count() >= 1


@pytest.mark.parametrize("lang", LANGS)
def test_each_page_fits_a_phone(visit: Any, fleet: Fleet, screens: Path, lang: Lang) -> None:
    opened: Visit = visit(PHONE, lang)
    page = opened.page
    page.goto(f"{opened.origin}/?lang={lang}")
    assert check_page(opened, f"phone-sign-in-{lang}", screens, lang)["overflow"] == 0
    sign_in(opened, fleet.tokens["admin"], lang)
    for name, path in (
        ("fleet", "/"),
        ("cluster", f"/clusters/{fleet.clusters['disconnected-40d']}"),
        ("support", "/support"),
    ):
        page.goto(f"{opened.origin}{path}?lang={lang}")
        structure = check_page(opened, f"phone-{name}-{lang}", screens, lang)
        # Wide tables and the timeline scroll inside their own box, never the page.
        assert structure["overflow"] == 0, name
        assert page.evaluate("document.querySelector('main').getBoundingClientRect().width") <= 390


def _tab_to(page: Page, check: str, backwards: bool = False, limit: int = 80) -> None:
    """Tab (or Shift+Tab) until the focused element satisfies `check` (a JS expression on `e`)."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return !!({check}); }})()"):
            return
    raise AssertionError(f"no focusable element matched {check}")


def test_sign_in_filter_grant_request_and_approval_by_keyboard_alone(
    visit: Any, fleet: Fleet, screens: Path
) -> None:
    opened: Visit = visit(LAPTOP)
    page = opened.page
    page.goto(f"{opened.origin}/?lang=en")
    # The first stop is the skip link, shown when focused.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0
    _tab_to(page, "e.id === 'token'")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type(fleet.tokens["admin"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#clusters")
    # A filter: the verdict select, changed with the arrow keys; htmx swaps the list and
    # puts the filter in the address.
    _tab_to(page, "e.id === 'filter-verdict'")
    with page.expect_response(lambda response: "verdict=unsupported" in response.url):
        page.keyboard.press("ArrowDown")  # All -> the first verdict, unsupported
    # (wait_for_url, not wait_for_function: that evaluates a string, which the CSP forbids.)
    page.wait_for_url(lambda url: "verdict=unsupported" in url)
    page.wait_for_load_state("networkidle")
    badges = page.locator("#clusters tbody td:nth-child(2) .badge:first-child")
    assert badges.count() >= 1
    assert set(badges.all_inner_texts()) == {"unsupported"}
    page.screenshot(path=str(screens / "keyboard-filtered.png"), full_page=True)
    # To the support side, back up through the page to the navigation.
    _tab_to(page, "e.textContent.trim() === 'Support access'", backwards=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "e.id === 'grant-cluster'")
    page.keyboard.press("ArrowDown")
    chosen = page.evaluate("document.activeElement.value")  # a cluster id
    _tab_to(page, "e.id === 'grant-engineer'")
    page.keyboard.type("kai@contoso.example")
    _tab_to(page, "e.value === 'run-commands'")
    page.keyboard.press("Space")
    _tab_to(page, "e.id === 'grant-for'")
    page.keyboard.press("Control+A")
    page.keyboard.type("4h")
    _tab_to(page, "e.id === 'grant-case'")
    page.keyboard.type("CASE-KEYS")
    _tab_to(page, "e.id === 'grant-approved-by'")
    page.keyboard.type("olga@contoso.example")
    _tab_to(page, "e.type === 'submit' && e.closest('form.grid-form')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".done")
    row = page.locator("table.grants tbody tr", has_text="CASE-KEYS")
    assert row.count() == 1
    assert "view-logs, run-commands" in row.inner_text()
    granted = fleet.service.client().get(
        f"/api/v1/access/grants?cluster={chosen}", headers=auth(fleet.tokens["admin"])
    )
    assert "CASE-KEYS" in {grant["case"] for grant in granted.json()["grants"]}
    page.screenshot(path=str(screens / "keyboard-granted.png"), full_page=True)
    # An engineer's request, then the owner's approval of it: the grant the request asked for.
    _tab_to(page, "e.id === 'request-engineer'", backwards=True, limit=200)
    page.keyboard.type("ren@contoso.example")
    _tab_to(page, "e.id === 'request-case'")
    page.keyboard.type("CASE-ASKED")
    _tab_to(page, "e.id === 'request-reason'")
    page.keyboard.type("kubelet restarts on node 3")
    _tab_to(page, "e.type === 'submit' && e.closest('form.grid-form')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".done")
    pending = page.locator("table.requests tbody tr", has_text="CASE-ASKED")
    assert "pending" in pending.inner_text()
    _tab_to(page, "e.id && e.id.startsWith('approve-by-')", backwards=True, limit=200)
    page.keyboard.type("olga@contoso.example")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".done")
    approved = page.locator("table.requests tbody tr", has_text="CASE-ASKED")
    assert "approved" in approved.inner_text()
    assert page.locator("table.grants tbody tr", has_text="CASE-ASKED").count() == 1
    page.screenshot(path=str(screens / "keyboard-approved.png"), full_page=True)
    assert opened.outside == [] and opened.errors == []
