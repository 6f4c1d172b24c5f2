"""Never blank, however long the outage (issue #11), with real processes.

Each player is paired and synced with a real server, the server is stopped (unreachable), and
the player's clock moves 7 days forward, past the manifest's 48 h horizon: the board shows the
area's fallback playlist item, or without one the last programme's item, checked against the
rendition's hash. The browser player's alert rotation is checked in Chromium too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from signage_testing.processes import Api, Instance, PlayerProcess, Server, pair, wait_for
from tests.e2e.stack import (
    PASSWORD,
    WAIT,
    approved_item,
    board_programme,
    chromium,
    non_black_share,
    pair_page,
    player_stack,
    until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

WEEK = timedelta(days=7)
WEB_BOARD = "E2E-NB-LCD"
PY_BOARD = "HP-001"  # a demo LED board in Hải Phòng (area 31), where the demo schedules nothing


def _entry_of(manifest: dict[str, Any], item: int) -> dict[str, Any]:
    entries = [e for s in manifest["segments"] for e in s["entries"]]
    entries += manifest.get("fallback_playlist", {}).get("entries", [])
    return next(e for e in entries if e["item"] == item)


def _web_setup(server: Server, with_fallback: bool) -> tuple[Api, int, int | None]:
    admin, approver = server.api("admin"), server.api("e2e-approver")
    programme, _playlist = board_programme(
        admin, approver, WEB_BOARD, "Bảng E2E", "Ngày", "Lịch tiêm chủng tháng Mười Một"
    )
    fallback = None
    if with_fallback:
        fallback = approved_item(admin, approver, "Giữ gìn vệ sinh chung")
        spare = admin(
            "POST",
            "/playlists",
            {"name": "Dự phòng", "area": "31", "items": [{"item": fallback}]},
            201,
        )
        admin("PUT", "/areas/31/fallback-playlist", {"playlist": spare["id"]})
    return admin, programme, fallback


CACHED_SHA = """async (url) => {
  const cache = await caches.open('signage-media-v1');
  const hit = await cache.match(url);
  if (!hit) return null;
  const digest = await crypto.subtle.digest('SHA-256', await hit.arrayBuffer());
  return Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, '0')).join('');
}"""


@pytest.mark.parametrize(
    "with_fallback", [True, False], ids=["fallback-playlist", "last-programme"]
)
def test_web_player_a_week_offline_is_never_blank(
    server: Server, tmp_path: Path, with_fallback: bool
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    admin, programme, fallback = _web_setup(server, with_fallback)
    doc = admin("GET", f"/boards/{WEB_BOARD}/manifest")
    assert ("fallback_playlist" in doc["manifest"]) is with_fallback
    expected = fallback if with_fallback else programme
    want = _entry_of(doc["manifest"], expected)
    console: list[str] = []
    with chromium(
        lambda: "--- browser console ---\n" + "\n".join(console),
        lambda: f"--- server log ---\n{server.log()}",
    ) as browser:
        page = browser.new_context(viewport={"width": 960, "height": 540}).new_page()
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.clock.install()  # the page's clock, moved below; it runs on by itself
        stage = pair_page(page, server, admin, WEB_BOARD)
        expect(stage).to_have_attribute("data-item", str(programme))
        until(
            page,
            f"(JSON.parse(localStorage.getItem('signage.manifest')) || {{}}).version === '{doc['version']}'",
        )

        server.stop()  # unreachable from now on
        page.clock.set_system_time(datetime.now(UTC) + WEEK)
        expect(stage).to_have_attribute("data-connected", "no")
        expect(stage).to_have_attribute("data-kind", "programme")
        expect(stage).to_have_attribute("data-item", str(expected))
        source = "fallback_playlist" if with_fallback else "last_programme"
        expect(stage).to_have_attribute("data-source", source)
        expect(page.locator("#frame")).to_have_attribute("src", want["url"])
        until(
            page,
            "document.getElementById('frame').complete && document.getElementById('frame').naturalWidth > 0",
        )
        # What is on screen is the rendition the server made, byte for byte.
        assert page.evaluate(CACHED_SHA, want["url"]) == want["sha256"]
        page.screenshot(path=str(tmp_path / "week-later.png"))
        assert non_black_share(tmp_path / "week-later.png") > 0.3
        # Its proof of play says why it aired.
        page.evaluate("window.dispatchEvent(new Event('pagehide'))")
        pending = page.evaluate("JSON.parse(localStorage.getItem('signage.pop.pending') || '[]')")
        # (the scheduled play before the jump is not marked; the one after it is)
        assert [(r["item_id"], r.get("source")) for r in pending] == [
            (programme, None),
            (expected, source),
        ], pending


def test_web_player_shows_a_new_alert_at_once_then_rotates_from_it(server: Server) -> None:
    """Equally severe alerts take turns every 10 s counted from when each went on screen; a
    new one shows at once (before: it waited for its 10 s bucket of the wall clock).
    Real alerts through the API, so reconciliation keeps them while the page's clock is moved."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    admin, programme, _ = _web_setup(server, False)

    def storm() -> str:
        return str(
            admin("POST", "/alerts", {"template": "storm", "boards": [WEB_BOARD]}, 201)["id"]
        )

    with chromium() as browser:
        page = browser.new_context(viewport={"width": 960, "height": 540}).new_page()
        page.clock.install()
        stage = pair_page(page, server, admin, WEB_BOARD)
        expect(stage).to_have_attribute("data-connected", "yes")
        expect(stage).to_have_attribute("data-item", str(programme))
        # Time stands still from here: only run_for moves it. The instant is chosen so that
        # the old wall-clock buckets (floor(t / 10 s) mod 3) would show the second alert.
        ms = (int(time.time() * 1000) // 10_000 + 1) * 10_000 + 5_000
        while ms // 10_000 % 3 != 1:
            ms += 10_000
        page.clock.pause_at(datetime.fromtimestamp(ms / 1000, UTC))
        first = storm()
        expect(stage).to_have_attribute("data-alert", first)
        second = storm()
        expect(stage).to_have_attribute("data-alert", second)
        third = storm()  # with no time passing: on screen at the next frame
        expect(stage).to_have_attribute("data-alert", third)
        page.clock.run_for(9_000)
        expect(stage).to_have_attribute("data-alert", third)  # its whole turn
        for turn in (second, first, third):  # then the rotation goes on from it
            page.clock.run_for(10_000)
            expect(stage).to_have_attribute("data-alert", turn)


@pytest.fixture
def py_stack(tmp_path: Path) -> Iterator[tuple[Instance, Server, PlayerProcess]]:
    yield from player_stack(tmp_path, SIGNAGE_DEMO_PASSWORD=PASSWORD, SIGNAGE_NEW_PASSWORD=PASSWORD)


@pytest.mark.parametrize(
    "with_fallback", [True, False], ids=["fallback-playlist", "last-programme"]
)
def test_python_player_a_week_offline_is_never_blank(
    py_stack: tuple[Instance, Server, PlayerProcess], with_fallback: bool
) -> None:
    from signage_player import manifest as mf
    from signage_player.config import load
    from signage_player.link import Link
    from signage_player.player import Player

    instance, server, player = py_stack
    instance.run("db", "upgrade")
    instance.run("seed-demo")
    instance.run("users", "create", "e2e-approver", "--role", "approver", "--area", "31")
    admin = instance.api(server.url, "admin")
    approver = instance.api(server.url, "e2e-approver")

    server.start()
    logs = [player.log, instance.log_path]
    programme = approved_item(admin, approver, "Tin trong lịch")
    playlist = admin(
        "POST", "/playlists",
        {"name": "Ngày", "area": "31", "items": [{"item": programme, "duration_s": 5}]}, expect=201,
    )  # fmt: skip
    admin(
        "POST", "/schedules",
        {"target_kind": "board", "target": PY_BOARD, "playlist": playlist["id"],
         "windows": ["00:00-12:00", "12:00-00:00"]},
        expect=201,
    )  # fmt: skip
    fallback = None
    if with_fallback:
        fallback = approved_item(admin, approver, "Tin dự phòng")
        spare = admin(
            "POST", "/playlists",
            {"name": "Dự phòng", "area": "31", "items": [{"item": fallback, "duration_s": 7}]},
            expect=201,
        )  # fmt: skip
        admin("PUT", "/areas/31/fallback-playlist", {"playlist": spare["id"]})

    player.start()
    pair(admin, PY_BOARD, player.pairing_code(logs))
    doc = admin("GET", f"/boards/{PY_BOARD}/manifest")
    assert ("fallback_playlist" in doc["manifest"]) is with_fallback
    want = _entry_of(doc["manifest"], fallback if with_fallback else programme)
    with urllib.request.urlopen(server.url + want["url"]) as resp:
        rendition = resp.read()
    assert hashlib.sha256(rendition).hexdigest() == want["sha256"]
    wait_for(
        "the manifest synced and the programme on screen",
        lambda: (
            player.status()["manifest_version"] == doc["version"]
            and _entry_of(doc["manifest"], programme)["sha256"] in player.status()["picture"]
        ),
        logs=logs,
    )

    # The server goes away for good; the player restarts with its clock a week ahead.
    server.stop()
    player.stop()
    config = load(player.config)
    config = dataclasses.replace(config, status_file=player.tmp / "offline-status.json")
    later = Player(config, clock=mf.Clock(wall=lambda: time.time() + WEEK.total_seconds()))
    stop = threading.Event()
    link = threading.Thread(target=Link(later, stop).run, daemon=True)
    link.start()  # it keeps trying the unreachable server
    shown: list[tuple[object, Image.Image]] = []
    try:
        for _ in range(20):
            later.frame(lambda key, image: shown.append((key, image)))
            time.sleep(0.1)
    finally:
        stop.set()
        later.close()
        link.join(timeout=10)
    assert not later.connected
    key, image = shown[-1]
    assert isinstance(key, tuple) and key[:2] == ("entry", want["sha256"]), key
    with Image.open(io.BytesIO(rendition)) as expected:
        assert image.tobytes() == expected.convert("RGB").resize(image.size).tobytes()
    later.journal.seal()
    records = [r for b in later.journal.pending() for r in b.records]
    source = "fallback_playlist" if with_fallback else "last_programme"
    assert any(r["item_id"] == want["item"] and r.get("source") == source for r in records), records
