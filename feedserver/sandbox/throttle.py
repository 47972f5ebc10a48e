"""Canvas's per-token leaky-bucket rate limiter (app/middleware/request_throttle.rb).

Each request first reserves `up_front` units, is refused when the bucket then
reaches `high_water`, and on completion swaps the reservation for its real
cost.  The bucket leaks `leak_rate` units a second and never holds more than
`maximum`.  So sequential clients are rarely throttled, while many parallel
requests each pay the up-front penalty at once.  Canvas's cost is CPU plus
DB seconds; here it is the fixed `request_cost`, which tests raise to drain
the bucket.  Time comes from an injected monotonic clock so tests advance it
instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

THROTTLED_BODIES = {
    403: "403 Forbidden (Rate Limit Exceeded)\n",
    429: "429 Too Many Requests (Rate Limit Exceeded)\n",
}


@dataclass
class _Bucket:
    level: float = 0.0
    touched: float = 0.0


@dataclass
class Throttle:
    """Buckets keyed by access token; settings may be changed at any time."""

    clock: Callable[[], float] = time.monotonic
    maximum: float = 800.0
    high_water: float = 600.0
    leak_rate: float = 10.0  # units per second
    up_front: float = 50.0
    request_cost: float = 0.5
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def _leaked(self, key: str) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.setdefault(key, _Bucket(0.0, now))
        bucket.level = max(0.0, bucket.level - (now - bucket.touched) * self.leak_rate)
        bucket.touched = now
        return bucket

    def reserve(self, key: str) -> bool:
        """Take the up-front units; False means throttle this request."""
        bucket = self._leaked(key)
        bucket.level += self.up_front
        if bucket.level >= self.high_water:
            bucket.level -= self.up_front
            return False
        return True

    def settle(self, key: str, cost: float) -> float:
        """Swap the reservation for `cost`; returns the remaining allowance."""
        bucket = self._leaked(key)
        bucket.level = min(self.maximum, max(0.0, bucket.level - self.up_front + cost))
        return self.remaining(key)

    def remaining(self, key: str) -> float:
        bucket = self._leaked(key)
        return max(0.0, self.high_water - bucket.level)

    def level(self, key: str) -> float:
        return self._leaked(key).level

    def reset(self) -> None:
        self._buckets.clear()
