"""Fault-drill helpers: lightweight protocol boards (the redis-server is signage_testing's).

A `Board` is a protocol-1 client that behaves as docs/protocol.md asks of a player: it replaces
its alerts with `state.alerts`, answers every `state`, `alert` (resend too) and `alert_cancel`
with its receipt, and sends `alert_sync` periodically. It never reconnects unless told to, so a
drill can prove that convergence needs no reconnect.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import socketio

NS = "/player"


class Board:
    """A lightweight player of one board (see the module docstring)."""

    def __init__(self, url: str, code: str, token: str, *, reconnect: bool = False) -> None:
        self.url, self.code, self.token, self.reconnect = url, code, token, reconnect
        self.held: dict[int, int] = {}
        self.connects = 0
        self.lock = threading.Lock()
        self.sio: socketio.Client | None = None
        self.closed = False
        self.reconnecting = False

    # --- connection ----------------------------------------------------------------------
    def connect(self) -> None:
        """Connect once (raises if refused)."""
        sio = socketio.Client(reconnection=False)
        sio.on("state", self.on_state, namespace=NS)
        sio.on("alert", self.on_alert, namespace=NS)
        sio.on("alert_cancel", self.on_cancel, namespace=NS)
        sio.on("disconnect", self.on_disconnect, namespace=NS)
        with self.lock:
            held = [{"id": i, "version": v} for i, v in self.held.items()]
        sio.connect(
            self.url,
            namespaces=[NS],
            transports=["websocket"],
            auth={"token": self.token, "protocol": 1, "player_version": "drill", "alerts": held},
            wait_timeout=30,
        )
        with self.lock:  # a reconnect that lands after close() must not leave a live client
            if not self.closed:
                self.sio = sio
                self.connects += 1
                return
        sio.disconnect()

    def connect_patiently(self, attempts: int = 10) -> None:
        """Connect, retrying like a player does (two processes on one SQLite file can answer
        `database is locked` while thirty boards get their first manifest at once)."""
        for attempt in range(attempts):
            try:
                return self.connect()
            except socketio.exceptions.ConnectionError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5)

    @property
    def connected(self) -> bool:
        return bool(self.sio and self.sio.connected)

    def on_disconnect(self, *_args: Any) -> None:
        with self.lock:
            if not self.reconnect or self.closed or self.reconnecting:
                return
            self.reconnecting = True
        threading.Thread(target=self._reconnect, daemon=True).start()

    def _reconnect(self) -> None:
        try:
            while not self.closed:
                time.sleep(0.5)
                try:
                    self.connect()
                    return
                except Exception:
                    continue
        finally:
            self.reconnecting = False

    def close(self) -> None:
        with self.lock:
            self.closed = True
            sio = self.sio
        if sio is not None:
            try:
                sio.disconnect()
            except Exception:
                pass

    # --- protocol ------------------------------------------------------------------------
    def emit(self, event: str, data: dict) -> None:
        sio = self.sio
        if sio is not None and sio.connected:
            try:
                sio.emit(event, data, namespace=NS)
            except Exception:
                pass

    def receipt(self, alert_id: int, version: int, status: str) -> None:
        self.emit("alert_receipt", {"id": alert_id, "version": version, "status": status})

    def on_state(self, data: dict) -> None:
        with self.lock:
            self.held = {a["id"]: a["version"] for a in data["alerts"]}
            shown = list(self.held.items())
        for alert_id, version in shown:
            self.receipt(alert_id, version, "displayed")

    def on_alert(self, data: dict) -> None:
        with self.lock:
            if self.held.get(data["id"], 0) > data["version"]:
                return
            self.held[data["id"]] = data["version"]
        self.receipt(data["id"], data["version"], "displayed")

    def on_cancel(self, data: dict) -> None:
        with self.lock:
            if self.held.get(data["id"], 0) > data["version"]:
                return
            self.held.pop(data["id"], None)
        self.receipt(data["id"], data["version"], "cleared")

    def sync(self) -> None:
        with self.lock:
            held = [{"id": i, "version": v} for i, v in self.held.items()]
        self.emit("alert_sync", {"alerts": held})

    def holds(self) -> dict[int, int]:
        with self.lock:
            return dict(self.held)


class Syncer:
    """One thread sending `alert_sync` for every board every `interval` seconds."""

    def __init__(self, boards: list[Board], interval: float = 2.0) -> None:
        self.boards, self.interval = boards, interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            for board in self.boards:
                board.sync()

    def __enter__(self) -> Syncer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
