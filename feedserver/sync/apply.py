"""Writing one student's freshly fetched coursework into the store.

`apply_coursework` runs inside the caller's transaction and turns the Canvas
snapshot into inserts, updates and deletes:

- new assignments get sequence 0;
- an assignment whose *displayed* fields changed (its content hash) gets
  sequence + 1 and a new last_modified, which calendar apps need to replace
  their copy (docs/calendar-clients.md §1); its lock date and submission
  time are kept current without either;
- assignments Canvas no longer lists (deleted, unpublished, course dropped)
  are deleted, and so are courses no longer listed;
- unpublished assignments are never stored;
- calendar events, to-do items, notes and checkpoints follow the same rules
  (calendar_items.py), after the student's settings said which to keep.

The rows are compared and written with SQLAlchemy Core, a few statements per
table (store/versioned.py), not as ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from operator import attrgetter

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..canvas.coursework import CanvasAssignment, Coursework
from ..canvas.text import html_to_text
from ..settings import StudentSettings
from ..store.models import Assignment, Course
from ..store.versioned import VersionedTable, VersionedWrite, content_hash
from .calendar_items import ItemValues, StoredCourse, apply_items, item_values, wanted_items
from .kinds import classify

__all__ = ["DESCRIPTION_STORE_LIMIT", "AssignmentValues", "Changes", "apply_coursework", "assignment_values",
           "snapshot_values"]

#: Plain-text characters of a description kept (the feed shows up to 1,000; effort estimates read the rest).
DESCRIPTION_STORE_LIMIT = 4000


@dataclass(frozen=True)
class AssignmentValues:
    """What we store of one published assignment."""

    canvas_assignment_id: str
    canvas_course_id: str
    title: str
    kind: str
    description: str
    html_url: str
    unlock_at: datetime | None
    due_at: datetime | None
    lock_at: datetime | None
    points_possible: float | None
    submission_state: str
    submitted_at: datetime | None
    all_day_date: date | None = None

    def content_hash(self, course_code: str) -> str:
        """SHA-256 of every field a calendar shows (so not lock_at or submitted_at) and the course's code."""
        return content_hash((course_code, *_shown(self)))


@dataclass(frozen=True)
class Changes:
    added: int = 0
    changed: int = 0
    removed: int = 0
    courses_changed: bool = False

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.courses_changed)


def assignment_values(assignments: Sequence[CanvasAssignment]) -> list[AssignmentValues]:
    """Published assignments as stored values, kinds classified in one batch."""
    published = [a for a in assignments if a.published]
    texts = [html_to_text(a.description_html, DESCRIPTION_STORE_LIMIT) for a in published]
    kinds = classify(published, texts)
    return [
        AssignmentValues(
            canvas_assignment_id=a.id, canvas_course_id=a.course_id, title=a.name[:500], kind=kind,
            description=text, html_url=a.html_url[:1000], unlock_at=a.unlock_at, due_at=a.due_at,
            lock_at=a.lock_at, points_possible=a.points_possible, submission_state=a.submission_state,
            submitted_at=a.submitted_at, all_day_date=a.all_day_date,
        )
        for a, text, kind in zip(published, texts, kinds)
    ]


def snapshot_values(coursework: Coursework,
                    settings: StudentSettings) -> tuple[list[AssignmentValues], list[ItemValues]]:
    """What `apply_coursework` stores of a snapshot: CPU work (HTML to text, kinds), run it in a thread."""
    return assignment_values(coursework.assignments), item_values(wanted_items(coursework.items, settings))


async def apply_coursework(session: AsyncSession, student_id: int, coursework: Coursework,
                           values: Sequence[AssignmentValues], now: datetime,
                           items: Sequence[ItemValues] = ()) -> Changes:
    """Make the student's stored courses, assignments and calendar items equal the snapshot.

    `items` are `coursework.items` as `calendar_items.item_values` made them,
    already filtered by the student's settings (`wanted_items`).
    """
    courses, courses_changed = await _apply_courses(session, student_id, coursework)
    stored = await VersionedWrite.load(session, _ASSIGNMENTS, student_id, now)
    for value in values:
        course = courses.get(value.canvas_course_id)
        if course is not None:  # else an assignment of a course Canvas did not list
            stored.put((value.canvas_assignment_id,), course.id, value.content_hash(course.course_code),
                       _columns(value))
    added, changed, removed = await stored.write(session)
    items_added, items_changed, items_removed = await apply_items(
        session, student_id, items, courses, coursework.complete, now)
    listed = [c.id for c in coursework.courses]
    stale = await session.execute(delete(_COURSES).where(
        _COURSES.c.student_id == student_id, _COURSES.c.canvas_course_id.not_in(listed)))
    return Changes(added=added + items_added, changed=changed + items_changed,
                   removed=removed + items_removed, courses_changed=courses_changed or stale.rowcount > 0)


async def _apply_courses(session: AsyncSession, student_id: int,
                         coursework: Coursework) -> tuple[dict[str, StoredCourse], bool]:
    """Insert and update the listed courses; the stored id and code of each, and whether any changed."""
    c = _COURSES.c
    stored = {row.canvas_course_id: row for row in (await session.execute(
        select(c.id, c.canvas_course_id, c.name, c.course_code, c.time_zone).where(c.student_id == student_id)))}
    # A course listed twice is stored as last listed.
    listed = {course.id: {"name": course.name[:300], "course_code": course.course_code[:100],
                          "time_zone": course.time_zone} for course in coursework.courses}
    new: list[dict[str, object]] = []
    edited: list[dict[str, object]] = []
    for canvas_id, columns in listed.items():
        row = stored.get(canvas_id)
        if row is None:
            new.append({"student_id": student_id, "canvas_course_id": canvas_id, **columns})
        elif (row.name, row.course_code, row.time_zone) != tuple(columns.values()):
            edited.append({"row_id": row.id, **columns})
    ids = {canvas_id: row.id for canvas_id, row in stored.items()}
    if new:
        ids |= {row.canvas_course_id: row.id for row in (await session.execute(
            insert(_COURSES).returning(c.id, c.canvas_course_id), new))}
    if edited:
        await session.execute(update(_COURSES).where(c.id == bindparam("row_id")), edited)
    return ({canvas_id: StoredCourse(ids[canvas_id], columns["course_code"]) for canvas_id, columns in listed.items()},
            bool(new or edited))


def _columns(value: AssignmentValues) -> dict[str, object]:
    # Shallow on purpose: `asdict` deep-copies every field, a tenth of a first sync's CPU.
    return {"published": True, **{name: getattr(value, name) for name in _COLUMNS}}


#: Stored and kept current, but not shown: a change is written without a new sequence.
_QUIET = ("lock_at", "submitted_at")
_COLUMNS = tuple(f.name for f in fields(AssignmentValues) if f.name != "canvas_course_id")
_shown = attrgetter(*(f.name for f in fields(AssignmentValues) if f.name not in _QUIET))
_ASSIGNMENTS = VersionedTable(Assignment.__table__, key=("canvas_assignment_id",), quiet=_QUIET)
_COURSES = Course.__table__
