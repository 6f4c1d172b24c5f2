"""Player test helpers: configs in tmp_path, manifests shaped like the server's, a fake API."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from signage_player.api import ApiError
from signage_player.config import Config, OutputConfig

T0 = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)  # 08:00 in Ha Noi


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def png(colour: tuple[int, int, int], size: tuple[int, int] = (192, 96)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry(item: int, data: bytes, duration: int = 10, **extra: Any) -> dict[str, Any]:
    digest = sha(data)
    return {
        "item": item,
        "revision": item * 10,
        "duration_s": duration,
        "schedule": 1,
        "priority": "normal",
        "url": f"/media/{digest}.png",
        "sha256": digest,
        "scrolls": False,
        **extra,
    }


def segment(start: datetime, end: datetime, kind: str, entries=()) -> dict[str, Any]:
    return {"start": iso(start), "end": iso(end), "kind": kind, "entries": list(entries)}


def document(segments: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "board": "HK-1",
        "profile": "led-192x96-mono",
        "tz": "Asia/Ho_Chi_Minh",
        "fallback": "Phường Hoàn Kiếm",
        "to": iso(T0 + timedelta(hours=54)),
        "segments": segments,
        **extra,
    }


def answer(doc: dict[str, Any], version: str = "") -> tuple[str, bytes]:
    """The HTTP answer for a document: (version, body)."""
    version = version or sha(json.dumps(doc, sort_keys=True).encode())
    return version, json.dumps({"version": version, "manifest": doc}).encode()


class FakeApi:
    """Answers manifest and file requests from dicts; records what was asked."""

    def __init__(self) -> None:
        self.token = "sgb_test"
        self.manifests: list[tuple[str, bytes] | Exception] = []
        self.files: dict[str, bytes | Exception] = {}
        self.fetched: list[str] = []
        self.uploads: list[bytes] = []

    def manifest(self, board: str, etag: str | None) -> tuple[str, bytes] | None:
        got = self.manifests.pop(0) if self.manifests else None
        if isinstance(got, Exception):
            raise got
        if got is not None and got[0] == etag:
            return None
        return got

    def fetch(self, path: str, limit: int = 0) -> bytes:
        self.fetched.append(path)
        got = self.files.get(path)
        if got is None:
            raise ApiError(f"HTTP 404 {path}", 404)
        if isinstance(got, Exception):
            raise got
        return got

    def upload_screenshot(self, board: str, data: bytes) -> str:
        self.uploads.append(data)
        return "/media/x.png"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        server="http://127.0.0.1:9",
        cache_dir=tmp_path / "cache",
        output=OutputConfig(kind="frames", dir=tmp_path / "frames"),
    )


class FakeClock:
    """A monotonic and a wall clock that only move when told."""

    def __init__(self, start: datetime = T0) -> None:
        self.mono_t = 1000.0
        self.wall_t = start.timestamp()

    def mono(self) -> float:
        return self.mono_t

    def wall(self) -> float:
        return self.wall_t

    def advance(self, seconds: float) -> None:
        self.mono_t += seconds
        self.wall_t += seconds
