"""Scrolling text in the browser player, frame for frame against the Python player.

A long notice on an LED board: the server stores the first frame and the strip. The browser
player (headless Chromium, the real server) scrolls the strip on a canvas; at the instant each
canvas frame shows, the Python player composes its own frame from the same manifest and files,
and the two must be equal pixel for pixel. A manifest with a malformed ticker shows the first
frame still and fetches nothing from elsewhere.
"""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from signage_player import manifest as mf
from signage_player.api import Api as PlayerApi
from signage_player.config import Config, OutputConfig
from signage_player.player import Player
from signage_testing.processes import Server
from tests.e2e.stack import WAIT, chromium, non_black_share, pair_page, until

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

BOARD = "E2E-LED-TICKER"
PROFILE = "led-192x96-mono"
LONG = "Cảnh báo bão số 3: người dân không ra khơi, tàu thuyền về nơi tránh trú an toàn. " * 3

SAMPLE = """() => {
  const stage = document.getElementById('stage');
  const canvas = document.getElementById('ticker');
  return {
    png: canvas.toDataURL('image/png'),
    at: Number(stage.dataset.tickerAt),
    offset: Number(stage.dataset.tickerOffset),
  };
}"""


def _programme(server: Server) -> None:
    admin, approver = server.api("admin"), server.api("e2e-approver")
    admin("POST", "/boards", {"code": BOARD, "name": "Bảng LED chợ", "area": "31",
                              "profile": PROFILE}, expect=201)  # fmt: skip
    item = admin("POST", "/content", {"area": "31", "category": "disaster",
                                      "headline": "Tin bão", "body": LONG}, expect=201)  # fmt: skip
    admin("POST", f"/content/{item['id']}/submit")
    approver("POST", f"/content/{item['id']}/approve", {"comment": ""})
    playlist = admin("POST", "/playlists", {"name": "Ticker", "area": "31",
                                            "items": [{"item": item["id"]}]}, expect=201)  # fmt: skip
    admin("POST", "/schedules", {"target_kind": "board", "target": BOARD,
                                 "playlist": playlist["id"],
                                 "windows": ["00:00-12:00", "12:00-24:00"]}, expect=201)  # fmt: skip
    server.admin = admin  # type: ignore[attr-defined]


def _python_player(server: Server, token: str, tmp_path: Path) -> tuple[Player, dict[str, Any]]:
    """The Python player with the board's manifest and files, as its sync worker leaves it."""
    api = PlayerApi(server.url, token)
    got = api.manifest(BOARD, None)
    assert got is not None
    body = json.loads(got[1])
    manifest = mf.parse(body)
    config = Config(
        server=server.url,
        cache_dir=tmp_path / "python-player",
        output=OutputConfig(kind="frames", dir=tmp_path / "python-frames"),
    )
    player = Player(config)
    player.remember_board(BOARD, "Bảng LED chợ", PROFILE)
    for digest, url in manifest.files().items():
        player.cache.put(digest, api.fetch(url))
    player.activate(manifest)
    player.set_mode("playing")
    return player, body


def _python_frame(player: Player, at_ms: int) -> Image.Image:
    """What the Python player's frame loop shows at the instant at_ms (server time)."""
    player.clock = mf.Clock(lambda: 0.0, lambda: at_ms / 1000)
    player.picture_key = None
    shown: list[Image.Image] = []
    player.frame(lambda key, image: shown.append(image))
    assert player.shown_key[0] == "entry" and player.shown_key[2] == "ticker", player.shown_key
    return shown[-1]


def _decode(data_url: str) -> Image.Image:
    raw = base64.b64decode(data_url.split(",", 1)[1])
    with Image.open(io.BytesIO(raw)) as image:
        return image.convert("RGB")


def test_the_browser_scrolls_ticker_items_frame_exact(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    _programme(server)
    console: list[str] = []
    requests: list[str] = []
    with chromium(lambda: "\n".join(console), lambda: server.log()[-5000:]) as browser:
        context = browser.new_context(viewport={"width": 960, "height": 540})
        page = context.new_page()
        page.set_default_timeout(WAIT)
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.on("request", lambda r: requests.append(r.url))
        stage = pair_page(page, server, server.admin, BOARD)  # type: ignore[attr-defined]
        expect(stage).to_have_attribute("data-kind", "programme")
        expect(stage).to_have_attribute("data-ticker", "on")
        expect(page.locator("#ticker")).to_be_visible()
        expect(page.locator("#frame")).to_be_hidden()

        token = page.evaluate("JSON.parse(localStorage.getItem('signage.token'))")
        player, body = _python_player(server, token, tmp_path)
        [entry] = [e for s in body["manifest"]["segments"] for e in s["entries"]]
        assert entry["scrolls"] and entry["ticker"]["strip_width"] > 192

        offsets = []
        for _ in range(5):
            page.wait_for_timeout(700)
            sample = page.evaluate(SAMPLE)  # the canvas and its instant, read at once
            canvas = _decode(sample["png"])
            assert canvas.size == (192, 96)
            python = _python_frame(player, int(sample["at"]))
            assert canvas.tobytes() == python.tobytes(), sample["at"]
            offsets.append(sample["offset"])
        assert len(set(offsets)) == len(offsets)  # it moves, at the stored speed
        assert datetime.fromtimestamp(sample["at"] / 1000, UTC).year >= 2026
        page.screenshot(path=str(tmp_path / "ticker.png"))
        assert non_black_share(tmp_path / "ticker.png") > 0.05

        # A manifest whose ticker is malformed: the first frame, still; nothing fetched
        # from the bad address.
        bad = json.loads(json.dumps(body))
        for seg in bad["manifest"]["segments"]:
            for e in seg["entries"]:
                e["ticker"] = {**e["ticker"], "url": "//evil.example/strip.png",
                               "speed_px_s": "fast"}  # fmt: skip
        bad["version"] = "hostile-ticker-1"
        page.route(
            re.compile(r".*/api/v1/boards/.*/manifest$"),
            lambda route: route.fulfill(
                status=200, content_type="application/json", body=json.dumps(bad)
            ),
        )
        page.evaluate("localStorage.removeItem('signage.manifest')")
        page.reload()
        expect(stage).to_have_attribute("data-kind", "programme")
        until(page, "document.getElementById('frame').complete"
                     " && document.getElementById('frame').naturalWidth > 0")  # fmt: skip
        expect(page.locator("#frame")).to_be_visible()
        expect(page.locator("#ticker")).to_be_hidden()
        assert page.evaluate("document.getElementById('stage').dataset.ticker") is None
        assert not [u for u in requests if "evil.example" in u]
