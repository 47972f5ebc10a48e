"""The feed's sections of /me: feed settings and the assignments with no due date.

A core section of /me, computed by auth/me.py (`me_context`); the partials are
``me/_feed_settings.html`` and ``me/_undated.html``. The form posts to
planning/views.py, because a settings change may move the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select

from ..settings import StudentSettings
from ..store.models import Assignment, Course, Student
from ..store.models import Institution as InstitutionRow
from ..typedefs import db_key
from .preferences import REMINDER_CHOICES
from .render import shown_link

__all__ = ["CourseChoice", "FeedSettingsView", "ReminderChoice", "UndatedAssignment", "feed_sections"]


@dataclass(frozen=True)
class CourseChoice:
    canvas_course_id: str
    label: str
    shown: bool


@dataclass(frozen=True)
class ReminderChoice:
    minutes: int
    label: str
    chosen: bool


@dataclass(frozen=True)
class FeedSettingsView:
    courses: list[CourseChoice]
    submitted: str
    event_style: str
    reminders: list[ReminderChoice]
    event_courses: list[CourseChoice]
    """Courses whose Canvas calendar events are shown (`shown`) or hidden."""
    personal_events: bool
    planner_notes: bool


@dataclass(frozen=True)
class UndatedAssignment:
    course_code: str
    title: str
    kind: str
    points_possible: float | None
    html_url: str
    submission_state: str


async def feed_sections(request: web.Request, student: Student) -> dict[str, Any]:
    """Context of both partials: ``feed_settings`` and ``undated_assignments``."""
    settings = StudentSettings.from_json(student.settings)
    hidden = set(settings.hidden_courses)
    async with request.app[db_key]() as session:
        courses = (await session.scalars(
            select(Course).where(Course.student_id == student.id).order_by(Course.course_code, Course.id))).all()
        undated = (await session.execute(
            select(Assignment, Course.course_code, Course.canvas_course_id)
            .join(Course, Course.id == Assignment.course_id)
            .where(Assignment.student_id == student.id, Assignment.due_at.is_(None),
                   Assignment.published.is_(True))
            .order_by(Course.course_code, Assignment.title))).all()
        canvas_host = await session.scalar(
            select(InstitutionRow.canvas_host).where(InstitutionRow.id == student.institution_id)) or ""
    reminders = [ReminderChoice(m, label, m in settings.reminder_minutes) for m, label in REMINDER_CHOICES]
    reminders += [ReminderChoice(m, f"{m} minutes", True) for m in settings.reminder_minutes
                  if m not in {c.minutes for c in reminders}]
    view = FeedSettingsView(
        courses=[CourseChoice(c.canvas_course_id, c.name or c.course_code, c.canvas_course_id not in hidden)
                 for c in courses],
        submitted=settings.submitted,
        event_style=settings.event_style,
        reminders=reminders,
        event_courses=[CourseChoice(c.canvas_course_id, c.name or c.course_code,
                                    c.canvas_course_id not in settings.hidden_event_courses) for c in courses],
        personal_events=settings.personal_events,
        planner_notes=settings.planner_notes,
    )
    items = [UndatedAssignment(code, a.title, a.kind, a.points_possible, shown_link(a.html_url, canvas_host),
                               a.submission_state)
             for a, code, course_id in undated if course_id not in hidden]
    return {"feed_settings": view, "undated_assignments": items}
