"""The network side: pairing, the /player Socket.IO connection with its own backoff loop, events.

One thread runs `run()` (pair, connect, stay connected, back off); Socket.IO events arrive on the
client's thread and only change state or queue work for the `Sync` worker, so a slow download
never delays an alert or the screen.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

import socketio  # type: ignore[import-untyped, unused-ignore]

from signage_player import PLAYER_VERSION, PROTOCOL
from signage_player import alerts as al
from signage_player import manifest as mf
from signage_player.api import Api, ApiError
from signage_player.backoff import Backoff
from signage_player.config import read_token
from signage_player.player import Player
from signage_player.sync import Sync

log = logging.getLogger(__name__)
NAMESPACE = "/player"
HOURLY_S = 3600.0
NO_RETRY = ("unauthorized", "revoked", "invalid_auth")
ALERT_SYNC_S = 5.0  # `alert_sync`: the server answers what to show or drop (reconciliation)


def _reason(data: Any) -> str:
    if isinstance(data, dict):
        data = data.get("message", "")
    return str(data)[:100] if data is not None else ""


UNAVAILABLE = "unavailable"  # the server could not store a batch now: resend it later
POP_RETRY_MAX_S = 120.0


def _unavailable(answer: Any) -> bool:
    """True for the answer to a batch the server could not store now (docs/protocol.md)."""
    error = answer.get("error") if isinstance(answer, dict) else None
    return isinstance(error, dict) and error.get("code") == UNAVAILABLE


def _retry_delay(answer: Any) -> float:
    """The server's `retry_after_s`, bounded to 1-120 s, with jitter so boards do not align."""
    wanted = answer["error"].get("retry_after_s")
    base = float(wanted) if isinstance(wanted, int | float) and not isinstance(wanted, bool) else 10
    return min(POP_RETRY_MAX_S, max(1.0, base)) * random.uniform(1.0, 1.5)


class Link:
    """Keeps the player paired and connected; sends heartbeats, proof of play and receipts."""

    def __init__(self, player: Player, stop: threading.Event, *, backoff: Backoff | None = None):
        self.player, self.stop = player, stop
        self.config = player.config
        self.backoff = backoff or Backoff()
        self.token: str | None = read_token(self.config)
        self.bad_tokens: set[str] = set()
        self.api = Api(self.config.server, self.token)
        self.sync = Sync(player, self.api, stop)
        self.sio: socketio.Client | None = None
        self.refused = ""
        self.revoked = False
        self.inflight: set[str] = set()
        # Batches the server could not store now (`unavailable`): not before this monotonic time.
        self.retry_at: dict[str, float] = {}
        self.monotonic = time.monotonic
        self.confirmed_board: str | None = None  # the board this connection's `state` named
        player.send = self.emit
        player.want_files = self.sync.want_repair

    # --- the loop ------------------------------------------------------------------------
    def run(self) -> None:
        """Until stopped: pair when there is no usable token, else connect and stay connected."""
        self.sync.start()
        while not self.stop.is_set():
            token = self._token()
            if token is None:
                self.pair()
                continue
            self.player.set_mode("playing")
            lasted = self.session(token)
            if self.stop.is_set():
                break
            if self.refused in NO_RETRY or self.revoked:
                self._drop_token(token, delete=self.revoked or self.refused == "revoked")
                continue
            if self.refused == "unsupported_protocol":
                log.error("the server does not speak protocol %s; retrying in an hour", PROTOCOL)
                self.player.set_mode("update")
                self.stop.wait(HOURLY_S)
                continue
            self.backoff.connected_for(lasted)
            delay = self.backoff.next_delay()
            log.info("reconnecting in %.1f s (attempt %d)", delay, self.backoff.attempt)
            self.stop.wait(delay)

    def _token(self) -> str | None:
        token = self.token or read_token(self.config)
        if token in self.bad_tokens:
            # A refused config token: a token file written by pairing takes over.
            token = None
            try:
                text = self.config.token_path.read_text(encoding="utf-8").strip()
                token = text if text and text not in self.bad_tokens else None
            except OSError:
                pass
        self.token = self.api.token = token
        return token

    def _drop_token(self, token: str, *, delete: bool) -> None:
        log.warning("board token refused (%s); pairing again", self.refused or "revoked")
        self.bad_tokens.add(token)
        self.token = self.api.token = None
        self.player.set_mode("not_paired")
        if delete:
            self._delete_token_file(token)

    def _delete_token_file(self, token: str | None) -> None:
        """Remove the token file when it holds this (revoked) token."""
        if not token:
            return
        try:
            if self.config.token_path.read_text(encoding="utf-8").strip().endswith(token):
                self.config.token_path.unlink()
        except OSError:
            pass

    def pair(self) -> None:
        """Ask for a pairing code, show it, poll until an operator enters it; store the token."""
        try:
            ticket = self.api.start_pairing()
        except ApiError as exc:
            log.warning("cannot start pairing: %s", exc)
            self.player.set_mode("not_paired")
            self.stop.wait(self.backoff.next_delay())
            return
        self.backoff.reset()
        log.info("pairing code: %s (enter it on the board's page in the console)", ticket.code)
        self.player.set_mode("pairing", ticket.code)
        while not self.stop.wait(self.config.pairing_poll_s):
            try:
                paired = self.api.poll_pairing(ticket.claim_id)
            except ApiError as exc:
                if exc.status in (404, 409, 410):
                    log.info("pairing code %s is no longer valid (%s)", ticket.code, exc)
                    return
                log.warning("pairing poll failed: %s", exc)
                continue
            if paired is not None:
                board, token = paired
                from signage_player.cache import atomic_write

                atomic_write(self.config.token_path, (token + "\n").encode(), mode=0o600)
                log.info("paired with board %s", board)
                self.bad_tokens.discard(token)
                self.token = self.api.token = token
                self.player.set_mode("playing")
                return

    def session(self, token: str) -> float:
        """One connection: connect, serve until it drops; how long it lasted (0 if refused)."""
        self.refused, self.revoked = "", False
        self.confirmed_board = None
        sio = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        self._handlers(sio)
        auth = {
            "token": token,
            "protocol": PROTOCOL,
            "player_version": PLAYER_VERSION,
            "manifest_version": self.player.manifest.version if self.player.manifest else "",
            "alerts": self.player.alerts.held()[:1000],
        }
        try:
            sio.connect(
                self.config.server,
                auth=auth,
                namespaces=[NAMESPACE],
                transports=["websocket"],
                wait_timeout=10,
            )
        except socketio.exceptions.ConnectionError as exc:
            log.warning("cannot connect: %s %s", exc, self.refused)
            self._close(sio)
            return 0.0
        began = time.monotonic()
        self.sio, self.inflight = sio, set()
        self.player.connected = True
        self.player.write_status()
        log.info("connected to %s", self.config.server)
        beat_at = 0.0
        sealed_at = synced_at = time.monotonic()
        try:
            self._flush_outbox()
            while sio.connected and not self.stop.is_set() and not self.revoked:
                now = time.monotonic()
                if now - beat_at >= self.config.heartbeat_s:
                    beat_at = now
                    self.emit("heartbeat", self.player.heartbeat())
                if now - synced_at >= ALERT_SYNC_S:
                    synced_at = now
                    self.sync_alerts()
                if now - sealed_at >= self.config.proof_batch_s:
                    sealed_at = now
                    with self.player.lock:
                        self.player.journal.seal()
                self.send_batches()
                self.stop.wait(0.5)
        finally:
            self.player.connected = False
            self.sio = None
            self._close(sio)
            self.player.write_status()
        lasted = time.monotonic() - began
        log.info("disconnected after %.0f s", lasted)
        return lasted

    @staticmethod
    def _close(sio: socketio.Client) -> None:
        try:
            sio.disconnect()
        except Exception:
            log.debug("disconnect failed", exc_info=True)

    # --- sending -------------------------------------------------------------------------
    def emit(self, event: str, payload: dict[str, Any], callback: Any = None) -> bool:
        """Send if connected; False otherwise."""
        sio = self.sio
        if sio is None or not sio.connected:
            return False
        try:
            sio.emit(event, payload, namespace=NAMESPACE, callback=callback)
        except Exception as exc:
            log.info("could not send %s: %s", event, exc)
            return False
        return True

    def sync_alerts(self) -> bool:
        """Tell the server which alerts we show; it answers with `alert` / `alert_cancel`."""
        with self.player.lock:
            held = self.player.alerts.held()[:1000]
        return self.emit("alert_sync", {"alerts": held})

    def _flush_outbox(self) -> None:
        for event, payload in self.player.receipts.take():
            if not self.emit(event, payload):
                self.player.receipts.add(event, payload)

    def send_batches(self) -> None:
        """Send sealed proof-of-play batches not yet in flight on this connection, oldest first.

        Only the journal of the board that the server named in this connection's `state`: until
        then (or after a re-pair, for the old board's batches) nothing is sent.
        """
        journal = self.player.journal
        if self.confirmed_board is None or journal.board != self.confirmed_board:
            return
        for batch in journal.pending():
            if batch.batch_id in self.inflight:
                continue
            batch_id = batch.batch_id
            if self.monotonic() < self.retry_at.get(batch_id, float("-inf")):
                continue
            self.retry_at.pop(batch_id, None)

            def answered(*args: Any, batch_id: str = batch_id) -> None:
                ack = args[0] if args else None
                if isinstance(ack, dict) and ack.get("batch_id") == batch_id:
                    journal.ack(batch_id)
                elif _unavailable(ack):  # not stored now: send it again after a while
                    self.retry_at[batch_id] = self.monotonic() + _retry_delay(ack)
                    self.inflight.discard(batch_id)
                else:  # the server answered without an ack: it refused the batch
                    journal.drop(batch_id, "no ack in the answer")

            self.inflight.add(batch_id)  # before the emit: its answer may come at once
            if not self.emit("proof_of_play", batch.payload(), callback=answered):
                self.inflight.discard(batch_id)
                return

    # --- events --------------------------------------------------------------------------
    def _handlers(self, sio: socketio.Client) -> None:
        on = {
            "connect_error": self.on_connect_error,
            "state": self.on_state,
            "manifest": self.on_manifest,
            "command": self.on_command,
            "ack": self.on_ack,
            "revoked": self.on_revoked,
            "error": self.on_error,
            "alert": self.on_alert,
            "alert_cancel": self.on_alert_cancel,
        }
        for event, handler in on.items():
            sio.on(event, self._guard(event, handler), namespace=NAMESPACE)

    @staticmethod
    def _guard(event: str, handler: Any) -> Any:
        def run(*args: Any) -> None:
            try:
                handler(args[0] if args else None)
            except Exception:
                log.exception("could not handle %r from the server", event)

        return run

    def on_connect_error(self, data: Any) -> None:
        """Remember why the server refused us."""
        self.refused = _reason(data)

    def on_state(self, data: Any) -> None:
        """Sync the clock, remember the board, replace the alert set, fetch a newer manifest."""
        if not isinstance(data, dict):
            log.warning("state: not an object; ignored")
            return
        try:
            skew = self.player.clock.sync(mf.parse_time(data.get("server_time"), "server_time"))
            log.info("clock skew against the server: %+.2f s", skew)
        except mf.ManifestError as exc:
            log.warning("state: %s", exc)
        board = data.get("board")
        board = board if isinstance(board, dict) else {}
        code, name, profile = board.get("code"), board.get("name"), data.get("profile")
        if (
            isinstance(code, str)
            and isinstance(name, str)
            and isinstance(profile, str)
            and max(len(code), len(name), len(profile)) <= 200
        ):
            self.player.remember_board(code, name, profile)
            self.confirmed_board = code
        else:
            log.warning("state: board or profile malformed; keeping %s", self.player.board)
        if isinstance(data.get("alerts"), list):
            parsed = []
            for doc in data["alerts"][: al.MAX_ALERTS]:
                try:
                    parsed.append(al.parse(doc))
                except al.AlertError as exc:
                    log.warning("state: alert ignored: %s", exc)
            with self.player.lock:
                self.player.alerts.replace(parsed)
            self.sync.want_alert_images()
            for alert in parsed:  # a receipt lost with a restarted server is given again
                self.confirm(alert.id, alert.version)
        version = data.get("manifest_version")
        active = self.player.manifest.version if self.player.manifest else None
        if not isinstance(version, str) or version != active:
            self.sync.want_manifest()
        self.player.write_status()

    def on_manifest(self, data: Any) -> None:
        """The programme changed: fetch it."""
        self.sync.want_manifest()

    def on_command(self, data: Any) -> None:
        """reload, identify, screenshot; answered with command_result."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            log.warning("command: malformed %r", str(data)[:200])
            return
        command_id, name = data["id"][:64], data.get("name")
        if not command_id:
            return
        if name == "reload":
            self.player.restart_playback()
            self.sync.want_manifest(force=True)
            self.result(command_id, True, "reloading the manifest")
        elif name == "identify":
            self.player.identify()
            self.result(command_id, True, "identified for 30 s")
        elif name == "screenshot":
            self.sync.want_screenshot(command_id)
        else:
            self.result(command_id, False, f"unknown command {str(name)[:64]!r}")

    def result(self, command_id: str, ok: bool, detail: str) -> None:
        """Answer a command."""
        payload = {"command_id": command_id, "ok": ok, "detail": detail[:1000]}
        self.emit("command_result", payload)

    def on_ack(self, data: Any) -> None:
        """A proof-of-play batch is stored: forget it (a replayed ack is harmless)."""
        if isinstance(data, dict):
            self.player.journal.ack(data.get("batch_id"))

    def on_revoked(self, data: Any) -> None:
        """The token was revoked: stop, delete it, pair again (the loop does the rest)."""
        log.warning("the server revoked this board's token")
        self.revoked = True
        self._delete_token_file(self.token)  # before "not paired" shows: never a stale token
        self.player.set_mode("not_paired")

    def on_error(self, data: Any) -> None:
        """Log what the server refused; a refused proof-of-play batch is dropped."""
        if not isinstance(data, dict):
            log.warning("server error: %r", str(data)[:200])
            return
        log.warning(
            "server error %s: %s", str(data.get("code"))[:64], str(data.get("message"))[:300]
        )
        batch_id = data.get("batch_id")
        if isinstance(batch_id, str) and data.get("code") != UNAVAILABLE:  # that one is resent
            self.player.journal.drop(batch_id, str(data.get("code"))[:64])

    def on_alert(self, data: Any) -> None:
        """A new or updated alert preempts the programme on the next frame."""
        try:
            alert = al.parse(data)
        except al.AlertError as exc:
            log.warning("alert ignored: %s", exc)
            return
        with self.player.lock:
            changed = self.player.alerts.upsert(alert)
        if changed:
            log.warning(
                "alert %s v%s (%s): %s",
                alert.id,
                alert.version,
                alert.severity,
                alert.headline[:80],
            )
            self.sync.want_alert_images()
        else:  # a resend: the server has no receipt for it yet
            self.confirm(alert.id, alert.version)
        self.player.write_status()

    def confirm(self, alert_id: int, version: int) -> None:
        """Receipt for an alert we hold at this version: `displayed` once shown, else `received`."""
        with self.player.lock:
            held = self.player.alerts.alerts.get(alert_id)
            shown = (alert_id, version) in self.player.displayed_alerts
        if held is not None and held.version == version:
            self.player.receipt(alert_id, version, "displayed" if shown else "received")

    def on_alert_cancel(self, data: Any) -> None:
        """Stop showing an alert at once."""
        try:
            alert_id, version = al.parse_ref(data)
        except al.AlertError as exc:
            log.warning("alert_cancel ignored: %s", exc)
            return
        with self.player.lock:
            held = self.player.alerts.alerts.get(alert_id)
        if held is None:  # already gone (a repeated cancel): confirm, so the server stops asking
            self.player.receipt(alert_id, version, "cleared")
        elif held.version <= version:
            self.player.cancel_alert(alert_id, version)
