"""Fault switches: the ways a real Canvas (or the network to it) misbehaves.

Tests flip these on `state.faults`; a sandbox in another process is steered
with `POST /__sandbox/faults` and a JSON object of the same fields.  The
request pipeline in `middlewares.py` and the paginator act on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

#: What a bad day looks like: Canvas's own error page, then the load balancer's.
SERVER_ERROR_STATUSES = (500, 502, 503)


@dataclass
class Faults:
    #: The next N API responses are 500, 502, 503, 500, ... (counts down).
    server_errors: int = 0
    #: Delay every API response by this many seconds.
    slow_seconds: float = 0.0
    #: API bodies are cut short and end in garbage: not valid JSON.
    malformed_json: bool = False
    #: API responses announce a Content-Length, send half, then drop the connection.
    truncated_body: bool = False
    #: Every `next` link points back at page 1, forever.
    pagination_loop: bool = False
    #: Every API request is throttled (403 or 429 per `state.throttle_status`).
    rate_limit_storm: bool = False
    #: A constant delay on every request (API, OAuth and feeds), for benchmarks.
    latency_seconds: float = 0.0
    #: The next N calendar-feed requests answer 500, 502, 503, ... (counts down).
    feed_server_errors: int = 0
    #: Calendar feeds redirect to Canvas's sign-in page (a single sign-on put in front of them).
    feed_login_page: bool = False
    _served: int = field(default=0, init=False, repr=False, compare=False)

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}

    def update(self, changes: Mapping[str, object]) -> None:
        """Set the given switches; unknown names or wrong types raise ValueError.

        Validates everything before changing anything.
        """
        known = {f.name: f.type for f in fields(self) if f.init}
        clean: dict[str, object] = {}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown fault {name!r}")
            default = getattr(Faults(), name)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false")
            elif isinstance(default, int):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{name} must be a non-negative integer")
            else:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ValueError(f"{name} must be a non-negative number of seconds")
                value = float(value)
            clean[name] = value
        for name, value in clean.items():
            setattr(self, name, value)

    def reset(self) -> None:
        for f in fields(self):
            if f.init:
                setattr(self, f.name, getattr(Faults(), f.name))

    def take_server_error(self, feed: bool = False) -> int | None:
        """Consume one pending server error (of the API, or of the calendar feeds); its status, or None."""
        name = "feed_server_errors" if feed else "server_errors"
        if getattr(self, name) <= 0:
            return None
        setattr(self, name, getattr(self, name) - 1)
        status = SERVER_ERROR_STATUSES[self._served % len(SERVER_ERROR_STATUSES)]
        self._served += 1
        return status
