"""The player's state and its screen: what to show each frame, proof of play, alert receipts.

Network threads change the state under `lock`; the display loop (main thread, one tick per
frame) composes the picture from it. Priority on screen: not paired > alert > identify >
programme (entry, fallback or screen off). Nothing here waits on the network.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from signage_player import __version__, render
from signage_player import alerts as al
from signage_player import journal as jr
from signage_player import manifest as mf
from signage_player.cache import Cache, atomic_write
from signage_player.config import Config
from signage_player.journal import Outbox

log = logging.getLogger(__name__)
IDENTIFY_S = 30.0
MIN_PLAY_S = 0.5
REPAIR_S = 30.0
_GEOMETRY = re.compile(r"(\d{2,5})x(\d{2,5})")


def geometry(profile: str) -> tuple[int, int] | None:
    """Width x height from a profile key such as led-192x96-mono."""
    m = _GEOMETRY.search(profile or "")
    if not m:
        return None
    w, h = int(m.group(1)), int(m.group(2))
    return (w, h) if 8 <= w <= 16384 and 8 <= h <= 16384 else None


def _still(key: object) -> object:
    """A picture key without a ticker's scroll offset: status.json is not rewritten (and
    fsynced) on every frame of scrolling text."""
    if isinstance(key, tuple) and len(key) == 5 and key[0] == "entry" and key[2] == "ticker":
        return key[:3] + key[4:]
    if isinstance(key, tuple) and len(key) == 5 and key[0] == "banner":
        return (*key[:3], _still(key[4]))
    return key


@dataclass
class Playing:
    """The programme entry on screen since `start` (for proof of play)."""

    key: tuple[int, int, datetime | None]
    item: int
    revision: int
    start: datetime
    source: str | None = None  # why it airs when no schedule asked (manifest.FALLBACK_PLAYLIST...)


class Player:
    """State shared by the display loop and the network threads."""

    def __init__(self, config: Config, *, clock: mf.Clock | None = None) -> None:
        self.config = config
        self.clock = clock or mf.Clock()
        self.lock = threading.RLock()
        self.cache = Cache(config.cache_dir, config.disk_budget)
        self.receipts = Outbox(config.cache_dir / "receipts.json")
        self.alerts = al.AlertSet(config.cache_dir / "alerts.json")
        self.started = time.monotonic()
        self.board = self._load_json("board.json")
        code = self.board.get("code")
        self.journal = jr.for_board(
            self.journal_root, code if isinstance(code, str) else "", self.clock.now
        )
        self.profile: str = str(self.board.get("profile", ""))
        self.manifest: mf.Manifest | None = self.cache.load_active()
        self.mode = "starting"  # starting, pairing, not_paired, playing, update
        self.pairing_code: str | None = None
        self.connected = False
        self.identify_until = 0.0
        self.displayed_alerts: set[tuple[int, int]] = set()
        self.playing: Playing | None = None
        self.current_item: int | None = None
        self.picture_key: object = None
        self.shown_key: object = None
        self.send: Callable[[str, dict[str, Any]], bool] | None = None  # set by the link
        self.status_path = config.status_file or config.cache_dir / "status.json"
        self._status: dict[str, Any] = {}
        self.want_files: Callable[[], None] | None = None  # set by the link: re-fetch files
        self.repair_asked = -REPAIR_S
        self.failed_at = 0.0
        # The scrolling entry's decoded pictures (display thread only): key, first frame, strip.
        self._scrolling: (
            tuple[tuple[str, str, tuple[int, int]], Image.Image, Image.Image] | None
        ) = None
        # Under a banner (display thread only): the programme's picture and the banner's strips.
        self._under_banner: tuple[object, Image.Image] | None = None
        self._banner_strips: tuple[tuple[str, ...], Image.Image, Image.Image | None] | None = None

    # --- persistence ---------------------------------------------------------------------
    def _load_json(self, name: str) -> dict[str, Any]:
        try:
            data = json.loads((self.config.cache_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def journal_root(self) -> Path:
        """Where proof of play is kept, one journal per board."""
        return self.config.cache_dir / "journal"

    def remember_board(self, code: str, name: str, profile: str) -> None:
        """Keep the board's identity (for the fallback screen and geometry after a restart).

        Another board (a re-pair) gets its own proof-of-play journal: the play on screen is
        closed into the old board's journal, whose batches are never sent under the new board.
        """
        with self.lock:
            if code != self.journal.board:
                self._switch_journal(code)
            self.board = {"code": code, "name": name, "profile": profile}
            self.profile = profile
        atomic_write(
            self.config.cache_dir / "board.json",
            json.dumps(self.board, ensure_ascii=False).encode(),
        )

    def _switch_journal(self, code: str) -> None:
        old = self.journal
        self._end_play(self.clock.now())
        if old.board:
            old.seal()
            held = len(old.pending())
            if held:
                log.info(
                    "board changed from %s to %s: %d proof-of-play batches of %s kept apart "
                    "(sent only if this player is paired with %s again)",
                    old.board, code, held, old.board, old.board,
                )  # fmt: skip
        else:
            jr.discard(old, f"played before the board was known; now board {code}")
        self.journal = jr.for_board(self.journal_root, code, self.clock.now)

    def size(self) -> tuple[int, int]:
        """The board's geometry: config, else the profile, else the cached manifest's profile."""
        out = self.config.output
        if out.width and out.height:
            return (out.width, out.height)
        manifest_profile = self.manifest.profile if self.manifest else ""
        return geometry(self.profile) or geometry(manifest_profile) or (192, 96)

    def write_status(self, **extra: Any) -> None:
        """status.json for people and tests: mode, pairing code, connection, what is on screen."""
        with self.lock:
            status = {
                "mode": self.mode,
                "pairing_code": self.pairing_code,
                "connected": self.connected,
                "board": self.board.get("code"),
                "manifest_version": self.manifest.version if self.manifest else None,
                "current_item": self.current_item,
                "alerts": sorted(a.id for a in self.alerts.alerts.values()),
                "picture": repr(_still(self.picture_key))[:200],
                "skew_s": round(self.clock.skew, 3),
                **extra,
            }
        if status != self._status:
            self._status = status
            try:
                atomic_write(self.status_path, json.dumps(status, ensure_ascii=False).encode())
            except OSError as exc:
                log.warning("cannot write %s: %s", self.status_path, exc)

    # --- changes from the network --------------------------------------------------------
    def set_mode(self, mode: str, pairing_code: str | None = None) -> None:
        """Switch between pairing, not paired, playing, update; the screen follows."""
        with self.lock:
            self.mode, self.pairing_code = mode, pairing_code
        self.write_status()

    def activate(self, manifest: mf.Manifest) -> None:
        """Play a manifest whose files are all cached and verified."""
        with self.lock:
            self.manifest = manifest
        log.info("playing manifest %s (%d segments)", manifest.version[:12], len(manifest.segments))
        self.write_status()

    def restart_playback(self) -> None:
        """Close the current play record and redraw (the `reload` command)."""
        with self.lock:
            self._end_play(self.clock.now())
            self.picture_key = None

    def identify(self) -> None:
        """Show the board code and name for IDENTIFY_S seconds."""
        with self.lock:
            self.identify_until = time.monotonic() + IDENTIFY_S

    def receipt(self, alert_id: int, version: int, status: str) -> None:
        """Send an alert receipt now, or queue it on disk until connected."""
        payload = {"id": alert_id, "version": version, "status": status}
        if not (self.send and self.connected and self.send("alert_receipt", payload)):
            self.receipts.add("alert_receipt", payload)

    def cancel_alert(self, alert_id: int, version: int) -> None:
        """Stop showing an alert; receipt `cleared`."""
        with self.lock:
            gone = self.alerts.cancel(alert_id, version)
        if gone is not None:
            log.info("alert %s cancelled (version %s)", alert_id, version)
            self.receipt(alert_id, version, "cleared")
        self.write_status()

    def heartbeat(self) -> dict[str, Any]:
        """The `heartbeat` payload."""
        try:
            free = shutil.disk_usage(self.config.cache_dir).free
        except OSError:
            free = None
        with self.lock:
            beat: dict[str, Any] = {
                "current_item": self.current_item,
                "manifest_version": self.manifest.version if self.manifest else "",
                "player_version": __version__,
                "uptime": int(time.monotonic() - self.started),
            }
        if free is not None:
            beat["free_disk"] = free
        return beat

    # --- the screen ----------------------------------------------------------------------
    def compose(self, now: datetime) -> tuple[object, Callable[[], Image.Image]]:
        """The picture for this instant: a key that changes with it, and how to draw it."""
        size = self.size()
        mono = self.clock.mono()
        with self.lock:
            mode, code = self.mode, self.pairing_code
            board = dict(self.board)
            alert = self.alerts.showing(now, mono, self.profile) if mode != "pairing" else None
            identify = time.monotonic() < self.identify_until
            manifest = self.manifest
        if mode in ("pairing", "not_paired"):
            return ("pair", code, size), lambda: render.pairing_screen(size, code)
        if alert is not None:
            return self._alert_picture(alert, size)
        if identify:
            code_, name = str(board.get("code", "")), str(board.get("name", ""))
            return ("identify", code_, name, size), lambda: render.identify_screen(
                size, code_, name
            )
        if mode == "update" and manifest is None:
            return ("update", size), lambda: render.message_screen(
                size, "Cần cập nhật phần mềm", "Update the player"
            )
        key, draw = self._programme(now, size, board, manifest)
        if key[0] == "off":  # banners wait for the operating hours (takeovers wake the screen)
            return key, draw
        with self.lock:
            banner = self.alerts.banner(now, mono, self.profile)
        if banner is not None:
            return self._with_banner(banner[0], mono - banner[1], key, draw, size)
        return key, draw

    def _programme(
        self, now: datetime, size: tuple[int, int], board: dict[str, Any], manifest: Any
    ) -> tuple[tuple[Any, ...], Callable[[], Image.Image]]:
        """The programme's picture: entry (still or scrolling), fallback screen or off."""
        airing = mf.airing_at(manifest, now)
        if airing.kind == "off":
            return ("off", size), lambda: render.black(size)
        if airing.kind == "programme" and airing.entry is not None:
            entry, ticker = airing.entry, airing.entry.ticker
            if (
                ticker is not None
                and self.cache.has(entry.sha256)
                and self.cache.has(ticker.sha256)
            ):
                started = airing.started or now
                offset = ticker.offset((now - started).total_seconds())
                return ("entry", entry.sha256, "ticker", offset, size), lambda: render.scrolled(
                    *self._ticker_pictures(entry.sha256, ticker.sha256, size), ticker.y, offset
                )
            if self.cache.has(entry.sha256):  # a stat only: the file is read when drawn
                return ("entry", entry.sha256, size), lambda: render.picture(
                    self._verified(entry.sha256), size, crop=entry.scrolls
                )
            self._missing(entry.sha256)
        name = (manifest.fallback if manifest else "") or str(board.get("name", ""))
        local = now.astimezone(manifest.zone if manifest else mf.zone(mf.DEFAULT_TZ))
        return (
            "fallback",
            name,
            local.strftime("%H:%M %d/%m/%Y"),
            size,
        ), lambda: render.fallback_screen(size, name, local)

    def _with_banner(
        self,
        alert: al.Alert,
        seconds: float,
        under: tuple[Any, ...],
        draw_under: Callable[[], Image.Image],
        size: tuple[int, int],
    ) -> tuple[object, Callable[[], Image.Image]]:
        """The programme with the alert's banner strip over its bottom rows; full screen when
        the strip's files are not cached yet (the alert airs either way)."""
        banner = alert.banner(self.profile)
        assert banner is not None
        missing = [sha for sha in banner.files() if not self.cache.has(sha)]
        if missing:
            self._missing(missing[0])
            return self._alert_picture(alert, size)
        ticker = banner.ticker
        offset = ticker.offset(seconds) if ticker is not None else None

        def draw() -> Image.Image:
            held = self._under_banner
            if held is None or held[0] != under:
                held = self._under_banner = (under, draw_under())
            strip, band = self._banner_pictures(banner)
            if ticker is not None and band is not None and offset is not None:
                strip = render.scrolled(strip, band, ticker.y, offset, ticker.x)
            return render.with_banner(held[1], strip, banner.y)

        return ("banner", alert.id, alert.version, offset, under), draw

    def _banner_pictures(self, banner: al.Banner) -> tuple[Image.Image, Image.Image | None]:
        """The banner's strip and ticker strip, decoded and verified once, not every frame."""
        files = tuple(banner.files())
        held = self._banner_strips
        if held is None or held[0] != files:
            strip = render.picture_raw(self._verified(banner.sha256))
            band = None
            if banner.ticker is not None:
                band = render.picture_raw(self._verified(banner.ticker.sha256))
            held = self._banner_strips = (files, strip, band)
        return held[1], held[2]

    def _alert_picture(
        self, alert: al.Alert, size: tuple[int, int]
    ) -> tuple[object, Callable[[], Image.Image]]:
        image = alert.images.get(self.profile)
        if image is not None and self.cache.has(image.sha256):
            sha = image.sha256
            return ("alert", alert.id, alert.version, "image", size), lambda: render.picture(
                self._verified(sha), size
            )
        return ("alert", alert.id, alert.version, "text", size), lambda: render.alert_text_screen(
            size, alert.headline, alert.body
        )

    def _ticker_pictures(
        self, still: str, strip: str, size: tuple[int, int]
    ) -> tuple[Image.Image, Image.Image]:
        """The first frame and the strip, decoded: read and verified once, not every frame."""
        held = self._scrolling
        if held is None or held[0] != (still, strip, size):
            base = render.picture(self._verified(still), size, crop=True)
            band = render.picture_raw(self._verified(strip))
            held = self._scrolling = ((still, strip, size), base, band)
        return held[1], held[2]

    def _verified(self, sha: str) -> bytes:
        data = self.cache.read(sha)  # hashes the file; a corrupt one is deleted
        if data is None:
            self._missing(sha)
            raise ValueError(f"cached file {sha[:12]} is missing or corrupt")
        return data

    def _missing(self, sha: str) -> None:
        """Ask for the active manifest's files again (at most every REPAIR_S seconds)."""
        now = time.monotonic()
        if now - self.repair_asked >= REPAIR_S:
            self.repair_asked = now
            log.warning("file %s missing from the cache; fallback shown, fetching it", sha[:12])
            if self.want_files is not None:
                self.want_files()

    def frame(self, show: Callable[[object, Image.Image], None]) -> None:
        """One display tick: expire alerts, compose, draw on change, account proof of play."""
        now = self.clock.now()
        with self.lock:
            for gone in self.alerts.prune(now):
                log.info("alert %s expired", gone.id)
        key, draw = self.compose(now)
        retry = self.shown_key == ("error", key) and time.monotonic() - self.failed_at >= REPAIR_S
        if key != self.picture_key or retry:
            shown: object = key
            try:
                image = draw()
            except Exception as exc:
                log.error("cannot draw %r: %s", key, exc)
                size, shown = self.size(), ("error", key)
                self.failed_at = time.monotonic()  # tried again after REPAIR_S, not every frame
                image = render.fallback_screen(
                    size, str(self.board.get("name", "")), now.astimezone(mf.zone(mf.DEFAULT_TZ))
                )
            show(shown, image)
            self.picture_key, self.shown_key = key, shown
        self._account(self.shown_key, now)
        self.write_status()

    def _account(self, key: object, now: datetime) -> None:
        """Proof of play for programme entries; `displayed` receipts for alerts."""
        kind = key[0] if isinstance(key, tuple) and key else None
        if kind == "banner" and isinstance(key, tuple):  # the programme plays under it
            banner: tuple[int, int] = (key[1], key[2])
            if banner not in self.displayed_alerts:
                self.displayed_alerts.add(banner)
                self.receipt(banner[0], banner[1], "displayed")
            key = key[4]
            kind = key[0] if isinstance(key, tuple) and key else None
        if kind == "alert" and isinstance(key, tuple):
            ident: tuple[int, int] = (key[1], key[2])
            if ident not in self.displayed_alerts:
                self.displayed_alerts.add(ident)
                self.receipt(ident[0], ident[1], "displayed")
        with self.lock:
            airing = mf.airing_at(self.manifest, now) if kind == "entry" else None
            entry = airing.entry if airing else None
            play_key = (entry.item, entry.revision, airing.started) if entry and airing else None
            if self.playing and self.playing.key != play_key:
                self._end_play(now)
            if play_key and entry and self.playing is None:
                self.playing = Playing(
                    play_key, entry.item, entry.revision, now, airing.source if airing else None
                )
            self.current_item = entry.item if entry else None

    def _end_play(self, now: datetime) -> None:
        playing, self.playing = self.playing, None
        if playing is None:
            return
        duration = (now - playing.start).total_seconds()
        if duration >= MIN_PLAY_S:
            try:
                self.journal.append(
                    playing.item, playing.revision, playing.start, duration, source=playing.source
                )
            except OSError as exc:
                log.error("cannot write proof of play: %s", exc)

    def close(self) -> None:
        """Record what was playing (shutdown)."""
        with self.lock:
            self._end_play(self.clock.now())
