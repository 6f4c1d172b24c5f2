"""Emergency alerts held by the player: which one is on screen, expiry, cancel, persistence.

The most severe alert wins; among equally severe ones the newest (highest id) comes first and
they take turns every ROTATE_S seconds. An alert that arrives (or changes version) while others
of its severity take turns shows on the next frame for a whole turn, then the rotation goes on
from it: turns are counted from when each alert went on screen, not on the absolute clock. A less
severe alert still waits for the more severe ones to end. The set is saved in the cache, so an
alert keeps preempting the programme across a player restart until it expires or is cancelled.

Banner alerts (`mode: "banner"` with a banner strip for the board's profile) take their turns
the same way among themselves, in a strip over the programme, and only while no alert takes
over the screen. Any other mode value, or a banner without a usable strip, takes over.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from signage_player import manifest as mf
from signage_player.cache import atomic_write

log = logging.getLogger(__name__)
SEVERITY = {"extreme": 4, "severe": 3, "moderate": 2, "minor": 1}
ROTATE_S = 10.0
MAX_ALERTS = 1000
MAX_TEXT = 5000


class AlertError(ValueError):
    """An alert message that does not follow the protocol."""


@dataclass(frozen=True)
class Image:
    """An alert's pre-rendered picture for one display profile."""

    url: str
    sha256: str


@dataclass(frozen=True)
class BannerTicker:
    """Text of a banner that scrolls: the strip, through the window from column x at row y."""

    url: str
    sha256: str
    x: int
    y: int
    speed_px_s: int
    strip_width: int

    def offset(self, seconds: float) -> int:
        """Strip column at the window's left edge `seconds` after the banner went on screen."""
        return math.floor(max(0.0, seconds) * self.speed_px_s) % self.strip_width


@dataclass(frozen=True)
class Banner:
    """An alert's banner strip for one profile: pasted at row y over the programme."""

    url: str
    sha256: str
    y: int
    height: int
    ticker: BannerTicker | None = None

    def files(self) -> dict[str, str]:
        """{sha256: url} of the strip and, when it scrolls, its ticker strip."""
        out = {self.sha256: self.url}
        if self.ticker is not None:
            out[self.ticker.sha256] = self.ticker.url
        return out


@dataclass(frozen=True)
class Alert:
    """One active alert, as the server sent it."""

    id: int
    version: int
    severity: str
    headline: str
    body: str = ""
    category: str = ""
    expires_at: datetime | None = None
    images: dict[str, Image] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    mode: str = "takeover"
    banners: dict[str, Banner] = field(default_factory=dict)

    def banner(self, profile: str) -> Banner | None:
        """The banner to show on this profile, or None: the alert takes over the screen
        (takeover mode, or a banner without a usable strip for this profile)."""
        return self.banners.get(profile) if self.mode == "banner" else None

    def rank(self) -> tuple[int, int]:
        """Sort key: most severe first, then newest."""
        return (-SEVERITY[self.severity], -self.id)

    def expired(self, now: datetime) -> bool:
        """True once expires_at has passed."""
        return self.expires_at is not None and now >= self.expires_at


def _int(doc: dict[str, Any], key: str) -> int:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise AlertError(f"{key}: expected a positive integer")
    return value


def _url(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and len(value) <= 500
    )


def _count(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _file(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and _url(doc.get("url"))
        and isinstance(doc.get("sha256"), str)
        and bool(mf.SHA256.match(doc["sha256"]))
    )


def parse_banner(doc: Any) -> Banner | None:
    """The `banner` of one profile's image; None when it is missing or malformed."""
    if not (_file(doc) and _count(doc.get("y"), 0, 16384) and _count(doc.get("height"), 1, 16384)):
        return None
    ticker = None
    raw = doc.get("ticker")
    if raw is not None:
        if not (
            _file(raw)
            and _count(raw.get("x"), 0, 16384)
            and _count(raw.get("y"), 0, 16384)
            and _count(raw.get("speed_px_s"), 1, 10000)
            and _count(raw.get("strip_width"), 1, 1_000_000)
        ):
            return None
        ticker = BannerTicker(
            raw["url"], raw["sha256"], raw["x"], raw["y"], raw["speed_px_s"], raw["strip_width"]
        )
    return Banner(doc["url"], doc["sha256"], doc["y"], doc["height"], ticker)


def parse_ref(doc: Any) -> tuple[int, int]:
    """(id, version) of an `alert_cancel` message."""
    if not isinstance(doc, dict):
        raise AlertError("expected an object")
    return _int(doc, "id"), _int(doc, "version")


def parse(doc: Any) -> Alert:
    """An `alert` message (or an element of `state.alerts`) as an Alert; AlertError if bad."""
    if not isinstance(doc, dict):
        raise AlertError("expected an object")
    severity = doc.get("severity")
    if severity not in SEVERITY:
        raise AlertError(f"severity: one of {sorted(SEVERITY)}")
    texts = {}
    for key in ("headline", "body", "category"):
        value = doc.get(key) or ""
        if not isinstance(value, str):
            raise AlertError(f"{key}: expected a string")
        texts[key] = value[:MAX_TEXT]
    expires = doc.get("expires_at")
    try:
        expires_at = mf.parse_time(expires, "expires_at") if expires is not None else None
    except mf.ManifestError as exc:
        raise AlertError(str(exc)) from None
    images: dict[str, Image] = {}
    banners: dict[str, Banner] = {}
    raw_images = doc.get("images")
    raw_images = {} if raw_images is None else raw_images
    if not isinstance(raw_images, dict):
        raise AlertError("images: expected an object keyed by profile")
    for profile, img in list(raw_images.items())[:50]:
        # A bad picture for one profile must not cost the alert: the text still shows.
        if (
            isinstance(profile, str)
            and isinstance(img, dict)
            and isinstance(img.get("url"), str)
            and img["url"].startswith("/")
            and not img["url"].startswith("//")
            and len(img["url"]) <= 500
            and isinstance(img.get("sha256"), str)
            and mf.SHA256.match(img["sha256"])
        ):
            images[profile] = Image(img["url"], img["sha256"])
            banner = parse_banner(img.get("banner"))
            if banner is not None:
                banners[profile] = banner
            elif img.get("banner") is not None:
                log.warning("alert %s: malformed banner for %r", doc.get("id"), profile)
        else:
            log.warning("alert %s: ignoring a malformed image for %r", doc.get("id"), profile)
    return Alert(
        id=_int(doc, "id"),
        version=_int(doc, "version"),
        severity=severity,
        headline=texts["headline"],
        body=texts["body"],
        category=texts["category"],
        expires_at=expires_at,
        images=images,
        raw=doc,
        # Anything but "banner" (missing, misspelt, another type) takes over the screen.
        mode="banner" if doc.get("mode") == "banner" else "takeover",
        banners=banners,
    )


@dataclass
class Turns:
    """Which of a group of alerts (takeovers, or banners) is on screen, and since when."""

    on_screen: int | None = None  # the alert picked last, since `on_since` (monotonic)
    on_since: float = 0.0
    fresh: set[int] = field(default_factory=set)  # arrived or changed, not yet on screen

    def pick(self, ranked: list[Alert], mono: float) -> Alert | None:
        """The most severe; equals take turns every ROTATE_S seconds, counted from when each
        went on screen. A fresh alert among them (new, or a new version) goes on screen at once.
        """
        if not ranked:
            self.on_screen, self.fresh = None, set()
            return None
        top = [a for a in ranked if a.severity == ranked[0].severity]
        ids = [a.id for a in top]
        fresh = [a for a in top if a.id in self.fresh]
        if fresh:
            chosen = fresh[0]  # the best ranked of the alerts that arrived since the last frame
        elif self.on_screen in ids and 0.0 <= mono - self.on_since < ROTATE_S:
            return top[ids.index(self.on_screen)]
        elif self.on_screen in ids:
            chosen = top[(ids.index(self.on_screen) + 1) % len(top)]  # the next one's turn
        else:
            chosen = top[0]
        # Alone, an alert's turn just goes on: a banner keeps scrolling from where it was.
        if fresh or chosen.id != self.on_screen:
            self.on_screen, self.on_since = chosen.id, mono
        self.fresh.clear()
        return chosen


class AlertSet:
    """The alerts this player holds, saved to `path` on every change."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.alerts: dict[int, Alert] = {}
        self.takeovers = Turns()  # full screen
        self.banners = Turns()  # in the strip over the programme
        if path is not None:
            self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            docs = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("saved alerts unreadable (%s); starting without them", exc)
            return
        for doc in docs if isinstance(docs, list) else []:
            try:
                alert = parse(doc)
            except AlertError:
                continue
            self.alerts[alert.id] = alert

    def _save(self) -> None:
        if self.path is not None:
            docs = [a.raw for a in self.alerts.values()]
            atomic_write(self.path, json.dumps(docs, ensure_ascii=False).encode())

    def upsert(self, alert: Alert) -> bool:
        """Add or update an alert; False when we already hold this version or a newer one."""
        held = self.alerts.get(alert.id)
        if held is not None and held.version >= alert.version:
            return False
        if held is None and len(self.alerts) >= MAX_ALERTS:
            log.warning("holding %d alerts already; alert %s ignored", MAX_ALERTS, alert.id)
            return False
        self.alerts[alert.id] = alert
        self._fresh({alert.id})
        self._save()
        return True

    def cancel(self, alert_id: int, version: int) -> Alert | None:
        """Stop an alert (unless we hold a newer version than the cancel); the removed alert."""
        held = self.alerts.get(alert_id)
        if held is None or held.version > version:
            return None
        del self.alerts[alert_id]
        self._save()
        return held

    def replace(self, alerts: list[Alert]) -> list[Alert]:
        """Hold exactly these alerts (the complete list from `state`); the ones dropped."""
        new = {a.id: a for a in alerts[:MAX_ALERTS]}
        dropped = [a for i, a in self.alerts.items() if i not in new]
        held = self.alerts
        self._fresh({i for i, a in new.items() if i not in held or held[i].version != a.version})
        self.alerts = new
        self._save()
        return dropped

    def prune(self, now: datetime) -> list[Alert]:
        """Drop expired alerts; the ones dropped."""
        gone = [a for a in self.alerts.values() if a.expired(now)]
        for a in gone:
            del self.alerts[a.id]
        if gone:
            self._save()
        return gone

    def active(self, now: datetime) -> list[Alert]:
        """Unexpired alerts in display order."""
        return sorted((a for a in self.alerts.values() if not a.expired(now)), key=Alert.rank)

    def _fresh(self, ids: set[int]) -> None:
        # Either group may be the one to show it: a new version can switch its mode.
        self.takeovers.fresh |= ids
        self.banners.fresh |= ids

    def showing(self, now: datetime, mono: float, profile: str = "") -> Alert | None:
        """The full-screen alert at monotonic time `mono` (called once a frame): every alert
        but the banners this profile can show in a strip. See Turns.pick."""
        ranked = [a for a in self.active(now) if a.banner(profile) is None]
        return self.takeovers.pick(ranked, mono)

    def banner(self, now: datetime, mono: float, profile: str) -> tuple[Alert, float] | None:
        """The banner on screen at `mono` and the monotonic time it went on screen (its text
        scrolls from then); only asked while no alert takes over the screen."""
        ranked = [a for a in self.active(now) if a.banner(profile) is not None]
        chosen = self.banners.pick(ranked, mono)
        return None if chosen is None else (chosen, self.banners.on_since)

    def held(self) -> list[dict[str, int]]:
        """[{id, version}] for the connection's `auth`."""
        return [{"id": a.id, "version": a.version} for a in self.alerts.values()]
