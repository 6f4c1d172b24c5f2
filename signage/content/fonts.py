"""Be Vietnam Pro faces and pixel-measured text wrapping for the renderer.

Pillow's default bitmap font lacks most Vietnamese letters, so every face comes from the
fontpkg-be-vietnam-pro package. Faces are laid out with raqm (HarfBuzz), which Pillow's wheels
bundle, so combining marks that survive NFC are positioned correctly.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontpkg_be_vietnam_pro import ROOT
from PIL import ImageFont

FONT_DIR: Path = ROOT / "files"
WEIGHTS = ("Regular", "Medium", "SemiBold", "Bold", "ExtraBold", "Black")

# Tallest stacked capital diacritics and deepest descenders that Vietnamese text can hold:
# a line box sized on this probe never lets one line's marks touch the next line's.
LINE_PROBE = "ẶẬỄỸỖỞÁgjpqyỵ"

Face = ImageFont.FreeTypeFont


def font_path(weight: str) -> Path:
    """Path of the static Be Vietnam Pro TTF for a weight name such as 'SemiBold'."""
    if weight not in WEIGHTS:
        raise ValueError(f"unknown weight {weight!r}; expected one of {WEIGHTS}")
    return FONT_DIR / f"BeVietnamPro-{weight}.ttf"


# Sharing FreeTypeFont objects is safe while the GIL serialises Pillow's FreeType calls;
# free-threaded builds need Pillow's own per-face locking (python-pillow/Pillow#9497).
@lru_cache(maxsize=256)
def face(weight: str, size: int) -> Face:
    """Be Vietnam Pro at a pixel size, laid out with raqm."""
    if size < 1:
        raise ValueError("font size must be at least 1 px")
    return ImageFont.truetype(str(font_path(weight)), size, layout_engine=ImageFont.Layout.RAQM)


@dataclass(frozen=True)
class LineMetrics:
    """Ink box of one line: `ascent` from line top to baseline, `height` of the whole box."""

    ascent: int
    height: int


@lru_cache(maxsize=512)
def line_metrics(weight: str, size: int) -> LineMetrics:
    """Line box that fits every Vietnamese letter, stacked capital marks included."""
    left, top, right, bottom = face(weight, size).getbbox(LINE_PROBE, anchor="ls")
    del left, right
    return LineMetrics(ascent=-int(top), height=int(bottom - top))


def nominal_line_height(weight: str, size: int) -> int:
    """The font's own line height (ascent + descent), as CSS 'line-height: normal' uses."""
    ascent, descent = face(weight, size).getmetrics()
    return ascent + descent


def min_size_for_line_height(weight: str, line_px: int) -> int:
    """Smallest font size whose nominal line height is at least `line_px` pixels."""
    size = 1
    while nominal_line_height(weight, size) < line_px:
        size += 1
    return size


@dataclass(frozen=True)
class Wrapped:
    """Lines produced by `wrap`.

    `broke_words` is set when a word had to be split to fit; `overflow` when wrapping stopped
    early because there were more than `max_lines` lines (only max_lines + 1 are returned).
    """

    lines: tuple[str, ...]
    broke_words: bool
    overflow: bool = False


def text_width(font: Face, text: str) -> int:
    """Advance width of `text` in whole pixels (rounded up)."""
    return math.ceil(font.getlength(text))


def wrap(text: str, font: Face, width: int, max_lines: int | None = None) -> Wrapped:
    """Greedy word wrap measured in pixels; '\n' starts a new paragraph."""
    # Words are measured once and summed with the space's advance: shaping whole candidate
    # lines made wrapping quadratic. This font does not kern across spaces; contextual forms
    # only ever make a joined line narrower than the sum, so a wrapped line never overflows.
    space = font.getlength(" ")
    widths: dict[str, float] = {}
    lines: list[str] = []
    broke = False

    def full() -> bool:
        return max_lines is not None and len(lines) > max_lines

    for paragraph in text.split("\n"):
        line: list[str] = []
        line_width = 0.0
        for word in paragraph.split():
            word_width = widths.get(word)
            if word_width is None:
                word_width = widths[word] = font.getlength(word)
            if line and math.ceil(line_width + space + word_width) <= width:
                line.append(word)
                line_width += space + word_width
                continue
            if line:
                lines.append(" ".join(line))
                if full():
                    return Wrapped(tuple(lines), broke, overflow=True)
            if math.ceil(word_width) <= width:
                line, line_width = [word], word_width
                continue
            broke = True
            *pieces, last = _break_word(word, font, width)
            lines.extend(pieces)
            line, line_width = [last], font.getlength(last)
        lines.append(" ".join(line))
        if full():
            return Wrapped(tuple(lines), broke, overflow=True)
    return Wrapped(tuple(lines), broke)


def _clusters(word: str) -> list[str]:
    """Split into base characters with their combining marks (never strand a mark)."""
    clusters: list[str] = []
    for char in word:
        if clusters and (unicodedata.combining(char) or char in "\u200c\u200d"):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _break_word(word: str, font: Face, width: int) -> list[str]:
    pieces: list[str] = []
    piece = ""
    for cluster in _clusters(word):
        if piece and text_width(font, piece + cluster) > width:
            pieces.append(piece)
            piece = cluster
        else:
            piece += cluster
    pieces.append(piece)
    return pieces


def ellipsize(line: str, font: Face, width: int) -> str:
    """Shorten `line` and end it with an ellipsis so it fits `width` pixels."""
    clusters = _clusters(line.rstrip())
    while clusters and text_width(font, "".join(clusters).rstrip() + "…") > width:
        clusters.pop()
    return "".join(clusters).rstrip() + "…"
