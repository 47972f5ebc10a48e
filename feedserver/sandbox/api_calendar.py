"""REST handlers for dated things: planner items, calendar events, the user's
upcoming events and groups (docs/canvas-facts.md §1, §2).

- Planner (`planner_controller.rb`): assignments (as assignment, quiz or
  discussion_topic items), calendar events that are not hidden section
  parents (section children, group and personal events included), pages,
  ungraded discussions and quizzes with a to-do date, and the user's planner
  notes, with a `plannable_date` in [start_date, end_date); without dates
  Canvas uses two weeks back to two weeks ahead, with one date the other is
  ten years away; a context code the user cannot read is a 401.
- Calendar events (`calendar_events_api_controller.rb`): `type=event`
  (default) or `assignment`; only the first 10 `context_codes[]` count,
  extras are silently dropped; none means the user's personal calendar; a
  code the user cannot see makes the whole request 401; a course code lists
  the course's events (a parent with section children comes back `hidden`)
  and the user's own section's children; events match by overlap with the
  window, which defaults to today and whose `end_date` is inclusive; deleted
  events are never listed.
- Upcoming events: events and assignments due in the next 7 days, unpaged.
- Groups: the user's groups (`GET /users/self/groups`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from . import canvas_json as cj
from .api_auth import canvas_scope
from .api_common import DateParamError, base_url, date_param, me, paged, truthy
from .responses import json_error, json_response, unauthorized_action
from .student_view import effective_dates, local_day_bounds, submission_status, visible_assignments
from .world import Assignment, CalendarEvent, SandboxWorld

MAX_CONTEXT_CODES = 10
ONE_SECOND = timedelta(seconds=1)
#: The planner's window when the client gives no dates (`set_date_range`).
PLANNER_DEFAULT = timedelta(weeks=2)
PLANNER_OPEN_END = timedelta(days=3652)


def _course_ids(world: SandboxWorld, user_id: int, school: str, codes: list[str]) -> list[int]:
    """Courses of `user_id` named by `course_N` codes (all of them if `codes` is empty)."""
    mine = sorted({e.course_id for e in world.enrollments_of(user_id)
                   if world.courses[e.course_id].school == school})
    if not codes:
        return mine
    named = {c.removeprefix("course_") for c in codes if c.startswith("course_")}
    return [c for c in mine if str(c) in named]


def _within(moment: datetime | None, start: datetime | None, end: datetime | None,
            *, end_inclusive: bool) -> bool:
    if moment is None:
        return False
    if start is not None and moment < start:
        return False
    if end is not None and (moment > end if end_inclusive else moment >= end):
        return False
    return True


def _events(world: SandboxWorld, user_id: int, codes: list[str], *, shown_only: bool) -> list[CalendarEvent]:
    """Each active event of these calendars once; `shown_only` drops hidden section parents."""
    found: dict[int, CalendarEvent] = {}
    for code in codes:
        for event in world.events_in(code, user_id):
            if not (shown_only and world.is_hidden(event)):
                found[event.id] = event
    return sorted(found.values(), key=lambda e: (e.start_at, e.id))


def _planner_window(request: web.Request, time_zone: str, now: datetime) -> tuple[datetime, datetime]:
    start = date_param(request, "start_date", time_zone)
    end = date_param(request, "end_date", time_zone)
    if start is None and end is None:
        today = local_day_bounds(now.astimezone(ZoneInfo(time_zone)).date(), time_zone)[0]
        return today - PLANNER_DEFAULT, today + PLANNER_DEFAULT
    if start is None:
        return end - PLANNER_OPEN_END, end  # type: ignore[operator]
    return start, end if end is not None else start + PLANNER_OPEN_END


@canvas_scope("url:GET|/api/v1/planner/items")
async def planner_items(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    world, now = state.world, state.now()
    try:
        start, end = _planner_window(request, user.time_zone, now)
    except DateParamError as exc:
        return json_error(400, str(exc))
    visible = world.visible_codes(user.id, state.school_slug)
    codes = request.query.getall("context_codes[]", [])
    if any(code not in visible for code in codes):
        return unauthorized_action()
    codes = codes or sorted(visible)
    course_ids = _course_ids(world, user.id, state.school_slug, codes)
    wanted = request.query.get("filter")
    rows: list[tuple[datetime, int, dict[str, Any]]] = []
    for course_id in course_ids:
        for a in visible_assignments(world, user.id, course_id):
            due = effective_dates(world, a, user.id).due_at
            if not _within(due, start, end, end_inclusive=False):
                continue
            status = submission_status(world, a, user.id, due, now)
            complete = status.submitted or status.graded or status.excused
            if wanted == "incomplete_items" and complete:
                continue
            if wanted == "complete_items" and not complete:
                continue
            item = cj.planner_assignment_item(world, a, user.id, now)
            rows.append((due, a.id, item))  # type: ignore[arg-type]
        if wanted in (None, "", "incomplete_items"):
            rows += [(t.todo_date, t.id, cj.planner_todo_item(world, t)) for t in world.todos.values()
                     if t.course_id == course_id and _within(t.todo_date, start, end, end_inclusive=False)]
    if wanted in (None, "", "incomplete_items"):
        rows += [(e.start_at, e.id, cj.planner_event_item(world, e))
                 for e in _events(world, user.id, codes, shown_only=True)
                 if _within(e.start_at, start, end, end_inclusive=False)]
        if f"user_{user.id}" in codes:
            rows += [(n.todo_date, n.id, cj.planner_note_item(n)) for n in world.notes.values()
                     if n.user_id == user.id and _within(n.todo_date, start, end, end_inclusive=False)]
    if wanted == "new_activity":
        rows = []  # nothing in the sandbox is ever "new"
    rows.sort(key=lambda r: (r[0], r[1]))
    return paged(request, [r[2] for r in rows], lambda item: item)


def _assignment_rows(world: SandboxWorld, user_id: int,
                     course_ids: list[int]) -> list[tuple[datetime | None, int, Any]]:
    """(due date, id, assignment) for the user's assignments."""
    return [(effective_dates(world, a, user_id).due_at, a.id, a)
            for course_id in course_ids for a in visible_assignments(world, user_id, course_id)]


def _render(world: SandboxWorld, item: Assignment | CalendarEvent, user_id: int, base: str,
            now: datetime) -> dict[str, Any]:
    if isinstance(item, Assignment):
        return cj.assignment_event_json(world, item, user_id, base, now)
    return cj.event_json(world, item, base)


@canvas_scope("url:GET|/api/v1/calendar_events")
async def calendar_events(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    world, now, base = state.world, state.now(), base_url(request)
    codes = request.query.getall("context_codes[]", [])[:MAX_CONTEXT_CODES] or [f"user_{user.id}"]
    if any(code not in world.visible_codes(user.id, state.school_slug) for code in codes):
        return unauthorized_action()
    if request.query.get("type") == "assignment":
        rows = _assignment_rows(world, user.id, _course_ids(world, user.id, state.school_slug, codes))
        ends: dict[int, datetime] = {}  # an assignment event starts and ends at its due date
    else:
        events = _events(world, user.id, codes, shown_only=False)
        rows = [(e.start_at, e.id, e) for e in events]
        ends = {e.id: e.end_at for e in events}
    if truthy(request, "undated"):
        rows = [r for r in rows if r[0] is None]
    elif not truthy(request, "all_events"):
        try:
            start = date_param(request, "start_date", user.time_zone)
            end = date_param(request, "end_date", user.time_zone, end_of_day=True)
        except DateParamError as exc:
            return json_error(400, str(exc))
        tz = ZoneInfo(user.time_zone)
        if start is None:
            start = local_day_bounds(now.astimezone(tz).date(), user.time_zone)[0]
        if end is None:  # end_date defaults to start_date, a whole local day
            end = local_day_bounds(start.astimezone(tz).date(), user.time_zone)[1] - ONE_SECOND
        # Overlap (`CalendarEvent.between`): starts by the end and ends after the start.
        rows = [r for r in rows if r[0] is not None and r[0] <= end and ends.get(r[1], r[0]) >= start]
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(key=lambda r: (r[0] or far, r[1]))
    return paged(request, [r[2] for r in rows],
                 lambda item: _render(world, item, user.id, base, now))


@canvas_scope("url:GET|/api/v1/users/self/upcoming_events")
async def upcoming_events(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    world, now, base = state.world, state.now(), base_url(request)
    horizon = now + timedelta(weeks=1)
    rows: list[tuple[datetime | None, int, Any]] = _assignment_rows(
        world, user.id, _course_ids(world, user.id, state.school_slug, []))
    rows += [(e.start_at, e.id, e) for e in _events(world, user.id, sorted(world.visible_codes(
        user.id, state.school_slug)), shown_only=True)]
    rows = [r for r in rows if _within(r[0], now, horizon, end_inclusive=True)]
    rows.sort(key=lambda r: (r[0], r[1]))  # type: ignore[arg-type,return-value]
    return json_response(request, [_render(world, r[2], user.id, base, now) for r in rows])


@canvas_scope("url:GET|/api/v1/users/self/groups")
async def own_groups(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    world = state.world
    groups = [g for g in world.user_groups(user.id) if world.courses[g.course_id].school == state.school_slug]
    return paged(request, groups, lambda g: cj.group_json(world, g))
