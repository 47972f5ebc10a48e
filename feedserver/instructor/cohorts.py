"""Which contributing students count in a course's aggregate view: whole cohorts of k, sealed for good.

The rule (docs/privacy.md, "The suppression rule: whole cohorts of k"): a course's contributors wait, in the
order they joined (ties broken by a keyed hash of the student, never by id),
until k of them are waiting; those k are sealed into a numbered cohort that
never takes anyone else. A figure is computed only from the members of whole
cohorts: when a member leaves (withdraws, drops the course, disconnects), the
cohort is no longer whole and none of its members counts in this course again
(they stay "burnt" until they withdraw themselves). So every change between
two views of a course is the addition or loss of entire cohorts of k
students: the difference of two views is the sum of at least k students,
never one student's hours.

`settle` brings the rows of one course up to date and answers the released
students, in one transaction. Runs before every view of that course, so a
withdrawal counts from the very next view even if nothing else removed the
rows; the /me form also deletes them at once (`forget_student`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..settings import StudentSettings
from ..store.models import CohortMember, Course, Student

__all__ = ["Released", "contributors", "forget_student", "released_courses", "settle"]


@dataclass(frozen=True)
class Released:
    """The students a course's figures may be built from."""

    student_ids: tuple[int, ...]
    """Members of whole cohorts, sorted."""
    cohorts: int
    """How many whole cohorts (each of at least k students)."""

    @property
    def count(self) -> int:
        return len(self.student_ids)


def _order_key(order_secret: bytes, scope: str, student_id: int) -> str:
    # Keyed, so the order within one batch of joiners says nothing about sign-up order or ids.
    return hmac.new(order_secret, f"{scope}:{student_id}".encode(), hashlib.sha256).hexdigest()


async def contributors(session: AsyncSession, institution_id: int, canvas_course_id: str | None = None
                       ) -> dict[int, set[str]]:
    """Contributing students of a school (of one course, if given): student id → their Canvas course ids."""
    query = (select(Student.id, Student.settings, Course.canvas_course_id)
             .join(Course, Course.student_id == Student.id)
             .where(Student.institution_id == institution_id))
    if canvas_course_id is not None:
        query = query.where(Student.id.in_(select(Course.student_id).where(Course.canvas_course_id == canvas_course_id)))
    found: dict[int, set[str]] = {}
    for student_id, settings, course_id in (await session.execute(query)).all():
        if StudentSettings.from_json(settings).contribute:
            found.setdefault(student_id, set()).add(course_id)
    return found


def _released(rows: Iterable[CohortMember], k: int) -> Released:
    blocks: dict[int, list[CohortMember]] = {}
    for row in rows:
        if row.block is not None:
            blocks.setdefault(row.block, []).append(row)
    whole = [members for members in blocks.values()
             if members[0].block_size is not None and len(members) == members[0].block_size >= k]
    return Released(tuple(sorted(m.student_id for members in whole for m in members)), len(whole))


async def _settle_once(db: async_sessionmaker, institution_id: int, canvas_course_id: str, eligible: set[int],
                       k: int, now: datetime, order_secret: bytes) -> Released:
    scope = f"{institution_id}:{canvas_course_id}"
    async with db.begin() as session:
        where = (CohortMember.institution_id == institution_id, CohortMember.canvas_course_id == canvas_course_id)
        rows = list((await session.scalars(select(CohortMember).where(*where))).all())
        gone = [r.id for r in rows if r.student_id not in eligible]
        if gone:
            await session.execute(delete(CohortMember).where(CohortMember.id.in_(gone)))
        rows = [r for r in rows if r.student_id in eligible]
        present = {r.student_id for r in rows}
        for student_id in sorted(eligible - present):
            row = CohortMember(institution_id=institution_id, canvas_course_id=canvas_course_id,
                               student_id=student_id, joined_at=now)
            session.add(row)
            rows.append(row)
        waiting = sorted((r for r in rows if r.block is None),
                         key=lambda r: (r.joined_at, _order_key(order_secret, scope, r.student_id)))
        block = max((r.block for r in rows if r.block is not None), default=0)
        while len(waiting) >= k:
            block += 1
            sealed, waiting = waiting[:k], waiting[k:]
            for row in sealed:
                row.block, row.block_size = block, k
        await session.flush()
        return _released(rows, k)


async def settle(db: async_sessionmaker, institution_id: int, canvas_course_id: str, *, k: int, now: datetime,
                 order_secret: bytes, eligible: set[int] | None = None) -> Released:
    """Bring one course's cohorts up to date with who contributes now; the students it may show.

    `eligible` (the course's contributors) is read from the database unless given.
    """
    if eligible is None:
        async with db() as session:
            eligible = set(await contributors(session, institution_id, canvas_course_id))
    try:
        return await _settle_once(db, institution_id, canvas_course_id, eligible, k, now, order_secret)
    except IntegrityError:
        # Another process settled the same course at the same moment; its rows are the truth now.
        return await _settle_once(db, institution_id, canvas_course_id, eligible, k, now, order_secret)


async def released_courses(db: async_sessionmaker, institution_id: int, *, k: int, now: datetime,
                           order_secret: bytes) -> dict[str, Released]:
    """Every course of the school with contributors, settled; only those with a whole cohort."""
    async with db() as session:
        by_student = await contributors(session, institution_id)
    by_course: dict[str, set[int]] = {}
    for student_id, course_ids in by_student.items():
        for course_id in course_ids:
            by_course.setdefault(course_id, set()).add(student_id)
    async with db.begin() as session:
        # Courses nobody contributes to any more keep no rows.
        await session.execute(delete(CohortMember).where(CohortMember.institution_id == institution_id,
                                                         CohortMember.canvas_course_id.not_in(by_course)))
    out = {}
    for canvas_course_id in sorted(by_course):
        released = await settle(db, institution_id, canvas_course_id, k=k, now=now, order_secret=order_secret,
                                eligible=by_course[canvas_course_id])
        if released.cohorts:
            out[canvas_course_id] = released
    return out


async def forget_student(db: async_sessionmaker, student_id: int) -> None:
    """A student withdrew: take them out of every cohort now (their cohorts stop being whole)."""
    async with db.begin() as session:
        await session.execute(delete(CohortMember).where(CohortMember.student_id == student_id))
