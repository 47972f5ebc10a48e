"""A student's to-do items and planner notes: ``GET /api/v1/planner/items``.

The planner lists everything with a date in a window (docs/canvas-facts.md
§2, `lib/api/v1/planner_item.rb`): assignments, graded quizzes and graded
discussions, calendar events, and what exists only there: pages,
ungraded discussions and ungraded quizzes a teacher gave a to-do date, and
the student's own planner notes. Only those are read from it:

- an assignment-like item (``assignment``, ``sub_assignment``, or a
  ``quiz``/``discussion_topic`` with ``plannable.assignment_id``) is already
  read, with more detail, from the course's assignments;
- a ``calendar_event`` comes from the calendar events endpoint, which also
  has the section and all-day fields the planner leaves out;
- announcements, peer reviews and types Canvas adds later are not dated work.

A to-do's date is ``plannable.todo_date``, or for an ungraded quiz its
``due_at`` (the planner's `plannable_date` as a last resort). An item the
student ticked off in the planner (``planner_override.marked_complete``)
counts as done.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .calendar import iso_param
from .client import CanvasClient
from .fields import json_id, json_object, text, timestamp
from .items import NOTE, TODO, CanvasItem
from .links import canvas_link

__all__ = ["TODO_TYPES", "list_planner_items", "parse_planner_item"]

TODO_TYPES = frozenset({"wiki_page", "discussion_topic", "quiz"})
"""Plannable types that are to-do items when no assignment stands behind them."""


async def list_planner_items(client: CanvasClient, start: datetime, end: datetime) -> list[Any]:
    """Every planner item dated in [start, end) (the student's courses, groups and own notes)."""
    return await client.get_all("/api/v1/planner/items",
                                [("start_date", iso_param(start)), ("end_date", iso_param(end))])


def parse_planner_item(item: Any, *, canvas_url: str) -> CanvasItem | None:
    """A to-do item or planner note as a `CanvasItem`; None for everything the sync reads elsewhere."""
    obj = json_object(item, "planner item")
    kind = text(obj.get("plannable_type"))
    plannable = json_object(obj.get("plannable"), "planner item: plannable")
    if kind == "planner_note":
        item_kind, canvas_id = NOTE, json_id(obj, "plannable_id", "planner item")
    elif kind in TODO_TYPES and plannable.get("assignment_id") in (None, ""):
        item_kind, canvas_id = TODO, f"{kind}-{json_id(obj, 'plannable_id', 'planner item')}"
    else:
        return None  # assignments and graded work, calendar events, announcements, peer reviews...
    when = (timestamp(plannable.get("todo_date"), "todo_date") or timestamp(plannable.get("due_at"), "due_at")
            or timestamp(obj.get("plannable_date"), "plannable_date"))
    if when is None:
        return None
    course = obj.get("course_id") or plannable.get("course_id")
    user = obj.get("user_id") or plannable.get("user_id")
    context = f"course_{course}" if course not in (None, "") else f"user_{user}" if user not in (None, "") else ""
    override = obj.get("planner_override")
    done = isinstance(override, Mapping) and override.get("marked_complete") is True
    return CanvasItem(
        kind=item_kind, canvas_id=canvas_id, course_id=str(course) if course not in (None, "") else None,
        context_code=context, title=text(plannable.get("title")) or ("Note" if item_kind == NOTE else "To do"),
        # A note's details are plain text; everything else has none in the planner.
        description_html=html.escape(text(plannable.get("details"))),
        html_url=canvas_link(text(obj.get("html_url")), canvas_url), location="", start_at=when, end_at=when, all_day_date=None,
        submission_state="submitted" if done else "unknown",
    )

