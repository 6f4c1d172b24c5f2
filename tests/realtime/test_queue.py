"""Publishing to other processes never waits for Redis; queued messages go out when it is back."""

from __future__ import annotations

import subprocess
import time

import pytest
import redis

from signage.realtime.queue import QueuedRedisManager
from signage_testing.processes import free_port


@pytest.fixture()
def redis_port(tmp_path):
    """A redis-server of this test's own on a free port (never the shared one's data)."""
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield port
    client.close()
    proc.terminate()
    proc.wait(timeout=10)


def test_messages_wait_in_a_bounded_queue_while_redis_is_unreachable() -> None:
    queue = QueuedRedisManager(
        f"redis://127.0.0.1:{free_port()}/0", "t", limit=3, start_publisher=False
    )
    for n in range(5):
        queue._publish({"method": "emit", "n": n})  # returns at once: nothing is sent here
    assert queue.pending() == 3 and queue.dropped == 2  # the oldest went first
    assert queue.send_pending() == 0
    assert queue.degraded() and queue.last_error
    assert queue.pending() == 3  # kept for when Redis is back


def test_queued_messages_are_published_when_redis_answers(redis_port) -> None:
    queue = QueuedRedisManager(f"redis://127.0.0.1:{redis_port}/0", "t", start_publisher=False)
    listener = redis.Redis(port=redis_port).pubsub(ignore_subscribe_messages=True)
    listener.subscribe("t")
    for n in range(3):
        queue._publish({"method": "emit", "n": n})
    assert queue.send_pending() == 3 and queue.pending() == 0
    assert queue.failed_since is None
    got = []
    for _ in range(50):
        message = listener.get_message(timeout=0.1)
        if message:
            got.append(queue.json.loads(message["data"])["n"])
        if len(got) == 3:
            break
    listener.close()
    assert got == [0, 1, 2]
