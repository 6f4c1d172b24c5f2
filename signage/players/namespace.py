"""The /player namespace: board tokens, rooms, state on connect, telemetry, commands.

Handlers are thin: validate the message with a pydantic model, call one service inside
db.scope() (Socket.IO events run outside Flask's request teardown), emit the answer. Every
malformed message is answered with `error` {code, message}; the connection stays usable.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import SQLAlchemyError

from signage import clock
from signage.alerts.delivery import ReceiptBuffer
from signage.boards.models import Board
from signage.db import db
from signage.errors import AuthenticationRequired
from signage.players import presence_feed, telemetry
from signage.players.state import connection_state
from signage.players.telemetry import Connection, Heartbeat, StatusBuffer
from signage.players.tokens import BoardTokenRevoked, authenticate_board
from signage.realtime import NAMESPACE, background, emitter
from signage.realtime.rooms import board_room, close_sockets

log = logging.getLogger(__name__)
PROTOCOL = 1
MAX_MESSAGE_BYTES = 64 * 1024
MAX_PLAY_RECORDS = 500
COMMANDS = ("reload", "screenshot", "identify")
CONNECTIONS_FLUSH_SECONDS = 1.0
POP_RETRY_AFTER_S = 10  # a batch the server could not store: resend it after this long
Version = Field("", max_length=64)


class _SocketRequest(Protocol):
    """What Flask-SocketIO sets on `request` while a handler runs."""

    sid: str
    event: dict[str, Any] | None


socket_request = cast(_SocketRequest, request)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AlertHeld(Strict):
    id: StrictInt
    version: StrictInt


class PlayerAuth(BaseModel):
    # Unknown auth fields are ignored so that newer players can still connect.
    model_config = ConfigDict(strict=True)
    token: str = Field(max_length=200)
    protocol: StrictInt
    player_version: str = Version
    manifest_version: str = Version
    alerts: list[AlertHeld] = Field(default_factory=list, max_length=1000)


class HeartbeatIn(Strict):
    current_item: StrictInt | None = None
    manifest_version: str = Version
    player_version: str = Version
    free_disk: StrictInt | None = Field(None, ge=0, le=2**62)
    uptime: StrictInt | None = Field(None, ge=0, le=2**62)


class PlayIn(Strict):
    item_id: StrictInt = Field(ge=1, le=2**31 - 1)
    revision_id: StrictInt = Field(ge=1, le=2**31 - 1)
    start: str = Field(max_length=40)
    duration_s: float = Field(ge=0, le=86400)
    # Why it aired when no schedule did (docs/protocol.md, "Never blank"); absent = scheduled.
    source: Literal["fallback_playlist", "last_programme"] | None = None


class ProofOfPlayIn(Strict):
    batch_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    records: list[PlayIn] = Field(max_length=MAX_PLAY_RECORDS)


class CommandResultIn(Strict):
    command_id: str = Field(min_length=1, max_length=64)
    ok: StrictBool
    detail: str = Field("", max_length=1000)


class AlertReceiptIn(Strict):
    id: StrictInt = Field(ge=1, le=2**31 - 1)
    version: StrictInt = Field(ge=1, le=2**31 - 1)
    status: Literal["received", "displayed", "cleared"]


class AlertSyncIn(Strict):
    alerts: list[AlertHeld] = Field(max_length=1000)


@dataclass(frozen=True)
class Connected:
    """The board behind one local socket."""

    board_id: int
    code: str
    player_version: str = ""


def status_buffer(app: Any = None) -> StatusBuffer:
    """This process's heartbeat buffer."""
    return (app or current_app).extensions["signage_status"]


def flush_status(app: Any = None, *, heartbeats: bool = True) -> int:
    """Write the buffered connections, and heartbeats unless told not to; boards written."""
    buffer = status_buffer(app)
    if not (buffer.pending() if heartbeats else buffer.pending_connections()):
        if heartbeats:
            buffer.last_flush = clock.now()
        return 0
    return _flush(buffer, buffer.take(heartbeats=heartbeats), touch=heartbeats, announce=True)


def _flush(
    buffer: StatusBuffer | ReceiptBuffer, batch: Any, *, touch: bool = True, announce: bool = False
) -> int:
    """Write a batch taken from a buffer in its own transaction; on any failure (a busy SQLite
    database, a lost connection) the batch goes back into the buffer for the next flush. With
    announce, the console hears of boards that came or went once the write commits."""
    if touch:
        buffer.last_flush = clock.now()
    try:
        with db.scope() as session:
            written = buffer.write(session, batch)
            if announce:
                presence_feed.announce(session, batch)
                presence_feed.announce_seen(session, batch)
            elif isinstance(buffer, ReceiptBuffer):  # the write left only what it wrote
                by_alert: dict[int, set[int]] = {}
                for alert_id, board_id in batch:
                    by_alert.setdefault(alert_id, set()).add(board_id)
                presence_feed.announce_receipts(session, by_alert, checked=True)
            return written
    except Exception:
        buffer.restore(batch)
        raise


def receipt_buffer(app: Any = None) -> ReceiptBuffer:
    """This process's alert-receipt buffer."""
    return (app or current_app).extensions["signage_receipts"]


def flush_receipts(app: Any = None) -> int:
    """Write the buffered alert receipts now; deliveries updated."""
    buffer = receipt_buffer(app)
    if not buffer.pending():
        buffer.last_flush = clock.now()
        return 0
    return _flush(buffer, buffer.take())


def send_command(code: str, name: str, command_id: str = "") -> str:
    """Emit `command` {id, name} to the board's players (through the queue); the command id."""
    command_id = command_id or secrets.token_hex(8)
    emitter()("command", {"id": command_id, "name": name}, board_room(code))
    return command_id


def disconnect_board(code: str) -> None:
    """Tell the board's players their token was revoked and close their sockets, everywhere."""
    close_sockets(code)


def _error(code: str, message: str, **extra: Any) -> None:
    emit("error", {"code": code, "message": message, **extra})


def _problems(exc: PydanticValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}"
        for e in exc.errors(include_url=False)[:5]
    )


def _size(args: tuple) -> int:
    try:
        return len(json.dumps(args, default=str))
    except (TypeError, ValueError, RecursionError):
        return MAX_MESSAGE_BYTES + 1


class PlayerNamespace(Namespace):
    """Board players: one socket per running player, authenticated by its board token."""

    def __init__(self, namespace: str = NAMESPACE) -> None:
        super().__init__(namespace)
        self.players: dict[str, Connected] = {}
        self.sockets: dict[int, int] = {}  # board id -> open sockets of this process

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Route an event; refuse unknown events and oversized messages with `error`."""
        if event in ("connect", "disconnect") or hasattr(self, f"on_{event}"):
            if event not in ("connect", "disconnect") and _size(args[1:]) > MAX_MESSAGE_BYTES:
                return self.socketio._handle_event(self._too_large, event, self.namespace, *args)
            return super().trigger_event(event, *args)
        return self.socketio._handle_event(self._unknown, event, self.namespace, *args)

    def _unknown(self, *_args: Any) -> None:
        event = str((socket_request.event or {}).get("message", ""))[:64]
        log.info("player %s sent the unknown event %r", socket_request.sid, event)
        _error("unknown_event", f"Unknown event {event!r}.")

    def _too_large(self, *_args: Any) -> None:
        log.info("player %s sent a message over %s bytes", socket_request.sid, MAX_MESSAGE_BYTES)
        _error("payload_too_large", f"Messages are limited to {MAX_MESSAGE_BYTES} bytes.")

    def _player(self) -> Connected | None:
        player = self.players.get(socket_request.sid)
        if player is None:
            _error("unauthorized", "Not connected as a board.")
        return player

    def _parse(self, model: type[BaseModel], data: Any) -> Any:
        if not isinstance(data, dict):
            _error("invalid_message", "The payload must be a JSON object.")
            return None
        try:
            return model.model_validate(data)
        except PydanticValidationError as exc:
            _error("invalid_message", _problems(exc))
            return None

    def on_connect(self, auth: Any = None) -> None:
        """Authenticate the board token, join the board's rooms and send `state`."""
        if not isinstance(auth, dict):
            raise ConnectionRefusedError("unauthorized")
        if auth.get("protocol") != PROTOCOL:
            raise ConnectionRefusedError("unsupported_protocol")
        try:
            data = PlayerAuth.model_validate(auth)
        except PydanticValidationError:
            raise ConnectionRefusedError("invalid_auth") from None
        now = clock.now()
        try:
            with db.scope() as session:
                try:
                    board = authenticate_board(session, data.token)
                except BoardTokenRevoked:
                    raise ConnectionRefusedError("revoked") from None
                except AuthenticationRequired:
                    raise ConnectionRefusedError("unauthorized") from None
                rooms, state = connection_state(session, board, now=now)
        except SQLAlchemyError:
            # No connection in time (or the database away): refuse now, so that the player
            # retries with its backoff instead of waiting for a `state` that never comes.
            log.exception("player connect failed on the database")
            raise ConnectionRefusedError("unavailable") from None
        self.players[socket_request.sid] = Connected(board.id, board.code, data.player_version)
        self.sockets[board.id] = self.sockets.get(board.id, 0) + 1
        # Recorded on the board's status by the next flush (within a second), not here: a write
        # per connection was most of the cost of a connect.
        connection = Connection(now, data.manifest_version, data.player_version)
        status_buffer().connected(self.players[socket_request.sid].board_id, connection)
        for room in rooms:
            join_room(room)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        later = background(app)
        later.buffered(lambda: flush_status(heartbeats=False))
        # Emitted here, `state` would reach the client before the server's CONNECT packet
        # (sent when this handler returns); a task started now runs after it.
        later.later(self._send_state, socket_request.sid, state)
        _start_flusher(app)

    def _send_state(self, sid: str, state: dict[str, Any]) -> None:
        self.socketio.emit("state", state, to=sid, namespace=self.namespace)

    def on_disconnect(self, reason: Any = None) -> None:
        """Forget the socket; the board's last one closing starts its offline grace time."""
        player = self.players.pop(socket_request.sid, None)
        if player is None:
            return
        left = self.sockets.get(player.board_id, 1) - 1
        if left > 0:
            self.sockets[player.board_id] = left
            return
        self.sockets.pop(player.board_id, None)
        status_buffer().disconnected(player.board_id, clock.now())
        background().buffered(lambda: flush_status(heartbeats=False))

    def on_heartbeat(self, data: Any = None) -> None:
        """Buffer the report; flush the buffer when its interval has passed."""
        player = self._player()
        beat = self._parse(HeartbeatIn, data) if player else None
        if player is None or beat is None:
            return
        now = clock.now()
        buffer = status_buffer()
        buffer.add(
            player.board_id,
            Heartbeat(
                at=now,
                manifest_version=beat.manifest_version,
                player_version=beat.player_version,
                current_item=beat.current_item,
                free_disk=beat.free_disk,
                uptime=beat.uptime,
            ),
        )
        if buffer.due(now):
            flush_status()

    def on_proof_of_play(self, data: Any = None) -> dict[str, Any] | None:
        """Store a batch once and acknowledge it (again, for a replay) with `ack` {batch_id}."""
        player = self._player()
        batch = self._parse(ProofOfPlayIn, data) if player else None
        if player is None or batch is None:
            return None
        try:
            records = [_play_row(r) for r in batch.records]
        except ValueError as exc:
            _error("invalid_message", str(exc), batch_id=batch.batch_id)
            return None
        try:
            with db.scope() as session:
                board = session.get(Board, player.board_id)
                if board is None:
                    _error("unauthorized", "The board no longer exists.")
                    return None
                new = telemetry.record_plays(
                    session, board, batch.batch_id, records, now=clock.now()
                )
        except Exception:
            # Not stored (no connection free in time, the database away): say so, so that the
            # player resends the batch soon instead of waiting for its next reconnect.
            log.exception("proof of play batch %s from %s not stored", batch.batch_id, player.code)
            error = {
                "code": "unavailable",
                "message": "The server could not store the batch now; send it again later.",
                "batch_id": batch.batch_id,
                "retry_after_s": POP_RETRY_AFTER_S,
            }
            emit("error", error)
            return {"error": error}
        ack = {"batch_id": batch.batch_id, "duplicate": not new}
        emit("ack", ack)
        return ack

    def on_alert_receipt(self, data: Any = None) -> None:
        """Tally a `received`/`displayed`/`cleared` receipt; written in the next batch."""
        player = self._player()
        receipt = self._parse(AlertReceiptIn, data) if player else None
        if player is None or receipt is None:
            return
        buffer = receipt_buffer()
        if not buffer.add(
            receipt.id,
            player.board_id,
            receipt.version,
            receipt.status,
            at=clock.now(),
            player_version=player.player_version,
        ):
            log.warning("receipt buffer full: dropped a receipt from %s", player.code)
        background().buffered(flush_receipts)

    def on_alert_sync(self, data: Any = None) -> None:
        """Answer the alerts a player shows with what it must show or drop (reconcile.py)."""
        from signage.players.reconcile import answer

        player = self._player()
        sync = self._parse(AlertSyncIn, data) if player else None
        if player is None or sync is None:
            return
        held = {a.id: a.version for a in sync.alerts}
        snapshot = current_app.extensions["signage_active_alerts"]
        with db.scope() as session:
            events = answer(session, snapshot, player.board_id, held, now=clock.now())
        for event, message in events:
            emit(event, message)

    def on_command_result(self, data: Any = None) -> None:
        """Keep the result of a command on the board's status."""
        player = self._player()
        result = self._parse(CommandResultIn, data) if player else None
        if player is None or result is None:
            return
        with db.scope() as session:
            board = session.get(Board, player.board_id)
            if board is not None:
                telemetry.store_command_result(
                    session, board, result.command_id, result.ok, result.detail, now=clock.now()
                )


def _play_row(record: PlayIn) -> dict[str, Any]:
    from datetime import UTC, datetime

    try:
        start = datetime.fromisoformat(record.start.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"start: not an ISO 8601 time: {record.start[:40]!r}") from None
    if start.tzinfo is None:
        raise ValueError("start: include the UTC offset, e.g. 2025-07-01T08:00:00Z")
    return {
        "item_id": record.item_id,
        "revision_id": record.revision_id,
        "start": start.astimezone(UTC),
        "duration_s": record.duration_s,
        "source": record.source,
    }


_flushers: set[int] = set()


def _start_flusher(app: Any) -> None:
    """Flush connections, heartbeats and receipts in the background, once per app (the
    app's background policy; an inline one has written everything already)."""
    if id(app) in _flushers:
        return
    _flushers.add(id(app))
    # Connections every second, heartbeats when their interval has passed; what is still
    # buffered when the process ends is written, not lost (lifecycle.flush_at_exit).
    background(app).loops(
        app,
        [
            (
                CONNECTIONS_FLUSH_SECONDS,
                lambda: flush_status(app, heartbeats=status_buffer(app).due(clock.now())),
                "flushing player status",
            ),
            (receipt_buffer(app).interval, lambda: flush_receipts(app), "flushing receipts"),
        ],
    )
