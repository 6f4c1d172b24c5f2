"""Scrolling text on the Python player: the strip from the manifest, scrolled like the server."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from signage.content.profiles import seed_profile
from signage.content.render import render_text
from signage_player import manifest as mf
from signage_player import player as player_module
from signage_player import render
from signage_player.outputs import FramesOutput
from signage_player.player import Player
from tests.players.conftest import T0, FakeClock, document, entry, segment, sha

LONG = "Cảnh báo bão số 3: người dân không ra khơi, tàu thuyền về nơi tránh trú an toàn. " * 4


def encoded(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def server_rendition():
    rendition = render_text(seed_profile("led-192x96-mono"), "Tin khẩn cấp", LONG)
    assert rendition.ticker is not None
    return rendition


def ticker_doc(strip: bytes, y: int, speed: int, width: int) -> dict:
    return {"url": f"/media/{sha(strip)}.png", "sha256": sha(strip), "y": y,
            "speed_px_s": speed, "strip_width": width}  # fmt: skip


def test_the_player_draws_the_frames_the_server_rendered(server_rendition) -> None:
    still, strip = encoded(server_rendition.image), encoded(server_rendition.ticker.strip)
    t = server_rendition.ticker
    doc = document(
        [
            segment(
                T0,
                T0 + timedelta(hours=1),
                "programme",
                [
                    entry(
                        7,
                        still,
                        scrolls=True,
                        ticker=ticker_doc(strip, t.y, t.speed_px_s, t.strip.width),
                    )
                ],
            )
        ]  # fmt: skip
    )
    manifest = mf.parse(doc, "v1")
    ticker = manifest.segments[0].entries[0].ticker
    assert ticker is not None and manifest.files()[ticker.sha256] == ticker.url
    for seconds in (0, 0.5, 3.25, 17, t.loop_seconds + 1):
        offset = ticker.offset(seconds)
        assert offset == t.offset(seconds)
        drawn = render.ticker_frame(still, strip, ticker.y, offset, (192, 96))
        assert drawn.tobytes() == server_rendition.frame(seconds).convert("RGB").tobytes(), seconds


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sha256": "nothex"}, "sha256"),
        ({"url": "https://elsewhere.example/x.png"}, "url"),
        ({"y": -1}, "y"),
        ({"speed_px_s": 0}, "speed_px_s"),
        ({"strip_width": "wide"}, "strip_width"),
    ],
)
def test_a_malformed_ticker_refuses_the_manifest(change, reason) -> None:
    strip = b"strip"
    bad = {**ticker_doc(strip, 40, 30, 900), **change}
    doc = document([segment(T0, T0 + timedelta(hours=1), "programme",
                            [entry(7, b"still", scrolls=True, ticker=bad)])])  # fmt: skip
    with pytest.raises(mf.ManifestError, match=reason):
        mf.parse(doc, "v1")
    assert mf.parse(document([segment(T0, T0 + timedelta(hours=1), "programme",
                                      [entry(7, b"still", ticker=None)])]), "v1")  # fmt: skip


def test_the_players_own_frame_loop_writes_the_servers_frames(
    server_rendition, config, monkeypatch
) -> None:
    """Drives Player.frame into the frames output, as the display loop does, over a ticker."""
    still, strip = encoded(server_rendition.image), encoded(server_rendition.ticker.strip)
    t = server_rendition.ticker
    hour = T0 + timedelta(hours=1)
    ticker = ticker_doc(strip, t.y, t.speed_px_s, t.strip.width)
    doc = document([segment(T0, hour, "programme",
                            [entry(7, still, 3600, scrolls=True, ticker=ticker)])])  # fmt: skip
    fake = FakeClock()
    player = Player(config, clock=mf.Clock(fake.mono, fake.wall))
    player.set_mode("playing")
    player.remember_board("HK-1", "Bảng tin Hồ Gươm", "led-192x96-mono")
    player.cache.put(sha(still), still)
    player.cache.put(sha(strip), strip)
    player.activate(mf.parse(doc, "v1"))
    output = FramesOutput(config.output.dir, player.size())
    reads: list[str] = []
    read = player.cache.read
    monkeypatch.setattr(player.cache, "read", lambda digest: reads.append(digest) or read(digest))
    status_writes: list[bytes] = []
    write = player_module.atomic_write
    monkeypatch.setattr(player_module, "atomic_write",
                        lambda path, data, **kw: status_writes.append(data) or write(path, data, **kw))  # fmt: skip
    checked: list[float] = []
    marks = [0.0, 0.5, 3.25, 17.0, t.loop_seconds + 1]
    elapsed = 0.0
    for mark in marks:
        while elapsed < mark:  # the loop draws the frames in between too (one a second here)
            step = min(1.0, mark - elapsed)
            fake.advance(step)
            elapsed += step
            player.frame(output.show)
        player.frame(output.show)
        seconds = (player.clock.now() - T0).total_seconds()
        with Image.open(config.output.dir / "current.png") as written:
            got = written.convert("RGB").tobytes()
        assert got == server_rendition.frame(seconds).convert("RGB").tobytes(), seconds
        checked.append(seconds)
    assert player.shown_key[0] == "entry" and player.current_item == 7
    # Each file is read and verified once, and status.json is not rewritten every frame.
    assert sorted(reads) == sorted([sha(still), sha(strip)])
    assert len(status_writes) <= 1
    assert len({server_rendition.frame(s).tobytes() for s in checked}) == len(marks)  # it moved
