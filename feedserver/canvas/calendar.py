"""A student's Canvas calendar events: ``GET /api/v1/calendar_events``, batched.

Canvas's rules (docs/canvas-facts.md §1, `calendar_events_api_controller.rb`):

- at most 10 ``context_codes[]`` per request (a school may set another
  limit); extras are dropped *silently*, so codes go in batches of 10;
- one code the student cannot see (a course that ended since the course
  list was read) makes the whole request a 401: the batch is split in two
  until the one code is found and left out;
- a course code lists the course's own events, its section-specific events
  as a `hidden` parent (skipped here: the student's own section's child
  follows, with the course in `effective_context_code`), and never a
  deleted event: an event that is gone is an event that is not listed;
- groups' and the student's own (personal) events need their own codes:
  ``group_N`` from ``GET /api/v1/users/self/groups``, ``user_N``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from .client import CanvasClient
from .errors import Forbidden, MalformedResponse, ScopeMissing
from .fields import in_calendar_range, json_id, json_object, text, timestamp
from .items import EVENT, CanvasItem
from .links import canvas_link

__all__ = ["CONTEXTS_PER_REQUEST", "iso_param", "list_calendar_events", "list_groups", "parse_calendar_event"]

_LOGGER = logging.getLogger(__name__)

#: Canvas's default `calendar_contexts_limit`.
CONTEXTS_PER_REQUEST = 10


async def list_groups(client: CanvasClient) -> dict[str, str | None]:
    """The student's groups: group id → the Canvas course it belongs to (None: not a course's).

    Empty when the school's key does not grant ``users/self/groups``.
    """
    try:
        raw = await client.get_all("/api/v1/users/self/groups")
    except ScopeMissing:
        _LOGGER.info("groups not readable with this key; group events left out")
        return {}
    groups = {}
    for item in raw:
        obj = json_object(item, "group")
        course = obj.get("course_id") if obj.get("context_type") == "Course" else None
        groups[json_id(obj, "id", "group")] = str(course) if course not in (None, "") else None
    return groups


async def list_calendar_events(client: CanvasClient, codes: Sequence[str], start: datetime,
                               end: datetime) -> list[Any]:
    """Raw events of the calendars named by `codes` that overlap [start, end]."""
    found: list[Any] = []
    for first in range(0, len(codes), CONTEXTS_PER_REQUEST):
        found += await _batch(client, list(codes[first:first + CONTEXTS_PER_REQUEST]), start, end)
    return found


async def _batch(client: CanvasClient, codes: list[str], start: datetime, end: datetime) -> list[Any]:
    params = [("type", "event"), *(("context_codes[]", c) for c in codes),
              ("start_date", iso_param(start)), ("end_date", iso_param(end)), ("excludes[]", "child_events")]
    try:
        return await client.get_all("/api/v1/calendar_events", params)
    except ScopeMissing:
        raise
    except Forbidden:
        if len(codes) == 1:
            _LOGGER.info("a calendar of the student is no longer readable; left out")
            return []
        half = len(codes) // 2
        return await _batch(client, codes[:half], start, end) + await _batch(client, codes[half:], start, end)


def parse_calendar_event(item: Any, *, canvas_url: str, groups: Mapping[str, str | None]) -> CanvasItem | None:
    """One listed event as a `CanvasItem`; None for what a student's calendar does not show
    (a hidden section parent, a deleted event) or cannot place (a date out of range)."""
    obj = json_object(item, "calendar event")
    if obj.get("hidden") is True or obj.get("workflow_state") == "deleted":
        return None
    event_id = json_id(obj, "id", "calendar event")
    code = text(obj.get("context_code"))
    effective = text(obj.get("effective_context_code")) or code
    course_id: str | None = None
    if effective.startswith("course_") and not effective.startswith("course_section_"):
        course_id = effective.removeprefix("course_")
    elif effective.startswith("group_"):
        course_id = groups.get(effective.removeprefix("group_"))
    start, end = timestamp(obj.get("start_at"), "start_at"), timestamp(obj.get("end_at"), "end_at")
    day: date | None = None
    if obj.get("all_day") is True:
        day = _date(obj.get("all_day_date"))
        start = end = None
        if day is None:
            return None
    elif start is None:
        return None  # undated, or a date no calendar can show
    location = ", ".join(p for p in (text(obj.get("location_name")), text(obj.get("location_address"))) if p)
    return CanvasItem(
        kind=EVENT, canvas_id=event_id, course_id=course_id, context_code=code,
        title=text(obj.get("title")) or "Event", description_html=text(obj.get("description")),
        html_url=canvas_link(text(obj.get("html_url")), canvas_url), location=location,
        start_at=start, end_at=end if end is not None and start is not None and end >= start else start,
        all_day_date=day,
    )


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise MalformedResponse("calendar event: all_day_date is not a date") from None
    return day if in_calendar_range(day) else None


def iso_param(moment: datetime) -> str:
    """An aware instant as Canvas's date parameters take it (ISO 8601, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
