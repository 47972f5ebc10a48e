"""A student's courses and assignments as Canvas reports them, parsed strictly.

Strategy (measured on the sandbox semester, see bench/sync_requests.py): one
``GET /api/v1/courses`` for the active student enrollments, then one
``GET /api/v1/courses/:id/assignments?include[]=submission`` per course at
100 per page. Canvas applies the student's overrides to every date it
returns there (canvas.md §2) and includes the submission, so nothing else is
fetched. The planner (``/api/v1/planner/items``) can take one or two requests
fewer, but it has no descriptions or submission types and no undated
assignments, so it cannot fill the feed or the /me page.

Parsing raises `MalformedResponse` for anything Canvas's API does not promise
(missing ids, bad timestamps), so a half-understood answer fails the sync
instead of silently dropping assignments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from muffin_analytics.canvas_rules import is_discussion, is_quiz, submission_state

from .client import CanvasClient
from .errors import MalformedResponse
from .fields import json_id, json_object, optional_number, text, timestamp
from .links import canvas_link

__all__ = [
    "ASSIGNMENTS_PARAMS",
    "COURSES_PARAMS",
    "CanvasAssignment",
    "CanvasCourse",
    "Coursework",
    "fetch_coursework",
    "list_assignments",
    "list_courses",
    "parse_assignment",
    "parse_course",
    "submission_state",
]

#: Active courses the user takes as a student (teachers' courses would show unpublished work).
COURSES_PARAMS: tuple[tuple[str, str], ...] = (("enrollment_type", "student"), ("enrollment_state", "active"))
#: Scoped keys need "Allow Include Parameters" for include[] (docs/schools.md).
ASSIGNMENTS_PARAMS: tuple[tuple[str, str], ...] = (("include[]", "submission"),)


@dataclass(frozen=True)
class CanvasCourse:
    id: str
    name: str
    course_code: str
    time_zone: str | None


@dataclass(frozen=True)
class CanvasAssignment:
    """One assignment as this student sees it (override dates applied by Canvas)."""

    id: str
    course_id: str
    name: str
    description_html: str
    html_url: str
    due_at: datetime | None
    unlock_at: datetime | None
    lock_at: datetime | None
    points_possible: float | None
    submission_types: tuple[str, ...]
    is_quiz: bool
    is_discussion: bool
    published: bool
    submission_state: str
    """graded, submitted, late, missing or unsubmitted (`muffin_analytics.canvas_rules.submission_state`)."""
    submitted_at: datetime | None


@dataclass(frozen=True)
class Coursework:
    courses: tuple[CanvasCourse, ...]
    assignments: tuple[CanvasAssignment, ...]


async def fetch_coursework(client: CanvasClient) -> Coursework:
    """Courses and assignments of the client's student; one request per course page.

    Courses are read one after another: Canvas charges parallel requests an
    up-front rate-limit penalty, and sequential clients are rarely throttled.
    """
    courses = await list_courses(client)
    assignments: list[CanvasAssignment] = []
    for course in courses:
        assignments.extend(await list_assignments(client, course.id))
    return Coursework(tuple(courses), tuple(assignments))


async def list_courses(client: CanvasClient) -> list[CanvasCourse]:
    raw = await client.get_all("/api/v1/courses", COURSES_PARAMS)
    return [parse_course(item) for item in raw]


async def list_assignments(client: CanvasClient, course_id: str) -> list[CanvasAssignment]:
    raw = await client.get_all(f"/api/v1/courses/{course_id}/assignments", ASSIGNMENTS_PARAMS)
    return [parse_assignment(item, course_id, canvas_url=client.canvas_url) for item in raw]


def parse_course(item: Any) -> CanvasCourse:
    obj = json_object(item, "course")
    return CanvasCourse(
        id=json_id(obj, "id", "course"),
        name=text(obj.get("name")),
        course_code=text(obj.get("course_code")) or text(obj.get("name")),
        time_zone=text(obj.get("time_zone")) or None,
    )


def parse_assignment(item: Any, course_id: str, *, canvas_url: str) -> CanvasAssignment:
    """One assignment of `course_id`; `canvas_url` (the school's Canvas) decides which link is kept."""
    obj = json_object(item, "assignment")
    types = obj.get("submission_types") or []
    if not isinstance(types, list):
        raise MalformedResponse("assignment: submission_types is not a list")
    submission = obj.get("submission")
    if submission is not None and not isinstance(submission, Mapping):
        raise MalformedResponse("assignment: submission is not an object")
    return CanvasAssignment(
        id=json_id(obj, "id", "assignment"),
        course_id=str(obj.get("course_id") or course_id),
        name=text(obj.get("name")) or "Untitled assignment",
        description_html=text(obj.get("description")),
        html_url=canvas_link(text(obj.get("html_url")), canvas_url),
        due_at=timestamp(obj.get("due_at"), "due_at"),
        unlock_at=timestamp(obj.get("unlock_at"), "unlock_at"),
        lock_at=timestamp(obj.get("lock_at"), "lock_at"),
        points_possible=optional_number(obj.get("points_possible"), "assignment: points_possible"),
        submission_types=tuple(str(t) for t in types),
        is_quiz=is_quiz(obj),
        is_discussion=is_discussion(obj),
        # Canvas never shows students unpublished work; absent means published.
        published=obj.get("published", True) is not False,
        submission_state=submission_state(submission),
        submitted_at=timestamp(submission.get("submitted_at"), "submitted_at") if submission else None,
    )
