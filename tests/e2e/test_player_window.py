"""The Python player's pygame window on a real X server (Xvfb), screenshot against frames output.

The test starts its own Xvfb on a display number the server picks (-displayfd), runs the
player's frame loop in a separate process with the window output (SDL's x11 driver) and the
frames output side by side, takes a screenshot of the screen with `xwd` after each picture and
compares the window's rectangle with the frame written, pixel for pixel: a text item, an image
item, a scrolling item at two instants, a scrolling exercise banner over the scrolling item, a
takeover alert over it and the programme back after the cancel.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from signage.alerts.delivery import ALERT_RED, WHITE
from signage.content.banner import render_banner
from signage.content.profiles import seed_profile
from signage.content.render import render_image, render_text
from signage_testing.processes import eventually, stop_process
from tests.players.conftest import T0, iso
from tests.players.conftest import sha as _sha
from tests.players.test_ticker import LONG
from tests.players.test_ticker import encoded as png

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

PROFILE = "led-256x128-3c"
X, Y = 7, 5  # the window's position on the screen, as the player's config sets it
ROOT = Path(__file__).resolve().parents[2]


def read_xwd(data: bytes) -> Image.Image:
    """An XWD screenshot (xwd's ZPixmap, 24 or 32 bits a pixel, TrueColor) as an RGB image."""
    fields = struct.unpack(">25I", data[:100])
    header_size, _version, pixmap_format, _depth, width, height = fields[:6]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    red, green, blue, ncolors = fields[14], fields[15], fields[16], fields[19]
    assert pixmap_format == 2, f"not a ZPixmap ({pixmap_format})"
    assert (red, green, blue) == (0xFF0000, 0xFF00, 0xFF), (
        f"visual masks {red:x} {green:x} {blue:x}"
    )
    pixels = data[header_size + 12 * ncolors :]
    layout = {32: "BGRX", 24: "BGR"}[bits_per_pixel] if byte_order == 0 else None
    assert layout is not None, f"MSB-first XWD ({bits_per_pixel} bpp) not handled"
    return Image.frombytes("RGB", (width, height), pixels, "raw", layout, bytes_per_line)


@pytest.fixture()
def display(tmp_path: Path) -> Iterator[str]:
    """A fresh Xvfb on a free display number (the server picks it), stopped afterwards."""
    for tool in ("Xvfb", "xwd"):
        assert shutil.which(tool), f"{tool} missing: sh scripts/ensure-xvfb.sh installs it"
    read_end, write_end = os.pipe()
    log = open(tmp_path / "xvfb.log", "w", encoding="utf-8")
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    os.close(write_end)
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], 60)
            chunk = os.read(read_end, 16) if ready else b""
            assert chunk, f"Xvfb gave no display number:\n{(tmp_path / 'xvfb.log').read_text()}"
            number += chunk
        yield f":{number.decode().strip()}"
    finally:
        os.close(read_end)
        stop_process(proc)
        log.close()


def photograph(size: tuple[int, int]) -> Image.Image:
    """Gradients and shapes: many colours before the LED palette dithers them."""
    w, h = size
    img = Image.new("RGB", size)
    img.putdata(
        [((x * 255) // w, (y * 255) // h, ((x + y) * 3) % 256) for y in range(h) for x in range(w)]
    )
    return img


def programme() -> tuple[dict[str, Any], list[bytes], dict[str, Any], dict[str, Any]]:
    """A manifest with a text item, an image item, then a scrolling item; the files; a takeover
    alert and a banner alert."""
    profile = seed_profile(PROFILE)
    text = render_text(profile, "Lịch tiêm chủng", "Trạm y tế phường, 8:00 thứ Bảy.")
    assert text.ticker is None
    picture = render_image(profile, photograph((400, 300)))
    ticker = render_text(profile, "Tin khẩn cấp", LONG)
    assert ticker.ticker is not None
    warning = render_text(profile, "CẢNH BÁO BÃO", "Không ra khơi.", fg=WHITE, bg=ALERT_RED)
    files = [png(text.image), png(picture.image), png(ticker.image), png(ticker.ticker.strip)]
    files.append(png(warning.image))
    banner = render_banner(profile, LONG, label="DIỄN TẬP")
    assert banner.ticker is not None
    files += [png(banner.image), png(banner.ticker.strip)]

    def entry(item: int, data: bytes, **extra: Any) -> dict[str, Any]:
        return {"item": item, "revision": item, "duration_s": 3600, "schedule": 1,
                "priority": "normal", "url": f"/media/{_sha(data)}.png", "sha256": _sha(data),
                "scrolls": False, **extra}  # fmt: skip

    def segment(start_s: int, end_s: int, *entries: dict[str, Any]) -> dict[str, Any]:
        return {"start": iso(T0 + timedelta(seconds=start_s)),
                "end": iso(T0 + timedelta(seconds=end_s)), "kind": "programme",
                "entries": list(entries)}  # fmt: skip

    strip = files[3]
    scrolling = entry(3, files[2], scrolls=True, ticker={
        "url": f"/media/{_sha(strip)}.png", "sha256": _sha(strip), "y": ticker.ticker.y,
        "speed_px_s": ticker.ticker.speed_px_s, "strip_width": ticker.ticker.strip.width})  # fmt: skip
    manifest = {
        "board": "XV-1", "profile": PROFILE, "tz": "Asia/Ho_Chi_Minh", "fallback": "Phường thử",
        "to": iso(T0 + timedelta(hours=54)),
        "segments": [segment(0, 60, entry(1, files[0])), segment(60, 120, entry(2, files[1])),
                     segment(120, 3600, scrolling)],
    }  # fmt: skip
    alert = {"id": 9, "version": 1, "category": "Met", "severity": "extreme", "mode": "takeover",
             "headline": "CẢNH BÁO BÃO", "body": "Không ra khơi.", "expires_at": None,
             "images": {PROFILE: {"url": f"/media/{_sha(files[4])}.png",
                                  "sha256": _sha(files[4])}}}  # fmt: skip
    strip, band = files[5], files[6]
    watch = {**alert, "id": 10, "severity": "moderate", "mode": "banner", "headline": "Theo dõi lũ",
             "images": {PROFILE: {**alert["images"][PROFILE], "banner": {
                 "url": f"/media/{_sha(strip)}.png", "sha256": _sha(strip),
                 "y": profile.height - profile.banner_height, "height": profile.banner_height,
                 "ticker": {"url": f"/media/{_sha(band)}.png", "sha256": _sha(band),
                            "x": banner.ticker.x, "y": banner.ticker.y,
                            "speed_px_s": banner.ticker.speed_px_s,
                            "strip_width": banner.ticker.strip.width}}}}}  # fmt: skip
    return manifest, files, alert, watch


def test_the_window_on_a_real_display_shows_the_frames_pixel_for_pixel(
    display: str, tmp_path: Path
) -> None:
    manifest, files, alert, watch = programme()
    cases = [
        {"name": "text", "at_s": 5, "kind": "entry"},
        {"name": "image", "at_s": 65, "kind": "entry"},
        {"name": "scroll-early", "at_s": 123.25, "kind": "entry"},
        {"name": "scroll-later", "at_s": 137, "kind": "entry"},
        {"name": "banner", "at_s": 139, "kind": "banner", "alert": watch},
        {"name": "takeover", "at_s": 140, "kind": "alert", "alert": alert},
        {"name": "cancelled", "at_s": 141, "kind": "entry"},
    ]
    (tmp_path / "cases.json").write_text(json.dumps({
        "start": T0.isoformat(), "x": X, "y": Y, "board": "XV-1", "profile": PROFILE,
        "manifest": manifest, "files": [base64.b64encode(f).decode() for f in files],
        "cases": cases,
    }), encoding="utf-8")  # fmt: skip
    env = {**os.environ, "DISPLAY": display, "SDL_VIDEODRIVER": "x11"}
    log = open(tmp_path / "driver.log", "w", encoding="utf-8")
    driver = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.window_driver", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    seen: dict[str, bytes] = {}
    try:
        for case in cases:
            ready, _, _ = select.select([driver.stdout], [], [], 120)  # never hang the suite
            line = driver.stdout.readline().split() if ready else []  # type: ignore[union-attr]
            assert line, f"the driver stopped:\n{(tmp_path / 'driver.log').read_text()}"
            assert line[1:] == [case["name"], case["kind"]], line
            with Image.open(tmp_path / "frames" / "current.png") as written:
                frame = written.convert("RGB")
            assert frame.size == (256, 128)
            box = (X, Y, X + frame.width, Y + frame.height)

            def on_screen(frame: Image.Image = frame, box: tuple[int, ...] = box) -> bool:
                shot = subprocess.run(["xwd", "-root", "-silent", "-display", display],
                                      capture_output=True, check=True, timeout=60)  # fmt: skip
                seen["shot"] = read_xwd(shot.stdout).crop(box).tobytes()
                return seen["shot"] == frame.tobytes()

            try:  # the X server has the picture once flip() returns; the bound is generous
                eventually(on_screen, timeout=20, interval=0.2)
            except AssertionError:
                window = Image.frombytes("RGB", frame.size, seen["shot"])
                window.save(tmp_path / f"window-{case['name']}.png")
                got, want = seen["shot"], frame.tobytes()
                differ = sum(got[i : i + 3] != want[i : i + 3] for i in range(0, len(want), 3))
                pytest.fail(f"{case['name']}: {differ} pixels differ from the frame ({tmp_path})")
            seen[case["name"]] = frame.tobytes()
            driver.stdin.write("next\n")  # type: ignore[union-attr]
            driver.stdin.flush()  # type: ignore[union-attr]
    finally:
        stop_process(driver)
        driver.stdin.close()  # type: ignore[union-attr]
        driver.stdout.close()  # type: ignore[union-attr]
        log.close()
    # Every case was a different picture: the scroll moved, the takeover replaced it, the
    # cancel brought the programme back where it had scrolled to.
    assert len({seen[c["name"]] for c in cases}) == len(cases)
