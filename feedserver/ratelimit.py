"""Token buckets in memory: a burst allowed, then a steady rate, per key.

Two users: the Canvas proxy keys them by student (Canvas throttles per
access token, docs/canvas-facts.md §11.4, and every proxied request spends the student's
own budget, which the background sync needs too), and the calendar-feed
form keys them by Canvas host (each attempt fetches from that host, so the
form must not become a way to hammer a school's Canvas). In memory on
purpose: a limit per process is enough for both, and needs no database
write per request. Idle buckets are forgotten.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

__all__ = ["TokenBucketLimiter"]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """`capacity` requests at once, refilled at `rate` per second, per key.

    `clock` is monotonic seconds; tests replace it to move time without
    sleeping. Attributes may be changed on a live app (tests shrink
    `capacity`).
    """

    def __init__(self, capacity: float = 30, rate: float = 3.0, *,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[Hashable, _Bucket] = {}

    def take(self, key: Hashable) -> float:
        """Spend one token of `key`: 0.0 when allowed, else seconds until one is available."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def retry_after_header(self, wait: float) -> str:
        """Whole seconds for ``Retry-After`` (rounded up, at least 1)."""
        return str(max(1, math.ceil(wait)))

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled holds no information: dropping it is free.
        full = [k for k, b in self._buckets.items()
                if b.tokens + (now - b.updated) * self.rate >= self.capacity]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()
