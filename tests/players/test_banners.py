"""Banner alerts on the Python player: the strip over the programme, rotation, takeover wins,
scrolling text, off-hours, mode changes and malformed banners."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from signage.content.banner import render_banner
from signage.content.profiles import seed_profile
from signage_player import alerts as al
from signage_player import manifest as mf
from signage_player.player import Player
from tests.players.conftest import T0, FakeClock, document, entry, png, segment, sha

PROFILE = "led-192x96-mono"
LED = seed_profile(PROFILE)
PROGRAMME = png((255, 0, 0))
TAKEOVER = png((0, 0, 255))
LONG = "Nước sông Hồng dâng cao: không đi qua ngầm tràn, theo dõi thông báo của phường. " * 2


def encoded(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def banner_doc(text: str, *, label: str = "") -> tuple[dict[str, Any], dict[str, bytes]]:
    """The `banner` field the server sends for LED, and the files it names."""
    rendition = render_banner(LED, text, label=label)
    strip = encoded(rendition.image)
    doc: dict[str, Any] = {"url": f"/media/{sha(strip)}.png", "sha256": sha(strip),
                           "y": LED.height - LED.banner_height, "height": LED.banner_height}  # fmt: skip
    files = {sha(strip): strip}
    if rendition.ticker is not None:
        band = encoded(rendition.ticker.strip)
        t = rendition.ticker
        doc["ticker"] = {"url": f"/media/{sha(band)}.png", "sha256": sha(band), "x": t.x,
                         "y": t.y, "speed_px_s": t.speed_px_s, "strip_width": t.strip.width}  # fmt: skip
        files[sha(band)] = band
    return doc, files


def alert(id_: int, mode: Any = "banner", *, banner: Any = None, **extra: Any) -> dict[str, Any]:
    image: dict[str, Any] = {"url": f"/media/{sha(TAKEOVER)}.png", "sha256": sha(TAKEOVER)}
    if banner is not None:
        image["banner"] = banner
    return {"id": id_, "version": 1, "severity": "moderate", "headline": f"Tin {id_}",
            "body": "", "mode": mode, "images": {PROFILE: image}, **extra}  # fmt: skip


@pytest.fixture
def player(config) -> tuple[Player, FakeClock]:
    fake = FakeClock()
    p = Player(config, clock=mf.Clock(fake.mono, fake.wall))
    p.set_mode("playing")
    p.remember_board("HK-1", "Bảng tin Hồ Gươm", PROFILE)
    for data in (PROGRAMME, TAKEOVER):
        p.cache.put(sha(data), data)
    hour = T0 + timedelta(hours=1)
    doc = document([segment(T0, hour, "programme", [entry(7, PROGRAMME, 3600)]),
                    segment(hour, hour + timedelta(hours=1), "off")])  # fmt: skip
    p.activate(mf.parse(doc, "v1"))
    return p, fake


def show(p: Player, doc: dict[str, Any], files: dict[str, bytes] | None = None) -> None:
    for digest, data in (files or {}).items():
        p.cache.put(digest, data)
    assert p.alerts.upsert(al.parse(doc))


def frame(p: Player) -> Image.Image:
    shown: list[Image.Image] = []
    p.frame(lambda key, image: shown.append(image))
    return shown[-1] if shown else Image.new("RGB", (1, 1))


def split(image: Image.Image) -> tuple[bytes, bytes]:
    """(programme rows, banner rows) of a 192x96 frame."""
    y = LED.height - LED.banner_height
    return image.crop((0, 0, 192, y)).tobytes(), image.crop((0, y, 192, 96)).tobytes()


def test_a_banner_shows_over_the_playing_programme(player) -> None:
    p, _ = player
    doc, files = banner_doc("Tin lũ: mực nước sông dâng")
    show(p, alert(1, banner=doc), files)
    top, strip = split(frame(p))
    assert top == Image.open(io.BytesIO(PROGRAMME)).crop((0, 0, 192, 72)).tobytes()
    assert strip == Image.open(io.BytesIO(files[doc["sha256"]])).convert("RGB").tobytes()
    assert p.shown_key[0] == "banner" and p.current_item == 7  # the programme still plays
    assert (1, 1) in p.displayed_alerts


def test_a_takeover_wins_over_banners_and_a_cancel_restores_them(player) -> None:
    p, fake = player
    doc, files = banner_doc("Tin lũ")
    show(p, alert(1, banner=doc), files)
    assert frame(p) and p.shown_key[0] == "banner"
    show(p, alert(2, mode="takeover", severity="minor"))  # even a less severe one
    assert frame(p).tobytes() == Image.open(io.BytesIO(TAKEOVER)).convert("RGB").tobytes()
    assert p.shown_key[:2] == ("alert", 2)
    p.cancel_alert(2, 1)
    fake.advance(1)
    frame(p)
    assert p.shown_key[:2] == ("banner", 1)
    p.cancel_alert(1, 1)
    assert frame(p).tobytes() == Image.open(io.BytesIO(PROGRAMME)).convert("RGB").tobytes()


def test_several_banners_take_turns(player) -> None:
    p, fake = player
    docs = {}
    for i in (1, 2):
        doc, files = banner_doc(f"Thông báo {i}")
        docs[i] = doc
        show(p, alert(i, banner=doc), files)
    seen = []
    for _ in range(4):
        frame(p)
        seen.append(p.shown_key[1])
        fake.advance(al.ROTATE_S)
    assert seen == [2, 1, 2, 1]  # newest first, then turns


def test_long_banner_text_scrolls_with_the_label_fixed(player) -> None:
    p, fake = player
    doc, files = banner_doc(LONG, label="DIỄN TẬP")
    assert doc["ticker"]["x"] > 0
    server = render_banner(LED, LONG, label="DIỄN TẬP")
    show(p, alert(1, banner=doc), files)
    label = (0, 72, doc["ticker"]["x"], 96)
    frames = []
    for seconds in (0.0, 1.5, 4.0):
        image = frame(p)
        _, strip = split(image)
        assert strip == server.frame(seconds).tobytes(), seconds
        frames.append(image)
        fake.advance(1.5 if seconds == 0 else 2.5)
    assert len({f.tobytes() for f in frames}) == 3  # it moves
    assert len({f.crop(label).tobytes() for f in frames}) == 1  # the label stays
    assert p.current_item == 7


def test_banners_wait_for_off_hours_to_end_and_takeovers_do_not(player) -> None:
    p, fake = player
    fake.advance(3600 + 60)  # the off segment
    doc, files = banner_doc("Tin lũ")
    show(p, alert(1, banner=doc), files)
    assert frame(p).getbbox() is None and p.shown_key[0] == "off"
    assert (1, 1) not in p.displayed_alerts
    show(p, alert(2, mode="takeover"))
    frame(p)
    assert p.shown_key[:2] == ("alert", 2)


def test_an_update_switching_modes_is_followed_at_once(player) -> None:
    p, _ = player
    doc, files = banner_doc("Tin lũ")
    show(p, alert(1, banner=doc), files)
    frame(p)
    assert p.shown_key[0] == "banner"
    show(p, {**alert(1, mode="takeover", banner=doc), "version": 2})
    frame(p)
    assert p.shown_key[:3] == ("alert", 1, 2)
    show(p, {**alert(1, banner=doc), "version": 3})
    frame(p)
    assert p.shown_key[:3] == ("banner", 1, 3)
    assert {(1, 1), (1, 2), (1, 3)} <= p.displayed_alerts


@pytest.mark.parametrize("mode", ["BANNER", None, 7, ["banner"], "ticker", ""])
def test_malformed_modes_take_over(player, mode) -> None:
    p, _ = player
    doc, files = banner_doc("Tin lũ")
    show(p, alert(1, mode=mode, banner=doc), files)
    frame(p)
    assert p.shown_key[:2] == ("alert", 1)


@pytest.mark.parametrize(
    "change",
    [
        {"url": "//evil.example/x.png"},
        {"sha256": "nothex"},
        {"y": -1},
        {"height": 0},
        {"height": "tall"},
        {
            "ticker": {
                "url": "/media/x.png",
                "sha256": "0" * 64,
                "x": 0,
                "y": 0,
                "speed_px_s": 0,
                "strip_width": 10,
            }
        },  # fmt: skip
        {"ticker": "scroll"},
    ],
)
def test_a_malformed_banner_takes_over_instead(player, change) -> None:
    p, _ = player
    doc, files = banner_doc("Tin lũ")
    parsed = al.parse(alert(1, banner={**doc, **change}))
    assert parsed.banner(PROFILE) is None and PROFILE in parsed.images  # the alert still airs
    show(p, alert(1, banner={**doc, **change}), files)
    frame(p)
    assert p.shown_key[:2] == ("alert", 1)


def test_a_banner_whose_strip_is_not_cached_yet_airs_full_screen(player) -> None:
    p, _ = player
    doc, _files = banner_doc("Tin lũ")
    show(p, alert(1, banner=doc))
    frame(p)
    assert p.shown_key[:2] == ("alert", 1)


def test_a_lone_banner_keeps_scrolling_across_its_turns(player) -> None:
    p, fake = player
    doc, files = banner_doc(LONG)
    server = render_banner(LED, LONG)
    show(p, alert(1, banner=doc), files)
    for seconds in (0.0, al.ROTATE_S + 0.5, 2 * al.ROTATE_S + 3):
        fake.advance(seconds - (fake.mono_t - 1000.0))
        _, strip = split(frame(p))
        assert strip == server.frame(seconds).tobytes(), seconds  # never back to the start
