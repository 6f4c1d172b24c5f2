"""Where the picture goes: PNG frames in a directory, or a pygame-ce window at exact geometry."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

from PIL import Image

from signage_player import render
from signage_player.cache import atomic_write
from signage_player.config import OutputConfig

log = logging.getLogger(__name__)


class Output(Protocol):
    """A display: `show` is called every frame tick, with a key that changes with the picture."""

    size: tuple[int, int]
    current: Image.Image | None

    def show(self, key: object, image: Image.Image) -> None: ...

    def tick(self) -> bool: ...

    def close(self) -> None: ...


class FramesOutput:
    """Writes frame-NNNNNN.png whenever the picture changes, plus current.png; keeps max_files."""

    def __init__(self, directory: Path, size: tuple[int, int], max_files: int = 50) -> None:
        self.dir, self.size, self.max_files = Path(directory), size, max_files
        self.dir.mkdir(parents=True, exist_ok=True)
        self.current: Image.Image | None = None
        self.key: object = None
        existing = sorted(self.dir.glob("frame-*.png"))
        self.counter = int(existing[-1].stem.split("-")[1]) if existing else 0

    def show(self, key: object, image: Image.Image) -> None:
        """Write the picture when it differs from the last one."""
        if key == self.key and self.current is not None:
            return
        self.key, self.current = key, image
        self.counter += 1
        data = render.png(image)
        try:
            atomic_write(self.dir / f"frame-{self.counter:06d}.png", data)
            atomic_write(self.dir / "current.png", data)
        except OSError as exc:
            log.error("cannot write frame: %s", exc)
            return
        frames = sorted(self.dir.glob("frame-*.png"))
        for old in frames[: max(0, len(frames) - self.max_files)]:
            old.unlink(missing_ok=True)

    def tick(self) -> bool:
        """Nothing to pump; always keeps running."""
        return True

    def close(self) -> None:
        """Nothing to release."""


class WindowOutput:
    """A borderless (or fullscreen) pygame-ce window at the board's exact position and size."""

    def __init__(self, cfg: OutputConfig, size: tuple[int, int]) -> None:
        os.environ["SDL_VIDEO_WINDOW_POS"] = f"{cfg.x},{cfg.y}"
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        try:
            import pygame
        except ImportError:
            raise RuntimeError(
                "the window output needs pygame-ce: pip install 'signage-player[window]'"
            ) from None
        self.pygame = pygame
        pygame.display.init()
        flags = 0
        if cfg.borderless:
            flags |= pygame.NOFRAME
        if cfg.fullscreen:
            flags |= pygame.FULLSCREEN
        self.size = size
        self.flags = flags
        self.screen = pygame.display.set_mode(size, flags)
        pygame.display.set_caption("signage-player")
        pygame.mouse.set_visible(False)
        self.current: Image.Image | None = None
        self.key: object = None

    def show(self, key: object, image: Image.Image) -> None:
        """Blit the picture when it changed."""
        if key == self.key and self.current is not None:
            return
        self.key, self.current = key, image
        surface = self.pygame.image.frombytes(image.tobytes(), image.size, "RGB")
        self.screen.blit(surface, (0, 0))
        self.pygame.display.flip()

    def resize(self, size: tuple[int, int]) -> None:
        """The board's geometry became known (or changed): a new window surface."""
        self.size, self.key = size, None
        self.screen = self.pygame.display.set_mode(size, self.flags)

    def tick(self) -> bool:
        """Pump window events; False when the window was closed."""
        for event in self.pygame.event.get():
            if event.type == self.pygame.QUIT:
                return False
        return True

    def close(self) -> None:
        """Close the window."""
        self.pygame.display.quit()


def open_output(cfg: OutputConfig, size: tuple[int, int]) -> Output:
    """The output the config asks for."""
    if cfg.kind == "window":
        return WindowOutput(cfg, size)
    assert cfg.dir is not None
    return FramesOutput(cfg.dir, size, cfg.max_files)
