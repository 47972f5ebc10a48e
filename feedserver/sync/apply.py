"""Writing one student's freshly fetched coursework into the store.

`apply_coursework` runs inside the caller's transaction and turns the Canvas
snapshot into inserts, updates and deletes:

- new assignments get sequence 0;
- an assignment whose *displayed* fields changed (its content hash) gets
  sequence + 1 and a new last_modified, which calendar apps need to replace
  their copy (docs/calendar-clients.md §1);
- assignments Canvas no longer lists (deleted, unpublished, course dropped)
  are deleted, and so are courses no longer listed;
- unpublished assignments are never stored;
- calendar events, to-do items, notes and checkpoints follow the same rules
  (calendar_items.py), after the student's settings said which to keep.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..canvas.coursework import CanvasAssignment, Coursework
from ..canvas.text import html_to_text
from ..settings import StudentSettings
from ..store.models import Assignment, Course
from .calendar_items import ItemValues, apply_items, item_values, wanted_items
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
        """SHA-256 of every field a calendar shows (so not lock_at or submitted_at)."""
        shown = {
            "title": self.title, "kind": self.kind, "description": self.description, "url": self.html_url,
            "unlock": _iso(self.unlock_at), "due": _iso(self.due_at), "points": self.points_possible,
            "state": self.submission_state, "course": self.canvas_course_id, "code": course_code,
        }
        if self.all_day_date is not None:
            # Only then: every timed assignment keeps the hash (and so the sequence) it had.
            shown["day"] = self.all_day_date.isoformat()
        return hashlib.sha256(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


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
    course_rows, courses_changed = await _apply_courses(session, student_id, coursework)
    stored = {
        a.canvas_assignment_id: a for a in
        (await session.scalars(select(Assignment).where(Assignment.student_id == student_id))).all()
    }
    added = changed = 0
    seen: set[str] = set()
    for value in values:
        course = course_rows.get(value.canvas_course_id)
        if course is None or value.canvas_assignment_id in seen:
            continue  # an assignment of a course Canvas did not list, or listed twice
        seen.add(value.canvas_assignment_id)
        digest = value.content_hash(course.course_code)
        row = stored.get(value.canvas_assignment_id)
        if row is None:
            session.add(Assignment(student_id=student_id, course_id=course.id, published=True, content_hash=digest,
                                   sequence=0, created_at=now, last_modified=now, **_columns(value)))
            added += 1
            continue
        fields = _columns(value)
        if row.content_hash != digest or row.course_id != course.id:
            row.sequence += 1
            row.last_modified = now
            row.content_hash = digest
            row.course_id = course.id
            changed += 1
        # Not shown in the calendar, but kept current (lock dates, submission time).
        for name, new in fields.items():
            if getattr(row, name) != new:
                setattr(row, name, new)
    gone = [row.id for key, row in stored.items() if key not in seen]
    if gone:
        await session.execute(delete(Assignment).where(Assignment.id.in_(gone)))
    items_added, items_changed, items_removed = await apply_items(
        session, student_id, items, course_rows, coursework.complete, now)
    listed = [c.id for c in coursework.courses]
    stale_courses = (await session.scalars(select(Course.id).where(
        Course.student_id == student_id, Course.canvas_course_id.not_in(listed)))).all()
    if stale_courses:
        await session.execute(delete(Course).where(Course.id.in_(stale_courses)))
        courses_changed = True
    await session.flush()
    return Changes(added=added + items_added, changed=changed + items_changed,
                   removed=len(gone) + items_removed, courses_changed=courses_changed)


async def _apply_courses(session: AsyncSession, student_id: int,
                         coursework: Coursework) -> tuple[dict[str, Course], bool]:
    rows = {c.canvas_course_id: c for c in
            (await session.scalars(select(Course).where(Course.student_id == student_id))).all()}
    changed = False
    for course in coursework.courses:
        row = rows.get(course.id)
        values = {"name": course.name[:300], "course_code": course.course_code[:100], "time_zone": course.time_zone}
        if row is None:
            row = Course(student_id=student_id, canvas_course_id=course.id, **values)
            session.add(row)
            rows[course.id] = row
            changed = True
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed = True
    await session.flush()
    listed = {c.id for c in coursework.courses}
    return {k: v for k, v in rows.items() if k in listed}, changed


def _columns(value: AssignmentValues) -> dict[str, object]:
    # Shallow on purpose: `asdict` deep-copies every field, a tenth of a first sync's CPU.
    return {f.name: getattr(value, f.name) for f in _COLUMN_FIELDS}


_COLUMN_FIELDS = tuple(f for f in fields(AssignmentValues) if f.name != "canvas_course_id")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
