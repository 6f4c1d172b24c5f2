"""Horizontal tickers: text that cannot fit a small LED board scrolls right to left."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw

from signage.content.fonts import face, line_metrics
from signage.content.profiles import RGB

CHARS_PER_SECOND = 5  # comfortable reading pace for running text
MIN_VISIBLE_CHARS = 12  # the window always shows a few words, never one huge letter
SEPARATOR = "  •  "
_SAMPLE = "Cảnh báo bão số 3: người dân không ra khơi"


@dataclass(frozen=True, eq=False)
class Ticker:
    """One loop of scrolling text (`strip`) shown through a `width`-wide window at row `y`,
    column `x` (0 but for banners that keep a label fixed at their left)."""

    strip: Image.Image
    y: int
    width: int
    speed_px_s: int
    x: int = 0

    @property
    def loop_seconds(self) -> float:
        """Time for the strip to scroll by once and start over."""
        return self.strip.width / self.speed_px_s

    def offset(self, t_seconds: float) -> int:
        """Strip column shown at the window's left edge at `t_seconds`."""
        return math.floor(t_seconds * self.speed_px_s) % self.strip.width

    def frame(self, t_seconds: float) -> Image.Image:
        """The visible window at `t_seconds`, wrapping around the end of the strip."""
        window = Image.new(self.strip.mode, (self.width, self.strip.height))
        x = -self.offset(t_seconds)
        while x < self.width:
            window.paste(self.strip, (x, 0))
            x += self.strip.width
        return window


@lru_cache(maxsize=256)
def _average_char_width(weight: str, size: int) -> float:
    return face(weight, size).getlength(_SAMPLE) / len(_SAMPLE)


def ticker_size(weight: str, width: int, height: int) -> int:
    """Largest font size whose line fits `height` and shows MIN_VISIBLE_CHARS in `width`."""
    size = 1
    while (
        line_metrics(weight, size + 1).height <= height - 2
        and _average_char_width(weight, size + 1) * MIN_VISIBLE_CHARS <= width
    ):
        size += 1
    return size


def ticker_for(
    segments: Sequence[tuple[str, RGB]],
    *,
    weight: str,
    width: int,
    height: int,
    y: int,
    bg: RGB,
    finish: Callable[[Image.Image], Image.Image] = lambda strip: strip,
    x: int = 0,
    crisp: bool = True,
) -> Ticker:
    """Build a ticker from coloured text segments joined by SEPARATOR (`crisp`, for LED
    boards: no anti-aliasing)."""
    size = ticker_size(weight, width, height)
    font = face(weight, size)
    metrics = line_metrics(weight, size)
    parts: list[tuple[str, RGB]] = []
    for index, (text, colour) in enumerate(segments):
        if index:
            parts.append((SEPARATOR, colour))
        parts.append((text, colour))
    text_px = math.ceil(sum(font.getlength(text) for text, _ in parts))
    gap = max(width // 2, 2 * size)
    strip = Image.new("RGB", (max(1, text_px + gap), height), bg)
    draw = ImageDraw.Draw(strip)
    if crisp:
        draw.fontmode = "1"
    baseline = (height - metrics.height) // 2 + metrics.ascent
    pen = 0.0
    for text, colour in parts:
        draw.text((round(pen), baseline), text, font=font, fill=colour, anchor="ls")
        pen += font.getlength(text)
    speed = max(1, round(CHARS_PER_SECOND * _average_char_width(weight, size)))
    return Ticker(strip=finish(strip), y=y, width=width, speed_px_s=speed, x=x)
