"""Student rows: create on sign-in, update, and delete everything on disconnect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..source_status import RECONNECT
from .models import Institution, Student

__all__ = ["upsert_student", "mark_signed_in", "mark_reconnect_needed", "get_student", "delete_student",
           "set_status"]


async def upsert_student(db: async_sessionmaker, institution_slug: str, canvas_user_id: str, display_name: str,
                         *, source: str = "oauth", time_zone: str | None = None) -> int:
    """Create or update the student keyed by (institution, Canvas user id); returns its id."""
    async with db.begin() as session:
        institution_id = await session.scalar(select(Institution.id).where(Institution.slug == institution_slug))
        if institution_id is None:
            raise LookupError(f"institution {institution_slug!r} is not in the database")
        student = await session.scalar(select(Student).where(
            Student.institution_id == institution_id, Student.canvas_user_id == canvas_user_id))
        if student is None:
            student = Student(institution_id=institution_id, canvas_user_id=canvas_user_id,
                              display_name=display_name, source=source, settings={})
            session.add(student)
        mark_signed_in(student, display_name, time_zone, source="oauth" if source == "oauth" else student.source)
        await session.flush()
        return student.id


def mark_signed_in(student: Student, display_name: str, time_zone: str | None, *, source: str = "oauth") -> None:
    """What a Canvas sign-in says about a student: active (an OAuth student), named and zoned by Canvas."""
    student.source = source
    student.status = "active"
    if student.source_problem == RECONNECT:  # a sign-in is the fix; other problems wait for a good sync
        student.source_problem = student.source_problem_since = None
    if display_name:
        student.display_name = display_name
    if time_zone:
        student.time_zone = time_zone


async def get_student(db: async_sessionmaker, student_id: int) -> Student | None:
    async with db() as session:
        return await session.get(Student, student_id)


async def set_status(db: async_sessionmaker, student_id: int, status: str) -> None:
    async with db.begin() as session:
        student = await session.get(Student, student_id)
        if student is not None:
            student.status = status


async def mark_reconnect_needed(db: async_sessionmaker, student_id: int, now: datetime) -> None:
    """The student's Canvas grant is gone: they must sign in again. Recorded as their source
    problem too (feedserver.source_status), so /api/me explains it even before a sync fails."""
    async with db.begin() as session:
        student = await session.get(Student, student_id)
        if student is not None:
            student.status = "reconnect_needed"
            student.source_problem = RECONNECT
            student.source_problem_since = student.source_problem_since or now


async def delete_student(db: async_sessionmaker, student_id: int) -> bool:
    """Delete the student and, by cascade, every row they own. True if one existed."""
    async with db.begin() as session:
        student = await session.get(Student, student_id)
        if student is None:
            return False
        await session.delete(student)
        return True
