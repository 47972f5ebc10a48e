"""Planning's reads and writes: the inputs of a plan, and the stored sessions.

`save_sessions` replaces a student's `planned_sessions` only when the plan
changed and says whether it did, so the caller re-renders the feed only then.
`work_sessions` turns the stored rows into the feed's `WorkSession`s (used by
feeds/publish.py inside its render transaction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..feeds.render import SUBMITTED_STATES, WorkSession
from ..settings import StudentSettings
from ..store.models import Assignment, Course, PlannedSession, Student
from .records import PlanItem, PlannedWork, fmt_hours

__all__ = [
    "HOURS_PRECISION",
    "PlanInputs",
    "load_inputs",
    "save_sessions",
    "session_key",
    "set_estimate",
    "stored_sessions",
    "work_sessions",
]

#: Session hours are stored and compared to this many decimals (float dust is no change).
HOURS_PRECISION = 6


@dataclass(frozen=True)
class PlanInputs:
    student_id: int
    time_zone: str
    settings: StudentSettings
    items: list[PlanItem]


async def load_inputs(session: AsyncSession, student_id: int) -> PlanInputs | None:
    """The student's settings and published assignments, or None for an unknown student."""
    student = await session.get(Student, student_id)
    if student is None:
        return None
    rows = (await session.execute(
        select(Assignment, Course.course_code, Course.canvas_course_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(Assignment.student_id == student_id, Assignment.published.is_(True))
        .order_by(Assignment.id)
    )).all()
    settings = StudentSettings.from_json(student.settings)
    hidden = set(settings.hidden_courses)
    items = [
        PlanItem(
            canvas_assignment_id=a.canvas_assignment_id, course_code=code or "", title=a.title, kind=a.kind,
            unlock_at=a.unlock_at, due_at=a.due_at, points=a.points_possible,
            submitted=a.submission_state in SUBMITTED_STATES, override=a.est_hours_override,
            description=a.description or "",
        )
        # Hidden courses are out of the feed, so they are out of the plan too.
        for a, code, course_id in rows if course_id not in hidden
    ]
    return PlanInputs(student_id, student.time_zone or "UTC", settings, items)


def _row_key(canvas_assignment_id: str, day: date, hours: float, reason: str) -> tuple[str, date, float, str]:
    return canvas_assignment_id, day, round(hours, HOURS_PRECISION), reason


async def save_sessions(session: AsyncSession, student_id: int, planned: tuple[PlannedWork, ...] | list[PlannedWork]
                        ) -> bool:
    """Store the plan's sessions in place of the old ones; True if anything changed."""
    old = (await session.scalars(select(PlannedSession).where(PlannedSession.student_id == student_id))).all()
    before = {_row_key(r.canvas_assignment_id, r.day, r.hours, r.reason) for r in old}
    after = {_row_key(p.canvas_assignment_id, p.day, p.hours, p.reason) for p in planned}
    if before == after:
        return False
    await session.execute(delete(PlannedSession).where(PlannedSession.student_id == student_id))
    session.add_all(PlannedSession(student_id=student_id, canvas_assignment_id=a, day=d, hours=h, reason=r)
                    for a, d, h, r in sorted(after))
    await session.flush()
    return True


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


async def set_estimate(session: AsyncSession, student_id: int, canvas_assignment_id: str,
                       hours: float | None) -> bool:
    """Store (or clear, with None) the student's own estimate; False if they have no such assignment."""
    row = await session.scalar(select(Assignment).where(
        Assignment.student_id == student_id, Assignment.canvas_assignment_id == canvas_assignment_id))
    if row is None:
        return False
    row.est_hours_override = hours
    await session.flush()
    return True
