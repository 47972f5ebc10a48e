"""Reading the released students' assignments: every course of theirs, published items only.

The students' own effort estimates (`est_hours_override`) are left out on
purpose: the views use the shared effort model, so a student's private
corrections never move a figure someone else sees.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..store.models import Assignment, Course, Student
from .records import AssignmentRow

__all__ = ["load_rows"]

#: Students read per query (keeps the IN list short on both engines).
_BATCH = 500


async def load_rows(session: AsyncSession, student_ids: Collection[int]) -> list[AssignmentRow]:
    """The published assignments of `student_ids`, with their course and the student's time zone."""
    ids = sorted(student_ids)
    rows: list[AssignmentRow] = []
    for first in range(0, len(ids), _BATCH):
        batch = ids[first:first + _BATCH]
        result = await session.execute(
            select(Assignment.student_id, Course.canvas_course_id, Course.name, Course.course_code,
                   Assignment.canvas_assignment_id, Assignment.title, Assignment.kind, Assignment.unlock_at,
                   Assignment.due_at, Assignment.points_possible, Assignment.description, Student.time_zone)
            .join(Course, Course.id == Assignment.course_id)
            .join(Student, Student.id == Assignment.student_id)
            .where(Assignment.student_id.in_(batch), Assignment.published.is_(True))
            .order_by(Assignment.student_id, Assignment.id))
        rows.extend(
            AssignmentRow(student_id, course_id, name or code or course_id, assignment_id, title or "", kind or "other",
                          unlock_at, due_at, points, description or "", time_zone or "UTC")
            for student_id, course_id, name, code, assignment_id, title, kind, unlock_at, due_at, points,
            description, time_zone in result.all())
    return rows
