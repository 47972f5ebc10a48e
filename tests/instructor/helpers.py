"""A school of synthetic students written straight into the store, and reading the views back.

`School.add` stores students the way a sync would (students, courses,
assignments), from a `muffin_analytics.synth` cohort or a hand-made table;
`School.contribute` flips their setting the way /me and the API do. The
views are read through `Insights`, the service the pages and the admin API
call. Fast enough to replay many joins and leaves.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from aiohttp import web
from aiohttp.test_utils import TestClient

from feedserver.feeds.preferences import update_settings
from feedserver.instructor.appkeys import insights_key
from feedserver.instructor.records import CourseView, SchoolView
from feedserver.instructor.service import Insights
from feedserver.store.models import Assignment, Course, Student
from feedserver.store.models import Institution as InstitutionRow
from feedserver.typedefs import config_key, db_key
from sqlalchemy import select

SCHOOL = {"slug": "north", "name": "North State University", "canvas_url": "http://127.0.0.1:9",
          "client_id": "170000000000001", "client_secret_env": "NORTH_SECRET", "time_zone": "America/Chicago"}
SCHOOL_ENV = {"NORTH_SECRET": "north-client-secret-for-instructor-tests"}


class Clock:
    """Moves forward a minute each time it is read, so joins keep their order."""

    def __init__(self) -> None:
        self.now = datetime(2026, 10, 1, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@dataclass
class School:
    app: web.Application
    client: TestClient
    """Our app on a real socket."""
    students: dict[str, int] = field(default_factory=dict)
    """Cohort label (e.g. ``stu00003``) → our student id."""

    @property
    def insights(self) -> Insights:
        return self.app[insights_key]

    @property
    def institution(self) -> Any:
        return self.app[config_key].institution("north")

    async def add(self, frame: pd.DataFrame) -> None:
        """Store every student of `frame` (synth columns) with their courses and assignments."""
        db = self.app[db_key]
        async with db.begin() as session:
            school_id = await session.scalar(select(InstitutionRow.id).where(InstitutionRow.slug == "north"))
            for label, rows in frame.groupby("student", sort=True):
                student = Student(institution_id=school_id, canvas_user_id=str(9000 + len(self.students)),
                                  display_name=str(label), time_zone=str(rows["tz"].iloc[0]), settings={})
                session.add(student)
                await session.flush()
                self.students[str(label)] = student.id
                for code, items in rows.groupby("course", sort=True):
                    course = Course(student_id=student.id, canvas_course_id=course_id(str(code)), name=str(code),
                                    course_code=str(code))
                    session.add(course)
                    await session.flush()
                    for item in items.itertuples():
                        session.add(Assignment(
                            student_id=student.id, course_id=course.id, canvas_assignment_id=str(item.assignment_id),
                            title=item.title, kind=item.kind, due_at=_py(item.due_at), unlock_at=_py(item.unlock_at),
                            points_possible=None if pd.isna(item.points) else float(item.points),
                            content_hash="0" * 64, published=True))

    async def contribute(self, label: str, on: bool = True) -> None:
        await update_settings(self.app[db_key], self.students[label], {"contribute": on})

    async def course(self, code: str) -> CourseView:
        return await self.insights.course(self.institution, course_id(code))

    async def school(self) -> SchoolView:
        return await self.insights.school(self.institution)


def course_id(code: str) -> str:
    """A stable numeric Canvas course id for a synthetic course code."""
    return str(10000 + int(hashlib.sha256(code.encode()).hexdigest()[:6], 16) % 90000)


def _py(value: Any) -> datetime | None:
    return None if pd.isna(value) else value.to_pydatetime()


def class_of(n: int, *, first: int = 0, course: str = "CALC 101") -> pd.DataFrame:
    """`n` students (``stu<first>``..) all taking `course` (a problem set due every Friday, a midterm) and one
    other course each, whose load differs from student to student, so every student's hours are their own."""
    start = datetime(2026, 9, 7, 22, 0, tzinfo=UTC)  # a Monday, 17:00 in Chicago
    rows = []
    for i in range(first, first + n):
        label = f"stu{i:05d}"
        for week in range(8):
            rows.append((label, course, 100 + week, f"Problem Set {week + 1}", "problem_set",
                         start + timedelta(days=7 * week + 4), 10.0 + 5 * (week % 3)))
        rows.append((label, course, 150, "Midterm", "exam", start + timedelta(days=30), 100.0))
        other = ("HIST 240", "CHEM 110", "ENGL 105")[i % 3]
        for j in range(2 + i % 4):
            rows.append((label, other, 500 + 10 * (i % 3) + j, f"Essay {j + 1}", "essay",
                         start + timedelta(days=3 + 9 * j + i % 5), 20.0 + 10 * ((i + j) % 4)))
    return pd.DataFrame(rows, columns=["student", "course", "assignment_id", "title", "kind", "due_at",
                                       "points"]).assign(unlock_at=pd.NaT, tz="America/Chicago")
