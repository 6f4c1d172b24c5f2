"""The player's own screens (fallback, pairing, identify, alert text) and fitting renditions.

Text uses Be Vietnam Pro (fontpkg-be-vietnam-pro), the server's font: Pillow's default bitmap
font lacks most Vietnamese letters. Small (LED) screens are drawn without anti-aliasing.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime
from functools import lru_cache

from fontpkg_be_vietnam_pro import ROOT  # type: ignore[import-untyped, unused-ignore]
from PIL import Image, ImageDraw, ImageFont

Size = tuple[int, int]
RGB = tuple[int, int, int]
BLACK, WHITE, RED, AMBER = (0, 0, 0), (255, 255, 255), (200, 0, 0), (255, 190, 0)
MAX_PIXELS = 40_000_000


@lru_cache(maxsize=128)
def font(size: int, weight: str = "Bold") -> ImageFont.FreeTypeFont:
    """Be Vietnam Pro at a pixel size."""
    return ImageFont.truetype(str(ROOT / "files" / f"BeVietnamPro-{weight}.ttf"), max(size, 6))


def _small(size: Size) -> bool:
    return size[0] * size[1] <= 512 * 256


def _canvas(size: Size, bg: tuple[int, int, int]) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    if _small(size):
        draw.fontmode = "1"  # crisp pixels on LED modules
    return image, draw


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        words, line = para.split(), ""
        for word in words:
            trial = f"{line} {word}".strip()
            if not line or draw.textlength(trial, font=face) <= width:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _fit(
    draw: ImageDraw.ImageDraw, blocks: list[tuple[str, float]], size: Size, weight: str = "Bold"
) -> list[tuple[list[str], ImageFont.FreeTypeFont]]:
    """Wrapped lines per block at the largest size that fits; blocks carry relative sizes."""
    w, h = size
    margin = max(1, min(w, h) // 24)
    top = max(8, int(h * 0.9 / max(1, len(blocks))))
    for px in range(top, 5, -max(1, top // 24)):
        laid = []
        height = 0
        for text, scale in blocks:
            face = font(max(6, int(px * scale)), weight)
            lines = _wrap(draw, text, face, w - 2 * margin)
            widest = max((draw.textlength(line, font=face) for line in lines), default=0)
            if widest > w - 2 * margin:
                break
            laid.append((lines, face))
            height += len(lines) * int(face.size * 1.2)
        else:
            if height <= h - 2 * margin:
                return laid
    return [(_wrap(draw, t, font(6), w), font(6)) for t, _ in blocks]


def text_screen(
    size: Size,
    blocks: list[tuple[str, float]],
    *,
    bg: RGB = BLACK,
    fg: RGB = WHITE,
    accent: RGB | None = None,
) -> Image.Image:
    """Blocks of text (text, relative size), centred, as large as the screen allows."""
    image, draw = _canvas(size, bg)
    blocks = [(unicodedata.normalize("NFC", t), s) for t, s in blocks if t]
    laid = _fit(draw, blocks, size)
    total = sum(len(lines) * int(face.size * 1.2) for lines, face in laid)
    y = (size[1] - total) / 2
    for i, (lines, face) in enumerate(laid):
        colour = accent if (accent and i == 0) else fg
        step = int(face.size * 1.2)
        for line in lines:
            draw.text((size[0] / 2, y + step / 2), line, font=face, fill=colour, anchor="mm")
            y += step
    return image


def fallback_screen(size: Size, name: str, now_local: datetime) -> Image.Image:
    """The unit's name, the time and the date: shown when nothing is scheduled."""
    return text_screen(
        size,
        [(name or "Bảng tin điện tử", 0.7), (now_local.strftime("%H:%M"), 1.0),
         (now_local.strftime("%d/%m/%Y"), 0.6)],
        accent=AMBER,
    )  # fmt: skip


def pairing_screen(size: Size, code: str | None) -> Image.Image:
    """'Not paired', and the pairing code large when there is one."""
    if not code:
        return text_screen(size, [("Chưa ghép nối", 1.0), ("Not paired", 0.6)], accent=AMBER)
    spaced = f"{code[:3]}-{code[3:]}" if len(code) == 6 else code
    return text_screen(
        size, [("Chưa ghép nối - mã:", 0.45), (spaced, 1.0), ("Not paired", 0.35)], accent=AMBER
    )


def message_screen(size: Size, title: str, detail: str = "") -> Image.Image:
    """A short notice (for example 'update the player')."""
    return text_screen(size, [(title, 1.0), (detail, 0.5)], accent=AMBER)


def identify_screen(size: Size, code: str, name: str) -> Image.Image:
    """The board's code and name, large, on blue."""
    return text_screen(size, [(code, 1.0), (name, 0.55)], bg=(0, 40, 160))


def alert_text_screen(size: Size, headline: str, body: str) -> Image.Image:
    """An alert drawn by the player itself (its picture is missing): white on red."""
    return text_screen(
        size, [(headline, 1.0), (body, 0.55)], bg=RED, fg=WHITE, accent=(255, 255, 0)
    )


def black(size: Size) -> Image.Image:
    """Screen off."""
    return Image.new("RGB", size, BLACK)


def picture(data: bytes, size: Size, *, crop: bool = False) -> Image.Image:
    """A cached PNG at the board's geometry: as is, cropped (first frame of a ticker) or fitted."""
    with Image.open(io.BytesIO(data)) as src:
        if src.width * src.height > MAX_PIXELS:
            raise ValueError(f"image too large: {src.width}x{src.height}")
        image = src.convert("RGB")
    if image.size == size:
        return image
    if crop:
        out = Image.new("RGB", size, BLACK)
        out.paste(image.crop((0, 0, min(size[0], image.width), min(size[1], image.height))))
        return out
    scale = min(size[0] / image.width, size[1] / image.height)
    fitted = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        Image.Resampling.NEAREST if _small(size) else Image.Resampling.LANCZOS,
    )
    out = Image.new("RGB", size, BLACK)
    out.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    return out


def ticker_frame(still: bytes, strip: bytes, y: int, offset: int, size: Size) -> Image.Image:
    """Scrolling text: the still picture with the strip's window at `offset` pasted at row y.

    The same composition as the server's renderer, so frame 0 equals the still image.
    """
    return scrolled(picture(still, size, crop=True), picture_raw(strip), y, offset)


def scrolled(base: Image.Image, band: Image.Image, y: int, offset: int, x: int = 0) -> Image.Image:
    """A copy of `base` with the band's window at `offset` pasted at row y, from column x to
    the right edge (see ticker_frame; banners keep a label left of x)."""
    out = base.copy()
    window = Image.new("RGB", (max(1, base.width - x), band.height), BLACK)
    pos = -offset
    while pos < window.width:
        window.paste(band, (pos, 0))
        pos += band.width
    out.paste(window, (x, y))
    return out


def with_banner(base: Image.Image, strip: Image.Image, y: int) -> Image.Image:
    """A copy of the programme's picture with an alert's banner strip pasted at row y."""
    out = base.copy()
    out.paste(strip, (0, y))
    return out


def picture_raw(data: bytes) -> Image.Image:
    """A cached PNG as it is (bounded in pixels)."""
    with Image.open(io.BytesIO(data)) as src:
        if src.width * src.height > MAX_PIXELS:
            raise ValueError(f"image too large: {src.width}x{src.height}")
        return src.convert("RGB")


def png(image: Image.Image) -> bytes:
    """PNG bytes of an image."""
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()
