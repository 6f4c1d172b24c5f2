"""Engine.IO v4 / Socket.IO v5 text framing, the little a websocket-only player needs.

Not a benchmark: a helper of bench/fanout.py and bench/soak.py (running it does nothing), with
the handshake and the receive loop of their players (`open_socket`, `packets`).

Engine.IO packets are one digit then data (`0` open, `2` ping, `3` pong, `4` message); a
Socket.IO packet rides in an Engine.IO message: a second digit (`0` connect, `1` disconnect,
`2` event, `3` ack, `4` connect error), then `/namespace,` unless the namespace is `/`, then an
optional ack id, then JSON.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

OPEN, CLOSE, PING, PONG, MESSAGE = "0", "1", "2", "3", "4"
CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR = "0", "1", "2", "3", "4"


@dataclass(frozen=True)
class Packet:
    """One decoded websocket text frame."""

    eio: str  # Engine.IO type
    sio: str = ""  # Socket.IO type (only for eio == MESSAGE)
    namespace: str = "/"
    ack_id: int | None = None
    data: Any = None

    @property
    def event(self) -> str | None:
        """The event name of an EVENT packet."""
        if self.sio == EVENT and isinstance(self.data, list) and self.data:
            return self.data[0]
        return None

    @property
    def args(self) -> list[Any]:
        """The event's arguments (after the name)."""
        return self.data[1:] if self.sio == EVENT and isinstance(self.data, list) else []


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _prefix(sio_type: str, namespace: str) -> str:
    return MESSAGE + sio_type + ("" if namespace == "/" else namespace + ",")


def connect(namespace: str, auth: dict[str, Any] | None = None) -> str:
    """`40/ns,{auth}`: join a namespace."""
    return _prefix(CONNECT, namespace) + (_dumps(auth) if auth is not None else "")


def event(namespace: str, name: str, *args: Any, ack_id: int | None = None) -> str:
    """`42/ns,["name",...]`: emit an event."""
    ack = "" if ack_id is None else str(ack_id)
    return _prefix(EVENT, namespace) + ack + _dumps([name, *args])


def decode(frame: str) -> Packet:
    """Parse one text frame (ValueError if it is not an Engine.IO packet)."""
    if not frame:
        raise ValueError("empty frame")
    eio, rest = frame[0], frame[1:]
    if eio not in "0123456":
        raise ValueError(f"unknown Engine.IO packet type {eio!r}")
    if eio == OPEN:
        return Packet(OPEN, data=json.loads(rest))
    if eio != MESSAGE:
        return Packet(eio, data=rest or None)
    if not rest or rest[0] not in "0123456":
        raise ValueError(f"unknown Socket.IO packet type in {frame[:20]!r}")
    sio, rest = rest[0], rest[1:]
    namespace = "/"
    if rest.startswith("/"):
        comma = rest.find(",")
        namespace, rest = (rest, "") if comma < 0 else (rest[:comma], rest[comma + 1 :])
    digits = 0
    while digits < len(rest) and rest[digits].isdigit():
        digits += 1
    ack_id = int(rest[:digits]) if digits else None
    rest = rest[digits:]
    return Packet(MESSAGE, sio, namespace, ack_id, json.loads(rest) if rest else None)


async def open_socket(ws_url: str) -> Any:
    """A websocket to `.../socket.io/?EIO=4&transport=websocket` (the `websockets` package), set
    up as a player's: no compression, no size limit, no websocket pings (Engine.IO has its own)."""
    from websockets.asyncio.client import connect

    return await connect(
        ws_url,
        compression=None,
        max_size=None,
        ping_interval=None,  # Engine.IO pings at its own level
        open_timeout=None,
        close_timeout=2,
    )


async def packets(
    ws: Any, namespace: str, auth: dict[str, Any]
) -> AsyncIterator[tuple[float, Packet]]:
    """Join `namespace` with `auth` on an open socket, answer the server's pings, and yield
    every other packet with its monotonic receive time: the namespace's events, a refusal
    (CONNECT_ERROR), a DISCONNECT. Ends when the socket closes."""
    opened = decode(await ws.recv())
    if opened.eio != OPEN:
        raise ValueError(f"expected OPEN, got {opened}")
    await ws.send(connect(namespace, auth))
    async for frame in ws:
        t = time.monotonic()
        if frame == PING:
            await ws.send(PONG)
            continue
        yield t, decode(frame)


if __name__ == "__main__":
    print("helper of bench/fanout.py and bench/soak.py; nothing to run")
