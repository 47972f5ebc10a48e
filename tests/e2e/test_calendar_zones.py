"""Everything a student sees in Canvas, on the right day, at schools in three time zones (issue 17).

Schools in America/Phoenix (no DST), Europe/Copenhagen (DST ends 2026-10-25)
and Australia/Sydney (southern DST, starts 2026-10-04), from the sandbox's
zone world; our server and the sandbox on real sockets. For a student who
signed in with Canvas (OAuth) and for one who connected Canvas's calendar
feed, every calendar event (course, section, group, all-day), to-do item,
planner note (turned on) and both checkpoint dates appear exactly once, at
their instant or on their local date, read by three parsers; a deleted event
leaves; a hidden section parent never shows. The expected values come from
the sandbox's data, written out here rather than through its views.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from feedserver.app import create_app, sync_sources
from feedserver.canvasfeed.appkeys import feed_source_key
from feedserver.sandbox import SandboxWorld
from feedserver.sandbox.student_view import checkpoint_status, effective_dates, visible_assignments
from feedserver.store.models import Student
from feedserver.typedefs import db_key
from tests.auth.helpers import csrf_of, sign_in
from tests.canvasfeed.helpers import BEFORE_TERM, canvas_feed_url, connect_form_token, feed_path
from tests.conftest import TERM_START, Sandbox, make_config, running_sandbox
from tests.feeds.parsers import parse_everywhere
from tests.sync.conftest import Sleeps, make_service
from tests.sync.helpers import PinnedClock, events

#: Hours east of UTC that the term's timed events must show, per school: both sides of each DST change.
OFFSETS = {"phoenix": {-7}, "copenhagen": {1, 2}, "sydney": {10, 11}}


@pytest.fixture
async def zones() -> AsyncIterator[Sandbox]:
    async with running_sandbox(SandboxWorld.seeded(seed=7, term_start=TERM_START, zones=True)) as running:
        yield running


@pytest.fixture
async def muffin(zones: Sandbox, database_url: str, muffin_port: int, aiohttp_client: Any) -> TestClient:
    tables, env = zones.institution_tables()
    config = make_config({"public_url": f"http://127.0.0.1:{muffin_port}", "database": database_url,
                          "background_sync": False, "allow_private_feed_hosts": True}, tables, env)
    return await aiohttp_client(TestServer(create_app(config), host="127.0.0.1", port=muffin_port))


def first_student(world: SandboxWorld, school: str) -> int:
    return min(u.id for u in world.school_users(school) if not u.login_id.startswith("teacher."))


def expected(world: SandboxWorld, user_id: int, *, personal: bool) -> dict[str, Any]:
    """UID prefix and id → the Canvas object the student's calendar must show once."""
    courses = {e.course_id for e in world.enrollments_of(user_id) if e.type == "StudentEnrollment"}
    sections = {f"course_section_{s.id}" for s in world.sections.values() if user_id in s.student_ids}
    groups = {f"group_{g.id}" for g in world.groups.values() if user_id in g.member_ids}
    parents = {e.parent_event_id for e in world.events.values()
               if e.parent_event_id is not None and e.workflow_state == "active"}
    shown: dict[str, Any] = {}
    for e in world.events.values():
        if e.workflow_state != "active" or e.id in parents:
            continue  # deleted, or a course event split into section events
        mine = ((not e.context_code and e.course_id in courses) or e.context_code in sections
                or e.context_code in groups or (personal and e.context_code == f"user_{user_id}"))
        if mine:
            shown[f"calendar-event-{e.id}"] = e
    return shown


def check_event(feed: dict[str, Any], host: str, key: str, event: Any, zone: ZoneInfo) -> None:
    found = feed[f"{key}@{host}"]
    if event.all_day:
        assert (found.DTSTART, found.DTEND) == (event.all_day_date, event.all_day_date + timedelta(days=1)), key
    else:
        assert (found.DTSTART, found.DTEND) == (event.start_at, event.end_at), key  # the same instants...
        assert found.DTSTART.utcoffset() == event.start_at.astimezone(zone).utcoffset()  # ...in the school's zone


def offsets(feed: dict[str, Any]) -> set[int]:
    return {int(e.DTSTART.utcoffset().total_seconds() // 3600) for e in feed.values()
            if isinstance(e.DTSTART, datetime)}


@pytest.mark.parametrize("school", sorted(OFFSETS))
async def test_an_oauth_student_sees_everything_once_at_the_right_time(muffin: TestClient, zones: Sandbox,
                                                                      school: str) -> None:
    world = zones.world
    for running in zones.schools.values():
        running.state.now = lambda: world.anchor
    user_id = first_student(world, school)
    zone = ZoneInfo(world.schools[school].time_zone)
    host = zones.schools[school].url.split("://", 1)[1]
    login = await sign_in(muffin, school, user_id=user_id)
    assert login.status == 302 and login.location == "/me", login.text
    patch = await muffin.patch("/api/me/settings", json={"planner_notes": True},
                               headers={"X-CSRF-Token": await csrf_of(muffin)})
    assert patch.status == 200, await patch.text()
    async with muffin.app[db_key]() as session:
        student_id = await session.scalar(select(Student.id).where(Student.canvas_user_id == str(user_id)))
    clock = PinnedClock(world.anchor)
    service = make_service(muffin, clock, Sleeps())
    assert (await service.sync_student(student_id)).outcome == "ok"

    me = await (await muffin.get("/api/me")).json()
    body = await (await muffin.get(feed_path(me["feed"]["url"]))).read()
    parse_everywhere(body)  # icalendar, ical and vobject agree on every event
    feed = events(body)  # and no UID occurs twice

    shown = expected(world, user_id, personal=False)
    assert {uid.split("@")[0] for uid in feed if uid.startswith("calendar-event-")} == shown.keys()
    for key, event in shown.items():
        check_event(feed, host, key, event, zone)
    kinds = {e.context_code.split("_")[0] if e.context_code else "course" for e in shown.values()}
    assert kinds == {"course", "group"} and any(e.parent_event_id for e in shown.values())  # section children
    assert any(e.all_day for e in shown.values())

    courses = {e.course_id for e in world.enrollments_of(user_id)}
    todos = [t for t in world.todos.values() if t.course_id in courses]
    assert {f"todo-{t.type}-{t.id}@{host}" for t in todos} == {u for u in feed if u.startswith("todo-")}
    for t in todos:
        assert feed[f"todo-{t.type}-{t.id}@{host}"].DTEND == t.todo_date
    (note,) = [n for n in world.notes.values() if n.user_id == user_id]
    assert [u for u in feed if u.startswith("planner-note-")] == [f"planner-note-{note.id}@{host}"]
    assert feed[f"planner-note-{note.id}@{host}"].DTEND == note.todo_date

    checkpointed = [a for c in courses for a in visible_assignments(world, user_id, c) if a.checkpoints]
    assert len(checkpointed) == len(courses)
    for a in checkpointed:
        assert f"assignment-{a.id}@{host}" not in feed  # the parent has no date of its own
        for checkpoint in a.checkpoints:
            found = feed[f"checkpoint-{a.id}-{checkpoint.tag}@{host}"]
            assert found.DTEND == checkpoint.due_at
            status = checkpoint_status(world, a, checkpoint, user_id, world.anchor)
            assert str(found["X-MUFFIN-SUBMITTED"]) == ("true" if status.submitted else "false")
    dated = [a for c in courses for a in visible_assignments(world, user_id, c)
             if effective_dates(world, a, user_id).due_at is not None]
    assert len([u for u in feed if u.startswith("assignment-")]) == len(dated)
    assert offsets(feed) == OFFSETS[school]

    # The teacher deletes an event: Canvas stops listing it, and it leaves the calendar.
    gone = next(e for e in shown.values() if not e.context_code and not e.all_day)
    zones.schools[school].state.world.delete_event(gone.id, world.anchor)
    clock.moment += timedelta(hours=1)
    assert (await service.sync_student(student_id)).outcome == "ok"
    after = events(await (await muffin.get(feed_path(me["feed"]["url"]))).read())
    assert after.keys() == feed.keys() - {f"calendar-event-{gone.id}@{host}"}


@pytest.mark.parametrize("school", sorted(OFFSETS))
async def test_a_canvas_feed_student_sees_what_canvas_feed_has_once_on_the_right_day(
        muffin: TestClient, zones: Sandbox, school: str) -> None:
    world = zones.world
    zones.schools[school].state.now = lambda: BEFORE_TERM  # Canvas's feed then holds the whole term
    muffin.app[feed_source_key].clock = lambda: world.anchor
    user_id = first_student(world, school)
    zone_name = world.schools[school].time_zone
    zone = ZoneInfo(zone_name)
    host = zones.schools[school].url.split("://", 1)[1]
    token = await connect_form_token(muffin)
    # What timezone.js puts in the hidden field: the browser's zone.
    sent = await muffin.post("/connect/canvas-feed", allow_redirects=False, data={
        "csrf_token": token, "feed_url": canvas_feed_url(zones, school, user_id), "time_zone": zone_name})
    assert (sent.status, sent.headers.get("Location")) == (303, "/me"), await sent.text()
    me = await (await muffin.get("/api/me")).json()
    assert me["user"]["time_zone"] == zone_name and me["source"] == "canvas_feed" and me["problem"] is None
    body = await (await muffin.get(feed_path(me["feed"]["url"]))).read()
    parse_everywhere(body)
    feed = events(body)

    shown = expected(world, user_id, personal=False)  # Canvas's feed has personal events; off by default
    assert {uid.split("@")[0] for uid in feed if uid.startswith("calendar-event-")} == shown.keys()
    for key, event in shown.items():
        check_event(feed, host, key, event, zone)
    # Canvas's feed has no to-dos, notes or checkpoints (docs/canvas-facts.md §4.5): none appear, none twice.
    assert not [u for u in feed if u.split("-")[0] in ("todo", "planner", "checkpoint")]
    courses = {e.course_id for e in world.enrollments_of(user_id)}
    all_day = timed = 0
    for a in (a for c in courses for a in visible_assignments(world, user_id, c)):
        dates = effective_dates(world, a, user_id)
        if dates.due_at is None:
            continue
        found = feed[f"assignment-{a.id}@{host}"]
        if dates.all_day:  # due 23:59 in the course's zone: Canvas writes its date, and so do we
            assert (found.DTSTART, found.DTEND) == (dates.all_day_date, dates.all_day_date + timedelta(days=1))
            all_day += 1
        else:
            assert found.DTEND == dates.due_at and found.DTEND.utcoffset() == dates.due_at.astimezone(zone).utcoffset()
            timed += 1
    assert all_day and timed
    assert offsets(feed) == OFFSETS[school]

    # The teacher deletes an event: Canvas's feed stops carrying it, and the next sync takes it away.
    gone = next(e for e in shown.values() if not e.context_code and not e.all_day)
    zones.schools[school].state.world.delete_event(gone.id, world.anchor)
    clock = PinnedClock(world.anchor + timedelta(hours=1))
    service = make_service(muffin, clock, Sleeps(), sources=sync_sources(muffin.app))
    async with muffin.app[db_key]() as session:
        student_id = await session.scalar(select(Student.id))
    assert (await service.sync_student(student_id)).outcome == "ok"
    after = events(await (await muffin.get(feed_path(me["feed"]["url"]))).read())
    assert after.keys() == feed.keys() - {f"calendar-event-{gone.id}@{host}"}


async def test_the_feed_students_time_zone_comes_from_the_form_and_can_change(muffin: TestClient,
                                                                              zones: Sandbox) -> None:
    world = zones.world
    zones.schools["sydney"].state.now = lambda: BEFORE_TERM
    muffin.app[feed_source_key].clock = lambda: world.anchor
    user_id = first_student(world, "sydney")
    url = canvas_feed_url(zones, "sydney", user_id)
    # Scripts off: the hidden field stays empty and the <select> sends the zone.
    sent = await muffin.post("/connect/canvas-feed", allow_redirects=False, data=[
        ("csrf_token", await connect_form_token(muffin)), ("feed_url", url), ("time_zone", ""),
        ("time_zone", "Australia/Sydney")])
    assert sent.status == 303
    page = await (await muffin.get("/me")).text()
    assert '<option value="Australia/Sydney" selected>' in page
    token = await csrf_of(muffin)
    bad = await muffin.post("/me/time-zone", allow_redirects=False, data={"csrf_token": token, "time_zone": "Mars/Base"})
    assert bad.status == 400
    moved = await muffin.post("/me/time-zone", allow_redirects=False,
                              data={"csrf_token": token, "time_zone": "Europe/Copenhagen"})
    assert moved.status == 303
    me = await (await muffin.get("/api/me")).json()
    assert me["user"]["time_zone"] == "Europe/Copenhagen"
    body = await (await muffin.get(feed_path(me["feed"]["url"]))).read()
    assert b"X-WR-TIMEZONE:Europe/Copenhagen" in body and b"TZID=Australia/Sydney" not in body
    async with muffin.app[db_key]() as session:
        student = (await session.scalars(select(Student))).one()
    # The next sync reads Canvas's feed in full again, with the new zone, and comes now.
    assert student.canvas_feed_etag is None and student.next_sync_at <= datetime.now(student.next_sync_at.tzinfo)
