"""The message queue between processes, on a path that never blocks the caller.

python-socketio's RedisManager publishes inside the emit, so inside the operator's request, with
no timeouts: a frozen Redis held `POST /api/v1/alerts` for ten seconds. Here an emit delivers to
this process's own sockets at once (as before) and only appends the message to a bounded
in-memory queue; a background publisher sends it with short socket timeouts, keeps it while
Redis is unreachable and sends it when Redis is back (the oldest are dropped past `limit`, and
counted). Reconciliation (reconcile.py) repairs whatever is lost anyway. The subscriber retries
every SUBSCRIBE_RETRY_S instead of backing off to a minute, so other processes catch up quickly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import socketio

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 2.0
SUBSCRIBE_RETRY_S = 2.0
QUEUE_LIMIT = 10_000
DEGRADED_AFTER_S = 3.0  # a message waiting this long means other processes lag behind


class QueuedRedisManager(socketio.RedisManager):
    """RedisManager whose publishes are queued and sent by a background publisher."""

    name = "signage-redis"

    def __init__(
        self, url: str, channel: str, *, limit: int = QUEUE_LIMIT, start_publisher: bool = True
    ) -> None:
        super().__init__(url, channel=channel, write_only=False)
        self.limit = limit
        self.start_publisher = start_publisher  # False: the caller runs send_pending (tests)
        self.dropped = 0
        self.failed_since: float | None = None  # monotonic time of the first failure in a row
        self.last_error = ""
        self._queue: deque[tuple[float, dict[str, Any]]] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._publisher: Any = None
        self._client: Any = None

    # --- publishing ----------------------------------------------------------------------
    def _publish(self, data: dict[str, Any]) -> None:
        """Queue a message for the other processes; returns at once."""
        with self._lock:
            if len(self._queue) >= self.limit:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append((time.monotonic(), data))
        self._start_publisher()
        self._wake.set()

    def _start_publisher(self) -> None:
        if self._publisher is not None or not self.start_publisher:
            return
        import atexit

        atexit.register(self.drain)  # a CLI command or a stopping process sends what it queued
        if self.server is not None:
            self._publisher = self.server.start_background_task(self._publish_loop)
        else:  # pragma: no cover - every app has a server; kept for a write-only manager
            self._publisher = threading.Thread(target=self._publish_loop, daemon=True)
            self._publisher.start()

    def _publish_client(self) -> Any:
        if self._client is None:
            module = self._get_redis_module()
            self._client = module.Redis.from_url(
                self.redis_url,
                socket_timeout=PUBLISH_TIMEOUT_S,
                socket_connect_timeout=PUBLISH_TIMEOUT_S,
            )
        return self._client

    def send_pending(self) -> int:
        """Publish queued messages until the queue is empty or Redis fails; messages sent."""
        sent = 0
        while True:
            with self._lock:
                if not self._queue:
                    return sent
                _queued_at, data = self._queue[0]
            try:
                self._publish_client().publish(self.channel, self.json.dumps(data))
            except Exception as exc:
                if self.failed_since is None:
                    self.failed_since = time.monotonic()
                    log.error("cannot publish to Redis (%s); messages are kept and retried", exc)
                self.last_error = str(exc)[:200]
                self._client = None  # a fresh connection next time
                return sent
            with self._lock:
                if self._queue and self._queue[0][1] is data:
                    self._queue.popleft()
            if self.failed_since is not None:
                log.warning("Redis is back: publishing %d queued messages", self.pending())
            self.failed_since = None
            sent += 1

    def _publish_loop(self) -> None:
        while True:
            self._wake.wait(1.0)
            self._wake.clear()
            self.send_pending()
            if self.failed_since is not None:
                time.sleep(0.5)  # Redis down: retry twice a second, not in a tight loop

    def drain(self, timeout: float = 3.0) -> bool:
        """Try to publish everything queued within `timeout` seconds (at exit); True if empty."""
        deadline = time.monotonic() + timeout
        while self.pending() and time.monotonic() < deadline:
            self.send_pending()
            if self.pending():
                time.sleep(0.2)
        return not self.pending()

    # --- health --------------------------------------------------------------------------
    def pending(self) -> int:
        """Messages waiting for Redis."""
        return len(self._queue)

    def degraded(self) -> bool:
        """True while other processes may not get this process's messages in time."""
        if self.failed_since is not None or not self.connected:
            return True
        with self._lock:
            oldest = self._queue[0][0] if self._queue else None
        return oldest is not None and time.monotonic() - oldest > DEGRADED_AFTER_S

    # --- subscribing ---------------------------------------------------------------------
    def _redis_listen_with_retries(self) -> Any:  # pragma: no cover - needs a Redis server
        """RedisManager's loop, but retrying every few seconds instead of backing off to 60 s."""
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                yield from self.pubsub.listen()
                subscribed = False
            except Exception as exc:
                self.connected = False
                self._get_logger().error(
                    "Cannot receive from Redis (%s); retrying in %s s", exc, SUBSCRIBE_RETRY_S
                )
                subscribed = False
                time.sleep(SUBSCRIBE_RETRY_S)


def manager() -> QueuedRedisManager | None:
    """This process's queue manager, if a Redis message queue is configured."""
    from signage.realtime import socketio as sio

    server = sio.server
    found = getattr(server, "manager", None) if server is not None else None
    return found if isinstance(found, QueuedRedisManager) else None


def delivery_degraded() -> bool:
    """For the console: True while delivery to other server processes is degraded."""
    found = manager()
    return bool(found and found.degraded())
