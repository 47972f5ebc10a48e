"""An instructor opens Homework Muffin in their course (sandbox LTI platform, signed id_token, real sockets)
and sees their contributing students' weeks; a course with fewer than k contributors shows no figure, and
neither does theirs once one student opts out."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from feedserver.store.models import Assignment, Course, Student
from feedserver.typedefs import config_key, db_key
from muffin_analytics import density, effort
from muffin_analytics.schema import conform
from tests.instructor.campus import Campus, open_campus

pytestmark = pytest.mark.slow

ROW = re.compile(r'<tr><th scope="row">(\d{4}-\d\d-\d\d)</th><td>(\d+) h</td><td>(\d+) h</td>')


@pytest.fixture
async def campus(tmp_path: Path) -> AsyncIterator[Campus]:
    campus = await open_campus(f"sqlite:///{tmp_path / 'muffin.sqlite3'}")
    yield campus
    await campus.close()


async def analytics_table(campus: Campus, student_ids: list[int]) -> pd.DataFrame:
    """The contributors' assignments as they are stored, estimated by muffin_analytics, each deadline at the
    date most of them have (the course-wide date, docs/privacy.md)."""
    async with campus.app[db_key]() as session:
        rows = (await session.execute(
            select(Student.id, Student.time_zone, Course.canvas_course_id, Assignment)
            .join(Course, Course.student_id == Student.id).join(Assignment, Assignment.course_id == Course.id)
            .where(Student.id.in_(student_ids)))).all()
    df = conform(pd.DataFrame({
        "student": [f"s{r[0]}" for r in rows], "tz": [r[1] for r in rows], "course": [r[2] for r in rows],
        "assignment_id": [f"{r[2]}/{r[3].canvas_assignment_id}" for r in rows],
        "title": [r[3].title for r in rows], "kind": [r[3].kind for r in rows],
        "due_at": pd.to_datetime([r[3].due_at for r in rows], utc=True),
        "unlock_at": pd.to_datetime([r[3].unlock_at for r in rows], utc=True),
        "points": [r[3].points_possible for r in rows], "description": [r[3].description or "" for r in rows],
    }))
    common = df.dropna(subset=["due_at"]).groupby("assignment_id")["due_at"].agg(lambda s: s.mode().min())
    df = df.assign(due_at=df["assignment_id"].map(common).where(df["due_at"].notna(), df["due_at"]))
    return effort.estimate(df)


async def test_an_instructor_sees_the_weeks_of_their_contributing_students(campus: Campus) -> None:
    k = campus.app[config_key].server.aggregate_min_students
    course = min(c.id for c in campus.world.courses.values() if c.school == "north")
    classmates = [u for u in campus.classmates() if campus.enrolled(u, course)]
    contributors = classmates[:k]
    # Another course most of them take, but fewer than k of them: it must stay dark.
    other = next(c.id for c in campus.world.courses.values() if c.school == "north" and c.id != course
                 and 0 < sum(campus.enrolled(u, c.id) for u in contributors) < k)
    ids = [await campus.join(u) for u in contributors]
    await campus.join(classmates[k], contribute=False)  # signed in, not contributing: never counted

    page, headers = await campus.launch(course, campus.teacher_of(course))
    assert f"Built from {k} of your students" in page
    assert campus.sandbox_url in headers["Content-Security-Policy"]  # the platform may frame it
    shown = {w: (int(own), int(rest)) for w, own, rest in ROW.findall(page)}
    assert len(shown) >= 10, page

    # The same sums from muffin_analytics, on the stored rows of the contributors.
    df = await analytics_table(campus, ids)
    due = density.due_load(df, by_course=True)
    day = due["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    week = pd.to_datetime((day - (day + 3) % 7).astype("datetime64[D]")).strftime("%Y-%m-%d")
    sums = due.assign(week=week, own=due["course"] == str(course)).groupby(["week", "own"])["due_hours"].sum()
    expected = {w: (round(float(sums.get((w, True), 0.0))), round(float(sums.get((w, False), 0.0)))) for w in shown}
    assert shown == expected
    assert sum(own for own, _ in shown.values()) > 0 and sum(rest for _, rest in shown.values()) > 0

    dark, _ = await campus.launch(other, campus.teacher_of(other))
    assert 'id="suppressed"' in dark and not ROW.search(dark) and 'id="weeks-table"' not in dark

    # One contributor unticks the box on /me/settings: from the next launch on the course is dark too.
    await campus.choose(contributors[3], False)
    gone, _ = await campus.launch(course, campus.teacher_of(course))
    assert 'id="suppressed"' in gone and not ROW.search(gone)
