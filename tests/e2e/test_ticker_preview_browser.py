"""The content page's preview of scrolling text moves in Chromium as boards scroll it: the
rendition's strip at the players' speed, with pause/play, and still under reduced motion."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from signage.content.profiles import seed_profile
from signage.content.render import render_text
from tests.e2e.stack import chromium, console_server, server_log, sign_in, until

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

HEADLINE = "Thông báo lịch khám nghĩa vụ quân sự"
BODY = (
    "Thanh niên sinh năm 2008 có mặt tại trạm y tế xã lúc 7 giờ sáng thứ Hai, mang theo căn "
    "cước công dân và giấy gọi khám sức khỏe."
)
CANVAS = "figure[data-profile='led-192x96-mono'] canvas.ticker-preview"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with console_server(tmp_path_factory.mktemp("ticker-preview-e2e")) as served:
        yield served


def _state(page) -> dict:
    return page.evaluate(
        "(sel) => { const c = document.querySelector(sel); return {offset: +c.dataset.offset,"
        " ms: +c.dataset.ms, playing: c.dataset.playing, speed: +c.dataset.speed,"
        " strip: +c.dataset.stripWidth, hidden: c.hidden}; }",
        CANVAS,
    )


def test_ticker_preview_moves_at_the_players_speed(server, tmp_path: Path) -> None:
    url, log_path = server
    board = render_text(seed_profile("led-192x96-mono"), HEADLINE, BODY).ticker
    assert board is not None  # the text scrolls on the small board
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        sign_in(page, url)
        page.goto(url + "/content/new")
        page.locator("#area").fill("01")
        page.locator("#headline").fill(HEADLINE)
        page.locator("#body").fill(BODY)
        page.locator("#content-form button[type=submit]:not([name])").click()
        page.wait_for_url("**/content/*")
        until(page, f"document.querySelector(\"{CANVAS}\").dataset.playing === '1'")

        first = _state(page)
        assert not first["hidden"] and first["speed"] == board.speed_px_s
        assert first["strip"] == board.strip.width
        shot_a = page.locator(CANVAS).screenshot(path=str(tmp_path / "a.png"))
        until(page, f'+document.querySelector("{CANVAS}").dataset.offset !== {first["offset"]}')
        second = _state(page)
        shot_b = page.locator(CANVAS).screenshot(path=str(tmp_path / "b.png"))
        assert shot_a != shot_b  # the text moved
        for seen in (first, second):  # each frame is where the players' arithmetic puts it
            expected = math.floor(seen["ms"] / 1000 * board.speed_px_s) % board.strip.width
            assert seen["offset"] == expected
        assert page.locator("figure[data-profile='led-192x96-mono'] .ticker-note").is_visible()

        page.locator("figure[data-profile='led-192x96-mono'] .ticker-toggle").click()
        paused = _state(page)
        assert paused["playing"] == "0"
        page.wait_for_timeout(300)
        assert _state(page)["offset"] == paused["offset"]

        calm = browser.new_context(reduced_motion="reduce", viewport={"width": 1280, "height": 900})
        still = calm.new_page()
        sign_in(still, url)
        still.goto(page.url)
        until(still, f"document.querySelector(\"{CANVAS}\").dataset.playing === '0'")
        assert _state(still)["offset"] == 0
        assert still.locator("figure[data-profile='led-192x96-mono'] .ticker-note").is_visible()
        calm.close()
