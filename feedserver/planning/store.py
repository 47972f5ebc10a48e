"""Planning's reads and writes: the inputs of a plan, and the stored sessions.

`save_sessions` replaces a student's `planned_sessions` only when the plan
changed and says whether it did, so the caller re-renders the feed only then.
The feed reads those rows back on its own (feeds/sessions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..feeds.render import SUBMITTED_STATES
from ..settings import StudentSettings
from ..store.models import Assignment, Course, PlannedSession, Student
from .records import PlanItem, PlannedWork

__all__ = [
    "HOURS_PRECISION",
    "PlanInputs",
    "load_inputs",
    "save_sessions",
    "set_estimate",
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
            description=a.description or "", submitted_at=a.submitted_at,
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
