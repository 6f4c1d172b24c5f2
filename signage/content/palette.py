"""Colours of a display profile: snapping requested colours and quantising images to them."""

from __future__ import annotations

from PIL import Image

from signage.content.profiles import BLACK, RGB, DisplayProfile

WHITE: RGB = (255, 255, 255)


def as_rgb(colour: object, *, what: str) -> RGB:
    """Validate an (r, g, b) colour given by a caller."""
    if (
        not isinstance(colour, tuple | list)
        or len(colour) != 3
        or not all(isinstance(c, int) and 0 <= c <= 255 for c in colour)
    ):
        raise ValueError(f"{what} must be an (r, g, b) tuple of 0-255 integers, got {colour!r}")
    r, g, b = colour
    return (r, g, b)


def distance(a: RGB, b: RGB) -> int:
    """Squared Euclidean distance between two colours."""
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True))


def nearest(colour: RGB, palette: tuple[RGB, ...]) -> RGB:
    """Palette colour closest to `colour` (first one wins a tie)."""
    return min(palette, key=lambda p: distance(colour, p))


def contrasting(colour: RGB, bg: RGB, palette: tuple[RGB, ...]) -> RGB:
    """`colour` unless it equals `bg`; then the palette colour farthest from `bg`."""
    if colour != bg:
        return colour
    return max(palette, key=lambda p: distance(bg, p))


def luminance(colour: RGB) -> float:
    """Relative luminance (WCAG) of an sRGB colour, 0..1."""

    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = colour
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def readable_on(bg: RGB) -> RGB:
    """Near-black or white, whichever reads better on `bg`."""
    return (17, 24, 39) if luminance(bg) > 0.35 else WHITE


def off_colour(profile: DisplayProfile) -> RGB:
    """Colour of unlit pixels: palette[0] on palette boards, black otherwise."""
    return profile.palette[0] if profile.palette else BLACK


def _flat_palette(palette: tuple[RGB, ...]) -> list[int]:
    # Pad with the first colour so no index can map outside the profile's palette.
    return [c for rgb in palette for c in rgb] + list(palette[0]) * (256 - len(palette))


def _palette_image(palette: tuple[RGB, ...]) -> Image.Image:
    image = Image.new("P", (1, 1))
    image.putpalette(_flat_palette(palette))
    return image


def quantise(image: Image.Image, profile: DisplayProfile, *, dither: bool) -> Image.Image:
    """Map an RGB image onto the profile's palette exactly (no-op for 'full' profiles)."""
    if profile.colour_mode == "full":
        return image
    palette = profile.palette
    if profile.colour_mode == "mono" and dither:
        # Brightness decides on/off: nearest-RGB would turn a blue sky off and a white wall on.
        bits = image.convert("L").convert("1", dither=Image.Dither.FLOYDSTEINBERG)
        indexed = bits.convert("L").point(lambda v: 1 if v else 0)
        indexed.putpalette(_flat_palette(palette))
        return indexed.convert("RGB")
    mode = Image.Dither.FLOYDSTEINBERG if dither else Image.Dither.NONE
    return image.quantize(palette=_palette_image(palette), dither=mode).convert("RGB")


def flatten(image: Image.Image, bg: RGB) -> Image.Image:
    """RGB copy of `image` with any transparency composited over `bg`."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    base = Image.new("RGBA", rgba.size, (*bg, 255))
    base.alpha_composite(rgba)
    return base.convert("RGB")


def _resize(
    image: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float] | None = None
) -> Image.Image:
    # reducing_gap shrinks by whole factors first: 12 MP photos scale several times faster
    # with no visible loss at board sizes.
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def cover(
    image: Image.Image,
    size: tuple[int, int],
    bg: RGB,
    focus: tuple[float, float] = (0.5, 0.5),
) -> Image.Image:
    """Scale `image` to fill `size` exactly and cut the edges, keeping the point `focus`
    (fractions of width and height; the centre by default) as central as the edges allow."""
    flat = flatten(image, bg)
    scale = max(size[0] / flat.width, size[1] / flat.height)
    crop_w, crop_h = size[0] / scale, size[1] / scale
    left = min(max(0.0, focus[0] * flat.width - crop_w / 2), flat.width - crop_w)
    top = min(max(0.0, focus[1] * flat.height - crop_h / 2), flat.height - crop_h)
    return _resize(flat, size, (left, top, left + crop_w, top + crop_h))


def contain(image: Image.Image, size: tuple[int, int], bg: RGB) -> Image.Image:
    """Scale `image` to fit inside `size`, letterboxed with `bg`."""
    flat = flatten(image, bg)
    scale = min(size[0] / flat.width, size[1] / flat.height)
    fitted_size = (max(1, round(flat.width * scale)), max(1, round(flat.height * scale)))
    fitted = flat if fitted_size == flat.size else _resize(flat, fitted_size)
    canvas = Image.new("RGB", size, bg)
    canvas.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    return canvas
