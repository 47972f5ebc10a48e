"""Canvas's JSON shapes: users, courses, groups, assignments (with checkpoints),
submissions (with checkpoint submissions), planner items, calendar events and
error bodies, plus Canvas's JSON encoding quirks.

Field sets follow the Canvas REST docs (docs/canvas-facts.md §11) and, for the calendar,
the planner and checkpoints, the canvas-lms serializers named in
docs/canvas-facts.md and tests/data/canvas_api/README.md
(`lib/api/v1/calendar_event.rb` `calendar_event_json`,
`lib/api/v1/planner_item.rb` `planner_item_json`, `Checkpoint#as_json`,
`lib/api/v1/submission.rb` for ``sub_assignment_submissions``); timestamps
are ISO 8601 UTC with a `Z`, ids are JSON numbers unless the client asked
for `application/json+canvas-string-ids`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .student_view import (
    EffectiveDates,
    LockState,
    SubmissionStatus,
    checkpoint_status,
    effective_dates,
    lock_state,
    submission_status,
)
from .world import (
    Assignment,
    CalendarEvent,
    Checkpoint,
    Course,
    Group,
    PlannerNote,
    PlannerTodo,
    SandboxWorld,
    School,
    Submission,
    User,
)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
STRING_IDS_ACCEPT = "application/json+canvas-string-ids"

Json = dict[str, Any]


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def stringify_ids(value: Any) -> Any:
    """Canvas's string-ids mode: `id`, `*_id` values and `*_ids` items become strings."""
    if isinstance(value, list):
        return [stringify_ids(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        is_id = key == "id" or key.endswith("_id")
        if is_id and isinstance(item, int) and not isinstance(item, bool):
            out[key] = str(item)
        elif key.endswith("_ids") and isinstance(item, list):
            out[key] = [str(i) if isinstance(i, int) else i for i in item]
        else:
            out[key] = stringify_ids(item)
    return out


def encode(value: Any, *, string_ids: bool = False) -> bytes:
    """Rails' encoder: UTF-8, but <, > and & escaped as \\u003c, \\u003e, \\u0026."""
    if string_ids:
        value = stringify_ids(value)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode()


def error_body(message: str, **extra: Any) -> Json:
    return {"errors": [{"message": message}], **extra}


# -- users ----------------------------------------------------------------


def user_json(user: User) -> Json:
    return {
        "id": user.id,
        "name": user.name,
        "created_at": None,
        "sortable_name": user.sortable_name,
        "short_name": user.short_name,
        "avatar_url": "/images/messages/avatar-50.png",
        "locale": user.locale,
        "effective_locale": user.locale,
        "permissions": {"can_update_name": True, "can_update_avatar": True},
    }


def profile_json(user: User, base: str) -> Json:
    """The caller's own profile: only for that user does Canvas add `calendar.ics`, `lti_user_id`
    and the k5 fields (lib/api/v1/user_profile.rb); the sandbox serves no one else's."""
    return {
        "id": user.id,
        "name": user.name,
        "short_name": user.short_name,
        "sortable_name": user.sortable_name,
        "title": None,
        "bio": None,
        "primary_email": user.email,
        "login_id": user.login_id,
        "integration_id": None,
        "time_zone": user.time_zone,
        "locale": user.locale,
        "effective_locale": user.locale,
        "avatar_url": "/images/messages/avatar-50.png",
        "calendar": {"ics": f"{base}/feeds/calendars/user_{user.feed_uuid}.ics"},
        "lti_user_id": f"{user.feed_uuid[:20]}lti",
        "k5_user": False,
        "use_classic_font_in_k5": False,
    }


def token_user_json(user: User) -> Json:
    """The `user` object inside a token response."""
    return {
        "id": user.id,
        "name": user.name,
        "global_id": str(user.global_id),
        "effective_locale": user.locale,
    }


# -- courses --------------------------------------------------------------


def course_json(world: SandboxWorld, course: Course, user_id: int, base: str,
                includes: set[str]) -> Json:
    school: School = world.schools[course.school]
    enrollment = world.enrollment(user_id, course.id)
    role = enrollment.type if enrollment else "StudentEnrollment"
    body: Json = {
        "id": course.id,
        "name": course.name,
        "course_code": course.course_code,
        "uuid": course.uuid,
        "workflow_state": "available",
        "account_id": school.shard * 100 + 1,
        "root_account_id": 1,
        "enrollment_term_id": course.term_id,
        "start_at": iso(school.term.start_at),
        "end_at": iso(school.term.end_at),
        "created_at": iso(school.term.start_at),
        "time_zone": course.time_zone,
        "default_view": "modules",
        "is_public": False,
        "public_syllabus": False,
        "hide_final_grades": False,
        "apply_assignment_group_weights": False,
        "restrict_enrollments_to_course_dates": False,
        "calendar": {"ics": f"{base}/feeds/calendars/course_{course.uuid}.ics"},
        "enrollments": [
            {
                "type": role.removesuffix("Enrollment").lower(),
                "role": role,
                "role_id": 3 if role == "StudentEnrollment" else 4,
                "user_id": user_id,
                "enrollment_state": enrollment.state if enrollment else "active",
                "limit_privileges_to_course_section": False,
            }
        ],
    }
    if "term" in includes:
        body["term"] = {
            "id": school.term.id,
            "name": school.term.name,
            "start_at": iso(school.term.start_at),
            "end_at": iso(school.term.end_at),
            "workflow_state": "active",
        }
    if "concluded" in includes:
        body["concluded"] = False
    if "favorites" in includes:
        body["is_favorite"] = True
    return body


# -- assignments and submissions -------------------------------------------


def submission_json(sub: Submission | None, status: SubmissionStatus, assignment: Assignment,
                    user_id: int) -> Json:
    state = sub.workflow_state if sub else "unsubmitted"
    return {
        "id": sub.id if sub else None,
        "assignment_id": assignment.id,
        "user_id": user_id,
        "submitted_at": iso(sub.submitted_at) if sub else None,
        "workflow_state": state,
        "late": status.late,
        "missing": status.missing,
        "excused": status.excused,
        "score": sub.score if sub else None,
        "grade": None if not sub or sub.score is None else str(sub.score),
        "entered_score": sub.score if sub else None,
        "attempt": sub.attempt if sub else None,
        "graded_at": iso(sub.graded_at) if sub else None,
        "posted_at": iso(sub.graded_at) if sub else None,
        "late_policy_status": "missing" if status.missing else None,
        "seconds_late": status.seconds_late,
        "submission_type": (assignment.submission_types[0] if status.submitted else None),
        "grade_matches_current_submission": True,
    }


def _date_entry(dates: EffectiveDates) -> Json:
    entry: Json = {
        "due_at": iso(dates.due_at),
        "unlock_at": iso(dates.unlock_at),
        "lock_at": iso(dates.lock_at),
    }
    if dates.override is None:
        entry["base"] = True
    else:
        entry["id"] = dates.override.id
        entry["title"] = dates.override.title
    return entry


def assignment_json(world: SandboxWorld, assignment: Assignment, user_id: int, base: str,
                    includes: set[str], now: datetime) -> Json:
    """One assignment as `user_id` sees it (override dates, lock, submission)."""
    course = world.courses[assignment.course_id]
    dates = effective_dates(world, assignment, user_id)
    lock: LockState = lock_state(assignment, dates, now, world.users[user_id].time_zone)
    offline_only = "not_graded" in assignment.submission_types
    body: Json = {
        "id": assignment.id,
        "name": assignment.name,
        "description": None if lock.locked and lock.info and "unlock_at" in lock.info
        else assignment.description,
        "created_at": iso(assignment.created_at),
        "updated_at": iso(assignment.updated_at),
        "due_at": iso(dates.due_at),
        "lock_at": iso(dates.lock_at),
        "unlock_at": iso(dates.unlock_at),
        "has_overrides": bool(world.overrides_for(assignment.id)),
        "course_id": course.id,
        "html_url": assignment.html_url or f"{base}/courses/{course.id}/assignments/{assignment.id}",
        "submissions_download_url": f"{base}/courses/{course.id}/assignments/{assignment.id}"
        "/submissions?zip=1",
        "assignment_group_id": course.id * 10 + 1,
        "points_possible": assignment.points_possible,
        "grading_type": "not_graded" if offline_only else "points",
        "submission_types": list(assignment.submission_types),
        "position": assignment.position,
        "published": assignment.published,
        "workflow_state": assignment.workflow_state,
        "locked_for_user": lock.locked,
        "is_quiz_assignment": assignment.quiz_id is not None,
        "allowed_attempts": -1,
        "omit_from_final_grade": offline_only,
        "due_date_required": False,
    }
    if lock.locked:
        body["lock_info"] = {k: (iso(v) if isinstance(v, datetime) else v)
                             for k, v in (lock.info or {}).items()}
        body["lock_explanation"] = lock.explanation
    if assignment.quiz_id is not None:
        body["quiz_id"] = assignment.quiz_id
    if assignment.discussion_topic_id is not None:
        body["discussion_topic"] = {
            "id": assignment.discussion_topic_id,
            "title": assignment.name,
            "assignment_id": assignment.id,
            "html_url": f"{base}/courses/{course.id}/discussion_topics/"
            f"{assignment.discussion_topic_id}",
        }
    if "all_dates" in includes:
        body["all_dates"] = [_date_entry(dates)]
    if "checkpoints" in includes:
        # Only with the discussion_checkpoints feature, which every sandbox school has on.
        body["has_sub_assignments"] = bool(assignment.checkpoints)
        body["checkpoints"] = [checkpoint_json(assignment, c) for c in assignment.checkpoints]
    if "submission" in includes:
        status = submission_status(world, assignment, user_id, dates.due_at, now)
        if status.submission is not None:
            body["submission"] = submission_json(status.submission, status, assignment, user_id)
    return body


def checkpoint_json(assignment: Assignment, checkpoint: Checkpoint) -> Json:
    """`Checkpoint#as_json` as a student gets it (no `overrides`)."""
    return {"name": assignment.name, "tag": checkpoint.tag, "points_possible": checkpoint.points_possible,
            "due_at": iso(checkpoint.due_at), "only_visible_to_overrides": False}


def student_submission_json(world: SandboxWorld, assignment: Assignment, user_id: int, now: datetime,
                            includes: set[str]) -> Json:
    """The caller's submission of one assignment, as `students/submissions` lists it; with
    ``include[]=sub_assignment_submissions`` one more submission per checkpoint (its `sub_assignment_tag`)."""
    dates = effective_dates(world, assignment, user_id)
    status = submission_status(world, assignment, user_id, dates.due_at, now)
    body = submission_json(status.submission, status, assignment, user_id)
    if "sub_assignment_submissions" in includes:
        body["has_sub_assignment_submissions"] = bool(assignment.checkpoints)
        body["sub_assignment_submissions"] = [
            {**submission_json(s.submission, s, assignment, user_id), "sub_assignment_tag": c.tag}
            for c in assignment.checkpoints
            for s in [checkpoint_status(world, assignment, c, user_id, now)]
        ]
    return body


def group_json(world: SandboxWorld, group: Group) -> Json:
    return {
        "id": group.id,
        "name": group.name,
        "description": None,
        "is_public": False,
        "join_level": "invitation_only",
        "members_count": len(group.member_ids),
        "avatar_url": None,
        "context_type": "Course",
        "course_id": group.course_id,
        "role": None,
        "group_category_id": group.course_id * 10 + 7,
        "sis_group_id": None,
        "storage_quota_mb": 50,
        "concluded": False,
    }


def quiz_json(world: SandboxWorld, assignment: Assignment, user_id: int, base: str) -> Json:
    dates = effective_dates(world, assignment, user_id)
    return {
        "id": assignment.quiz_id,
        "title": assignment.name,
        "html_url": f"{base}/courses/{assignment.course_id}/quizzes/{assignment.quiz_id}",
        "quiz_type": "assignment",
        "assignment_id": assignment.id,
        "time_limit": assignment.time_limit,
        "allowed_attempts": 1,
        "points_possible": assignment.points_possible,
        "due_at": iso(dates.due_at),
        "lock_at": iso(dates.lock_at),
        "unlock_at": iso(dates.unlock_at),
        "published": assignment.published,
        "description": assignment.description,
    }


# -- planner --------------------------------------------------------------


def planner_assignment_item(world: SandboxWorld, assignment: Assignment, user_id: int,
                            now: datetime) -> Json:
    course = world.courses[assignment.course_id]
    dates = effective_dates(world, assignment, user_id)
    status = submission_status(world, assignment, user_id, dates.due_at, now)
    if assignment.quiz_id is not None:
        kind, plannable_id = "quiz", assignment.quiz_id
        url = f"/courses/{course.id}/quizzes/{assignment.quiz_id}"
    elif assignment.discussion_topic_id is not None:
        kind, plannable_id = "discussion_topic", assignment.discussion_topic_id
        url = f"/courses/{course.id}/discussion_topics/{assignment.discussion_topic_id}"
    else:
        kind, plannable_id = "assignment", assignment.id
        url = f"/courses/{course.id}/assignments/{assignment.id}"
    sub = status.submission
    return {
        "context_type": "Course",
        "course_id": course.id,
        "plannable_id": plannable_id,
        "planner_override": None,
        "plannable_type": kind,
        "new_activity": False,
        "submissions": {
            "submitted": status.submitted,
            "excused": status.excused,
            "graded": status.graded,
            "posted_at": iso(sub.graded_at) if sub else None,
            "late": status.late,
            "missing": status.missing,
            "needs_grading": status.submitted and not status.graded,
            "has_feedback": False,
            "redo_request": False,
        },
        "plannable_date": iso(dates.due_at),
        "plannable": {
            "id": plannable_id,
            "title": assignment.name,
            "due_at": iso(dates.due_at),
            "points_possible": assignment.points_possible,
            "assignment_id": assignment.id,
            "created_at": iso(assignment.created_at),
            "updated_at": iso(assignment.updated_at),
        },
        "html_url": url,
        "context_name": course.name,
        "context_image": None,
    }


def planner_event_item(world: SandboxWorld, event: CalendarEvent) -> Json:
    """A calendar event in the planner (never a hidden section parent: `not_hidden`)."""
    plannable = {
        "id": event.id,
        "title": event.title,
        "location_name": event.location_name,
        "created_at": iso(event.created_at),
        "updated_at": iso(event.updated_at),
        "all_day": event.all_day,
        "location_address": None,
        "description": event.description,
        "start_at": iso(event.start_at),
        "end_at": iso(event.end_at),
    }
    item = {
        "plannable_id": event.id,
        "planner_override": None,
        "plannable_type": "calendar_event",
        "new_activity": False,
        "submissions": False,
        "plannable_date": iso(event.start_at),
        "plannable": plannable,
        "html_url": f"/calendar?event_id={event.id}&include_contexts={_effective_code(event)}",
    }
    if event.course_id is None:
        user_id = int(event.code.removeprefix("user_"))
        return {"context_type": "User", "user_id": user_id, **item}
    course = world.courses[event.course_id]
    return {"context_type": "Course", "course_id": course.id, **item, "context_name": course.name,
            "context_image": None}


def planner_todo_item(world: SandboxWorld, todo: PlannerTodo) -> Json:
    """An ungraded page, discussion or quiz with a to-do date (`submissions` is false)."""
    course = world.courses[todo.course_id]
    plannable: Json = {"id": todo.id, "title": todo.title, "created_at": iso(todo.created_at),
                       "updated_at": iso(todo.updated_at)}
    if todo.type == "quiz":
        # A practice quiz: no assignment behind it, so its date is its due_at.
        plannable |= {"due_at": iso(todo.todo_date), "points_possible": None, "assignment_id": None}
        url = f"/courses/{course.id}/quizzes/{todo.id}"
    elif todo.type == "wiki_page":
        plannable |= {"todo_date": iso(todo.todo_date), "url": todo.url}
        url = f"/courses/{course.id}/pages/{todo.url}"
    else:
        plannable |= {"todo_date": iso(todo.todo_date), "unread_count": 0, "read_state": "read"}
        url = f"/courses/{course.id}/discussion_topics/{todo.id}"
    return {
        "context_type": "Course",
        "course_id": course.id,
        "plannable_id": todo.id,
        "planner_override": None,
        "plannable_type": todo.type,
        "new_activity": False,
        "submissions": False,
        "plannable_date": iso(todo.todo_date),
        "plannable": plannable,
        "html_url": url,
        "context_name": course.name,
        "context_image": None,
    }


def planner_note_item(note: PlannerNote) -> Json:
    """A student's planner note: no `html_url`, `plannable` holds the note's columns."""
    return {
        "context_type": "User",
        "user_id": note.user_id,
        "plannable_id": note.id,
        "planner_override": None,
        "plannable_type": "planner_note",
        "new_activity": False,
        "submissions": False,
        "plannable_date": iso(note.todo_date),
        "plannable": {
            "id": note.id,
            "title": note.title,
            "course_id": note.course_id,
            "todo_date": iso(note.todo_date),
            "details": note.details,
            "created_at": iso(note.created_at),
            "updated_at": iso(note.updated_at),
            "user_id": note.user_id,
        },
    }


# -- calendar events --------------------------------------------------------


def assignment_event_json(world: SandboxWorld, assignment: Assignment, user_id: int, base: str,
                          now: datetime) -> Json:
    course = world.courses[assignment.course_id]
    dates = effective_dates(world, assignment, user_id)
    return {
        "id": f"assignment_{assignment.id}",
        "title": assignment.name,
        "type": "assignment",
        "start_at": iso(dates.due_at),
        "end_at": iso(dates.due_at),
        "all_day": dates.all_day,
        "all_day_date": dates.all_day_date,
        "description": assignment.description,
        "context_code": f"course_{course.id}",
        "context_name": course.name,
        "workflow_state": "published" if assignment.published else "unpublished",
        "created_at": iso(assignment.created_at),
        "updated_at": iso(assignment.updated_at),
        "html_url": f"{base}/courses/{course.id}/assignments/{assignment.id}",
        "url": f"{base}/api/v1/calendar_events/assignment_{assignment.id}",
        "important_dates": False,
        "assignment": assignment_json(world, assignment, user_id, base, {"submission"}, now),
    }


def _effective_code(event: CalendarEvent) -> str:
    """The calendar an event shows on: a section child's course, else its own context."""
    return f"course_{event.course_id}" if event.parent_event_id is not None else event.code


def _event_zone(world: SandboxWorld, event: CalendarEvent) -> str:
    if event.course_id is not None:
        return world.courses[event.course_id].time_zone
    return world.users[int(event.code.removeprefix("user_"))].time_zone


def event_json(world: SandboxWorld, event: CalendarEvent, base: str) -> Json:
    """`calendar_event_json` for a student: a section child's title gains `` (<section name>)``,
    a parent with section children is `hidden` and lists none of them."""
    code = event.code
    title, context_name = event.title, None
    if code.startswith("course_section_"):
        title += f" ({world.sections[int(code.removeprefix('course_section_'))].name})"
    elif code.startswith("group_"):
        context_name = world.groups[int(code.removeprefix("group_"))].name
    elif code.startswith("course_"):
        context_name = world.courses[event.course_id].name  # type: ignore[index]
    else:
        context_name = world.users[int(code.removeprefix("user_"))].name
    local_day = event.all_day_date or event.start_at.astimezone(ZoneInfo(_event_zone(world, event))).date()
    children = world.child_events(event.id)
    effective = _effective_code(event)
    body: Json = {
        "id": event.id,
        "created_at": iso(event.created_at),
        "updated_at": iso(event.updated_at),
        "start_at": iso(event.start_at),
        "end_at": iso(event.end_at),
        "all_day": event.all_day,
        "all_day_date": local_day.isoformat(),
        "title": title,
        "workflow_state": event.workflow_state,
        "comments": None,
        "series_uuid": None,
        "rrule": None,
        "blackout_date": False,
        "location_address": None,
        "location_name": event.location_name,
        "type": "event",
        "description": event.description,
        "child_events_count": len(children),
        "all_context_codes": effective,
        "context_code": code,
        "context_name": context_name,
        "context_color": None,
        "parent_event_id": event.parent_event_id,
        "hidden": bool(children),
        "child_events": [],  # a student may not read a hidden event's children
        "url": f"{base}/api/v1/calendar_events/{event.id}",
        "html_url": f"{base}/calendar?event_id={event.id}&include_contexts={effective}",
        "important_dates": False,
    }
    if event.parent_event_id is not None:
        body["effective_context_code"] = effective
    return body
