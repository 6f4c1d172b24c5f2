"""Banner strips: alerts that do not take over the screen air in a strip over the programme.

The strip is as wide as the board and `profile.banner_height` tall (a share of the board height
set per display profile); players paste it at the bottom of the board. One line of text, as
large as the strip allows; text longer than the strip scrolls as a ticker (the same stored
strip + speed as content tickers). An exercise or test label stays fixed at the strip's left,
and the text scrolls in the rest (the ticker's `x`).
"""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from signage.content import palette as pal
from signage.content.fonts import face, line_metrics
from signage.content.layout import clean_text
from signage.content.profiles import AMBER, RGB, DisplayProfile
from signage.content.render import Rendition
from signage.content.ticker import SEPARATOR, ticker_for, ticker_size

BANNER_WEIGHT = "Bold"
ALERT_RED: RGB = (176, 0, 0)  # the full-screen alert's red (signage.alerts.delivery)


def banner_colours(profile: DisplayProfile) -> tuple[RGB, RGB]:
    """(text, background): lit background on LED boards, so the strip stands out from the
    programme's lit text on dark; white on alert red elsewhere."""
    if profile.colour_mode == "mono":
        return profile.palette[0], profile.palette[1]
    if profile.colour_mode == "palette":
        back = pal.nearest(ALERT_RED, profile.palette)
        ink = AMBER if AMBER in profile.palette and AMBER != back else profile.palette[0]
        return ink, back
    return pal.WHITE, ALERT_RED


def render_banner(profile: DisplayProfile, text: str, *, label: str = "") -> Rendition:
    """The banner strip (board width x banner height) for one text; a ticker when too long."""
    text, label = " ".join(clean_text(text).split()), " ".join(clean_text(label).split())
    fg, bg = banner_colours(profile)
    width, height = profile.width, profile.banner_height
    strip = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(strip)
    if profile.is_led:
        draw.fontmode = "1"
    # LCD: a calmer line with room above and below; LED: every row counts.
    size = ticker_size(BANNER_WEIGHT, width, height if profile.is_led else height * 2 // 3)
    font = face(BANNER_WEIGHT, size)
    metrics = line_metrics(BANNER_WEIGHT, size)
    baseline = (height - metrics.height) // 2 + metrics.ascent
    pad = max(2, size // 3)
    x0 = 0
    if label:
        # Inverted box: the label reads as a tag, and never scrolls away.
        x0 = min(width // 2, math.ceil(font.getlength(label)) + 2 * pad)
        draw.rectangle((0, 0, x0 - 1, height - 1), fill=fg)
        draw.text((pad, baseline), label, font=font, fill=bg, anchor="ls")
    room = width - x0
    text_px = math.ceil(font.getlength(text))
    if text_px <= room - 2 * pad:
        draw.text((x0 + (room - text_px) // 2, baseline), text, font=font, fill=fg, anchor="ls")
        return Rendition(_finish(strip, profile))
    ticker = ticker_for(
        [(text, fg)],
        weight=BANNER_WEIGHT,
        width=room,
        height=height,
        y=0,
        bg=bg,
        finish=lambda s: _finish(s, profile),
        x=x0,
        crisp=profile.is_led,
    )
    strip.paste(ticker.frame(0), (x0, 0))
    return Rendition(_finish(strip, profile), ticker)


def banner_text(headline: str, body: str) -> str:
    """What a banner says: the headline, then the description."""
    return SEPARATOR.join(p for p in (" ".join(headline.split()), " ".join(body.split())) if p)


def _finish(image: Image.Image, profile: DisplayProfile) -> Image.Image:
    return pal.quantise(image, profile, dither=False)
