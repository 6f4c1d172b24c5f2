"""A server process's end: close player sockets, write what is buffered, then exit.

Receipts and heartbeats wait in memory for their batch write; a process that stops without
writing them loses "displayed" receipts and last-seen times. Every way out goes through
`flush_buffers`: the SIGTERM handler of `signage serve`, gunicorn's hooks (signage.gunicorn_conf)
and, as a last resort, atexit.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
_registered: set[int] = set()


def on_flush(app: Any, name: str, flush: Callable[[Any], object]) -> None:
    """Have `flush_buffers` write an in-memory buffer (player receipts and status, registered
    by signage.players; API token uses), in the order registered."""
    app.extensions.setdefault("signage_shutdown_flushes", {})[name] = flush


def flush_buffers(app: Any) -> None:
    """Write every registered buffer of this process now (connections, heartbeats, receipts)."""
    for name, flush in list(app.extensions.get("signage_shutdown_flushes", {}).items()):
        try:
            with app.app_context():
                flush(app)
        except Exception:
            log.exception("flushing %s at shutdown failed", name)
    from signage.realtime.queue import manager

    queue = manager()
    if queue is not None and not queue.drain(timeout=2.0):
        log.warning("%d messages for other processes not published (Redis)", queue.pending())


def close_players(app: Any) -> int:
    """Close every player socket of this process (players reconnect with their jitter)."""
    from signage.realtime import NAMESPACE, socketio

    server = socketio.server
    if server is None:
        return 0
    sids = [sid for sid, _eio in server.manager.get_participants(NAMESPACE, None)]
    for sid in sids:
        try:
            with app.app_context():
                server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
        except Exception:
            log.debug("closing %s failed", sid, exc_info=True)
    # Then every websocket, the console's too. Without waiting for each send queue to drain:
    # engineio's own disconnect() joins them one by one and a stuck client held it for seconds.
    for sock in list(server.eio.sockets.values()):
        try:
            sock.close(wait=False, reason=server.eio.reason.SERVER_DISCONNECT)
        except Exception:
            log.debug("closing a websocket failed", exc_info=True)
    return len(sids)


def shutdown(app: Any) -> None:
    """Close the player sockets, then write the buffers (disconnects are buffered too)."""
    closed = close_players(app)
    flush_buffers(app)
    log.info("shutdown: closed %d player sockets and flushed the buffers", closed)


def flush_at_exit(app: Any) -> None:
    """Register `flush_buffers` to run when the interpreter exits (once per app)."""
    if id(app) in _registered:
        return
    _registered.add(id(app))
    atexit.register(flush_buffers, app)
