"""Text blocks: wrapped lines in one face, the size search that fits them, and drawing."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PIL import ImageDraw

from signage.content.fonts import Face, LineMetrics, face, line_metrics, text_width, wrap
from signage.content.profiles import RGB

HEADLINE_RATIO = 1.25

T = TypeVar("T")


@dataclass(frozen=True)
class Block:
    """Wrapped lines in one font, ready to draw."""

    lines: tuple[str, ...]
    font: Face
    metrics: LineMetrics
    leading: int
    colour: RGB

    @property
    def pitch(self) -> int:
        return self.metrics.height + self.leading

    @property
    def height(self) -> int:
        return len(self.lines) * self.pitch - self.leading if self.lines else 0


def clean_text(text: str) -> str:
    """NFC-normalise and tidy text for layout (defensive: ingest already validates)."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").translate({0x0D: 0x0A, 0x2028: 0x0A, 0x2029: 0x0A})
    text = "".join(c if c == "\n" or unicodedata.category(c) != "Cc" else " " for c in text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def headline_size(body_size: int) -> int:
    """Headline font size that goes with a body size: always larger."""
    return max(body_size + 1, round(body_size * HEADLINE_RATIO))


def largest(lo: int, hi: int, attempt: Callable[[int], T | None]) -> tuple[int, T] | None:
    """Binary search for the largest size in [lo, hi] whose attempt succeeds."""
    best: tuple[int, T] | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        result = attempt(mid)
        if result is None:
            hi = mid - 1
        else:
            best, lo = (mid, result), mid + 1
    return best


def wrap_block(
    text: str,
    weight: str,
    size: int,
    width: int,
    colour: RGB,
    leading: int,
    *,
    max_height: int,
    final: bool = False,
) -> Block | None:
    """Wrap `text` into at most `max_height` pixels, or None if it needs more room.

    A word too long for the width also fails, unless `final`: then long words are split and
    the lines that do not fit are left to the caller to truncate (one line too many is kept).
    """
    font = face(weight, size)
    metrics = line_metrics(weight, size)
    max_lines = max(0, (max_height + leading) // (metrics.height + leading))
    wrapped = wrap(text, font, width, max_lines=max_lines)
    if not final and (wrapped.broke_words or wrapped.overflow):
        return None
    return Block(wrapped.lines, font, metrics, leading, colour)


def draw_block(
    draw: ImageDraw.ImageDraw,
    block: Block,
    xy: tuple[int, int],
    width: int,
    *,
    centre: bool,
    backdrop: RGB | None = None,
    pad: int = 2,
) -> None:
    """Draw the lines; `backdrop` first fills a box behind them (text over a picture)."""
    left, top = xy
    widths = [text_width(block.font, line) for line in block.lines]
    if backdrop is not None and block.lines:
        inner = max(widths)
        x0 = left + (width - inner) // 2 if centre else left
        draw.rectangle(
            (x0 - pad, top - pad, x0 + inner + pad - 1, top + block.height + pad - 1), fill=backdrop
        )
    y = top
    for line, line_width in zip(block.lines, widths, strict=True):
        x = left + (width - line_width) // 2 if centre else left
        draw.text(
            (x, y + block.metrics.ascent), line, font=block.font, fill=block.colour, anchor="ls"
        )
        y += block.pitch
