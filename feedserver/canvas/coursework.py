"""A student's Canvas coursework as Canvas reports it, parsed strictly: courses,
assignments (with checkpoints), calendar events, to-do items and planner notes.

Strategy (measured on the sandbox semester, see bench/sync_requests.py and
docs/performance.md), requests in this order, one after another (Canvas
charges parallel requests an up-front rate-limit penalty):

1. ``GET /api/v1/courses``: the active student enrollments;
2. per course, ``GET /api/v1/courses/:id/assignments?include[]=submission&include[]=checkpoints``
   at 100 per page: Canvas applies the student's overrides to every date
   (docs/canvas-facts.md §11.2) and includes the submission and each checkpoint's due date;
3. per course that has graded discussions with checkpoints, one
   ``GET /api/v1/courses/:id/students/submissions?include[]=sub_assignment_submissions``
   for those discussions: each checkpoint's own submission state;
4. ``GET /api/v1/users/self/groups``, then ``GET /api/v1/calendar_events`` for
   the courses, groups (and, if the student wants them, their personal
   calendar) in batches of 10 codes (calendar.py);
5. ``GET /api/v1/planner/items``: to-do items and planner notes (planner.py).

Calendar events and planner items are read for a window around `now`
(`ITEMS_PAST`, `ITEMS_AHEAD`); assignments whatever their date. The planner
alone would take fewer requests, but it has no descriptions, submission
types or undated assignments, so it cannot replace step 2.

Parsing raises `MalformedResponse` for anything Canvas's API does not promise
(missing ids, bad timestamps), so a half-understood answer fails the sync
instead of silently dropping assignments. An endpoint the school's key does
not grant (`ScopeMissing`) for an optional part (groups, checkpoint
submissions, events, planner) leaves that part out: `Coursework.complete`
then does not name its kind, and the store keeps what it had of it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from muffin_analytics.canvas_rules import is_discussion, is_quiz, submission_state

from .calendar import list_calendar_events, list_groups, parse_calendar_event
from .client import CanvasClient
from .errors import MalformedResponse, ScopeMissing
from .fields import json_id, json_object, optional_number, text, timestamp
from .items import CHECKPOINT, EVENT, NOTE, TODO, CanvasItem, checkpoint_id
from .links import canvas_link
from .planner import list_planner_items, parse_planner_item

__all__ = [
    "ASSIGNMENTS_PARAMS",
    "COURSES_PARAMS",
    "ITEMS_AHEAD",
    "ITEMS_PAST",
    "CanvasAssignment",
    "CanvasCheckpoint",
    "CanvasCourse",
    "Coursework",
    "CourseworkResponses",
    "checkpoint_items",
    "fetch_coursework",
    "fetch_responses",
    "list_assignments",
    "list_courses",
    "parse_assignment",
    "parse_course",
    "parse_coursework",
    "submission_state",
]

_LOGGER = logging.getLogger(__name__)

#: Active courses the user takes as a student (teachers' courses would show unpublished work).
COURSES_PARAMS: tuple[tuple[str, str], ...] = (("enrollment_type", "student"), ("enrollment_state", "active"))
#: Scoped keys need "Allow Include Parameters" for include[] (docs/schools.md).
ASSIGNMENTS_PARAMS: tuple[tuple[str, str], ...] = (("include[]", "submission"), ("include[]", "checkpoints"))
#: The window of calendar events and planner items: the feed's past (feeds.render.PAST_WINDOW) ...
ITEMS_PAST = timedelta(days=180)
#: ... and as far ahead as Canvas's own calendar feed looks.
ITEMS_AHEAD = timedelta(days=366)
_CHECKPOINT_SUBMISSIONS = (("include[]", "sub_assignment_submissions"),)


@dataclass(frozen=True)
class CanvasCourse:
    id: str
    name: str
    course_code: str
    time_zone: str | None


@dataclass(frozen=True)
class CanvasCheckpoint:
    """One checkpoint of a graded discussion (`Checkpoint#as_json`): `tag` is
    ``reply_to_topic`` or ``reply_to_entry``."""

    tag: str
    due_at: datetime | None
    points_possible: float | None


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
    all_day_date: date | None = None
    """Canvas's calendar feed says "due all day" (a DATE); the REST API never does."""
    checkpoints: tuple[CanvasCheckpoint, ...] = ()


@dataclass(frozen=True)
class Coursework:
    courses: tuple[CanvasCourse, ...]
    assignments: tuple[CanvasAssignment, ...]
    items: tuple[CanvasItem, ...] = ()
    complete: frozenset[str] = frozenset()
    """Item kinds read in full: a stored item of these kinds that is not in `items` is gone."""


@dataclass(frozen=True)
class CourseworkResponses:
    """What Canvas answered a sync, decoded from JSON but not yet interpreted.

    Fetching needs only the course ids, the checkpointed discussions and the
    groups; the rest (assignments, events, planner items) is parsed by
    `parse_coursework`, which a sync skips when Canvas answered exactly what it
    answered last time (sync/unchanged.py). A malformed item therefore fails
    the sync in `parse_coursework`, not here.
    """

    canvas_url: str
    courses: tuple[CanvasCourse, ...]
    assignments: tuple[tuple[str, list[Any]], ...]
    """(course id, the course's raw assignments) per course, in the courses' order."""
    checkpoint_submissions: tuple[tuple[str, list[Any]], ...]
    """(course id, raw submissions of its checkpointed discussions) per course that has any."""
    groups: Mapping[str, str | None]
    events: list[Any] | None
    """None: the key does not grant calendar events."""
    planner: list[Any] | None
    """None: the key does not grant the planner."""


async def fetch_coursework(client: CanvasClient, *, now: datetime, personal_code: str | None = None) -> Coursework:
    """Everything the feed shows of the client's student (see the module docstring for the requests).

    `personal_code` (``user_<Canvas user id>``) adds the student's personal
    calendar; `now` places the window of events and planner items.
    """
    return parse_coursework(await fetch_responses(client, now=now, personal_code=personal_code))


async def fetch_responses(client: CanvasClient, *, now: datetime,
                          personal_code: str | None = None) -> CourseworkResponses:
    """Every response `fetch_coursework` reads, uninterpreted (see `CourseworkResponses`)."""
    courses = await list_courses(client)
    assignments: list[tuple[str, list[Any]]] = []
    submissions: list[tuple[str, list[Any]]] = []
    for course in courses:
        raw = await client.get_all(f"/api/v1/courses/{course.id}/assignments", ASSIGNMENTS_PARAMS)
        assignments.append((course.id, raw))
        found = await _checkpoint_submissions(client, course.id, raw)
        if found is not None:
            submissions.append((course.id, found))
    start, end = now - ITEMS_PAST, now + ITEMS_AHEAD
    events: list[Any] | None = None
    groups: dict[str, str | None] = {}
    try:
        groups = await list_groups(client)
        codes = [f"course_{c.id}" for c in courses] + [f"group_{g}" for g in groups]
        if personal_code:
            codes.append(personal_code)
        events = await list_calendar_events(client, codes, start, end)
    except ScopeMissing:
        _LOGGER.info("calendar events not readable with this key; stored events kept")
    planner: list[Any] | None = None
    try:
        planner = await list_planner_items(client, start, end)
    except ScopeMissing:
        _LOGGER.info("planner not readable with this key; stored to-do items kept")
    return CourseworkResponses(client.canvas_url, tuple(courses), tuple(assignments), tuple(submissions),
                               groups, events, planner)


def parse_coursework(responses: CourseworkResponses) -> Coursework:
    """The `Coursework` in `responses`; raises `MalformedResponse` for anything Canvas does not promise."""
    canvas_url = responses.canvas_url
    states: dict[tuple[str, str], str] = {}
    for _, raw_submissions in responses.checkpoint_submissions:
        for raw in raw_submissions:
            states.update(_checkpoint_states(raw))
    assignments: list[CanvasAssignment] = []
    items: list[CanvasItem] = []
    for course_id, raw_assignments in responses.assignments:
        listed = [parse_assignment(item, course_id, canvas_url=canvas_url) for item in raw_assignments]
        assignments.extend(listed)
        items.extend(item for a in listed if a.checkpoints and a.published for item in checkpoint_items(a, states))
    complete = {CHECKPOINT}
    if responses.events is not None:
        for raw in responses.events:
            event = parse_calendar_event(raw, canvas_url=canvas_url, groups=responses.groups)
            if event is not None:
                items.append(event)
        complete.add(EVENT)
    if responses.planner is not None:
        for raw in responses.planner:
            todo = parse_planner_item(raw, canvas_url=canvas_url)
            if todo is not None:
                items.append(todo)
        complete |= {TODO, NOTE}
    return Coursework(responses.courses, tuple(assignments), tuple(items), frozenset(complete))


async def _checkpoint_submissions(client: CanvasClient, course_id: str, assignments: list[Any]) -> list[Any] | None:
    """The raw submissions of a course's published checkpointed discussions (None: it has none).

    An endpoint the key does not grant leaves the states unknown (an empty list).
    """
    parents = [json_id(item, "id", "assignment") for item in assignments if _has_checkpoints(item)]
    if not parents:
        return None
    params = [*(("assignment_ids[]", a) for a in parents), *_CHECKPOINT_SUBMISSIONS]
    try:
        return await client.get_all(f"/api/v1/courses/{course_id}/students/submissions", params)
    except ScopeMissing:
        _LOGGER.info("checkpoint submissions not readable with this key; shown as unknown")
        return []


def _has_checkpoints(item: Any) -> bool:
    """Whether a raw assignment is a published discussion with checkpoints: what `parse_assignment`
    turns into `checkpoints` and `published` (it also rejects what is malformed; a missing id fails here)."""
    return (isinstance(item, dict) and item.get("has_sub_assignments") is True
            and isinstance(item.get("checkpoints"), list) and len(item["checkpoints"]) > 0
            and item.get("published", True) is not False)


def _checkpoint_states(raw: Any) -> dict[tuple[str, str], str]:
    obj = json_object(raw, "submission")
    subs = obj.get("sub_assignment_submissions") or []
    if not isinstance(subs, list):
        raise MalformedResponse("submission: sub_assignment_submissions is not a list")
    assignment = json_id(obj, "assignment_id", "submission")
    return {(assignment, text(sub.get("sub_assignment_tag"))): submission_state(sub)
            for sub in (json_object(s, "sub-assignment submission") for s in subs)}


def checkpoint_items(assignment: CanvasAssignment, states: Mapping[tuple[str, str], str]) -> list[CanvasItem]:
    """One item per dated checkpoint of `assignment`; states by (assignment id, tag), else "unknown"."""
    return [
        CanvasItem(
            kind=CHECKPOINT, canvas_id=checkpoint_id(assignment.id, c.tag), course_id=assignment.course_id,
            context_code=f"course_{assignment.course_id}", title=assignment.name,
            description_html=assignment.description_html, html_url=assignment.html_url, location="",
            start_at=c.due_at, end_at=c.due_at, all_day_date=None, canvas_assignment_id=assignment.id,
            points_possible=c.points_possible, submission_state=states.get((assignment.id, c.tag), "unknown"),
        )
        for c in assignment.checkpoints if c.due_at is not None
    ]


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
        checkpoints=_checkpoints(obj),
    )


def _checkpoints(obj: Mapping[str, Any]) -> tuple[CanvasCheckpoint, ...]:
    raw = obj.get("checkpoints") if obj.get("has_sub_assignments") is True else None
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise MalformedResponse("assignment: checkpoints is not a list")
    found = []
    for item in raw:
        checkpoint = json_object(item, "checkpoint")
        tag = text(checkpoint.get("tag"))
        if not tag:
            raise MalformedResponse("checkpoint: missing tag")
        found.append(CanvasCheckpoint(tag, timestamp(checkpoint.get("due_at"), "checkpoint due_at"),
                                      optional_number(checkpoint.get("points_possible"), "checkpoint: points")))
    return tuple(found)
