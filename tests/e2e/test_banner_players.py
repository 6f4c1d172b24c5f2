"""Banner alerts on both players, real server and player processes (issue 15).

A flood watch (Expected / Moderate / Likely) airs as a strip over the running programme: the
strip's rows of the screen equal the server's banner rendition and the rest equals the
programme's rendition. An update to a takeover replaces it at once, an update back to a banner
(now with text too long for the strip) brings the strip back, and a cancel restores the
programme. The browser player's scrolling strip equals the Python player's composition at the
offset it shows.
"""

from __future__ import annotations

import base64
import io
import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from signage_player import render as player_render
from signage_testing.processes import Api, PlayerProcess, Server, pair, wait_for
from tests.e2e.stack import WAIT, approved_item, chromium, pair_page, until

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

PROFILE = "led-192x96-mono"
WIDTH, HEIGHT, STRIP = 192, 96, 24  # the profile's banner fraction is 0.25
FLOOD_WATCH = {"template": None, "event": "Lũ", "headline": "Theo dõi lũ", "category": "Met",
               "urgency": "Expected", "severity": "Moderate", "certainty": "Likely",
               "groups": []}  # fmt: skip
TAKEOVER = {"urgency": "Immediate", "severity": "Severe", "certainty": "Observed"}
BANNER = {"urgency": "Expected", "severity": "Moderate", "certainty": "Likely",
          "description": "Mực nước sông dâng nhanh, người dân ven sông chuẩn bị di dời. " * 4}  # fmt: skip


def _picture(url: str) -> Image.Image:
    with urllib.request.urlopen(url, timeout=30) as resp:
        data = resp.read()
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def _programme(server: Server, board: str) -> tuple[Api, Image.Image]:
    """A new LED board in area 31 playing one still item all day; (admin, its rendition)."""
    admin, approver = server.api("admin"), server.api("e2e-approver")
    admin("POST", "/boards", {"code": board, "name": "Bảng LED chợ", "area": "31",
                              "profile": PROFILE}, expect=201)  # fmt: skip
    item = approved_item(admin, approver, "Lịch tiêm chủng")
    playlist = admin("POST", "/playlists", {"name": "Banner", "area": "31",
                                            "items": [{"item": item}]}, expect=201)  # fmt: skip
    admin("POST", "/schedules", {"target_kind": "board", "target": board,
                                 "playlist": playlist["id"],
                                 "windows": ["00:00-12:00", "12:00-24:00"]}, expect=201)  # fmt: skip
    doc = admin("GET", f"/boards/{board}/manifest")["manifest"]
    [entry] = [e for s in doc["segments"] for e in s["entries"]]
    assert not entry["scrolls"]
    return admin, _picture(server.url + entry["url"])


def _rows(image: Image.Image, top: int, bottom: int) -> bytes:
    return image.crop((0, top, image.width, bottom)).tobytes()


def _composed(frame: Image.Image, programme: Image.Image, strip: Image.Image) -> bool:
    """The strip over the bottom rows, the programme everywhere else."""
    y = HEIGHT - STRIP
    return (
        frame.size == (WIDTH, HEIGHT)
        and _rows(frame, 0, y) == _rows(programme, 0, y)
        and _rows(frame, y, HEIGHT) == strip.tobytes()
    )


def test_python_player_shows_banners_over_the_programme(server: Server, tmp_path: Path) -> None:
    board = "E2E-BANNER-PY"
    admin, programme = _programme(server, board)
    (tmp_path / "player").mkdir()
    player = PlayerProcess(tmp_path / "player", server.url)
    logs = [player.log, server.instance.log_path]
    player.start()
    try:
        pair(admin, board, player.pairing_code(logs))

        def screen() -> Image.Image:
            with Image.open(player.frames / "current.png") as image:
                return image.convert("RGB")

        wait_for("the programme", lambda: screen().tobytes() == programme.tobytes(), logs=logs)

        # A flood watch: a banner over the programme, which keeps playing.
        alert = admin("POST", "/alerts", {**FLOOD_WATCH, "boards": [board]}, expect=201)
        assert alert["mode"] == "banner"
        strip = _picture(server.url + alert["images"][PROFILE]["banner"]["url"])
        assert strip.size == (WIDTH, STRIP)

        def banner_on(version: int, strip: Image.Image) -> bool:
            shown = f"('banner', {alert['id']}, {version}, ('entry'" in player.status()["picture"]
            return shown and _composed(screen(), programme, strip)

        wait_for("the banner over the programme", lambda: banner_on(1, strip), logs=logs)
        wait_for(
            "the banner counted as displayed",
            lambda: admin("GET", f"/alerts/{alert['id']}")["receipts"]["displayed"] == 1,
            logs=logs,
        )

        # Updated to a takeover: full screen at once; back to a (scrolling) banner.
        url = f"/alerts/{alert['id']}"
        taken = admin("PATCH", url, TAKEOVER)
        assert taken["mode"] == "takeover" and "banner" not in taken["images"][PROFILE]
        takeover = _picture(server.url + taken["images"][PROFILE]["url"])
        wait_for(
            "the takeover",
            lambda: (
                f"('alert', {alert['id']}, 2, 'image'" in player.status()["picture"]
                and screen().tobytes() == takeover.tobytes()
            ),
            logs=logs,
        )
        back = admin("PATCH", url, BANNER)
        assert back["mode"] == "banner" and back["images"][PROFILE]["banner"]["ticker"]
        wait_for(
            "the scrolling banner",
            lambda: f"('banner', {alert['id']}, 3, ('entry'" in player.status()["picture"],
            logs=logs,
        )
        strips: set[bytes] = set()
        wait_for(
            "the banner text moving",
            lambda: len(strips) > 2 or strips.add(_rows(screen(), HEIGHT - STRIP, HEIGHT)),
            logs=logs,
        )
        wait_for(
            "the programme rows untouched under the scrolling banner",
            lambda: _rows(screen(), 0, HEIGHT - STRIP) == _rows(programme, 0, HEIGHT - STRIP),
            logs=logs,
        )

        # Cancelled: the programme alone again.
        admin("POST", f"{url}/cancel")
        wait_for(
            "the programme back",
            lambda: (
                "banner" not in player.status()["picture"]
                and screen().tobytes() == programme.tobytes()
            ),
            logs=logs,
        )
    finally:
        player.stop()


SAMPLE = """() => {
  const stage = document.getElementById('stage');
  const canvas = document.getElementById('banner');
  return {png: canvas.toDataURL('image/png'), offset: Number(stage.dataset.bannerOffset),
          banner: stage.dataset.banner || ''};
}"""


def _decode(data_url: str) -> Image.Image:
    raw = base64.b64decode(data_url.split(",", 1)[1])
    with Image.open(io.BytesIO(raw)) as image:
        return image.convert("RGB")


def _screenshot(page: Any) -> Image.Image:
    with Image.open(io.BytesIO(page.screenshot())) as image:
        return image.convert("RGB")


def test_web_player_shows_banners_over_the_programme(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    board = "E2E-BANNER-WEB"
    admin, programme = _programme(server, board)
    console: list[str] = []
    requests: list[str] = []
    sockets: list[Any] = []

    def through(ws: Any) -> None:  # the page's websocket, passed through; we may add frames
        upstream = ws.connect_to_server()
        ws.on_message(upstream.send)
        upstream.on_message(ws.send)
        sockets.append(ws)

    def inject(event: str, payload: dict[str, Any]) -> None:
        sockets[-1].send("42/player," + json.dumps([event, payload]))

    with chromium(lambda: "\n".join(console), lambda: server.log()[-5000:]) as browser:
        # The window is the board's size: the screen's pixels are the renditions'.
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        page = context.new_page()
        page.set_default_timeout(WAIT)
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.on("request", lambda r: requests.append(r.url))
        page.route_web_socket(re.compile(r".*/socket\.io/.*"), through)
        stage = pair_page(page, server, admin, board)
        expect(stage).to_have_attribute("data-kind", "programme")
        until(page, "document.getElementById('frame').complete"
                     " && document.getElementById('frame').naturalWidth > 0")  # fmt: skip

        alert = admin("POST", "/alerts", {**FLOOD_WATCH, "boards": [board]}, expect=201)
        strip = _picture(server.url + alert["images"][PROFILE]["banner"]["url"])
        expect(stage).to_have_attribute("data-banner", str(alert["id"]))
        expect(page.locator("#alert")).to_be_hidden()
        box = page.locator("#banner").bounding_box()
        assert box == {"x": 0, "y": HEIGHT - STRIP, "width": WIDTH, "height": STRIP}
        assert _decode(page.evaluate(SAMPLE)["png"]).tobytes() == strip.tobytes()
        shot = _screenshot(page)
        assert _composed(shot, programme, strip), "screen is not programme + strip"

        # Takeover: the full-screen picture, no strip; back to a scrolling banner.
        url = f"/alerts/{alert['id']}"
        taken = admin("PATCH", url, TAKEOVER)
        expect(page.locator("#alert-image")).to_have_attribute(
            "src", taken["images"][PROFILE]["url"]
        )
        expect(page.locator("#alert")).to_be_visible()
        expect(page.locator("#banner")).to_be_hidden()
        back = admin("PATCH", url, BANNER)["images"][PROFILE]["banner"]
        expect(page.locator("#alert")).to_be_hidden()
        expect(stage).to_have_attribute("data-banner", str(alert["id"]))
        still = _picture(server.url + back["url"])
        band = _picture(server.url + back["ticker"]["url"])
        t = back["ticker"]
        offsets = []
        for _ in range(4):
            page.wait_for_timeout(600)
            sample = page.evaluate(SAMPLE)
            expected = player_render.scrolled(still, band, t["y"], sample["offset"], t["x"])
            assert _decode(sample["png"]).tobytes() == expected.tobytes(), sample
            offsets.append(sample["offset"])
        assert len(set(offsets)) > 1  # it scrolls
        shot = _screenshot(page)
        y = HEIGHT - STRIP
        assert _rows(shot, 0, y) == _rows(programme, 0, y)

        admin("POST", f"{url}/cancel")
        expect(page.locator("#banner")).to_be_hidden()
        assert page.evaluate("document.getElementById('stage').dataset.banner") is None
        assert _screenshot(page).tobytes() == programme.tobytes()

        # Hostile or older messages: a mode that is not exactly "banner", or a banner
        # that is malformed, takes over the screen; nothing is fetched from elsewhere.
        image = {**taken["images"][PROFILE], "banner": back}
        base = {"version": 1, "severity": "moderate", "headline": "Tin thử",
                "expires_at": None, "images": {PROFILE: image}}  # fmt: skip
        hostile = [
            ("BANNER", back),
            (None, back),
            (["banner"], back),
            ("banner", {**back, "url": "//evil.example/strip.png"}),
            ("banner", {**back, "height": "tall"}),
            ("banner", {**back, "ticker": {**back["ticker"], "speed_px_s": 0}}),
        ]
        for number, (mode, banner) in enumerate(hostile, start=900):
            doc = {**base, "id": number, "mode": mode,
                   "images": {PROFILE: {**image, "banner": banner}}}  # fmt: skip
            inject("alert", doc)
            expect(stage).to_have_attribute("data-alert", str(number))
            expect(page.locator("#alert")).to_be_visible()
            expect(page.locator("#banner")).to_be_hidden()
            inject("alert_cancel", {"id": number, "version": 1})
            expect(page.locator("#alert")).to_be_hidden()
        inject("alert", {**base, "id": 999, "mode": "banner"})  # the same, well formed
        expect(stage).to_have_attribute("data-banner", "999")
        expect(page.locator("#alert")).to_be_hidden()
        assert not [u for u in requests if "evil.example" in u]
