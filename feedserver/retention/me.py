"""The retention notice on /me: shown while a student's deletion for inactivity is scheduled.

Whoever sees it is signed in, which is activity: their visit cancels the
deletion once it is written (within `service.ACTIVITY_WRITE_SECONDS`), so the
notice tells them what was going to happen and that nothing is needed now.
The partial is ``me/_retention.html``; it reads only ``retention_notice``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from ..store.models import Student
from ..typedefs import config_key

__all__ = ["RetentionNotice", "retention_section"]


@dataclass(frozen=True)
class RetentionNotice:
    last_active: str
    """The day of their last poll or sign-in, as they read dates, e.g. "Tuesday 3 November 2026"."""
    due: str
    """The day the deletion was scheduled for."""
    days: int
    """``retention_days``: how long an unused account is kept."""


def _day(moment: datetime, zone: str) -> str:
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        local = moment
    return f"{local:%A} {local.day} {local:%B %Y}"


async def retention_section(request: web.Request, student: Student) -> dict[str, Any]:
    """``retention_notice``: a `RetentionNotice` while a deletion is scheduled, else None."""
    if student.deletion_due_at is None:
        return {"retention_notice": None}
    last_active = student.last_active_at or student.created_at
    return {"retention_notice": RetentionNotice(
        last_active=_day(last_active, student.time_zone), due=_day(student.deletion_due_at, student.time_zone),
        days=request.app[config_key].server.retention_days)}
