"""REST handlers for dated things: planner items, calendar events and the
user's upcoming events (docs/canvas-facts.md §1, §2).

- Planner: assignments (as assignment, quiz or discussion_topic items) and
  course events with a `plannable_date` in [start_date, end_date).
- Calendar events: `type=event` (default) or `assignment`; only the first 10
  `context_codes[]` count, extras are silently dropped; none means the
  user's personal calendar, which holds nothing in the sandbox; dates
  default to today and `end_date` is inclusive.
- Upcoming events: events and assignments due in the next 7 days, unpaged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from . import canvas_json as cj
from .api_auth import canvas_scope
from .api_common import DateParamError, base_url, date_param, me, paged, truthy
from .responses import json_error, json_response
from .student_view import effective_dates, local_day_bounds, submission_status, visible_assignments
from .world import Assignment, CalendarEvent, SandboxWorld

MAX_CONTEXT_CODES = 10
ONE_SECOND = timedelta(seconds=1)


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


@canvas_scope("url:GET|/api/v1/planner/items")
async def planner_items(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    world, now = state.world, state.now()
    try:
        start = date_param(request, "start_date", user.time_zone)
        end = date_param(request, "end_date", user.time_zone)
    except DateParamError as exc:
        return json_error(400, str(exc))
    course_ids = _course_ids(world, user.id, state.school_slug,
                             request.query.getall("context_codes[]", []))
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
            for event in world.course_events(course_id):
                if _within(event.start_at, start, end, end_inclusive=False):
                    rows.append((event.start_at, event.id, cj.planner_event_item(world, event)))
    if wanted == "new_activity":
        rows = []  # nothing in the sandbox is ever "new"
    rows.sort(key=lambda r: (r[0], r[1]))
    return paged(request, [r[2] for r in rows], lambda item: item)


def _event_rows(world: SandboxWorld, user_id: int, course_ids: list[int],
                kind: str) -> list[tuple[datetime | None, int, Any]]:
    """(date, id, item) for the user's assignments or course events."""
    rows: list[tuple[datetime | None, int, Any]] = []
    for course_id in course_ids:
        if kind == "assignment":
            for a in visible_assignments(world, user_id, course_id):
                rows.append((effective_dates(world, a, user_id).due_at, a.id, a))
        else:
            for event in world.course_events(course_id):
                rows.append((event.start_at, event.id, event))
    return rows


def _render(world: SandboxWorld, item: Assignment | CalendarEvent, user_id: int, base: str,
            now: datetime) -> dict[str, Any]:
    if isinstance(item, Assignment):
        return cj.assignment_event_json(world, item, user_id, base, now)
    return cj.event_json(world, item, base)


@canvas_scope("url:GET|/api/v1/calendar_events")
async def calendar_events(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    world, now, base = state.world, state.now(), base_url(request)
    codes = request.query.getall("context_codes[]", [])[:MAX_CONTEXT_CODES]
    # No context codes = the personal calendar only, which is empty here.
    course_ids = _course_ids(world, user.id, state.school_slug, codes) if codes else []
    kind = "assignment" if request.query.get("type") == "assignment" else "event"
    rows = _event_rows(world, user.id, course_ids, kind)
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
        rows = [r for r in rows if _within(r[0], start, end, end_inclusive=True)]
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(key=lambda r: (r[0] or far, r[1]))
    return paged(request, [r[2] for r in rows],
                 lambda item: _render(world, item, user.id, base, now))


@canvas_scope("url:GET|/api/v1/users/self/upcoming_events")
async def upcoming_events(request: web.Request) -> web.StreamResponse:
    state, user = me(request)
    world, now, base = state.world, state.now(), base_url(request)
    course_ids = _course_ids(world, user.id, state.school_slug, [])
    horizon = now + timedelta(weeks=1)
    rows = [r for kind in ("assignment", "event")
            for r in _event_rows(world, user.id, course_ids, kind)
            if _within(r[0], now, horizon, end_inclusive=True)]
    rows.sort(key=lambda r: (r[0], r[1]))  # type: ignore[arg-type,return-value]
    return json_response(request, [_render(world, r[2], user.id, base, now) for r in rows])
