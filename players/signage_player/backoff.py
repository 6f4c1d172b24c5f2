"""Reconnect delays: exponential backoff with full jitter, capped, reset after a long connection.

Full jitter (a uniform draw in [0, min(cap, base * 2^attempt)]) spreads thousands of boards over
the whole interval after a server restart instead of bringing them back in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Callable

CAP_S = 60.0
BASE_S = 1.0
STABLE_S = 60.0  # a connection that lasted longer than this resets the attempt counter


class Backoff:
    """Delay before the next connection attempt; `attempt` counts failures since the reset."""

    def __init__(
        self,
        *,
        base: float = BASE_S,
        cap: float = CAP_S,
        stable: float = STABLE_S,
        rand: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.base, self.cap, self.stable, self.rand = base, cap, stable, rand
        self.attempt = 0

    def ceiling(self) -> float:
        """The upper bound of the next delay: min(cap, base * 2^attempt)."""
        return min(self.cap, self.base * 2.0 ** min(self.attempt, 62))

    def next_delay(self) -> float:
        """Draw the next delay uniformly in [0, ceiling] and count the attempt."""
        delay = self.rand(0.0, self.ceiling())
        self.attempt += 1
        return min(max(delay, 0.0), self.cap)

    def connected_for(self, seconds: float) -> None:
        """A connection ended after `seconds`: reset when it was stable."""
        if seconds > self.stable:
            self.reset()

    def reset(self) -> None:
        """Start again from attempt 0."""
        self.attempt = 0
