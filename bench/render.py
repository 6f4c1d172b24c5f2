"""Rendering and ingest throughput: renditions per second per seed profile, ingest of 12 MP.

Run: python bench/render.py   (single process, one core; font caches warmed first)
"""

from __future__ import annotations

import io
import os
import platform
import time
from collections.abc import Callable

import PIL
from PIL import Image, ImageDraw

from signage.content.ingest import ingest_image
from signage.content.profiles import SEED_PROFILES
from signage.content.render import render_image, render_text
from signage_testing.machine import cpu_model

HEADLINE = "Tin khẩn cấp"
SENTENCE = "Cảnh báo bão số 3: người dân không ra khơi, tàu thuyền về nơi tránh trú an toàn."
LONG = " ".join([SENTENCE] * 12)  # ~1,000 characters: a ticker on small LED boards


def photograph(width: int, height: int) -> Image.Image:
    """Gradients, noise and shapes: compresses like a photo, not like a flat test card."""
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 30)
    photo = Image.merge("RGB", (red, green, noise))
    draw = ImageDraw.Draw(photo)
    for i in range(12):
        draw.ellipse(
            (
                i * width // 14,
                i * height // 20,
                i * width // 14 + width // 8,
                i * height // 20 + height // 6,
            ),
            fill=(40 * i % 256, 90, 200 - 10 * i),
        )
    return photo


def rate(action: Callable[[], object], min_seconds: float = 1.0) -> tuple[float, float]:
    """(calls per second, mean milliseconds per call) over at least `min_seconds`."""
    action()  # warm caches
    calls, start = 0, time.perf_counter()
    while True:
        action()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds and calls >= 3:
            return calls / elapsed, 1000 * elapsed / calls


def main() -> None:
    """Print the tables."""
    print(
        f"CPU: {cpu_model()}  nproc: {os.cpu_count()}  Python {platform.python_version()}"
        f"  Pillow {PIL.__version__}"
    )
    hd = photograph(1920, 1080)
    big = photograph(4000, 3000)
    print()
    print("Renditions per second (one core)")
    header = f"{'profile':<18} {'text':>9} {'long text':>10} {'ticker':>7} {'image 2MP':>10}"
    header += f" {'image 12MP':>11}"
    print(header)
    print("-" * len(header))
    for profile in SEED_PROFILES:
        short, _ = rate(lambda p=profile: render_text(p, HEADLINE, SENTENCE))
        long_, _ = rate(lambda p=profile: render_text(p, HEADLINE, LONG))
        ticker = "yes" if render_text(profile, HEADLINE, LONG).ticker else "no"
        image_hd, _ = rate(lambda p=profile: render_image(p, hd))
        image_big, _ = rate(lambda p=profile: render_image(p, big))
        print(
            f"{profile.key:<18} {short:>9.1f} {long_:>10.1f} {ticker:>7} {image_hd:>10.1f}"
            f" {image_big:>11.2f}"
        )
    print()
    print("Ingest of a 4000x3000 (12 MP) upload")
    header = f"{'format':<22} {'input MB':>9} {'output MB':>10} {'ms/ingest':>10}"
    print(header)
    print("-" * len(header))
    exif = Image.Exif()
    exif[0x0112] = 6
    samples = {
        "JPEG q92 + EXIF rot 6": ("JPEG", {"quality": 92, "exif": exif.tobytes()}),
        "PNG": ("PNG", {}),
        "WebP lossy q85": ("WEBP", {"quality": 85}),
    }
    for label, (fmt, params) in samples.items():
        buffer = io.BytesIO()
        big.save(buffer, format=fmt, **params)
        data = buffer.getvalue()
        result = ingest_image(data, max_bytes=100 * 2**20, max_pixels=40_000_000)
        _, ms = rate(
            lambda d=data: ingest_image(d, max_bytes=100 * 2**20, max_pixels=40_000_000),
            min_seconds=3.0,
        )
        print(
            f"{label:<22} {len(data) / 2**20:>9.2f} {len(result.data) / 2**20:>10.2f} {ms:>10.0f}"
        )


if __name__ == "__main__":
    main()
