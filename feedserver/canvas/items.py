"""What a student's Canvas calendar holds besides assignments, as one record for every kind.

`CanvasItem` is what the REST API sync (calendar.py, planner.py,
coursework.py's checkpoints) and Canvas's calendar feed
(`feedserver.canvasfeed.parse`) both produce, and what `calendar_items`
stores: a calendar event, a to-do item, a planner note or a checkpoint.
Its `canvas_id` is chosen so that the same Canvas object gets the same id
on every path (a calendar event's id is the same in the API and in the
feed's ``event-calendar-event-<id>`` UID).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["CHECKPOINT", "EVENT", "ITEM_KINDS", "NOTE", "TODO", "CanvasItem", "checkpoint_id"]

EVENT = "event"
"""A calendar event of a course, a section, a group or the student."""
TODO = "todo"
"""A page, ungraded discussion or ungraded quiz with a to-do date."""
NOTE = "note"
"""The student's own planner note."""
CHECKPOINT = "checkpoint"
"""One due date of a graded discussion with checkpoints."""
ITEM_KINDS = (EVENT, TODO, NOTE, CHECKPOINT)


def checkpoint_id(assignment_id: str, tag: str) -> str:
    """The `canvas_id` of a checkpoint: its discussion's assignment id and its tag."""
    return f"{assignment_id}-{tag}"


@dataclass(frozen=True)
class CanvasItem:
    """One calendar item as this student sees it in Canvas.

    Timed items have `start_at` (events also `end_at`, which may equal it);
    all-day items only `all_day_date`, the local date Canvas gave.
    """

    kind: str
    canvas_id: str
    course_id: str | None
    """The Canvas course it belongs to, if known."""
    context_code: str
    """Canvas's calendar: ``course_N``, ``course_section_N``, ``group_N`` or ``user_N``."""
    title: str
    description_html: str
    html_url: str
    """Already checked by `links.canvas_link` (or "")."""
    location: str
    start_at: datetime | None
    end_at: datetime | None
    all_day_date: date | None
    canvas_assignment_id: str | None = None
    """A checkpoint's discussion."""
    points_possible: float | None = None
    submission_state: str = "unknown"
    """Checkpoints: as for assignments. To-dos: "submitted" once marked done in the planner."""

    @property
    def personal(self) -> bool:
        return self.context_code.startswith("user_")
