"""The feed's work-session events, read from the `planned_sessions` rows that planning stores.

`feedserver.planning` computes each student's balanced plan and stores its
sessions (planning/store.py `save_sessions`); this module turns the stored
rows into the `WorkSession` events render.py draws, inside publish.py's render
transaction. The table is the interface between the two packages: planning
writes it, feeds reads it, and feeds never imports planning.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..hours import fmt_hours
from ..settings import StudentSettings
from ..store.models import Assignment, Course, PlannedSession
from .render import WorkSession

__all__ = ["session_key", "stored_sessions", "work_sessions"]


async def stored_sessions(session: AsyncSession, student_id: int) -> list[PlannedSession]:
    return list((await session.scalars(
        select(PlannedSession).where(PlannedSession.student_id == student_id)
        .order_by(PlannedSession.day, PlannedSession.canvas_assignment_id))).all())


def session_key(canvas_assignment_id: str, day: date) -> str:
    """Stable per (assignment, day): the UID is ``hm-session-<key>@<canvas host>``."""
    return f"{canvas_assignment_id}-{day:%Y%m%d}"


async def work_sessions(session: AsyncSession, student_id: int, settings: StudentSettings,
                        time_zone: str) -> list[WorkSession]:
    """The feed's session events: none unless the student turned suggestions on.

    Sessions of one day are stacked from ``session_start_hour`` (or all-day
    items when it is -1). DTSTAMP is a fixed instant derived from nothing that
    changes, so an unchanged plan renders byte-identical events.
    """
    if not settings.suggestions:
        return []
    rows = await stored_sessions(session, student_id)
    if not rows:
        return []
    names = {
        a: (title, code) for a, title, code in (await session.execute(
            select(Assignment.canvas_assignment_id, Assignment.title, Course.course_code)
            .join(Course, Course.id == Assignment.course_id)
            .where(Assignment.student_id == student_id))).all()
    }
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    used: dict[date, float] = {}
    out: list[WorkSession] = []
    for row in rows:
        title, code = names.get(row.canvas_assignment_id, ("an assignment", ""))
        label = f"Work on: {title} — {code} ({fmt_hours(row.hours)})" if code else \
            f"Work on: {title} ({fmt_hours(row.hours)})"
        if settings.session_start_hour < 0:
            start: datetime | date = row.day
            end: datetime | date = row.day + timedelta(days=1)
        else:
            offset = used.get(row.day, 0.0)
            used[row.day] = offset + row.hours
            midnight = datetime.combine(row.day, time(0), tzinfo=zone)
            # Whole minutes, and never past the end of the day.
            first = min(settings.session_start_hour * 60 + round(offset * 60), 24 * 60 - 15)
            last = min(first + max(15, round(row.hours * 60)), 24 * 60 - 1)
            start = midnight + timedelta(minutes=first)
            end = midnight + timedelta(minutes=last)
        description = f"About {fmt_hours(row.hours)} today toward '{title}'."
        if row.hours > settings.session_hours + 1e-9:
            # One event per assignment and day keeps UIDs stable; the preferred length shapes the advice.
            blocks = math.ceil(row.hours / settings.session_hours - 1e-9)
            description += f" Split it into {blocks} sessions of up to {fmt_hours(settings.session_hours)}."
        if row.reason:
            description += f"\n{row.reason}"
        description += "\nA suggestion from your Homework Muffin plan; change free hours or estimates on /me."
        out.append(WorkSession(key=session_key(row.canvas_assignment_id, row.day), start=start, end=end,
                               title=label, description=description,
                               last_modified=datetime.combine(row.day, time(0), tzinfo=ZoneInfo("UTC")),
                               canvas_assignment_id=row.canvas_assignment_id))
    return out
