"""The manifest document (docs/protocol.md, "Manifest"), validated, and what airs at an instant.

Everything here is pure: the network hands us untrusted JSON; `parse` either returns a clean
`Manifest` or raises `ManifestError` naming the first problem, and the caller keeps playing
whatever it had.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SHA256 = re.compile(r"^[0-9a-f]{64}$")
KINDS = ("programme", "fallback", "off")
MAX_SEGMENTS = 10_000
MAX_ENTRIES = 1_000
DEFAULT_TZ = "Asia/Ho_Chi_Minh"


class ManifestError(ValueError):
    """The document does not follow the manifest format."""


@dataclass(frozen=True, slots=True)
class Ticker:
    """Scrolling text: a strip scrolled right to left through the board's width at row y."""

    url: str
    sha256: str
    y: int
    speed_px_s: int
    strip_width: int

    def offset(self, seconds: float) -> int:
        """The strip column at the window's left edge, `seconds` after the entry started."""
        return int(seconds * self.speed_px_s) % self.strip_width


@dataclass(frozen=True, slots=True)
class Entry:
    """One playlist entry as it airs: a rendition shown for duration_s seconds."""

    item: int
    revision: int
    duration_s: int
    url: str
    sha256: str
    scrolls: bool = False
    priority: str = "normal"
    ticker: Ticker | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    """[start, end) in UTC: a programme, the fallback screen, or screen off."""

    start: datetime
    end: datetime
    kind: str
    entries: tuple[Entry, ...] = ()

    def cycle_s(self) -> int:
        """Length of one pass over the entries."""
        return sum(e.duration_s for e in self.entries)


@dataclass(frozen=True)
class Manifest:
    """A board's validated manifest."""

    version: str
    board: str
    profile: str
    tz: str
    fallback: str
    to: datetime | None
    segments: tuple[Segment, ...]
    fallback_playlist: tuple[Entry, ...] = ()  # the area's choice: gaps and past the horizon

    def files(self) -> dict[str, str]:
        """sha256 -> url of every rendition the manifest needs (the fallback playlist's too:
        it must be cached before the server becomes unreachable)."""
        files = {}
        entries = [e for segment in self.segments for e in segment.entries]
        for e in entries + list(self.fallback_playlist):
            files[e.sha256] = e.url
            if e.ticker is not None:
                files[e.ticker.sha256] = e.ticker.url
        return files

    @property
    def horizon(self) -> datetime | None:
        """Where the manifest's timeline ends: its last segment's end (or `to`, if later)."""
        ends = [self.segments[-1].end] if self.segments else []
        ends += [self.to] if self.to is not None else []
        return max(ends) if ends else None

    def last_programme(self) -> Segment | None:
        """The last programme segment (looped past the horizon when there is no fallback
        playlist)."""
        for segment in reversed(self.segments):
            if segment.kind == "programme" and segment.entries:
                return segment
        return None

    def segment_at(self, when: datetime) -> Segment | None:
        """The segment covering `when`, or None before the first / after the last."""
        i = bisect_right(self.segments, when, key=_start) - 1
        if i < 0 or when >= self.segments[i].end:
            return None
        return self.segments[i]

    @property
    def zone(self) -> ZoneInfo:
        """The board's time zone (Asia/Ho_Chi_Minh when the name is unknown)."""
        return zone(self.tz)


def zone(name: str) -> ZoneInfo:
    """A ZoneInfo, falling back to Viet Nam's zone for unknown names."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


def _start(segment: Segment) -> datetime:
    return segment.start


def parse_time(value: Any, where: str) -> datetime:
    """An ISO 8601 instant with an offset, as UTC."""
    if not isinstance(value, str) or len(value) > 40:
        raise ManifestError(f"{where}: expected an ISO 8601 time string")
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ManifestError(f"{where}: not an ISO 8601 time: {value[:40]!r}") from None
    if t.tzinfo is None:
        raise ManifestError(f"{where}: the time has no UTC offset")
    return t.astimezone(UTC)


def _str(
    doc: dict[str, Any], key: str, where: str, *, limit: int = 200, default: str | None = None
) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str) or len(value) > limit:
        raise ManifestError(f"{where}{key}: expected a string of at most {limit} characters")
    return value


def _int(doc: dict[str, Any], key: str, where: str, lo: int, hi: int) -> int:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ManifestError(f"{where}{key}: expected an integer in [{lo}, {hi}]")
    return value


def _path_and_sha(doc: dict[str, Any], where: str) -> tuple[str, str]:
    sha = _str(doc, "sha256", where, limit=64)
    if not SHA256.match(sha):
        raise ManifestError(f"{where}sha256: expected 64 lowercase hex digits")
    url = _str(doc, "url", where, limit=500)
    if not url.startswith("/") or url.startswith("//"):
        raise ManifestError(f"{where}url: expected a path on the server, e.g. /media/<sha>.png")
    return url, sha


def _ticker(doc: Any, where: str) -> Ticker | None:
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise ManifestError(f"{where}: expected an object")
    url, sha = _path_and_sha(doc, where)
    return Ticker(
        url=url,
        sha256=sha,
        y=_int(doc, "y", where, 0, 10_000),
        speed_px_s=_int(doc, "speed_px_s", where, 1, 10_000),
        strip_width=_int(doc, "strip_width", where, 1, 1_000_000),
    )


def _entry(doc: Any, where: str) -> Entry:
    if not isinstance(doc, dict):
        raise ManifestError(f"{where}: expected an object")
    url, sha = _path_and_sha(doc, where)
    scrolls = doc.get("scrolls", False)
    if not isinstance(scrolls, bool):
        raise ManifestError(f"{where}scrolls: expected true or false")
    return Entry(
        item=_int(doc, "item", where, 1, 2**31 - 1),
        revision=_int(doc, "revision", where, 1, 2**31 - 1),
        duration_s=_int(doc, "duration_s", where, 1, 86_400),
        url=url,
        sha256=sha,
        scrolls=scrolls,
        priority=_str(doc, "priority", where, limit=20, default="normal"),
        ticker=_ticker(doc.get("ticker"), f"{where}ticker."),
    )


def _segment(doc: Any, where: str) -> Segment:
    if not isinstance(doc, dict):
        raise ManifestError(f"{where}: expected an object")
    start, end = (
        parse_time(doc.get("start"), where + "start"),
        parse_time(doc.get("end"), where + "end"),
    )
    if end <= start:
        raise ManifestError(f"{where}end: must be after start")
    kind = doc.get("kind")
    if kind not in KINDS:
        raise ManifestError(f"{where}kind: one of {KINDS}")
    raw = doc.get("entries", [])
    if not isinstance(raw, list) or len(raw) > MAX_ENTRIES:
        raise ManifestError(f"{where}entries: expected a list of at most {MAX_ENTRIES}")
    entries = tuple(_entry(e, f"{where}entries.{i}.") for i, e in enumerate(raw))
    if kind == "programme" and not entries:
        kind = "fallback"  # an empty programme is, in effect, the fallback
    return Segment(start, end, kind, entries if kind == "programme" else ())


def parse(body: Any, version: str | None = None) -> Manifest:
    """A manifest from `{"version", "manifest"}` (the HTTP answer) or the bare document."""
    if isinstance(body, dict) and "manifest" in body:
        version = body.get("version") if version is None else version
        body = body["manifest"]
    if not isinstance(body, dict):
        raise ManifestError("manifest: expected a JSON object")
    if not isinstance(version, str) or not 1 <= len(version) <= 64:
        raise ManifestError("version: expected a string of 1-64 characters")
    raw = body.get("segments")
    if not isinstance(raw, list) or len(raw) > MAX_SEGMENTS:
        raise ManifestError(f"segments: expected a list of at most {MAX_SEGMENTS}")
    segments = sorted((_segment(s, f"segments.{i}.") for i, s in enumerate(raw)), key=_start)
    for a, b in zip(segments, segments[1:], strict=False):
        if b.start < a.end:
            raise ManifestError(f"segments: {a.start.isoformat()} overlaps the next segment")
    to = body.get("to")
    fallback = body.get("fallback_playlist")
    if fallback is not None:
        if not isinstance(fallback, dict):
            raise ManifestError("fallback_playlist: expected an object with entries")
        raw_entries = fallback.get("entries", [])
        if not isinstance(raw_entries, list) or len(raw_entries) > MAX_ENTRIES:
            raise ManifestError(
                f"fallback_playlist.entries: expected a list of at most {MAX_ENTRIES}"
            )
        fallback_entries = tuple(
            _entry(e, f"fallback_playlist.entries.{i}.") for i, e in enumerate(raw_entries)
        )
    else:
        fallback_entries = ()
    return Manifest(
        version=version,
        board=_str(body, "board", "", limit=64, default=""),
        profile=_str(body, "profile", "", limit=64, default=""),
        tz=_str(body, "tz", "", limit=64, default=DEFAULT_TZ),
        fallback=_str(body, "fallback", "", limit=200, default=""),
        to=parse_time(to, "to") if to is not None else None,
        segments=tuple(segments),
        fallback_playlist=fallback_entries,
    )


# Why an entry airs when no schedule asked for it (proof of play's `source`).
FALLBACK_PLAYLIST = "fallback_playlist"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # a loop's start when nothing else fixes one
LAST_PROGRAMME = "last_programme"


@dataclass(frozen=True)
class Airing:
    """What the programme shows at an instant: an entry (with when it started), or not."""

    kind: str  # programme, fallback, off
    entry: Entry | None = None
    started: datetime | None = None
    until: datetime | None = None
    source: str | None = None  # None (scheduled), FALLBACK_PLAYLIST or LAST_PROGRAMME


def _loop(
    entries: tuple[Entry, ...],
    start: datetime,
    end: datetime | None,
    when: datetime,
    source: str | None = None,
) -> Airing:
    """The entry at `when` of entries looped from `start` (until `end`, None = for ever)."""
    cycle = sum(e.duration_s for e in entries)
    offset = (when - start).total_seconds() % cycle
    loop_start = when - timedelta(seconds=offset)
    at = 0.0
    for entry in entries:
        if offset < at + entry.duration_s:
            started = max(start, loop_start + timedelta(seconds=at))
            until = loop_start + timedelta(seconds=at + entry.duration_s)
            until = min(end, until) if end is not None else until
            return Airing("programme", entry, started, until, source)
        at += entry.duration_s
    return Airing("programme", entries[-1], when, end, source)  # float rounding at the very end


def airing_at(manifest: Manifest | None, when: datetime) -> Airing:
    """The entry airing at `when`: entries loop from the segment's start, so every board
    showing the same segment shows the same entry at the same time (and after a restart).

    Never blank (docs/protocol.md): a gap in the schedule (a `fallback` segment, or before the
    first segment) plays the area's fallback playlist if the manifest has one; past the
    horizon (the server unreachable for days) the fallback playlist, else the last programme,
    loops from the horizon on; only without either does the fallback screen show."""
    if manifest is None:
        return Airing("fallback")
    seg = manifest.segment_at(when)
    if seg is not None and seg.kind == "programme":
        return _loop(seg.entries, seg.start, seg.end, when)
    if seg is not None and seg.kind == "off":
        return Airing("off", until=seg.end)
    fallback = manifest.fallback_playlist
    horizon = manifest.horizon
    if seg is None and horizon is not None and when >= horizon:
        if fallback:
            return _loop(fallback, horizon, None, when, FALLBACK_PLAYLIST)
        last = manifest.last_programme()
        if last is not None:
            return _loop(last.entries, horizon, None, when, LAST_PROGRAMME)
        return Airing("fallback")
    if fallback:
        if seg is not None:
            return _loop(fallback, seg.start, seg.end, when, FALLBACK_PLAYLIST)
        return _loop(fallback, EPOCH, _hole_end(manifest, when), when, FALLBACK_PLAYLIST)
    if seg is not None:
        return Airing("fallback", until=seg.end)
    return Airing("fallback", until=_hole_end(manifest, when) if horizon is not None else None)


def _hole_end(manifest: Manifest, when: datetime) -> datetime | None:
    """Where a hole in the schedule ends: the next segment's start, else the horizon."""
    i = bisect_right(manifest.segments, when, key=_start)
    return manifest.segments[i].start if i < len(manifest.segments) else manifest.horizon


class Clock:
    """UTC now from a monotonic clock, anchored on the wall clock and corrected by server time."""

    def __init__(
        self,
        mono: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.mono, self.wall = mono, wall
        self.base_wall, self.base_mono = wall(), mono()
        self.skew = 0.0  # server minus local wall clock, seconds (for the logs and status)

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.fromtimestamp(self.base_wall + self.mono() - self.base_mono, UTC)

    def sync(self, server_time: datetime) -> float:
        """Re-anchor on the server's clock; the skew against the local wall clock."""
        self.base_wall, self.base_mono = server_time.timestamp(), self.mono()
        self.skew = self.base_wall - self.wall()
        return self.skew
