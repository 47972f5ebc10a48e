"""What a launch lets its holder see next, sealed into the page: the grant of a view.

Inside Canvas's cross-site iframe no cookie of ours can be relied on (the
session cookie is SameSite=Lax), so the course or school view the LTI launch
opened carries a sealed grant (`crypto.Sealer`: encrypted, authenticated,
valid for `GRANT_LIFETIME`) in its forms: the what-if form and the CSV
download post it back. It names the school, the course (or the whole school)
and nothing about any student; only this server can make or read one, and an
attacker's page cannot post a form with a grant it does not have, so the forms
need no other CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from ..crypto import SealError, Sealer
from ..secure import Secret

__all__ = ["GRANT_LIFETIME", "Grant", "GrantError", "GrantSealer"]

#: A launched view's forms keep working this long; then the teacher opens the tool again.
GRANT_LIFETIME = timedelta(hours=2)


class GrantError(Exception):
    """The grant is missing, forged, expired or for another view."""


@dataclass(frozen=True)
class Grant:
    institution: str
    """The school's slug."""
    canvas_course_id: str | None
    """The course of a course view; None for the school view."""
    course_title: str = ""

    @property
    def is_school(self) -> bool:
        return self.canvas_course_id is None


class GrantSealer:
    def __init__(self, secrets: Sequence[Secret], clock: Callable[[], datetime]) -> None:
        self._sealer = Sealer(secrets, "instructor-grant", GRANT_LIFETIME, clock, max_chars=2000)

    def seal(self, grant: Grant) -> str:
        return self._sealer.seal(asdict(grant))

    def open(self, token: str | None) -> Grant:
        try:
            payload = self._sealer.open(token)
            return Grant(institution=str(payload["institution"]),
                         canvas_course_id=None if payload["canvas_course_id"] is None
                         else str(payload["canvas_course_id"]),
                         course_title=str(payload.get("course_title", "")))
        except (SealError, KeyError) as exc:
            raise GrantError(f"grant {exc}") from None
