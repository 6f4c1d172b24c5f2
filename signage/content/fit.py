"""How a picture fills a board (contain, cover, crop), and whether it stays legible there.

An item keeps one fit per display profile (key "*" for every board without its own), in its
revision's `fit`: {"<profile key>" or "*": {"mode": "crop", "focus": [x %, y %]}}. The
legibility figures are documented in docs/operator-guide.md ("Pictures on small boards").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageChops, ImageFilter

from signage.content import palette as pal
from signage.content.profiles import DisplayProfile
from signage.errors import ValidationFailed

# contain: whole picture, bars on the sides; cover: fill the board, cut the edges evenly;
# crop: fill the board, keep the chosen point (focus) in view.
FITS = ("contain", "cover", "crop")
DEFAULT = "contain"
EVERY_BOARD = "*"

# A pixel is an edge where the Laplacian of its brightness reaches this (0..255).
EDGE_LEVEL = 48
# Warn when at least this share of the picture's pixels are edges on an LED board and each
# board pixel stands for at least MIN_SCALE source pixels in each direction...
BUSY_SHARE = 0.12
MIN_SCALE = 4.0
# ... or when, on a mono or few-colour board, this share of the lit-up edges is dither noise
# (edges the picture does not have at the board's size).
NOISE_SHARE = 0.5


@dataclass(frozen=True)
class Fit:
    """A fit mode and, for crop, the point to keep in view (percent of width and height)."""

    mode: str = DEFAULT
    focus: tuple[int, int] = (50, 50)

    def as_json(self) -> dict[str, Any]:
        """Stored form (focus only where it matters)."""
        if self.mode == "crop":
            return {"mode": self.mode, "focus": [self.focus[0], self.focus[1]]}
        return {"mode": self.mode}


def _invalid(message: Any) -> ValidationFailed:
    return ValidationFailed(details=[{"field": "fit", "message": message}])


def parse(mode: Any, focus_x: Any = 50, focus_y: Any = 50) -> Fit:
    """A Fit from user input; ValidationFailed (422) for an unknown mode or a bad focus."""
    if mode not in FITS:
        raise _invalid(_l("Choose how the picture fills the board: contain, cover or crop."))
    try:
        x, y = int(str(focus_x).strip()), int(str(focus_y).strip())
    except ValueError:
        raise _invalid(_l("The point to keep is a percentage from 0 to 100.")) from None
    if not (0 <= x <= 100 and 0 <= y <= 100):
        raise _invalid(_l("The point to keep is a percentage from 0 to 100."))
    return Fit(mode, (x, y) if mode == "crop" else (50, 50))


def _from_json(value: Any) -> Fit:
    if not isinstance(value, dict) or value.get("mode") not in FITS:
        return Fit()
    focus = value.get("focus") or [50, 50]
    return Fit(value["mode"], (int(focus[0]), int(focus[1])))


def for_profile(fits: dict[str, Any] | None, profile_key: str) -> Fit:
    """The fit an item uses on a profile: its own, else the every-board one, else contain."""
    fits = fits or {}
    return _from_json(fits.get(profile_key) or fits.get(EVERY_BOARD))


def with_fit(fits: dict[str, Any] | None, profile_key: str, fit: Fit) -> dict[str, Any]:
    """The item's fits after choosing `fit` for one profile (or "*"), without redundant rows."""
    out = dict(fits or {})
    out[profile_key] = fit.as_json()
    base = out.get(EVERY_BOARD)
    if base == Fit().as_json():
        del out[EVERY_BOARD]
        base = None
    default = base or Fit().as_json()
    return {k: v for k, v in sorted(out.items()) if k == EVERY_BOARD or v != default}


def fitted(image: Image.Image, profile: DisplayProfile, fit: Fit) -> tuple[Image.Image, int]:
    """The picture at the board's size in full colour, and how many board pixels it covers."""
    bg = pal.off_colour(profile)
    if fit.mode == "contain":
        canvas = pal.contain(image, profile.size, bg)
        scale = min(profile.width / image.width, profile.height / image.height)
        area = max(1, round(image.width * scale)) * max(1, round(image.height * scale))
        return canvas, area
    focus = (fit.focus[0] / 100, fit.focus[1] / 100) if fit.mode == "crop" else (0.5, 0.5)
    return pal.cover(image, profile.size, bg, focus), profile.width * profile.height


def _edges(image: Image.Image) -> Image.Image:
    """1 where the brightness changes sharply, else 0 (mode L)."""
    return (
        image.convert("L")
        .filter(ImageFilter.FIND_EDGES)
        .point(lambda v: 1 if v >= EDGE_LEVEL else 0)
    )


def _count(ones: Image.Image) -> int:
    return sum(ones.histogram()[1:])


def legibility(
    source: Image.Image, canvas: Image.Image, shown: Image.Image, area: int, profile: DisplayProfile
) -> dict[str, Any]:
    """Figures for the warning: source px per board px, share of edge pixels, share of dither
    noise among the shown edges, and whether the picture will be hard to read there."""
    scale = max(source.width / profile.width, source.height / profile.height)
    if profile.kind != "led":
        return {"scale": round(scale, 2), "busy": 0.0, "noise": 0.0, "warn": False, "reasons": []}
    wanted, lit = _edges(canvas), _edges(shown)
    busy = _count(wanted) / area
    lit_count = _count(lit)
    noise = _count(ImageChops.subtract(lit, wanted)) / lit_count if lit_count else 0.0
    reasons = []
    if profile.colour_mode != "full" and noise >= NOISE_SHARE:
        reasons.append("colours")
    if busy >= BUSY_SHARE and scale >= MIN_SCALE:
        reasons.append("detail")
    return {
        "scale": round(scale, 2),
        "busy": round(busy, 3),
        "noise": round(noise, 3),
        "warn": bool(reasons),
        "reasons": reasons,
    }
