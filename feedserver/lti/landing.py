"""What an accepted launch shows: a course's week view (its teachers and TAs), the
school view (its admins), the instructor note, the connect button, or the
student's feed and week at a glance.

The student is found by their Canvas user id at the registration's school
(``students.institution_id`` + ``canvas_user_id``), the same key the OAuth
sign-in creates, so a student who connected on the web is recognised inside
Canvas and the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..auth.me import format_local
from ..config import Institution
from ..feeds.tokens import current_feed_token, feed_links
from ..instructor.pages import COURSE_TEMPLATE, SCHOOL_TEMPLATE, course_context, school_context
from ..store.models import Assignment, Course, Student
from ..store.models import Institution as InstitutionRow
from ..typedefs import cipher_key, config_key, db_key
from .claims import LtiLaunch
from .errors import UnknownClient

__all__ = ["Landing", "WeekGlance", "landing_for", "week_at_a_glance", "connect_url"]

WEEK = timedelta(days=7)
_SHOWN = 5


@dataclass(frozen=True)
class DueSoon:
    title: str
    course: str
    due: str
    """In the student's time zone, e.g. "Tue 3 Nov 2026, 23:59 (America/Chicago)"."""


@dataclass(frozen=True)
class WeekGlance:
    count: int
    """Published assignments due from now to 7 days ahead."""
    first: tuple[DueSoon, ...]
    """The soonest few of them."""


@dataclass(frozen=True)
class Landing:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    student_id: int | None = None
    """The student to sign in, if the launch identified a connected one."""


def connect_url(institution: Institution) -> str:
    """Our sign-in for the launch's school; it opens in a new tab (Canvas's OAuth pages refuse frames)."""
    return "/login?" + urlencode({"institution": institution.slug, "return_to": "/me"})


async def landing_for(app: web.Application, launch: LtiLaunch, now: datetime) -> Landing:
    institution = app[config_key].institution(launch.platform.institution)
    if institution is None:
        raise UnknownClient("the registration's institution is not configured")
    base = {"institution": institution, "launch": launch, "connect_url": connect_url(institution)}
    if launch.is_course_staff and launch.canvas_course_id is not None:
        return Landing(COURSE_TEMPLATE, await course_context(
            app, institution, launch.canvas_course_id, title=launch.context_title or "", school_grant=launch.is_admin))
    if launch.is_admin:
        return Landing(SCHOOL_TEMPLATE, await school_context(app, institution))
    if launch.is_instructor:
        return Landing("lti_instructor.html", base)
    student = await _find_student(app[db_key], institution.slug, launch.canvas_user_id)
    if student is None:
        return Landing("lti_connect.html", base)
    token = await current_feed_token(app[db_key], app[cipher_key], student.id)
    return Landing("lti_student.html", {
        **base,
        "student": student,
        "reconnect": student.status != "active",
        # Students who gave us only Canvas's own calendar feed can connect for full updates.
        "feed_only": student.source != "oauth",
        "feed": feed_links(app[config_key].server.public_url, token),
        "week": await week_at_a_glance(app[db_key], student.id, now, student.time_zone),
    }, student_id=student.id)


async def _find_student(db: async_sessionmaker, slug: str, canvas_user_id: str | None) -> Student | None:
    if canvas_user_id is None:
        return None
    async with db() as session:
        return await session.scalar(
            select(Student).join(InstitutionRow, InstitutionRow.id == Student.institution_id)
            .where(InstitutionRow.slug == slug, Student.canvas_user_id == canvas_user_id))


async def week_at_a_glance(db: async_sessionmaker, student_id: int, now: datetime, time_zone: str) -> WeekGlance:
    """Published assignments due in [now, now + 7 days), counted, and the soonest few."""
    window = (Assignment.student_id == student_id, Assignment.published.is_(True),
              Assignment.due_at >= now, Assignment.due_at < now + WEEK)
    async with db() as session:
        count = await session.scalar(select(func.count()).select_from(Assignment).where(*window))
        rows = (await session.execute(
            select(Assignment.title, Course.name, Assignment.due_at)
            .join(Course, Course.id == Assignment.course_id)
            .where(*window).order_by(Assignment.due_at, Assignment.id).limit(_SHOWN))).all()
    return WeekGlance(
        count=int(count or 0),
        first=tuple(DueSoon(title, course, format_local(due, time_zone)) for title, course, due in rows),
    )
