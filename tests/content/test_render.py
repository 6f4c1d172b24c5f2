"""Rendering: golden images, every seed profile, LED palettes, tickers and images.

Golden images live in tests/content/golden/. After an intended change, regenerate them with
`UPDATE_GOLDEN=1 pytest tests/content/test_render.py` and look at every changed PNG.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from signage.content.profiles import SEED_PROFILES, DisplayProfile, seed_profile
from signage.content.render import Rendition, render_image, render_text

GOLDEN = Path(__file__).parent / "golden"
SENTENCE = "Cảnh báo bão số 3: người dân không ra khơi, tàu thuyền về nơi tránh trú an toàn."
BASE_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
TONED = "àáảãạ ằắẳẵặ ầấẩẫậ èéẻẽẹ ềếểễệ ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ ùúủũụ ừứửữự ỳýỷỹỵ"
ALPHABET = f"{BASE_LETTERS.upper()} {BASE_LETTERS} {TONED} {TONED.upper()}"
LED = [p for p in SEED_PROFILES if p.is_led]
LED_PALETTED = [p for p in LED if p.colour_mode != "full"]


def check_golden(name: str, image: Image.Image, tmp_path: Path) -> None:
    """Compare pixels exactly with tests/content/golden/<name>.png (UPDATE_GOLDEN=1 rewrites)."""
    path = GOLDEN / f"{name}.png"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        image.save(path, optimize=True)
        return
    assert path.exists(), f"no golden image {path}; run with UPDATE_GOLDEN=1 and review it"
    with Image.open(path) as stored:
        expected = stored.convert("RGB")
    assert expected.size == image.size
    diff = ImageChops.difference(expected, image).convert("L").point(lambda v: 255 if v else 0)
    changed = diff.histogram()[255]
    if changed:
        image.save(tmp_path / f"{name}.actual.png")
        pytest.fail(f"{changed} pixels differ from {path} in {diff.getbbox()}; see {tmp_path}")


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    found = image.getcolors(maxcolors=1 << 24)
    assert found is not None
    return {colour for _, colour in found}


# --- golden images -----------------------------------------------------------------------

SENTENCE_PROFILES = ["led-192x96-mono", "led-256x128-3c", "lcd-1920x1080", "lcd-1080x1920"]
ALPHABET_PROFILES = ["led-192x96-mono", "led-256x128-3c", "lcd-1920x1080"]


@pytest.mark.parametrize("key", SENTENCE_PROFILES)
def test_storm_warning_matches_golden(key: str, tmp_path: Path) -> None:
    rendition = render_text(seed_profile(key), "Tin khẩn cấp", SENTENCE)

    check_golden(f"storm-{key}", rendition.image, tmp_path)


@pytest.mark.parametrize("key", ALPHABET_PROFILES)
def test_vietnamese_alphabet_matches_golden(key: str, tmp_path: Path) -> None:
    rendition = render_text(seed_profile(key), "Bảng chữ cái tiếng Việt", ALPHABET)

    check_golden(f"alphabet-{key}", rendition.image, tmp_path)
    if rendition.ticker is not None:
        check_golden(f"alphabet-{key}-ticker", rendition.ticker.strip, tmp_path)


# --- every profile -----------------------------------------------------------------------


@pytest.mark.parametrize("profile", SEED_PROFILES, ids=lambda p: p.key)
@pytest.mark.parametrize(
    ("headline", "body"),
    [("Tin khẩn cấp", SENTENCE), ("", SENTENCE), ("Họp dân", ""), ("", ""), ("A", "b")],
)
def test_renditions_are_board_sized_rgb(profile: DisplayProfile, headline: str, body: str) -> None:
    rendition = render_text(profile, headline, body)

    assert rendition.image.size == (profile.width, profile.height)
    assert rendition.image.mode == "RGB"


@pytest.mark.parametrize("profile", SEED_PROFILES, ids=lambda p: p.key)
def test_rendering_is_deterministic(profile: DisplayProfile) -> None:
    first = render_text(profile, "Tin khẩn cấp", SENTENCE).png()
    second = render_text(profile, "Tin khẩn cấp", SENTENCE).png()

    assert first == second


@pytest.mark.parametrize("profile", SEED_PROFILES, ids=lambda p: p.key)
def test_decomposed_text_renders_like_composed_text(profile: DisplayProfile) -> None:
    nfd = unicodedata.normalize("NFD", SENTENCE)

    composed = render_text(profile, "Tin khẩn", SENTENCE)
    decomposed = render_text(profile, unicodedata.normalize("NFD", "Tin khẩn"), nfd)

    assert composed.image.tobytes() == decomposed.image.tobytes()


@pytest.mark.parametrize("profile", LED_PALETTED, ids=lambda p: p.key)
def test_led_text_uses_only_palette_colours(profile: DisplayProfile) -> None:
    picture = Image.radial_gradient("L").convert("RGB").resize((300, 200))

    renditions = [
        render_text(profile, "Tin khẩn cấp", SENTENCE),
        render_text(profile, "Tin khẩn cấp", ALPHABET * 2),
        render_text(profile, "Tin", SENTENCE, fg=(10, 200, 30), bg=(90, 0, 0)),
        render_text(profile, "Tin khẩn cấp", SENTENCE, background=picture),
        render_text(profile, "Tin khẩn cấp", ALPHABET * 2, background=picture),
    ]

    for rendition in renditions:
        assert colours(rendition.image) <= set(profile.palette)
        for t in (0, 0.37, 5, 1234.5):
            assert colours(rendition.frame(t)) <= set(profile.palette)


def test_full_colour_led_text_is_not_antialiased() -> None:
    rendition = render_text(seed_profile("led-384x192-full"), "Tin khẩn cấp", SENTENCE)

    assert len(colours(rendition.image)) == 3  # background, headline ink, body ink: no blends


def test_lcd_text_is_antialiased() -> None:
    rendition = render_text(seed_profile("lcd-1920x1080"), "Tin khẩn cấp", SENTENCE)

    assert len(colours(rendition.image)) > 50


def test_mono_led_colours_snap_to_the_palette_and_never_vanish() -> None:
    profile = seed_profile("led-192x96-mono")

    red_on_black = render_text(profile, "", "Họp dân", fg=(200, 30, 10))
    black_on_red = render_text(profile, "", "Họp dân", bg=(240, 0, 0))
    same = render_text(profile, "", "Họp dân", fg=(255, 0, 0), bg=(255, 0, 0))

    assert colours(red_on_black.image) == {(0, 0, 0), (255, 0, 0)}
    assert black_on_red.image.getpixel((0, 0)) == (255, 0, 0)
    assert colours(black_on_red.image) == {(0, 0, 0), (255, 0, 0)}
    assert colours(same.image) == {(0, 0, 0), (255, 0, 0)}


def test_lcd_uses_requested_colours() -> None:
    rendition = render_text(
        seed_profile("lcd-1920x1080"), "", "Họp dân", fg=(255, 255, 0), bg=(0, 0, 80)
    )

    assert rendition.image.getpixel((0, 0)) == (0, 0, 80)
    assert (255, 255, 0) in colours(rendition.image)


def test_bad_colours_are_refused() -> None:
    with pytest.raises(ValueError, match="fg"):
        render_text(seed_profile("lcd-1920x1080"), "", "x", fg=(256, 0, 0))
    with pytest.raises(ValueError, match="bg"):
        render_text(seed_profile("lcd-1920x1080"), "", "x", bg="red")  # type: ignore[arg-type]


# --- tickers -----------------------------------------------------------------------------


def storm_ticker() -> Rendition:
    rendition = render_text(seed_profile("led-192x96-mono"), "Tin khẩn cấp", SENTENCE * 4)
    assert rendition.ticker is not None
    return rendition


def test_text_that_fits_does_not_scroll() -> None:
    assert render_text(seed_profile("led-192x96-mono"), "Tin", SENTENCE).ticker is None


def test_long_text_on_small_led_scrolls_under_a_static_headline() -> None:
    rendition = storm_ticker()
    ticker = rendition.ticker
    assert ticker is not None

    assert 0 < ticker.y < 96 // 2  # headline above the band
    assert ticker.strip.height == 96 - ticker.y
    assert ticker.strip.width > 192
    assert ticker.speed_px_s > 0
    assert rendition.frame(0).tobytes() == rendition.image.tobytes()


def test_lcd_never_scrolls_and_overlong_text_stays_inside_the_margins() -> None:
    profile = seed_profile("lcd-1920x1080")

    rendition = render_text(profile, "Tin khẩn cấp " * 30, SENTENCE * 200)

    assert rendition.ticker is None
    margin = round(min(profile.size) * 0.05)
    bottom = rendition.image.crop((0, profile.height - margin, profile.width, profile.height))
    right = rendition.image.crop((profile.width - margin, 0, profile.width, profile.height))
    assert colours(bottom) == {(255, 255, 255)}
    assert colours(right) <= {(255, 255, 255), (0, 71, 140)}  # page and headline band


def test_ticker_frames_scroll_one_pixel_at_a_time_and_wrap() -> None:
    ticker = storm_ticker().ticker
    assert ticker is not None
    step = 1 / ticker.speed_px_s

    now, later = ticker.frame(10.0), ticker.frame(10.0 + step)

    assert now.size == (192, ticker.strip.height)
    assert (
        now.crop((1, 0, 192, now.height)).tobytes() == later.crop((0, 0, 191, now.height)).tobytes()
    )
    assert ticker.frame(ticker.loop_seconds).tobytes() == ticker.frame(0).tobytes()
    assert ticker.frame(3 * ticker.loop_seconds + 2).tobytes() == ticker.frame(2).tobytes()


def test_ticker_window_wraps_across_the_end_of_the_strip() -> None:
    ticker = storm_ticker().ticker
    assert ticker is not None
    width = ticker.strip.width
    seconds = (width - 50) / ticker.speed_px_s  # 50 px before the end of the strip

    frame = ticker.frame(seconds)

    tail = ticker.strip.crop((width - 50, 0, width, ticker.strip.height))
    head = ticker.strip.crop((0, 0, 142, ticker.strip.height))
    assert frame.crop((0, 0, 50, frame.height)).tobytes() == tail.tobytes()
    assert frame.crop((50, 0, 192, frame.height)).tobytes() == head.tobytes()


def test_headline_too_long_to_stay_still_scrolls_with_the_body() -> None:
    rendition = render_text(seed_profile("led-192x96-mono"), SENTENCE * 2, SENTENCE * 2)

    assert rendition.ticker is not None
    assert rendition.ticker.y == 0
    assert rendition.ticker.strip.height == 96


# --- images ------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", SEED_PROFILES, ids=lambda p: p.key)
def test_images_are_letterboxed_to_the_board(profile: DisplayProfile) -> None:
    tall = Image.linear_gradient("L").convert("RGB").resize((100, 400))

    rendition = render_image(profile, tall)

    assert rendition.image.size == (profile.width, profile.height)
    assert rendition.image.mode == "RGB"
    off = profile.palette[0] if profile.palette else (0, 0, 0)
    if profile.orientation == "landscape":
        assert rendition.image.getpixel((0, profile.height // 2)) == off
        assert rendition.image.getpixel((profile.width - 1, profile.height // 2)) == off


@pytest.mark.parametrize("profile", LED_PALETTED, ids=lambda p: p.key)
def test_led_images_are_dithered_to_palette_colours_exactly(profile: DisplayProfile) -> None:
    photo = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize((320, 240)),
            Image.radial_gradient("L").resize((320, 240)),
            Image.effect_noise((320, 240), 50),
        ),
    )
    transparent = Image.new("RGBA", (64, 64), (255, 255, 255, 0))

    for image in (photo, photo.convert("L"), transparent, photo.convert("P")):
        assert colours(render_image(profile, image).image) <= set(profile.palette)


def test_image_transparency_shows_the_board_background() -> None:
    transparent = Image.new("RGBA", (64, 64), (255, 255, 255, 0))

    rendition = render_image(seed_profile("lcd-1920x1080"), transparent)

    assert colours(rendition.image) == {(0, 0, 0)}
