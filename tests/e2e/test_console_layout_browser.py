"""Every console page in Chromium as the admin: no serious or critical accessibility violation
(axe-core, injected by the test only), the menu on one line at 1366 px, and nothing wider than
the screen at 390 px (the menu collapses behind a toggle that opens it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signage_testing.processes import Instance
from tests.e2e.stack import PASSWORD, chromium, server_log, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]
AXE = Path(__file__).parents[2] / "signage/web/static/vendor/axe-core/axe.min.js"
FORMS = [
    "/boards/new",
    "/content/new",
    "/alerts/new",
    "/boards/import",
    "/boards/groups",
    "/schedules/new",
    "/users/new",
    "/notifications/",
    "/notifications/subscriptions",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo, served, with one alert on air (its progress page is a console page too)."""
    instance = Instance(tmp_path_factory.mktemp("layout-e2e"), SIGNAGE_DEMO_PASSWORD=PASSWORD)
    try:
        instance.run("db", "upgrade")
        instance.run("seed-demo")
        url = instance.serve()
        admin = instance.api(url, "admin")
        alert = admin("POST", "/alerts", {"template": "storm", "boards": ["HN-BD-001"]}, expect=201)
        FORMS.append(f"/alerts/{alert['id']}")
        yield url, instance.log_path
    finally:
        instance.close()


def console_pages(page: Any, url: str) -> list[str]:
    """The menu's pages, a board, a content item, the forms and the alert (paths)."""
    sign_in(page, url)
    menu = page.eval_on_selector_all("#nav-main a", "links => links.map(a => a.pathname)")
    found = []
    for listing, pattern in (
        ("/boards/", "#boards-table tbody a[href^='/boards/']"),
        ("/content/", "main a[href^='/content/']"),
    ):
        page.goto(url + listing)
        links = page.eval_on_selector_all(pattern, "links => links.map(a => a.pathname)")
        detail = [p for p in links if p.rstrip("/").split("/")[-1].replace("-", "").isalnum()]
        detail = [p for p in detail if p.count("/") == 2 and p.split("/")[2] not in ("new", "")]
        assert detail, f"no detail page linked from {listing}"
        found.append(detail[0])
    return list(dict.fromkeys([*menu, *found, *FORMS]))


def axe_problems(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"
    )
    return [json.dumps(v, ensure_ascii=False) for v in result]


def test_every_console_page_passes_axe(server: tuple[str, Path]) -> None:
    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        # The CSP (rightly) refuses the injected script: only this test's page bypasses it.
        page = browser.new_page(viewport={"width": 1366, "height": 768}, bypass_csp=True)
        page.set_default_timeout(30_000)
        paths = console_pages(page, url)
        problems = {}
        for path in paths:
            resp = page.goto(url + path)
            assert resp is not None and resp.status == 200, path
            found = axe_problems(page)
            if found:
                problems[path] = found
        assert problems == {}


def test_the_menu_is_one_line_at_1366(server: tuple[str, Path]) -> None:
    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        sign_in(page, url)
        tops = page.eval_on_selector_all(
            "#nav-main > .nav-item, #mainnav .btn-group, #my-account, #mainnav form button",
            "els => els.map(e => Math.round(e.getBoundingClientRect().top + e.offsetHeight / 2))",
        )
        assert len(tops) >= 12
        assert max(tops) - min(tops) <= 4, tops


def test_no_page_is_wider_than_a_phone(server: tuple[str, Path]) -> None:
    from playwright.sync_api import expect

    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        wide = browser.new_page(viewport={"width": 1366, "height": 768})
        paths = console_pages(wide, url)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        sign_in(page, url)
        menu = page.locator("#mainnav")
        expect(menu).to_be_hidden()
        page.locator(".navbar-toggler").click()
        expect(menu).to_be_visible()
        expect(page.locator(".navbar-toggler")).to_have_attribute("aria-expanded", "true")
        wider = {}
        for path in paths:
            page.goto(url + path)
            width = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
            if width[0] > width[1]:
                wider[path] = width
        assert wider == {}
