"""Reconnect delays: bounds, full jitter, reset after a stable connection."""

from __future__ import annotations

import random

from signage_player.backoff import Backoff


def test_ceiling_doubles_from_one_second_and_caps_at_sixty() -> None:
    b = Backoff(rand=lambda lo, hi: hi)
    delays = [b.next_delay() for _ in range(10)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    b.attempt = 10_000  # no overflow however long the outage
    assert b.next_delay() == 60


def test_every_delay_is_within_zero_and_the_ceiling() -> None:
    b = Backoff(rand=random.Random(1).uniform)
    for attempt in range(200):
        ceiling = b.ceiling()
        delay = b.next_delay()
        assert 0 <= delay <= ceiling <= 60, (attempt, delay, ceiling)


def test_full_jitter_spreads_players_over_the_whole_interval() -> None:
    rng = random.Random(42)
    delays = []
    for _ in range(20_000):  # 20,000 boards after a server restart, each on its 7th attempt
        b = Backoff(rand=rng.uniform)
        b.attempt = 7
        delays.append(b.next_delay())
    assert min(delays) >= 0 and max(delays) <= 60
    mean = sum(delays) / len(delays)
    assert 28 < mean < 32  # uniform on [0, 60]
    deciles = [0] * 10
    for d in delays:
        deciles[min(int(d // 6), 9)] += 1
    assert all(1700 < n < 2300 for n in deciles), deciles  # no lockstep, no clumping


def test_a_stable_connection_resets_and_a_short_one_does_not() -> None:
    b = Backoff(rand=lambda lo, hi: hi)
    for _ in range(5):
        b.next_delay()
    b.connected_for(59)
    assert b.attempt == 5
    b.connected_for(61)
    assert b.attempt == 0
    assert b.next_delay() == 1
