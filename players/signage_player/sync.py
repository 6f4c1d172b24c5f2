"""Background work over HTTP: fetch a newer manifest and its files, alert images, screenshots.

A new manifest is saved, then every rendition it names is downloaded and verified, and only
then is it activated (the `active` pointer is the last write). A failure leaves the old
manifest playing and retries later.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from PIL import Image

from signage_player import manifest as mf
from signage_player import render
from signage_player.api import Api, ApiError
from signage_player.cache import HashMismatch
from signage_player.player import Player

log = logging.getLogger(__name__)
RETRY_S = (10.0, 30.0)


class Sync:
    """One worker thread; jobs are coalesced (two manifest pushes make one fetch)."""

    def __init__(self, player: Player, api: Api, stop: threading.Event) -> None:
        self.player, self.api, self.stop = player, api, stop
        self.jobs: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.queued: set[str] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.retry_at = 0.0  # monotonic time of the next manifest retry (0: none)
        self.current_image: Callable[[], Image.Image | None] | None = None  # set by the app

    def start(self) -> None:
        """Start the worker (once)."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._loop, name="sync", daemon=True)
            self.thread.start()

    def _put(self, job: str, arg: Any = None) -> None:
        with self.lock:
            if job in self.queued and job != "screenshot":
                return
            self.queued.add(job)
        self.jobs.put((job, arg))

    def want_manifest(self, *, force: bool = False) -> None:
        """Fetch the manifest (unconditionally when forced)."""
        self._put("manifest", force)

    def want_repair(self) -> None:
        """Fetch the active manifest's files that went missing (disk trouble, eviction)."""
        self._put("repair")

    def want_alert_images(self) -> None:
        """Fetch the pictures of held alerts for this board's profile."""
        self._put("alert_images")

    def want_screenshot(self, command_id: str) -> None:
        """Upload what is on screen and answer the command."""
        self._put("screenshot", command_id)

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                job, arg = self.jobs.get(timeout=0.5)
            except queue.Empty:
                if self.retry_at and time.monotonic() >= self.retry_at:
                    self.retry_at = 0.0
                    self.want_manifest()
                continue
            with self.lock:
                self.queued.discard(job)
            try:
                getattr(self, f"_{job}")(arg)
            except Exception:
                log.exception("sync job %s failed", job)

    def _retry_later(self) -> None:
        self.retry_at = time.monotonic() + random.uniform(*RETRY_S)

    def _manifest(self, force: bool) -> None:
        board = self.player.board.get("code")
        if not isinstance(board, str) or not self.api.token:
            return
        active = self.player.manifest.version if self.player.manifest else None
        try:
            got = self.api.manifest(board, None if force else active)
        except ApiError as exc:
            log.warning("manifest fetch failed: %s; retrying later", exc)
            self._retry_later()
            return
        if got is None:
            log.info("manifest %s is current", (active or "")[:12])
            if force and self.player.manifest:
                self.player.activate(self.player.manifest)
            return
        version, body = got
        try:
            new = mf.parse(json.loads(body), version)
            self.player.cache.save_manifest(version, body)
        except (ValueError, OSError) as exc:
            log.error("manifest %s refused: %s; keeping %s", version[:12], exc, (active or "")[:12])
            return
        if not self._download(new.files(), keep=self._keep(new)):
            self._retry_later()
            return
        self.player.cache.activate(version)
        self.player.activate(new)
        self.player.cache.evict(self._keep(new))

    def _keep(self, pending: mf.Manifest | None = None) -> set[str]:
        keep = set(pending.files()) if pending else set()
        with self.player.lock:
            if self.player.manifest:
                keep |= set(self.player.manifest.files())
            for alert in self.player.alerts.alerts.values():
                keep |= {img.sha256 for img in alert.images.values()}
                for banner in alert.banners.values():
                    keep |= set(banner.files())
        return keep

    def _download(self, files: dict[str, str], keep: set[str]) -> bool:
        """Fetch and verify every missing file; False when one could not be had."""
        cache = self.player.cache
        missing = cache.missing(files)
        if missing:
            cache.evict(keep)
            log.info("downloading %d of %d files", len(missing), len(files))
        ok = True
        for sha in missing:
            if self.stop.is_set():
                return False
            try:
                cache.put(sha, self.api.fetch(files[sha]))
            except (ApiError, HashMismatch, OSError) as exc:
                log.warning("file %s: %s", sha[:12], exc)
                ok = False
        return ok

    def _repair(self, _arg: Any) -> None:
        manifest = self.player.manifest
        if manifest is not None and not self._download(manifest.files(), keep=self._keep()):
            log.warning("some files of the active manifest could not be fetched again")
        self._alert_images(None)

    def _alert_images(self, _arg: Any) -> None:
        profile = self.player.profile
        with self.player.lock:
            wanted = {
                a.images[profile].sha256: a.images[profile].url
                for a in self.player.alerts.alerts.values()
                if profile in a.images
            }
            for a in self.player.alerts.alerts.values():
                banner = a.banner(profile)
                if banner is not None:
                    wanted.update(banner.files())
        if wanted and not self._download(wanted, keep=self._keep()):
            log.warning("some alert pictures are missing; their text is shown instead")
        # The next frame compares keys again and switches from text to the picture.

    def _screenshot(self, command_id: str) -> None:
        image = self.current_image() if self.current_image else None
        board = self.player.board.get("code")
        if image is None or not isinstance(board, str):
            self.result(command_id, False, "nothing on screen yet")
            return
        try:
            url = self.api.upload_screenshot(board, render.png(image))
        except ApiError as exc:
            self.result(command_id, False, f"upload failed: {exc}")
            return
        self.result(command_id, True, url)

    def result(self, command_id: str, ok: bool, detail: str) -> None:
        """Answer a command through the player's link."""
        payload = {"command_id": command_id, "ok": ok, "detail": detail[:1000]}
        if self.player.send is not None:
            self.player.send("command_result", payload)
