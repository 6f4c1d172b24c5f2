"""Render text items and images into renditions for one display profile (pure Pillow).

LED boards get un-antialiased text (`fontmode = "1"`) quantised exactly to their palette; text
too long for a small board becomes a horizontal ticker. LCD screens get an antialiased layout
with a headline band. The same input always gives byte-identical output.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageEnhance

from signage.content import palette as pal
from signage.content.fit import Fit, fitted, legibility
from signage.content.fonts import ellipsize, min_size_for_line_height
from signage.content.layout import (
    Block,
    clean_text,
    draw_block,
    headline_size,
    largest,
    wrap_block,
)
from signage.content.profiles import AMBER, RGB, DisplayProfile
from signage.content.ticker import Ticker, ticker_for

# Smallest legible LED text: a 16 px nominal line (ascent + descent). Lines are then spaced
# on the taller ink box of stacked capital marks, so marks never touch the line above.
LED_MIN_LINE_PX = 16
LED_MARGIN = 2
LED_HEADLINE_WEIGHT, LED_BODY_WEIGHT = "ExtraBold", "SemiBold"
LCD_HEADLINE_WEIGHT, LCD_BODY_WEIGHT = "Bold", "Medium"
LCD_BG: RGB = (255, 255, 255)
LCD_BAND: RGB = (0, 71, 140)

__all__ = ["Rendition", "Ticker", "led_min_size", "render_image", "render_text"]


@dataclass(frozen=True, eq=False)
class Rendition:
    """A rendered item: the board-sized RGB image, plus a ticker when text must scroll."""

    image: Image.Image
    ticker: Ticker | None = None
    legibility: dict[str, Any] | None = None  # pictures only: see content.fit.legibility

    def frame(self, t_seconds: float) -> Image.Image:
        """Whole board at `t_seconds` into playback (the ticker band pasted in place)."""
        board = self.image.copy()
        if self.ticker is not None:
            board.paste(self.ticker.frame(t_seconds), (self.ticker.x, self.ticker.y))
        return board

    def png(self) -> bytes:
        """The still image as PNG bytes (deterministic for equal input)."""
        buffer = io.BytesIO()
        self.image.save(buffer, format="PNG")
        return buffer.getvalue()


@dataclass(frozen=True)
class _Colours:
    bg: RGB
    headline: RGB
    body: RGB
    band: RGB = (0, 0, 0)  # LCD headline band; the headline text is drawn on it


def led_min_size(weight: str = LED_BODY_WEIGHT) -> int:
    """Smallest font size legible on LED boards (a nominal line of LED_MIN_LINE_PX)."""
    return min_size_for_line_height(weight, LED_MIN_LINE_PX)


def render_text(
    profile: DisplayProfile,
    headline: str,
    body: str,
    *,
    fg: RGB | None = None,
    bg: RGB | None = None,
    background: Image.Image | None = None,
) -> Rendition:
    """Lay out a headline and body for the profile, as large as fits."""
    headline, body = clean_text(headline), clean_text(body)
    fg = None if fg is None else pal.as_rgb(fg, what="fg")
    bg = None if bg is None else pal.as_rgb(bg, what="bg")
    if profile.is_led:
        return _render_led(profile, headline, body, _led_colours(profile, fg, bg), background)
    return _render_lcd(profile, headline, body, _lcd_colours(fg, bg), background)


def render_image(profile: DisplayProfile, img: Image.Image, fit: Fit | None = None) -> Rendition:
    """Fit an image into the profile (letterboxed unless `fit` says otherwise); LED palettes
    are dithered exactly. The rendition carries the figures of the legibility warning."""
    canvas, area = fitted(img, profile, fit or Fit())
    shown = pal.quantise(canvas, profile, dither=True)
    return Rendition(shown, legibility=legibility(img, canvas, shown, area, profile))


# --- LED ---------------------------------------------------------------------------------


def _led_colours(profile: DisplayProfile, fg: RGB | None, bg: RGB | None) -> _Colours:
    if profile.colour_mode == "full":
        return _Colours(bg or pal.BLACK, fg or AMBER, fg or pal.WHITE)
    palette = profile.palette
    back = palette[0] if bg is None else pal.nearest(bg, palette)
    if fg is not None:
        ink = pal.contrasting(pal.nearest(fg, palette), back, palette)
        return _Colours(back, ink, ink)
    head = pal.contrasting(palette[1], back, palette)
    return _Colours(back, head, pal.contrasting(palette[-1], back, palette))


def _led_blocks(
    profile: DisplayProfile, headline: str, body: str, colours: _Colours, size: int
) -> list[Block] | None:
    """Headline and body blocks at a body size, or None if they do not fit the board."""
    width, room = profile.width - 2 * LED_MARGIN, profile.height - 2 * LED_MARGIN
    h = headline_size(size)
    blocks = [
        wrap_block(text, weight, pt, width, colour, pt // 10, max_height=room)
        for text, weight, pt, colour in (
            (headline, LED_HEADLINE_WEIGHT, h, colours.headline),
            (body, LED_BODY_WEIGHT, size, colours.body),
        )
        if text
    ]
    fitted = [b for b in blocks if b is not None]
    if len(fitted) != len(blocks) or sum(b.height for b in fitted) + _led_gap(fitted, size) > room:
        return None
    return fitted


def _led_gap(blocks: list[Block], size: int) -> int:
    return max(2, size // 3) if len(blocks) == 2 else 0


def _render_led(
    profile: DisplayProfile,
    headline: str,
    body: str,
    colours: _Colours,
    background: Image.Image | None,
) -> Rendition:
    if background is None:
        base = Image.new("RGB", profile.size, colours.bg)
        backdrop = None
    else:
        # Dim the picture so fewer diodes light up behind the letters, then dither it.
        dimmed = ImageEnhance.Brightness(pal.cover(background, profile.size, colours.bg))
        base = pal.quantise(dimmed.enhance(0.5), profile, dither=True)
        backdrop = colours.bg  # text on dithered dots is unreadable: clear a box behind it
    fit = largest(
        led_min_size(),
        profile.height,
        lambda s: _led_blocks(profile, headline, body, colours, s),
    )
    draw = ImageDraw.Draw(base)
    draw.fontmode = "1"
    if fit is None:
        return _render_led_ticker(profile, headline, body, colours, base, backdrop)
    size, blocks = fit
    gap = _led_gap(blocks, size)
    y = (profile.height - sum(b.height for b in blocks) - gap) // 2
    for block in blocks:
        draw_block(draw, block, (0, y), profile.width, centre=True, backdrop=backdrop)
        y += block.height + gap
    return Rendition(pal.quantise(base, profile, dither=False))


def _render_led_ticker(
    profile: DisplayProfile,
    headline: str,
    body: str,
    colours: _Colours,
    base: Image.Image,
    backdrop: RGB | None,
) -> Rendition:
    """Headline stays on top when it fits in 40 % of the height; the rest scrolls below it."""
    width = profile.width - 2 * LED_MARGIN
    limit = int(profile.height * 0.4) - LED_MARGIN
    head = None
    if headline and body:
        head = largest(
            led_min_size(LED_HEADLINE_WEIGHT),
            limit,
            lambda s: wrap_block(
                headline, LED_HEADLINE_WEIGHT, s, width, colours.headline, s // 10, max_height=limit
            ),
        )
    if head is not None:
        draw = ImageDraw.Draw(base)
        draw.fontmode = "1"
        draw_block(draw, head[1], (0, LED_MARGIN), profile.width, centre=True, backdrop=backdrop)
        top = 2 * LED_MARGIN + head[1].height
        segments = [(body, colours.body)]
    else:
        top = 0
        segments = [(headline, colours.headline), (body, colours.body)]
    ticker = ticker_for(
        [(" ".join(text.split()), colour) for text, colour in segments if text],
        weight=LED_BODY_WEIGHT,
        width=profile.width,
        height=profile.height - top,
        y=top,
        bg=colours.bg,
        finish=lambda strip: pal.quantise(strip, profile, dither=False),
    )
    base.paste(ticker.frame(0), (0, top))
    return Rendition(pal.quantise(base, profile, dither=False), ticker)


# --- LCD ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LcdLayout:
    head: Block | None  # headline in the band; None when there is no band
    main: Block | None  # body, or a lone headline
    band: int  # band height in pixels, 0 without a band
    margin: int


def _lcd_colours(fg: RGB | None, bg: RGB | None) -> _Colours:
    back = bg or LCD_BG
    band = fg or LCD_BAND
    return _Colours(back, pal.readable_on(band), fg or pal.readable_on(back), band)


def _lcd_clip(block: Block, limit: int, width: int) -> Block:
    """Cut a block to `limit` pixels, ending its last line with an ellipsis."""
    if block.height <= limit:
        return block
    keep = max(1, (limit + block.leading) // block.pitch)
    lines = list(block.lines[:keep])
    lines[-1] = ellipsize(lines[-1], block.font, width)
    return Block(tuple(lines), block.font, block.metrics, block.leading, block.colour)


def _lcd_layout(
    profile: DisplayProfile, headline: str, body: str, colours: _Colours, size: int, final: bool
) -> _LcdLayout | None:
    """Blocks at a body size; `final` splits long words and truncates instead of failing."""
    margin = round(min(profile.size) * 0.05)
    width = profile.width - 2 * margin
    h = headline_size(size)
    head, band = None, 0
    if headline and body:
        limit = profile.height // 3
        head = wrap_block(
            headline,
            LCD_HEADLINE_WEIGHT,
            h,
            width,
            colours.headline,
            h // 5,
            max_height=limit,
            final=final,
        )
        if head is None:
            return None
        head = _lcd_clip(head, limit, width)
        band = head.height + 2 * (margin * 3 // 5)
    if not (headline or body):
        return _LcdLayout(None, None, 0, margin)
    text, weight, pt = (body, LCD_BODY_WEIGHT, size) if body else (headline, LCD_HEADLINE_WEIGHT, h)
    limit = profile.height - band - 2 * margin
    main = wrap_block(text, weight, pt, width, colours.body, pt // 4, max_height=limit, final=final)
    if main is None:
        return None
    return _LcdLayout(head, _lcd_clip(main, limit, width), band, margin)


def _render_lcd(
    profile: DisplayProfile,
    headline: str,
    body: str,
    colours: _Colours,
    background: Image.Image | None,
) -> Rendition:
    shortest = min(profile.size)
    lo, hi = max(16, shortest // 54), max(16, shortest // 10)
    fit = largest(lo, hi, lambda s: _lcd_layout(profile, headline, body, colours, s, False))
    plan = fit[1] if fit else _lcd_layout(profile, headline, body, colours, lo, True)
    assert plan is not None  # a final layout always succeeds
    margin, width = plan.margin, profile.width - 2 * plan.margin
    if background is None:
        canvas = Image.new("RGB", profile.size, colours.bg)
    else:
        canvas = pal.cover(background, profile.size, colours.bg)
    draw = ImageDraw.Draw(canvas)
    if plan.head is not None:
        draw.rectangle((0, 0, profile.width - 1, plan.band - 1), fill=colours.band)
        top = (plan.band - plan.head.height) // 2
        draw_block(draw, plan.head, (margin, top), width, centre=False)
    if plan.main is not None:
        area_top = plan.band + margin
        # A third of the free space above, two thirds below: reads as centred, sits high.
        y = area_top + (profile.height - margin - area_top - plan.main.height) // 3
        if background is not None:
            pad = margin // 2
            box = (pad, y - pad, profile.width - pad, y + plan.main.height + pad)
            canvas = _panel(canvas, colours.bg, box)
            draw = ImageDraw.Draw(canvas)
        draw_block(draw, plan.main, (margin, y), width, centre=False)
    return Rendition(canvas)


def _panel(canvas: Image.Image, colour: RGB, box: tuple[int, int, int, int]) -> Image.Image:
    """Translucent panel behind text drawn over a background picture."""
    left, top, right, bottom = box
    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    ImageDraw.Draw(overlay).rectangle((left, top, right - 1, bottom - 1), fill=(*colour, 216))
    composed = canvas.convert("RGBA")
    composed.alpha_composite(overlay)
    return composed.convert("RGB")
