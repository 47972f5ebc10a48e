"""REST handlers for users, courses, assignments, submissions and quizzes.

Each handler parses the request, asks `student_view` what the user may see,
and shapes it with `canvas_json`.  Canvas answers a course that does not
exist on this host with 404 and a course the user is not enrolled in with
401 "user not authorized to perform that action" (no WWW-Authenticate).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from . import canvas_json as cj
from .api_auth import canvas_scope
from .api_common import base_url, includes, me, paged, readable_course
from .responses import json_response, not_found, unauthorized_action
from .student_view import (
    OFFLINE_TYPES,
    effective_dates,
    submission_status,
    visible_assignments,
    visible_to,
)
from .state import SandboxState
from .world import Assignment, SandboxWorld, User

ENROLLMENT_TYPES = {
    "student": "StudentEnrollment",
    "teacher": "TeacherEnrollment",
    "ta": "TaEnrollment",
    "observer": "ObserverEnrollment",
    "designer": "DesignerEnrollment",
}
ENROLLMENT_STATES = {
    "active": {"active"},
    "invited_or_pending": {"invited", "creation_pending"},
    "completed": {"completed"},
}


def _is_me(raw: str, user_id: int) -> bool:
    return raw == "self" or raw == str(user_id)


@canvas_scope("url:GET|/api/v1/users/:id")
async def get_user(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    if not _is_me(request.match_info["user_id"], user.id):
        return unauthorized_action()
    return json_response(request, cj.user_json(user))


@canvas_scope("url:GET|/api/v1/users/:user_id/profile")
async def get_profile(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    if not _is_me(request.match_info["user_id"], user.id):
        return unauthorized_action()
    return json_response(request, cj.profile_json(user, base_url(request)))


@canvas_scope("url:GET|/api/v1/courses")
async def list_courses(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    world = state.world
    wanted_type = ENROLLMENT_TYPES.get(request.query.get("enrollment_type", ""))
    raw_state = request.query.get("enrollment_state")
    # Without enrollment_state Canvas lists current (active and invited) enrollments.
    states = ENROLLMENT_STATES.get(raw_state or "", {"active", "invited"})
    course_ids = sorted({
        e.course_id for e in world.enrollments_of(user.id)
        if e.state in states and (wanted_type is None or e.type == wanted_type)
    })
    courses = [world.courses[i] for i in course_ids if world.courses[i].school == state.school_slug]
    wanted = includes(request)
    base = base_url(request)
    return paged(request, courses, lambda c: cj.course_json(world, c, user.id, base, wanted))


def _in_bucket(world: SandboxWorld, a: Assignment, user_id: int, bucket: str,
               now: datetime) -> bool:
    """Canvas's assignment buckets (SortsAssignments), for one user."""
    due = effective_dates(world, a, user_id).due_at
    status = submission_status(world, a, user_id, due, now)
    expects = not OFFLINE_TYPES.intersection(a.submission_types)
    done = status.submitted or status.graded or status.excused
    match bucket:
        case "past":
            return due is not None and due < now
        case "overdue":
            return due is not None and due < now and expects and not done
        case "undated":
            return due is None
        case "ungraded":
            return expects and status.submitted and not status.graded
        case "unsubmitted":
            return expects and not done
        case "upcoming":
            return due is not None and now <= due < now + timedelta(weeks=1)
        case "future":
            return due is None or due >= now
    return True


def _ordered(world: SandboxWorld, items: list[Assignment], user_id: int,
             order_by: str) -> list[Assignment]:
    if order_by == "name":
        return sorted(items, key=lambda a: (a.name.casefold(), a.id))
    if order_by == "due_at":
        far = datetime.max.replace(tzinfo=None)

        def due_key(a: Assignment) -> tuple[bool, datetime, int]:
            due = effective_dates(world, a, user_id).due_at
            return (due is None, due.replace(tzinfo=None) if due else far, a.id)

        return sorted(items, key=due_key)
    return items  # position, as course_assignments returns them


@canvas_scope("url:GET|/api/v1/courses/:course_id/assignments")
async def list_assignments(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    course = readable_course(request, state, user, request.match_info["course_id"])
    if isinstance(course, web.Response):
        return course
    world, now = state.world, state.now()
    items = visible_assignments(world, user.id, course.id)
    if bucket := request.query.get("bucket"):
        items = [a for a in items if _in_bucket(world, a, user.id, bucket, now)]
    if term := request.query.get("search_term"):
        items = [a for a in items if term.casefold() in a.name.casefold()]
    if ids := request.query.getall("assignment_ids[]", []):
        items = [a for a in items if str(a.id) in ids]
    items = _ordered(world, items, user.id, request.query.get("order_by", "position"))
    wanted, base = includes(request), base_url(request)
    return paged(request, items, lambda a: cj.assignment_json(world, a, user.id, base, wanted, now))


def _assignment(request: web.Request, state: SandboxState, user: User,
                key: str = "id") -> Assignment | web.Response:
    """The assignment named in the path, or the response Canvas gives instead."""
    course = readable_course(request, state, user, request.match_info["course_id"])
    if isinstance(course, web.Response):
        return course
    try:
        found = state.world.assignments.get(int(request.match_info[key]))
    except ValueError:
        found = None
    if found is None or found.course_id != course.id or found.workflow_state == "deleted":
        return not_found()
    if not visible_to(state.world, found, user.id):
        return unauthorized_action()  # unpublished: students may not read it
    return found


@canvas_scope("url:GET|/api/v1/courses/:course_id/assignments/:id")
async def get_assignment(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    found = _assignment(request, state, user)
    if isinstance(found, web.Response):
        return found
    body = cj.assignment_json(state.world, found, user.id, base_url(request), includes(request),
                              state.now())
    return json_response(request, body)


@canvas_scope("url:GET|/api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id")
async def get_own_submission(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    if not _is_me(request.match_info["user_id"], user.id):
        return unauthorized_action()
    found = _assignment(request, state, user, "assignment_id")
    if isinstance(found, web.Response):
        return found
    now = state.now()
    due = effective_dates(state.world, found, user.id).due_at
    status = submission_status(state.world, found, user.id, due, now)
    return json_response(request, cj.submission_json(status.submission, status, found, user.id))


@canvas_scope("url:GET|/api/v1/courses/:course_id/students/submissions")
async def list_own_submissions(request: web.Request) -> web.StreamResponse:
    """Submissions for several assignments: without `student_ids[]` the caller's own (students may
    only list theirs); ``include[]=sub_assignment_submissions`` adds each checkpoint's."""
    state, user = me(request)
    course = readable_course(request, state, user, request.match_info["course_id"])
    if isinstance(course, web.Response):
        return course
    students = request.query.getall("student_ids[]", [])
    if any(not _is_me(s, user.id) for s in students):
        return unauthorized_action()
    items = visible_assignments(state.world, user.id, course.id)
    if ids := request.query.getall("assignment_ids[]", []):
        items = [a for a in items if str(a.id) in ids]
    wanted, now = includes(request), state.now()
    return paged(request, items, lambda a: cj.student_submission_json(state.world, a, user.id, now, wanted))


@canvas_scope("url:GET|/api/v1/courses/:course_id/quizzes/:id")
async def get_quiz(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    course = readable_course(request, state, user, request.match_info["course_id"])
    if isinstance(course, web.Response):
        return course
    raw = request.match_info["id"]
    found = next((a for a in visible_assignments(state.world, user.id, course.id)
                  if str(a.quiz_id) == raw), None)
    if found is None:
        return not_found()
    return json_response(request, cj.quiz_json(state.world, found, user.id, base_url(request)))
