"""Writing a student's calendar items (events, to-do items, notes, checkpoints) into the store.

The same rules as for assignments (apply.py), for `calendar_items`:

- a new item gets sequence 0; an item whose displayed fields changed (its
  content hash) gets sequence + 1 and a new last_modified;
- an item Canvas no longer lists is deleted, but only for the kinds the
  sync read in full (`Coursework.complete`): Canvas never lists a deleted
  event, so absence is how a deletion shows (docs/canvas-facts.md §1.7),
  while a kind the school's key cannot read keeps what it had;
- the student's settings decide what is kept at all: personal events and
  planner notes only when the student turned them on (FERPA: store the
  minimum; feedserver/settings.py says why they are off by default).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from operator import attrgetter
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from ..canvas.items import EVENT, NOTE, CanvasItem
from ..canvas.text import html_to_text
from ..settings import StudentSettings
from ..store.models import CalendarItem
from ..store.versioned import VersionedTable, VersionedWrite, content_hash

__all__ = ["ItemValues", "StoredCourse", "apply_items", "item_values", "wanted_items"]

#: Plain-text characters of an item's description kept (the feed shows up to 1,000).
DESCRIPTION_STORE_LIMIT = 2000


@dataclass(frozen=True)
class ItemValues:
    """What we store of one calendar item."""

    kind: str
    canvas_id: str
    canvas_course_id: str | None
    context_code: str
    title: str
    description: str
    html_url: str
    location: str
    start_at: datetime | None
    end_at: datetime | None
    all_day_date: date | None
    canvas_assignment_id: str | None
    points_possible: float | None
    submission_state: str

    def content_hash(self, course_code: str) -> str:
        """SHA-256 of every field a calendar shows and the course's code."""
        return content_hash((course_code, *_shown(self)))


class StoredCourse(NamedTuple):
    """A listed course as stored: its row id and the code events show."""

    id: int
    course_code: str


_shown = attrgetter(*(f.name for f in fields(ItemValues) if f.name not in ("kind", "canvas_id")))
_COLUMNS = tuple(f.name for f in fields(ItemValues) if f.name != "canvas_course_id")
_ITEMS = VersionedTable(CalendarItem.__table__, key=("kind", "canvas_id"))


def wanted_items(items: Iterable[CanvasItem], settings: StudentSettings) -> list[CanvasItem]:
    """The items the student's settings let us keep: no personal events or notes unless asked for."""
    return [i for i in items
            if not (i.kind == EVENT and i.personal and not settings.personal_events)
            and not (i.kind == NOTE and not settings.planner_notes)]


def item_values(items: Sequence[CanvasItem]) -> list[ItemValues]:
    """Items as stored values (HTML descriptions as plain text, lengths capped to the columns)."""
    return [
        ItemValues(
            kind=i.kind, canvas_id=i.canvas_id[:100], canvas_course_id=i.course_id, context_code=i.context_code[:100],
            title=i.title[:500], description=html_to_text(i.description_html, DESCRIPTION_STORE_LIMIT),
            html_url=i.html_url[:1000], location=i.location[:500], start_at=i.start_at, end_at=i.end_at,
            all_day_date=i.all_day_date, canvas_assignment_id=i.canvas_assignment_id,
            points_possible=i.points_possible, submission_state=i.submission_state,
        )
        for i in items
    ]


async def apply_items(session: AsyncSession, student_id: int, values: Sequence[ItemValues],
                      courses: Mapping[str, StoredCourse], complete: Collection[str],
                      now: datetime) -> tuple[int, int, int]:
    """Make the student's stored items equal `values` (for the kinds in `complete`); (added, changed, removed).

    An item listed twice (two batches naming one calendar) is stored as first listed.
    """
    stored = await VersionedWrite.load(session, _ITEMS, student_id, now)
    for value in values:
        course = courses.get(value.canvas_course_id) if value.canvas_course_id else None
        stored.put((value.kind, value.canvas_id), course.id if course else None,
                   value.content_hash(course.course_code if course else ""),
                   {name: getattr(value, name) for name in _COLUMNS})
    # Only a kind read in full shows a deletion by its absence.
    return await stored.write(session, removable=lambda key: key[0] in complete)
