"""Display profiles: the size and colour capabilities that renditions are made for.

Renditions are cached per (content hash, profile key), not per board, so a profile is a pure
value. The database model for profiles (boards/) is seeded from `SEED_PROFILES`.
"""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]

COLOUR_MODES = frozenset({"mono", "palette", "full"})
KINDS = frozenset({"led", "lcd"})

BLACK: RGB = (0, 0, 0)
RED: RGB = (255, 0, 0)
GREEN: RGB = (0, 255, 0)
# Red and green diodes both lit: shown as yellow/amber on tri-colour boards.
AMBER: RGB = (255, 255, 0)
MIN_BANNER_FRACTION, MAX_BANNER_FRACTION = 0.05, 0.5


@dataclass(frozen=True)
class DisplayProfile:
    """What a class of boards can show: pixel size, colour mode and palette.

    For 'mono' and 'palette' modes `palette[0]` is the "off" (background) colour and every
    rendered pixel is one of `palette`. For 'full' the palette is empty: any RGB colour.
    """

    key: str
    name: str
    width: int
    height: int
    colour_mode: str
    palette: tuple[RGB, ...]
    kind: str
    # Height of the banner strip (alerts that do not take over), as a share of the board height.
    banner_fraction: float = 0.25

    def __post_init__(self) -> None:
        if self.colour_mode not in COLOUR_MODES:
            raise ValueError(f"colour_mode must be one of {sorted(COLOUR_MODES)}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError("width and height must be positive")
        for colour in self.palette:
            if len(colour) != 3 or any(not 0 <= c <= 255 for c in colour):
                raise ValueError(f"palette colour {colour!r} is not an RGB triple")
        if not MIN_BANNER_FRACTION <= self.banner_fraction <= MAX_BANNER_FRACTION:
            raise ValueError(
                f"banner_fraction must be between {MIN_BANNER_FRACTION} and {MAX_BANNER_FRACTION}"
            )
        if len(set(self.palette)) != len(self.palette):
            raise ValueError("palette colours must be distinct")
        if self.colour_mode == "full":
            if self.palette:
                raise ValueError("a 'full' colour profile has no palette")
        elif self.colour_mode == "mono" and len(self.palette) != 2:
            raise ValueError("a 'mono' profile has exactly two colours: off and on")
        elif self.colour_mode == "palette" and not 3 <= len(self.palette) <= 256:
            raise ValueError("a 'palette' profile has 3 to 256 colours")

    @property
    def orientation(self) -> str:
        """'portrait' when taller than wide, else 'landscape'."""
        return "portrait" if self.height > self.width else "landscape"

    @property
    def is_led(self) -> bool:
        """True for LED boards (no anti-aliasing, palette-exact output)."""
        return self.kind == "led"

    @property
    def banner_height(self) -> int:
        """Pixel height of the banner strip at the bottom of the board."""
        return max(1, round(self.height * self.banner_fraction))

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels, as Pillow expects."""
        return (self.width, self.height)


SEED_PROFILES: tuple[DisplayProfile, ...] = (
    DisplayProfile(
        key="led-192x96-mono",
        name="LED 192x96, red (6x6 P10 modules)",
        width=192,
        height=96,
        colour_mode="mono",
        palette=(BLACK, RED),
        kind="led",
    ),
    DisplayProfile(
        key="led-256x128-3c",
        name="LED 256x128, red/green/amber (8x8 P10 modules)",
        width=256,
        height=128,
        colour_mode="palette",
        palette=(BLACK, RED, GREEN, AMBER),
        kind="led",
    ),
    DisplayProfile(
        key="led-384x192-full",
        name="LED 384x192, full colour (12x12 P10 modules)",
        width=384,
        height=192,
        colour_mode="full",
        palette=(),
        kind="led",
    ),
    DisplayProfile(
        key="lcd-1920x1080",
        name="LCD 1920x1080, landscape",
        width=1920,
        height=1080,
        colour_mode="full",
        palette=(),
        kind="lcd",
        banner_fraction=0.15,
    ),
    DisplayProfile(
        key="lcd-1080x1920",
        name="LCD 1080x1920, portrait",
        width=1080,
        height=1920,
        colour_mode="full",
        palette=(),
        kind="lcd",
        banner_fraction=0.1,
    ),
)


def seed_profile(key: str) -> DisplayProfile:
    """Return the seed profile with this key (KeyError if unknown)."""
    for profile in SEED_PROFILES:
        if profile.key == key:
            return profile
    raise KeyError(key)
