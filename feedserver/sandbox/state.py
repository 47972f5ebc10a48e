"""One running sandbox school: the world it serves plus everything mutable
about the server (faults, tokens, throttle, request log, clocks).

Tests and the demo hold this as `app[SANDBOX_KEY]` and steer it directly;
the `/__sandbox` endpoints (control.py) expose the same levers over HTTP.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from .consent import ConsentStore
from .faults import Faults
from .throttle import Throttle
from .tokens import Grant, TokenStore
from .world import Assignment, SandboxWorld, School, Submission


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    #: Query string with any access_token value redacted.
    query: str
    user_id: int | None
    status: int
    at: datetime


class SandboxState:
    """Mutable server state for one school of a `SandboxWorld`.

    `clock` is monotonic seconds (the rate limiter); `now` is the wall clock
    (token and code expiry, locks, late/missing).  Both are injectable so
    tests advance time instead of sleeping.
    """

    def __init__(
        self,
        world: SandboxWorld,
        school: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        if school not in world.schools:
            raise KeyError(f"unknown school {school!r}; have {sorted(world.schools)}")
        self.world = world
        self.school_slug = school
        self.clock = clock
        self.now = now
        self.faults = Faults()
        #: Seconds an access token lives (Canvas: 3600).
        self.token_lifetime: float = 3600
        #: 403 = Canvas before Oct 2025, 429 = current Canvas.
        self.throttle_status: Literal[403, 429] = 403
        self.throttle = Throttle(clock)
        #: Returning users who approved a key before skip the consent page.
        self.remember_consent = True
        self.tokens = TokenStore()
        self.consent = ConsentStore()
        self.request_log: list[RequestRecord] = []
        self.request_counts: Counter[int | None] = Counter()

    @property
    def school(self) -> School:
        return self.world.schools[self.school_slug]

    # -- request accounting -------------------------------------------------

    def record(self, method: str, path: str, query: str, user_id: int | None, status: int) -> None:
        self.request_log.append(RequestRecord(method, path, query, user_id, status, self.now()))
        self.request_counts[user_id] += 1

    def requests_by_user(self) -> dict[int | None, int]:
        return dict(self.request_counts)

    def clear_request_log(self) -> None:
        self.request_log.clear()
        self.request_counts.clear()

    # -- tokens -------------------------------------------------------------

    def grant_token(self, user_id: int, client_id: str | None = None,
                    scopes: list[str] | None = None) -> Grant:
        """Shortcut past the consent page: a grant as if `user_id` authorized
        `client_id` (default: this school's own key).  For tests and the demo."""
        key = self.school.key(client_id) if client_id else self.school.school_key
        if key is None:
            raise KeyError(f"no key {client_id!r} at {self.school_slug}")
        return self.tokens.create_grant(
            user_id=user_id, client_id=key.client_id, scopes=list(scopes or key.scopes),
            purpose=None, lifetime=self.token_lifetime if key.auto_expire_tokens else None,
            now=self.now(),
        )

    def revoke_user_tokens(self, user_id: int) -> int:
        """Delete every grant of `user_id` (a user removing the integration)."""
        return self.tokens.revoke_where(user_id=user_id)

    def expire_access_tokens(self) -> None:
        """Make every current access token expired now; refresh tokens still work."""
        self.tokens.expire_all(self.now())

    # -- coursework ---------------------------------------------------------

    def add_assignment(self, course_id: int, **fields: object) -> Assignment:
        return self.world.add_assignment(course_id, self.now(), **fields)

    def edit_assignment(self, assignment_id: int, **fields: object) -> Assignment:
        """Change fields (e.g. due_at=..., name=...) and bump updated_at."""
        return self.world.edit_assignment(assignment_id, self.now(), **fields)

    def reset_calendar_feed(self, user_id: int) -> str:
        """The user resets their calendar feed address in Canvas: the old one answers 404 from now on."""
        user = self.world.users[user_id]
        user.feed_uuid = f"{user.feed_uuid[:8]}{secrets.token_hex(16)}"
        return user.feed_uuid

    def far_future_due(self, assignment_id: int, on: bool = True) -> None:
        """Switch: the assignment reports `world.FAR_FUTURE` (9999-12-31T23:59Z) as its due date."""
        if on:
            self.world.far_future_due.add(assignment_id)
        else:
            self.world.far_future_due.discard(assignment_id)

    def delete_assignment(self, assignment_id: int) -> None:
        self.world.delete_assignment(assignment_id, self.now())

    def submit(self, user_id: int, assignment_id: int, at: datetime | None = None) -> Submission:
        return self.world.submit(user_id, assignment_id, at or self.now())
