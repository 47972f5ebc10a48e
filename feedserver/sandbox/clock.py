"""A clock tests move by hand, for both of the sandbox's time sources."""

from __future__ import annotations

from datetime import datetime, timedelta


class ManualClock:
    """Monotonic seconds (`clock()`) and wall time (`clock.now()`) that only
    move on `advance`.  Pass as `create_sandbox_app(..., clock=c, now=c.now)`."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._start = start
        self._elapsed = 0.0

    def __call__(self) -> float:
        return self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._elapsed += seconds
