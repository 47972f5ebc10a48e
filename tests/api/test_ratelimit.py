"""Per-student token buckets, on a clock the test moves."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from feedserver.ratelimit import TokenBucketLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_per_key() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(capacity=3, rate=2.0, clock=clock)
    assert [limiter.take(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take(1)
    assert wait == 0.5 and limiter.retry_after_header(wait) == "1"
    assert limiter.take(2) == 0.0, "another student has their own bucket"
    clock.now = 0.5
    assert limiter.take(1) == 0.0
    assert limiter.take(1) > 0
    clock.now = 100.0
    assert [limiter.take(1) for _ in range(3)] == [0.0, 0.0, 0.0], "refills up to capacity, not beyond"
    assert limiter.take(1) > 0


def test_idle_buckets_are_forgotten_when_full() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(capacity=2, rate=1.0, clock=clock, max_keys=3)
    for key in range(3):
        limiter.take(key)
    clock.now = 10.0
    limiter.take(99)
    assert len(limiter._buckets) == 1


@given(st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), max_size=60))
def test_never_more_than_capacity_plus_refill(gaps: list[float]) -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(capacity=4, rate=1.5, clock=clock)
    allowed = 0
    for gap in gaps:
        clock.now += gap
        if limiter.take(7) == 0.0:
            allowed += 1
    assert allowed <= 4 + 1.5 * clock.now + 1e-9
