"""The font and text layout: Vietnamese coverage, LED legibility, pixel-measured wrapping.

The cmap is read with struct: fontTools is not installed in the project's virtualenv.
"""

from __future__ import annotations

import itertools
import struct
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from signage.content.fonts import FONT_DIR, ellipsize, face, font_path, line_metrics, wrap
from signage.content.layout import headline_size
from signage.content.profiles import SEED_PROFILES
from signage.content.render import (
    LED_BODY_WEIGHT,
    LED_HEADLINE_WEIGHT,
    LED_MIN_LINE_PX,
    led_min_size,
    render_text,
)

SENTENCE = "Cảnh báo bão số 3: người dân không ra khơi, tàu thuyền về nơi tránh trú an toàn."
BASE_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
TONED = "àáảãạ ằắẳẵặ ầấẩẫậ èéẻẽẹ ềếểễệ ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ ùúủũụ ừứửữự ỳýỷỹỵ"
ALPHABET = f"{BASE_LETTERS.upper()} {BASE_LETTERS} {TONED} {TONED.upper()}"
LETTERS = sorted(set(ALPHABET.replace(" ", "")))


def glyph_mask(font: ImageFont.FreeTypeFont, text: str, weight: str, size: int) -> bytes:
    """1-bit rendering of `text` with the LED renderer's settings, nothing clipped."""
    metrics = line_metrics(weight, size)
    image = Image.new("1", (size * 3, metrics.height + 8))
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    draw.text((size, metrics.ascent + 4), text, font=font, fill=1, anchor="ls")
    return image.tobytes()


# --- the font ----------------------------------------------------------------------------


def cmap_code_points(path: Path) -> set[int]:
    """Code points mapped to a real glyph by the font's cmap (formats 4 and 12)."""
    data = path.read_bytes()
    (num_tables,) = struct.unpack_from(">H", data, 4)
    records = {
        data[12 + 16 * i : 16 + 16 * i]: struct.unpack_from(">I", data, 20 + 16 * i)[0]
        for i in range(num_tables)
    }
    cmap = records[b"cmap"]
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    points: set[int] = set()
    for i in range(count):
        (offset,) = struct.unpack_from(">I", data, cmap + 8 + 8 * i)
        table = cmap + offset
        (fmt,) = struct.unpack_from(">H", data, table)
        if fmt == 4:
            seg2 = struct.unpack_from(">H", data, table + 6)[0]
            n = seg2 // 2
            ends = struct.unpack_from(f">{n}H", data, table + 14)
            starts = struct.unpack_from(f">{n}H", data, table + 16 + seg2)
            deltas = struct.unpack_from(f">{n}h", data, table + 16 + 2 * seg2)
            ranges_at = table + 16 + 3 * seg2
            ranges = struct.unpack_from(f">{n}H", data, ranges_at)
            for k in range(n):
                for code in range(starts[k], ends[k] + 1):
                    if ranges[k] == 0:
                        glyph = (code + deltas[k]) & 0xFFFF
                    else:
                        at = ranges_at + 2 * k + ranges[k] + 2 * (code - starts[k])
                        glyph = struct.unpack_from(">H", data, at)[0]
                        glyph = (glyph + deltas[k]) & 0xFFFF if glyph else 0
                    if glyph and code != 0xFFFF:
                        points.add(code)
        elif fmt == 12:
            (groups,) = struct.unpack_from(">I", data, table + 12)
            for g in range(groups):
                start, end, glyph = struct.unpack_from(">III", data, table + 16 + 12 * g)
                points.update(c for c in range(start, end + 1) if glyph + c - start)
    return points


@pytest.mark.parametrize("weight", ["Medium", "SemiBold", "Bold", "ExtraBold"])
def test_every_vietnamese_letter_is_in_the_font_cmap(weight: str) -> None:
    # fontTools is not installed in the venv: read the cmap table with struct instead.
    mapped = cmap_code_points(font_path(weight))

    missing = [c for c in set(ALPHABET + SENTENCE) if not c.isspace() and ord(c) not in mapped]

    assert not missing
    assert 0xFFFF not in mapped  # the probe used below really is unmapped


@pytest.mark.parametrize("weight", ["Medium", "SemiBold", "Bold", "ExtraBold"])
def test_every_vietnamese_letter_has_a_glyph_not_notdef(weight: str) -> None:
    # Basic layout looks each code point up in the cmap directly; raqm would fall back to a
    # base letter plus combining marks and hide a missing precomposed glyph.
    font = ImageFont.truetype(str(font_path(weight)), 40, layout_engine=ImageFont.Layout.BASIC)
    notdef = glyph_mask(font, "\uffff", weight, 40)

    for char in set(ALPHABET + SENTENCE) - {" "}:
        mask = glyph_mask(font, char, weight, 40)
        assert mask != notdef, char
        assert any(mask), char  # .notdef is blank in Be Vietnam Pro: insist on ink


def test_faces_come_from_be_vietnam_pro_never_the_default_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_default(*args: object, **kwargs: object) -> None:
        raise AssertionError("Pillow's default font was used")

    monkeypatch.setattr(ImageFont, "load_default", no_default)
    monkeypatch.setattr(ImageFont, "load_default_imagefont", no_default)

    for profile in SEED_PROFILES:
        render_text(profile, "Tin khẩn", SENTENCE * 3)
    assert Path(face(LED_BODY_WEIGHT, 12).path).parent == FONT_DIR


# --- wrapping ----------------------------------------------------------------------------

WORDS = st.sampled_from(SENTENCE.split() + ["(Tự)", "“Ý”", "TP.HCM", "50%", "—", "ĐĂNG-KÝ"])


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(st.one_of(WORDS, st.text(alphabet=ALPHABET, min_size=1, max_size=30))),
    width=st.integers(min_value=40, max_value=600),
    weight=st.sampled_from(["Medium", "SemiBold", "Bold"]),
    size=st.sampled_from([12, 15, 24, 40]),
)
def test_wrapped_lines_fit_when_shaped_for_real(
    words: list[str], width: int, weight: str, size: int
) -> None:
    font = face(weight, size)
    text = " ".join(words)

    wrapped = wrap(text, font, width)

    for line in wrapped.lines:
        assert font.getlength(line) <= width or len(line) == 1
    assert " ".join(" ".join(wrapped.lines).split()) == " ".join(text.split()) or (
        wrapped.broke_words
    )


def test_wrap_keeps_paragraphs_and_stops_early_when_asked() -> None:
    font = face("Medium", 20)

    wrapped = wrap("Một\n\nHai ba bốn năm sáu bảy tám chín mười", font, 80, max_lines=3)

    assert wrapped.lines[:3] == ("Một", "", "Hai ba")
    assert wrapped.overflow
    assert len(wrapped.lines) == 4


def test_ellipsize_marks_the_cut() -> None:
    font = face("Medium", 20)

    line = ellipsize(SENTENCE, font, 200)

    assert line.endswith("…")
    assert font.getlength(line) <= 200


# --- LED legibility ----------------------------------------------------------------------


def test_led_minimum_size_gives_a_16px_line() -> None:
    size = led_min_size()

    assert sum(face(LED_BODY_WEIGHT, size).getmetrics()) >= LED_MIN_LINE_PX
    assert sum(face(LED_BODY_WEIGHT, size - 1).getmetrics()) < LED_MIN_LINE_PX
    # Lines are spaced on the ink box, which also holds stacked capital marks.
    assert line_metrics(LED_BODY_WEIGHT, size).height >= LED_MIN_LINE_PX


@pytest.mark.parametrize(
    ("weight", "size"),
    [
        (LED_BODY_WEIGHT, led_min_size()),
        (LED_HEADLINE_WEIGHT, headline_size(led_min_size())),
    ],
)
def test_diacritics_stay_distinct_at_led_minimum_size(weight: str, size: int) -> None:
    font = face(weight, size)
    masks = {char: glyph_mask(font, char, weight, size) for char in LETTERS}

    assert len({masks["e"], masks["ê"], masks["ệ"]}) == 3
    assert len({masks["o"], masks["ơ"], masks["ở"], masks["ợ"]}) == 4
    # Every letter differs from every other letter on the same base: a, ă, â, à, ằ, ầ, ...
    base = {char: unicodedata.normalize("NFD", char)[0] for char in LETTERS}
    same = [
        (a, b)
        for a, b in itertools.combinations(LETTERS, 2)
        if base[a] == base[b] and masks[a] == masks[b]
    ]
    assert not same, f"indistinguishable at {size}px: {same}"
