"""What the e2e tests of the players share on top of signage_testing.processes: the demo
installation served, the Python player next to a server, the browser's waits and pairing."""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from signage_testing.processes import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Api,
    Instance,
    PlayerProcess,
    Server,
    pair,
)

PASSWORD = "e2e-demo-password-1"
REDIS = os.environ.get("SIGNAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WAIT = 60_000  # ms: generous, the machine is shared


def demo_server(tmp_path: Path) -> Iterator[Server]:
    """The demo installation with an approver for area 31, served; closed afterwards."""
    instance = Instance(tmp_path, SIGNAGE_DEMO_PASSWORD=PASSWORD, SIGNAGE_NEW_PASSWORD=PASSWORD)
    try:
        instance.run("db", "upgrade")
        instance.run("seed-demo")
        instance.run("users", "create", "e2e-approver", "--role", "approver", "--area", "31")
        srv = instance.server()
        srv.start()
        yield srv
    finally:
        instance.close()


@contextmanager
def console_server(
    tmp_path: Path, prepare: Callable[[Instance], None] | None = None
) -> Iterator[tuple[str, Path]]:
    """The real `signage` command on a temp instance: migrated, demo seeded, `prepare`d, served.
    Yields the URL and the server's log; a step that fails fails the test with its output."""
    import pytest

    instance = Instance(tmp_path, SIGNAGE_DEMO_PASSWORD=PASSWORD)
    try:
        try:
            instance.run("db", "upgrade")
            instance.run("seed-demo")
            if prepare is not None:
                prepare(instance)
            url = instance.serve()
        except RuntimeError as exc:
            pytest.fail(str(exc))
        yield url, instance.log_path
    finally:
        instance.close()


def sign_in(page: Any, url: str, user: str = "admin") -> None:
    """Sign in on the Vietnamese sign-in page with the demo password; waits for the home page."""
    page.goto(url + "/login")
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(url + "/")


def server_log(log_path: Path) -> Callable[[], str]:
    """What a failing browser test prints: the server's log."""
    return lambda: f"--- server log ({log_path}) ---\n{log_path.read_text(encoding='utf-8')}"


def player_stack(tmp_path: Path, **env: str) -> Iterator[tuple[Instance, Server, PlayerProcess]]:
    """An instance (not migrated yet), its server (not started yet) and a Python player of it
    (not started yet); everything stopped afterwards."""
    instance = Instance(tmp_path, SIGNAGE_STATUS_FLUSH_SECONDS="1", **env)
    server = instance.server()
    player = PlayerProcess(tmp_path, server.url)
    try:
        yield instance, server, player
    finally:
        player.stop()
        instance.close()


def two_processes(tmp_path: Path, user: str) -> Iterator[tuple[Instance, str, str, str, dict]]:
    """Two `signage serve` processes on one database (PostgreSQL in CI's second pass), joined by
    the Redis message queue; (instance, first URL, second URL, `user`'s API token, board tokens).
    """
    instance = Instance(
        tmp_path,
        SIGNAGE_MESSAGE_QUEUE=REDIS,
        # Pub/sub ignores the Redis database number: a channel of its own keeps other runs out.
        SIGNAGE_MESSAGE_QUEUE_CHANNEL=f"signage-e2e-{secrets.token_hex(4)}",
        SIGNAGE_DEMO_PASSWORD="e2e-pass-1",
    )
    try:
        instance.run("db", "upgrade")
        instance.run("seed-demo")
        board_tokens = instance.board_tokens(tmp_path / "tokens.csv")
        token = instance.run("tokens", "create", "--user", user).strip()
        yield instance, instance.serve(), instance.serve(), token, board_tokens
    finally:
        instance.close()


def approved_item(admin: Api, approver: Api, headline: str) -> int:
    item = admin(
        "POST",
        "/content",
        {"area": "31", "category": "health_epidemic", "headline": headline, "body": "E2E"},
        expect=201,
    )
    admin("POST", f"/content/{item['id']}/submit")
    approver("POST", f"/content/{item['id']}/approve", {"comment": ""})
    return item["id"]


def board_programme(
    admin: Api, approver: Api, board: str, name: str, playlist: str, headline: str
) -> tuple[int, dict[str, Any]]:
    """A new LCD board in area 31 playing one approved item all day; (item, playlist)."""
    admin(
        "POST",
        "/boards",
        {"code": board, "name": name, "area": "31", "profile": "lcd-1920x1080"},
        expect=201,
    )
    item = approved_item(admin, approver, headline)
    created = admin(
        "POST", "/playlists", {"name": playlist, "area": "31", "items": [{"item": item}]}, 201
    )
    admin(
        "POST",
        "/schedules",
        {
            "target_kind": "board",
            "target": board,
            "playlist": created["id"],
            "windows": ["00:00-12:00", "12:00-24:00"],
        },
        expect=201,
    )
    return item, created


@contextmanager
def chromium(*dumps: Callable[[], str]) -> Iterator[Any]:
    """Debian's Chromium, headless, for one test, closed afterwards; when the test fails, what
    `dumps` return (the page's console, the server's log...) is printed first."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    except BaseException:
        for dump in dumps:
            print(dump())
        raise


def non_black_share(path: Path) -> float:
    from PIL import Image

    with Image.open(path) as image:
        grey = image.convert("L")
        dark = sum(grey.histogram()[:16])
        return 1 - dark / (grey.width * grey.height)


def until(page: Any, script: str, timeout_s: float = WAIT / 1000) -> None:
    """Poll a JS expression until truthy (wait_for_function evaluates strings: the CSP forbids it)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if page.evaluate(script):
                return
        except Error as exc:  # the page is navigating (reload command): ask again
            if "context was destroyed" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s:.0f} s: {script}")
        page.wait_for_timeout(250)


def pair_page(page: Any, server: Server, admin: Api, board: str) -> Any:
    """Open the player page and pair it with `board`; the stage locator."""
    from playwright.sync_api import expect

    page.goto(server.url + "/player")
    code_el = page.locator("#pairing-code")
    expect(code_el).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
    pair(admin, board, code_el.get_attribute("data-code"))
    return page.locator("#stage")


def pick(page: Any, name: str, text: str) -> None:
    """Type text into the console picker called name (its label), wait for the suggestions,
    ArrowDown, Enter: what a person does with the keyboard."""
    from playwright.sync_api import expect

    box = page.get_by_role("combobox", name=name)
    box.focus()
    page.keyboard.type(text)
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    expect(listbox.get_by_role("option").first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", f"{box.get_attribute('id')}-opt-0")
    page.keyboard.press("Enter")
    expect(listbox).to_be_hidden()
