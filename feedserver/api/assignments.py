"""A student's assignments as the API shows them: read from the store, filtered, sorted by due.

The store holds what the last sync saw (never Canvas live), so this is cheap
and works while Canvas is down. Dates leave as ISO 8601 UTC (``...Z``), like
Canvas's own; date filters are local dates in the student's time zone, the
way a student reads "due on the 12th".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..store.models import Assignment, Course
from .params import AssignmentFilters

__all__ = ["list_assignments", "iso_utc"]


def iso_utc(moment: datetime | None) -> str | None:
    """``2026-10-12T22:59:00Z`` for an aware datetime; None stays None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


async def list_assignments(db: async_sessionmaker, student_id: int,
                           filters: AssignmentFilters) -> list[dict[str, Any]]:
    """The student's stored assignments matching `filters`, earliest due first, undated last."""
    query = (select(Assignment, Course)
             .join(Course, Course.id == Assignment.course_id)
             .where(Assignment.student_id == student_id, Assignment.published.is_(True)))
    if filters.courses is not None:
        query = query.where(Course.canvas_course_id.in_(sorted(filters.courses)))
    if filters.states is not None:
        query = query.where(Assignment.submission_state.in_(sorted(filters.states)))
    if filters.kinds is not None:
        query = query.where(Assignment.kind.in_(sorted(filters.kinds)))
    if filters.due_after is not None:
        query = query.where(Assignment.due_at >= filters.due_after)
    if filters.due_before is not None:
        query = query.where(Assignment.due_at < filters.due_before)
    if filters.undated is True:
        query = query.where(Assignment.due_at.is_(None))
    elif filters.undated is False:
        query = query.where(Assignment.due_at.is_not(None))
    # NULLs sort differently on SQLite and PostgreSQL: order them explicitly (undated last).
    query = query.order_by(Assignment.due_at.is_(None), Assignment.due_at, Course.name, Assignment.title,
                           Assignment.id)
    async with db() as session:
        rows = (await session.execute(query)).all()
    return [_shape(assignment, course) for assignment, course in rows]


def _shape(assignment: Assignment, course: Course) -> dict[str, Any]:
    return {
        "id": assignment.canvas_assignment_id,
        "title": assignment.title,
        "kind": assignment.kind,
        "course": {"id": course.canvas_course_id, "name": course.name, "code": course.course_code},
        "due_at": iso_utc(assignment.due_at),
        "unlock_at": iso_utc(assignment.unlock_at),
        "lock_at": iso_utc(assignment.lock_at),
        "points_possible": assignment.points_possible,
        "submission_state": assignment.submission_state,
        "submitted_at": iso_utc(assignment.submitted_at),
        "html_url": assignment.html_url,
        "last_modified": iso_utc(assignment.last_modified),
    }
