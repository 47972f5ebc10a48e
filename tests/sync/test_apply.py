"""`apply_coursework` on both engines: what counts as added, changed and removed, and what is stored.

Snapshots are built from Canvas's own shapes (`CanvasCourse`, `CanvasAssignment`,
`CanvasItem`) and from the real Canvas feeds of tests/data/canvas_feeds/, then
applied the way a sync does (`snapshot_values`, one transaction per apply).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from feedserver.canvas.coursework import CanvasAssignment, CanvasCourse, Coursework
from feedserver.canvas.items import EVENT, NOTE, TODO, CanvasItem
from feedserver.canvasfeed.parse import parse_canvas_feed
from feedserver.settings import StudentSettings
from feedserver.store.db import SessionMaker, create_engine, make_sessionmaker, migrate
from feedserver.store.models import Assignment, CalendarItem, Course, Student
from feedserver.sync.apply import Changes, apply_coursework, snapshot_values
from tests.store.fixtures import add_school_and_student

CORPUS = Path(__file__).resolve().parents[1] / "data" / "canvas_feeds"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["feeds"]
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
EVERYTHING = StudentSettings(personal_events=True, planner_notes=True)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[SessionMaker]:
    engine = create_engine(database_url)
    await migrate(engine)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def student(db: SessionMaker) -> int:
    async with db.begin() as session:
        return (await add_school_and_student(session)).id


def course(canvas_id: str = "7", code: str = "HIST 101") -> CanvasCourse:
    return CanvasCourse(id=canvas_id, name=f"Course {canvas_id}", course_code=code, time_zone="America/Denver")


def assignment(canvas_id: str, course_id: str = "7", **changes: Any) -> CanvasAssignment:
    fields: dict[str, Any] = dict(
        id=canvas_id, course_id=course_id, name=f"Essay {canvas_id}", description_html="<p>Write it</p>",
        html_url=f"https://canvas.s.edu/courses/{course_id}/assignments/{canvas_id}",
        due_at=datetime(2026, 3, 9, 6, 59, tzinfo=UTC), unlock_at=None, lock_at=None, points_possible=10.0,
        submission_types=("online_text_entry",), is_quiz=False, is_discussion=False, published=True,
        submission_state="unsubmitted", submitted_at=None)
    return CanvasAssignment(**(fields | changes))


def item(kind: str, canvas_id: str, course_id: str | None = "7", **changes: Any) -> CanvasItem:
    fields: dict[str, Any] = dict(
        kind=kind, canvas_id=canvas_id, course_id=course_id,
        context_code=f"course_{course_id}" if course_id else "user_42", title=f"{kind} {canvas_id}",
        description_html="", html_url="https://canvas.s.edu/calendar", location="",
        start_at=datetime(2026, 3, 4, 16, 0, tzinfo=UTC), end_at=datetime(2026, 3, 4, 17, 0, tzinfo=UTC),
        all_day_date=None)
    return CanvasItem(**(fields | changes))


def coursework(courses: list[CanvasCourse], assignments: list[CanvasAssignment], items: list[CanvasItem] = (),
               complete: frozenset[str] = frozenset({EVENT, TODO, NOTE})) -> Coursework:
    return Coursework(courses=tuple(courses), assignments=tuple(assignments), items=tuple(items), complete=complete)


async def apply(db: SessionMaker, student_id: int, snapshot: Coursework, now: datetime) -> Changes:
    values, items = snapshot_values(snapshot, EVERYTHING)
    async with db.begin() as session:
        return await apply_coursework(session, student_id, snapshot, values, now, items)


async def stored(db: SessionMaker, model: Any, *columns: str) -> dict[str, tuple[Any, ...]]:
    """The student's rows of `model`, by Canvas id: the named columns."""
    key = model.canvas_assignment_id if model is Assignment else model.canvas_id
    async with db() as session:
        rows = await session.execute(select(key, *(getattr(model, c) for c in columns)))
        return {row[0]: tuple(row[1:]) for row in rows}


async def test_a_first_apply_stores_every_published_assignment_of_a_listed_course(
        db: SessionMaker, student: int) -> None:
    snapshot = coursework(
        [course("7"), course("8", "MATH 2")],
        [assignment("1"), assignment("2", "8"), assignment("1", name="listed twice"),
         assignment("3", published=False), assignment("4", "99")],
        [item(EVENT, "e1"), item(TODO, "page-5"), item(EVENT, "e1")])
    changes = await apply(db, student, snapshot, T0)
    assert changes == Changes(added=4, changed=0, removed=0, courses_changed=True)
    assert await stored(db, Assignment, "title", "sequence", "last_modified", "published") == {
        "1": ("Essay 1", 0, T0, True), "2": ("Essay 2", 0, T0, True)}
    assert await stored(db, CalendarItem, "title", "sequence", "created_at") == {
        "e1": ("event e1", 0, T0), "page-5": ("todo page-5", 0, T0)}
    async with db() as session:
        codes = dict((await session.execute(select(Course.canvas_course_id, Course.course_code))).all())
    assert codes == {"7": "HIST 101", "8": "MATH 2"}


async def test_the_same_snapshot_again_changes_nothing(db: SessionMaker, student: int) -> None:
    snapshot = coursework([course()], [assignment("1"), assignment("2", all_day_date=date(2026, 3, 8))],
                          [item(EVENT, "e1"), item(TODO, "page-5", start_at=None, end_at=None,
                                                   all_day_date=date(2026, 3, 5))])
    await apply(db, student, snapshot, T0)
    changes = await apply(db, student, snapshot, T1)
    assert (changes, changes.any) == (Changes(), False)
    assert {row[0] for row in (await stored(db, Assignment, "last_modified")).values()} == {T0}


async def test_a_shown_edit_is_a_new_version_and_an_unshown_one_is_stored_quietly(
        db: SessionMaker, student: int) -> None:
    await apply(db, student, coursework([course()], [assignment("1"), assignment("2"), assignment("3")],
                                        [item(EVENT, "e1")]), T0)
    edited = coursework([course()], [
        assignment("1", name="Essay 1 (revised)"),
        assignment("2", lock_at=datetime(2026, 3, 10, tzinfo=UTC), submitted_at=T0, submission_state="submitted"),
        assignment("3", lock_at=datetime(2026, 3, 10, tzinfo=UTC), submitted_at=T0),
    ], [item(EVENT, "e1", location="Room 4")])
    changes = await apply(db, student, edited, T1)
    assert changes == Changes(added=0, changed=3, removed=0)
    rows = await stored(db, Assignment, "title", "sequence", "last_modified", "lock_at", "submitted_at")
    assert rows == {
        "1": ("Essay 1 (revised)", 1, T1, None, None),
        "2": ("Essay 2", 1, T1, datetime(2026, 3, 10, tzinfo=UTC), T0),  # the state is shown
        "3": ("Essay 3", 0, T0, datetime(2026, 3, 10, tzinfo=UTC), T0),  # lock and submission times are not
    }
    assert await stored(db, CalendarItem, "location", "sequence", "last_modified") == {"e1": ("Room 4", 1, T1)}


async def test_the_same_instant_in_another_zone_is_no_change(db: SessionMaker, student: int) -> None:
    """A parser may attach any zone object (icalendar's UTC, the student's zone): the instant counts."""
    due = datetime(2026, 3, 9, 6, 59, tzinfo=UTC)
    await apply(db, student, coursework([course()], [assignment("1", due_at=due)], [item(EVENT, "e1")]), T0)
    denver = ZoneInfo("America/Denver")
    same = coursework([course()], [assignment("1", due_at=due.astimezone(denver))], [item(
        EVENT, "e1", start_at=datetime(2026, 3, 4, 9, 0, tzinfo=denver), end_at=datetime(2026, 3, 4, 10, 0,
                                                                                       tzinfo=denver))])
    assert await apply(db, student, same, T1) == Changes()


async def test_a_renamed_course_code_or_a_move_to_another_course_is_a_new_version(
        db: SessionMaker, student: int) -> None:
    await apply(db, student, coursework([course("7"), course("8", "MATH 2")],
                                        [assignment("1"), assignment("2")], [item(EVENT, "e1")]), T0)
    changes = await apply(db, student, coursework([course("7", "HIST 101A"), course("8", "MATH 2")],
                                                  [assignment("1"), assignment("2", "8")], [item(EVENT, "e1")]), T1)
    assert changes == Changes(added=0, changed=3, removed=0, courses_changed=True)
    async with db() as session:
        moved = (await session.execute(
            select(Course.canvas_course_id).join(Assignment, Assignment.course_id == Course.id)
            .where(Assignment.canvas_assignment_id == "2"))).scalar_one()
    assert moved == "8"
    assert {row[0] for row in (await stored(db, Assignment, "sequence")).values()} == {1}


async def test_what_canvas_no_longer_lists_is_removed_with_a_dropped_course(db: SessionMaker, student: int) -> None:
    await apply(db, student, coursework([course("7"), course("8")],
                                        [assignment("1"), assignment("2"), assignment("3", "8")],
                                        [item(EVENT, "e1"), item(EVENT, "e2", "8"), item(TODO, "page-5")]), T0)
    changes = await apply(db, student, coursework([course("7")], [assignment("1"), assignment("2", published=False)],
                                                  [item(EVENT, "e1"), item(TODO, "page-5")]), T1)
    assert changes == Changes(added=0, changed=0, removed=3, courses_changed=True)
    assert set(await stored(db, Assignment)) == {"1"}
    assert set(await stored(db, CalendarItem)) == {"e1", "page-5"}
    async with db() as session:
        assert (await session.scalars(select(Course.canvas_course_id))).all() == ["7"]


async def test_items_of_a_kind_not_read_in_full_are_kept(db: SessionMaker, student: int) -> None:
    await apply(db, student, coursework([course()], [], [item(EVENT, "e1"), item(TODO, "page-5"),
                                                         item(NOTE, "n1", None)]), T0)
    # The to-do list could not be read (ScopeMissing): its absence says nothing.
    changes = await apply(db, student, coursework([course()], [], [], complete=frozenset({EVENT, NOTE})), T1)
    assert changes == Changes(added=0, changed=0, removed=2)
    assert set(await stored(db, CalendarItem)) == {"page-5"}


async def test_a_stored_hash_of_another_format_is_rewritten_once(db: SessionMaker, student: int) -> None:
    """After an upgrade that hashes differently, the first apply re-versions every row, and only that one."""
    snapshot = coursework([course()], [assignment("1"), assignment("2")], [item(EVENT, "e1")])
    await apply(db, student, snapshot, T0)
    async with db.begin() as session:
        for model in (Assignment, CalendarItem):
            await session.execute(update(model).values(content_hash="0" * 64))
    assert await apply(db, student, snapshot, T1) == Changes(added=0, changed=3, removed=0)
    assert await apply(db, student, snapshot, T1 + timedelta(hours=1)) == Changes()


@pytest.mark.parametrize("name", sorted(MANIFEST))
async def test_a_real_canvas_feed_is_stored_once_and_then_unchanged(db: SessionMaker, student: int,
                                                                     name: str) -> None:
    facts = MANIFEST[name]
    snapshot = parse_canvas_feed((CORPUS / name).read_bytes(), canvas_base=f"https://{facts['host']}",
                                 time_zone=facts["iana_zone"])
    values, items = snapshot_values(snapshot, EVERYTHING)
    first = await apply(db, student, snapshot, T0)
    assert (first.added, first.changed, first.removed) == (len({v.canvas_assignment_id for v in values})
                                                           + len({(i.kind, i.canvas_id) for i in items}), 0, 0)
    assert await apply(db, student, snapshot, T1) == Changes()
    # One assignment edited in Canvas: exactly one new version.
    first_assignment = snapshot.assignments[0]
    edited = dataclasses.replace(snapshot, assignments=(
        dataclasses.replace(first_assignment, name=first_assignment.name + " (edited)"), *snapshot.assignments[1:]))
    assert await apply(db, student, edited, T1) == Changes(changed=1)
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Assignment)) == first.added - len(items)
