"""A student's sync end to end: sandbox Canvas → store → rendered feed → GET over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
from sqlalchemy import event, select

from feedserver.feeds.preferences import update_settings
from feedserver.feeds.render import PAST_WINDOW
from feedserver.sandbox.student_view import effective_dates, visible_assignments
from feedserver.source_status import UNAVAILABLE
from feedserver.store.models import Assignment, CalendarItem, Course, RenderedFeed, Student
from feedserver.sync.scheduler import SyncService
from feedserver.typedefs import db_key, engine_key
from tests.feeds.parsers import parse_everywhere
from tests.sync.helpers import (
    Connected,
    PinnedClock,
    connect,
    events,
    runs,
    stored_feed,
    student_ids,
)


def host_of(sandbox: Any, school: str) -> str:
    return sandbox.schools[school].url.split("://", 1)[1]


def expected_due(sandbox: Any, student: Connected, clock: PinnedClock) -> dict[str, Any]:
    """UID → the student's own due instant, for every published, dated, recent assignment."""
    world = sandbox.world
    host = host_of(sandbox, student.school)
    found = {}
    for enrollment in world.enrollments_of(student.user_id):
        for a in visible_assignments(world, student.user_id, enrollment.course_id):
            due = effective_dates(world, a, student.user_id).due_at
            if due is not None and due >= clock() - PAST_WINDOW:
                found[f"assignment-{a.id}@{host}"] = due
    return found


async def poll(muffin: TestClient, student: Connected) -> bytes:
    resp = await muffin.get(student.feed_path)
    assert resp.status == 200
    return await resp.read()


async def test_every_sandbox_students_feed_is_complete_and_correct(muffin: TestClient, sandbox: Any,
                                                                   service: SyncService,
                                                                   clock: PinnedClock) -> None:
    students = [await connect(muffin, sandbox, school, user_id)
                for school in ("north", "south") for user_id in student_ids(sandbox, school)]
    # New students are due from their creation (real time); the service's clock is pinned before it.
    outcomes = await service.run_round(due_before=clock() + timedelta(days=365))
    assert sorted(o.student_id for o in outcomes) == sorted(s.student_id for s in students)
    assert all(o.outcome == "ok" and o.rendered for o in outcomes)
    unpublished = {a.id for a in sandbox.world.assignments.values() if not a.published}
    assert unpublished
    dst_offsets = set()
    for student in students:
        zone = ZoneInfo(sandbox.world.users[student.user_id].time_zone)
        every = parse_everywhere(await poll(muffin, student))  # icalendar, ical and vobject agree
        feed = {uid: e for uid, e in every.items() if uid.startswith("assignment-")}
        expected = expected_due(sandbox, student, clock)
        assert feed.keys() == expected.keys(), student
        for uid, due in expected.items():
            start, end, _ = feed[uid]
            assert end == due  # the same instant...
            assert end.utcoffset() == due.astimezone(zone).utcoffset()  # ...shown in the student's zone
            assert end - start == timedelta(minutes=30)
            dst_offsets.add(end.utcoffset())
        assert not {uid for uid in feed if int(uid.split("-")[1].split("@")[0]) in unpublished}
    # The term spans 2026-11-01: daylight and standard offsets of the same zones both occur.
    assert {timedelta(hours=-5), timedelta(hours=-6), timedelta(hours=-7), timedelta(hours=-8)} <= dst_offsets
    async with muffin.app[db_key]() as session:
        stored = set((await session.scalars(select(Assignment.canvas_assignment_id))).all())
    assert not {str(i) for i in unpublished} & stored


async def test_a_run_is_recorded_with_its_canvas_requests(muffin: TestClient, sandbox: Any,
                                                          service: SyncService, clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "north", 1002)
    state = sandbox.schools["north"].state
    state.clear_request_log()
    outcome = await service.sync_student(student.student_id)
    (run,) = await runs(muffin, student.student_id)
    assert (run.outcome, run.error, run.started_at, run.finished_at) == ("ok", None, clock(), clock())
    paths = [r.path.removeprefix("/api/v1/") for r in state.request_log if r.user_id == 1002]
    courses = [e.course_id for e in sandbox.world.enrollments_of(1002)]
    assert run.requests == outcome.requests == len(paths) == state.requests_by_user()[1002]
    # The course list, per course its assignments and its checkpoints' submissions, the groups,
    # one batch of calendar events (4 courses and 2 groups: under 10 codes), the planner's pages.
    assert sorted(p for p in paths if p != "planner/items") == sorted(
        ["courses", "users/self/groups", "calendar_events"]
        + [f"courses/{c}/{what}" for c in courses for what in ("assignments", "students/submissions")])
    assert 1 <= paths.count("planner/items") <= 2
    async with muffin.app[db_key]() as session:
        stored = len((await session.scalars(select(Assignment.id))).all())
        items = len((await session.scalars(select(CalendarItem.id))).all())
    assert run.requests <= 6 + 2 * len(courses) + -(-(stored + items) // 50)  # issue 17's budget
    assert run.added == outcome.added == stored + items
    assert stored == len(expected_due(sandbox, student, clock)) + sum(
        1 for e in sandbox.world.enrollments_of(1002)
        for a in visible_assignments(sandbox.world, 1002, e.course_id) if a.due_at is None)
    assert (run.changed, run.removed) == (0, 0)


async def test_a_sync_without_changes_does_not_touch_the_feed(muffin: TestClient, sandbox: Any,
                                                              service: SyncService, clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    await service.sync_student(student.student_id)
    async with muffin.app[db_key]() as session:
        first = await session.get(RenderedFeed, (student.student_id, "all"))
    clock.moment += timedelta(hours=1)
    outcome = await service.sync_student(student.student_id)
    assert (outcome.outcome, outcome.added, outcome.changed, outcome.removed, outcome.rendered) == \
        ("ok", 0, 0, 0, False)
    async with muffin.app[db_key]() as session:
        again = await session.get(RenderedFeed, (student.student_id, "all"))
    assert (again.etag, again.rendered_at, again.body) == (first.etag, first.rendered_at, first.body)


async def test_the_same_canvas_answers_are_recognised_before_any_work(muffin: TestClient, sandbox: Any,
                                                                     service: SyncService, clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    full = await service.sync_student(student.student_id)
    engine = muffin.app[engine_key]
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()).lower())

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        clock.moment += timedelta(hours=1)
        outcome = await service.sync_student(student.student_id)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
    assert (outcome.outcome, outcome.requests, outcome.added, outcome.changed, outcome.rendered) == \
        ("ok", full.requests, 0, 0, False)
    first, second = await runs(muffin, student.student_id)
    assert first.canvas_digest is not None and second.canvas_digest == first.canvas_digest
    # Only the run and the student's schedule are written; no assignment or course is even read.
    writes = {s.split(" (")[0].split(" set ")[0] for s in statements if s.startswith(("insert", "update", "delete"))}
    assert writes == {"insert into sync_runs", "update students"}
    assert [s for s in statements if "assignments" in s or "courses" in s] == []

    # One edit in Canvas: a new digest, and the full sync runs again.
    course = sandbox.world.enrollments_of(1001)[0].course_id
    target = next(a for a in visible_assignments(sandbox.world, 1001, course) if a.due_at and a.due_at > clock())
    sandbox.schools["north"].state.edit_assignment(target.id, name="Renamed")
    clock.moment += timedelta(hours=1)
    outcome = await service.sync_student(student.student_id)
    assert (outcome.changed, outcome.rendered) == (1, True)
    assert (await runs(muffin, student.student_id))[-1].canvas_digest != first.canvas_digest


async def test_a_calendar_event_edit_is_not_taken_for_no_change(muffin: TestClient, sandbox: Any,
                                                                service: SyncService, clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    await service.sync_student(student.student_id)
    courses = {e.course_id for e in sandbox.world.enrollments_of(1001)}
    event_ = next(e for e in sandbox.world.events.values()
                  if e.course_id in courses and not e.context_code and e.start_at > clock())
    event_.title = "Review session, moved online"
    clock.moment += timedelta(hours=1)
    outcome = await service.sync_student(student.student_id)
    assert (outcome.changed, outcome.rendered) == (1, True)
    async with muffin.app[db_key]() as session:
        titles = set((await session.scalars(select(CalendarItem.title)
                                            .where(CalendarItem.student_id == student.student_id))).all())
    assert "Review session, moved online" in titles


async def test_a_settings_change_is_not_taken_for_no_change(muffin: TestClient, sandbox: Any,
                                                            service: SyncService, clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    await service.sync_student(student.student_id)
    # Planner notes come in every sync's answers; they are stored only once the student asks.
    await update_settings(muffin.app[db_key], student.student_id, {"planner_notes": True}, now=clock())
    clock.moment += timedelta(hours=1)
    outcome = await service.sync_student(student.student_id)
    assert (outcome.outcome, outcome.added) == ("ok", 1)
    async with muffin.app[db_key]() as session:
        kinds = (await session.scalars(select(CalendarItem.kind)
                                       .where(CalendarItem.student_id == student.student_id))).all()
    assert kinds.count("note") == 1


async def test_a_good_sync_with_the_same_answers_ends_a_source_problem(muffin: TestClient, sandbox: Any,
                                                                       service: SyncService,
                                                                       clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    await service.sync_student(student.student_id)
    async with muffin.app[db_key].begin() as session:  # a problem noted outside a sync, after a good run
        row = await session.get(Student, student.student_id)
        row.source_problem, row.source_problem_since = UNAVAILABLE, clock() - timedelta(days=3)
    clock.moment += timedelta(hours=1)
    outcome = await service.sync_student(student.student_id)
    assert outcome.outcome == "ok"
    async with muffin.app[db_key]() as session:
        row = await session.get(Student, student.student_id)
    assert (row.source_problem, row.source_problem_since, row.last_sync_at) == (None, None, clock())
    assert row.next_sync_at > clock()


async def test_an_edit_changes_the_event_but_not_its_uid(muffin: TestClient, sandbox: Any,
                                                         service: SyncService, clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    await service.sync_student(student.student_id)
    before = events(await poll(muffin, student))
    course = sandbox.world.enrollments_of(1001)[0].course_id
    target = next(a for a in visible_assignments(sandbox.world, 1001, course) if a.due_at and a.due_at > clock())
    uid = f"assignment-{target.id}@{host_of(sandbox, 'north')}"
    new_due = target.due_at + timedelta(days=2, hours=1)
    sandbox.schools["north"].state.edit_assignment(target.id, name="Moved, renamed; still due", due_at=new_due)
    clock.moment += timedelta(hours=1)

    outcome = await service.sync_student(student.student_id)
    assert (outcome.added, outcome.changed, outcome.removed) == (0, 1, 0)
    after = events(await poll(muffin, student))
    assert after.keys() == before.keys()
    edited = after[uid]
    assert str(edited["SUMMARY"]).endswith(": Moved, renamed; still due")
    assert edited.DTEND == new_due
    assert edited["SEQUENCE"] == before[uid]["SEQUENCE"] + 1
    assert edited.last_modified == edited.DTSTAMP == clock()
    for other in before.keys() - {uid}:
        assert after[other].to_ical() == before[other].to_ical()


async def test_deleted_and_unpublished_assignments_leave_the_feed(muffin: TestClient, sandbox: Any,
                                                                  service: SyncService) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    await service.sync_student(student.student_id)
    state = sandbox.schools["north"].state
    course = sandbox.world.enrollments_of(1001)[0].course_id
    dated = [a for a in visible_assignments(sandbox.world, 1001, course) if a.due_at]
    host = host_of(sandbox, "north")
    state.delete_assignment(dated[0].id)
    state.edit_assignment(dated[1].id, workflow_state="unpublished")
    added = state.add_assignment(course, name="Draft", due_at=dated[2].due_at, workflow_state="unpublished")

    outcome = await service.sync_student(student.student_id)
    assert (outcome.added, outcome.changed, outcome.removed) == (0, 0, 2)
    feed = events(await poll(muffin, student))
    assert not {f"assignment-{a.id}@{host}" for a in (dated[0], dated[1], added)} & feed.keys()
    assert f"assignment-{dated[2].id}@{host}" in feed


async def test_a_submission_marks_the_event(muffin: TestClient, sandbox: Any, service: SyncService,
                                            clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "south", 2003)
    await service.sync_student(student.student_id)
    course = sandbox.world.enrollments_of(2003)[0].course_id
    target = next(a for a in visible_assignments(sandbox.world, 2003, course)
                  if a.due_at and a.due_at > sandbox.world.anchor + timedelta(days=3)
                  and "online_upload" in a.submission_types
                  and (2003, a.id) not in {k for k, s in sandbox.world.submissions.items() if s.submitted_at})
    uid = f"assignment-{target.id}@{host_of(sandbox, 'south')}"
    assert not str(events(await poll(muffin, student))[uid]["SUMMARY"]).startswith("✓")
    sandbox.schools["south"].state.submit(2003, target.id, at=sandbox.world.anchor)
    outcome = await service.sync_student(student.student_id)
    assert outcome.changed == 1
    event = events(await poll(muffin, student))[uid]
    assert str(event["SUMMARY"]).startswith("✓ ") and event["X-MUFFIN-SUBMITTED"] == "true"


async def test_a_dropped_course_leaves_with_its_assignments(muffin: TestClient, sandbox: Any,
                                                            service: SyncService) -> None:
    student = await connect(muffin, sandbox, "north", 1004)
    await service.sync_student(student.student_id)
    dropped = sandbox.world.enrollments_of(1004)[0]
    gone = len(visible_assignments(sandbox.world, 1004, dropped.course_id))
    sandbox.world.enrollments.remove(dropped)
    outcome = await service.sync_student(student.student_id)
    assert outcome.removed >= gone  # its assignments, and its events, to-dos and checkpoints
    async with muffin.app[db_key]() as session:
        codes = set((await session.scalars(select(Course.canvas_course_id)
                                           .where(Course.student_id == student.student_id))).all())
    assert str(dropped.course_id) not in codes and len(codes) == 3
    assert not {uid for uid, e in events(await poll(muffin, student)).items()
                if f"/courses/{dropped.course_id}/" in str(e.get("URL", ""))
                or f"course_{dropped.course_id}&" in str(e.get("URL", ""))}


async def test_the_feed_uses_the_students_own_time_zone(muffin: TestClient, sandbox: Any,
                                                        service: SyncService) -> None:
    # Olivia's Canvas profile says Pacific/Honolulu although South Coast College is in Los Angeles.
    student = await connect(muffin, sandbox, "south", 2004)
    await service.sync_student(student.student_id)
    body = await stored_feed(muffin, student.student_id)
    assert body is not None and b"X-WR-TIMEZONE:Pacific/Honolulu" in body
    assert b"DTEND;TZID=Pacific/Honolulu:" in body and b"America/Los_Angeles" not in body
