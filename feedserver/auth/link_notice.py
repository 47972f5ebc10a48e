"""The one-time notice on /me that a student's calendar link changed.

When two rows of one student become one (store/feed_students.py
`fold_student`), every feed URL they had is replaced, and calendars
subscribed to an old one stop updating. The row keeps when that happened;
the first /me after it says so and clears it, on whichever device that is.
Self-contained: one /me section provider and its partial
(``me/_link_changed.html``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from sqlalchemy import update

from ..store.models import Student
from ..typedefs import db_key
from .me import format_local

__all__ = ["link_changed_section"]


async def link_changed_section(request: web.Request, student: Student) -> Mapping[str, Any]:
    """``auth_link_changed``: when the link changed, in the student's zone (shown once), or None."""
    changed = student.feed_link_changed_at
    if changed is None:
        return {"auth_link_changed": None}
    async with request.app[db_key].begin() as session:
        # Only this change: one made meanwhile (by another sign-in) is still to be shown.
        await session.execute(update(Student).where(Student.id == student.id,
                                                    Student.feed_link_changed_at == changed)
                              .values(feed_link_changed_at=None))
    return {"auth_link_changed": format_local(changed, student.time_zone)}
