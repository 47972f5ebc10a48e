"""The aggregate views, from the database to figures: settle cohorts, read rows, compute off the loop.

`Insights` is one per app (``app[insights_key]``). Each view settles the
cohorts of the courses it shows first (cohorts.py), so it never counts a
student who has withdrawn, then reads the released students' rows in one
short transaction and computes on a worker thread (pandas must never stall
the calendar polls the event loop answers).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..config import Config, Institution
from ..crypto import derive_fernet_key
from ..store.models import Institution as InstitutionRow
from . import compute
from .cohorts import Released, released_courses, settle
from .data import load_rows
from .grants import GrantSealer
from .records import CourseView, SchoolView, WhatIfResult

__all__ = ["Insights"]

T = TypeVar("T")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Insights:
    """The course and school views of one server; `clock` is swappable for tests."""

    def __init__(self, config: Config, db: async_sessionmaker, *,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self.db = db
        self.k = config.server.aggregate_min_students
        self.clock = clock
        self.grants = GrantSealer(config.server.secret_keys, lambda: self.clock())
        self._order_secret = derive_fernet_key(config.server.secret_keys[0], "cohort-order")

    async def _institution_id(self, slug: str) -> int | None:
        async with self.db() as session:
            return await session.scalar(select(InstitutionRow.id).where(InstitutionRow.slug == slug))

    async def _off_loop(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))

    async def released(self, institution: Institution, canvas_course_id: str) -> tuple[int | None, Released]:
        """Settle one course's cohorts; its school's row id and the students it may show."""
        institution_id = await self._institution_id(institution.slug)
        if institution_id is None:
            return None, Released((), 0)
        return institution_id, await settle(self.db, institution_id, canvas_course_id, k=self.k, now=self.clock(),
                                            order_secret=self._order_secret)

    async def course_cohort(self, institution: Institution, canvas_course_id: str
                            ) -> tuple[Released, compute.Cohort | None, str]:
        """The released students of a course, their rows as an analytics table (None when suppressed),
        and the course's name as their Canvas calls it."""
        _, released = await self.released(institution, canvas_course_id)
        if not released.cohorts:
            return released, None, ""
        async with self.db() as session:
            rows = await load_rows(session, released.student_ids)
        name = next((r.course_name for r in rows if r.canvas_course_id == canvas_course_id), "")
        cohort = await self._off_loop(compute.build_cohort, rows, canvas_course_id, released.student_ids)
        return released, cohort, name

    async def _course(self, institution: Institution, canvas_course_id: str, title: str
                      ) -> tuple[CourseView, compute.Cohort | None]:
        released, cohort, name = await self.course_cohort(institution, canvas_course_id)
        if cohort is None:
            return CourseView(course_name=title, k=self.k, released=0, cohorts=0), None
        view = await self._off_loop(compute.course_view, cohort, course_name=name or title, k=self.k,
                                    cohorts=released.cohorts, display_tz=institution.time_zone)
        return view, cohort

    async def course(self, institution: Institution, canvas_course_id: str, title: str = "") -> CourseView:
        """The week view of a course; suppressed (no figures) below one whole cohort."""
        view, _ = await self._course(institution, canvas_course_id, title)
        return view

    async def what_if(self, institution: Institution, canvas_course_id: str, canvas_assignment_id: str,
                      new_due: date, title: str = "") -> tuple[CourseView, WhatIfResult | None]:
        """The course's week view and what moving one of its deadlines to `new_due` changes (None: the
        view is suppressed). Raises LookupError for an assignment that is not one of the course's."""
        view, cohort = await self._course(institution, canvas_course_id, title)
        if cohort is None:
            return view, None
        result = await self._off_loop(compute.course_what_if, cohort, canvas_assignment_id, new_due,
                                      display_tz=institution.time_zone, today=self.clock().date())
        return view, result

    async def school(self, institution: Institution) -> SchoolView:
        """Deadline clustering and crunch weeks across the school's courses with whole cohorts."""
        institution_id = await self._institution_id(institution.slug)
        if institution_id is None:
            return SchoolView(school_name=institution.name, k=self.k, courses=0)
        released = await released_courses(self.db, institution_id, k=self.k, now=self.clock(),
                                          order_secret=self._order_secret)
        students = sorted({s for r in released.values() for s in r.student_ids})
        async with self.db() as session:
            rows = await load_rows(session, students)
        names: dict[str, str] = {}
        for row in rows:
            names.setdefault(row.canvas_course_id, row.course_name)
        frame = await self._off_loop(compute.cohort_frame, rows)
        return await self._off_loop(compute.school_view, frame, {c: r.student_ids for c, r in released.items()},
                                    names, school_name=institution.name, k=self.k,
                                    display_tz=institution.time_zone)
