"""POST /connect/canvas-feed and the feed students' sync, over real sockets with the sandbox."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from feedserver.canvasfeed.appkeys import feed_source_key
from feedserver.store.feed_students import feed_user_id, unconfigured_slug
from feedserver.store.models import Assignment, Institution, SchoolRequest, Student, SyncRun
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.auth.helpers import count
from tests.canvasfeed.conftest import MakeMuffin
from tests.canvasfeed.helpers import BEFORE_TERM, canvas_feed_url, connect_form_token, post_feed_url

NORTH_STUDENT = 1001


def feed_requests(state: Any) -> list[Any]:
    return [r for r in state.request_log if r.path.startswith("/feeds/calendars/")]


async def test_a_student_at_an_unconfigured_school_connects_and_is_counted(
        make_muffin: MakeMuffin, sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    muffin = await make_muffin(schools=["south"])  # north has not switched Homework Muffin on
    north = sandbox.schools["north"]
    north.state.now = lambda: BEFORE_TERM
    url = canvas_feed_url(sandbox, "north", NORTH_STUDENT)
    host = north.url.split("://")[1]

    assert (await post_feed_url(muffin, url))[:2] == (303, "/me")
    async with muffin.app[db_key]() as session:
        school = (await session.scalars(select(Institution).where(Institution.canvas_host == host))).one()
        student = (await session.scalars(select(Student))).one()
        stored = await session.scalar(select(func.count()).select_from(Assignment))
    assert (school.slug, school.configured) == (unconfigured_slug(host), False)
    assert (student.source, student.institution_id) == ("canvas_feed", school.id)
    code = url.rsplit("user_", 1)[1].removesuffix(".ics")
    assert student.canvas_user_id == feed_user_id(code) and code not in student.canvas_user_id
    assert student.canvas_feed_url_enc and code not in student.canvas_feed_url_enc  # encrypted at rest
    assert student.canvas_feed_etag and stored and stored > 10

    me = await muffin.get("/me")
    page = await me.text()
    assert me.status == 200
    assert "Submission status and points are" in page and "unknown" in page
    assert f"/schools/not-yet?host={host.replace(':', '%3A')}" in page
    assert "/login?institution=" not in page  # nothing to upgrade to yet

    # Connecting again from the same browser neither adds a student nor counts twice.
    assert (await post_feed_url(muffin, url))[0] == 303
    assert await count(muffin, Student) == 1
    assert await count(muffin, SchoolRequest) == 1
    async with muffin.app[db_key]() as session:
        assert await session.scalar(select(SchoolRequest.canvas_host)) == host

    for record in caplog.records:
        if record.name != "aiohttp.access":  # the test server's own access log; production logs route names
            assert code not in record.getMessage()


async def test_feed_students_sync_on_the_schedule_with_conditional_requests(make_muffin: MakeMuffin,
                                                                            sandbox: Any) -> None:
    muffin = await make_muffin()
    north = sandbox.schools["north"]
    north.state.now = lambda: BEFORE_TERM
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", NORTH_STUDENT)))[0] == 303
    async with muffin.app[db_key]() as session:
        student = (await session.scalars(select(Student))).one()
    service = muffin.app[sync_service_key]
    assert student.id in await service.syncable_ids()
    north.state.request_log.clear()

    unchanged = await service.sync_student(student.id)
    assert (unchanged.outcome, unchanged.requests, unchanged.added + unchanged.changed) == ("ok", 1, 0)
    assert [r.status for r in feed_requests(north.state)] == [304]

    # A teacher renames an assignment: the next sync downloads the new feed and bumps SEQUENCE.
    async with muffin.app[db_key]() as session:
        first = (await session.scalars(select(Assignment).order_by(Assignment.id))).first()
    assert first is not None
    north.state.world.assignments[int(first.canvas_assignment_id)].name = "Renamed by the teacher"
    changed = await service.sync_student(student.id)
    assert (changed.outcome, changed.changed, changed.rendered) == ("ok", 1, True)
    async with muffin.app[db_key]() as session:
        row = await session.get(Assignment, first.id)
        runs = (await session.scalars(select(SyncRun.outcome).where(SyncRun.student_id == student.id))).all()
    assert (row.title, row.sequence) == ("Renamed by the teacher", first.sequence + 1)
    assert list(runs) == ["ok", "ok", "ok"]


async def test_a_feed_that_stops_working_fails_the_run_and_keeps_the_data(make_muffin: MakeMuffin,
                                                                          sandbox: Any) -> None:
    muffin = await make_muffin()
    north = sandbox.schools["north"]
    north.state.now = lambda: BEFORE_TERM
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", NORTH_STUDENT)))[0] == 303
    before = await count(muffin, Assignment)
    sandbox.world.users[NORTH_STUDENT].feed_uuid = "reset" + "0" * 35  # the student reset their feed in Canvas
    async with muffin.app[db_key]() as session:
        student_id = (await session.scalars(select(Student.id))).one()
    outcome = await muffin.app[sync_service_key].sync_student(student_id)
    assert outcome.outcome == "error" and "copy it again" in (outcome.error or "")
    assert await count(muffin, Assignment) == before


@pytest.mark.parametrize(("url", "message"), [
    ("http://canvas.example.edu/feeds/calendars/user_abcdef123456.ics", "Only https://"),
    ("https://127.0.0.1/feeds/calendars/user_abcdef123456.ics", "not a public Internet address"),
    ("https://169.254.169.254/feeds/calendars/user_abcdef123456.ics", "not a public Internet address"),
    ("https://[::ffff:10.0.0.1]/feeds/calendars/user_abcdef123456.ics", "not a public Internet address"),
    ("https://canvas.example.edu/courses/1", "not a Canvas calendar feed address"),
], ids=["http", "loopback", "metadata", "mapped-private", "wrong-path"])
async def test_the_form_refuses_hostile_urls_with_a_clear_message(make_sqlite_muffin: MakeMuffin, sandbox: Any,
                                                                  url: str, message: str) -> None:
    muffin = await make_sqlite_muffin(allow_private_feed_hosts=False)
    status, _, page = await post_feed_url(muffin, url)
    assert status == 400
    assert message in page and 'role="alert"' in page
    assert "abcdef123456" not in page  # the pasted secret is not echoed back
    assert await count(muffin, Student) == 0


async def test_the_production_switch_refuses_the_loopback_sandbox(make_sqlite_muffin: MakeMuffin, sandbox: Any) -> None:
    muffin = await make_sqlite_muffin(allow_private_feed_hosts=False)
    north = sandbox.schools["north"]
    url = canvas_feed_url(sandbox, "north", NORTH_STUDENT)
    status, _, page = await post_feed_url(muffin, url)
    assert status == 400 and "https://" in page
    status, _, page = await post_feed_url(muffin, url.replace("http://", "https://"))
    assert status == 400 and "not a public Internet address" in page
    assert feed_requests(north.state) == []


async def test_connection_attempts_per_canvas_host_are_limited(make_sqlite_muffin: MakeMuffin,
                                                                sandbox: Any) -> None:
    muffin = await make_sqlite_muffin()
    limiter = muffin.app[feed_source_key].connect_limiter
    limiter.capacity, limiter.clock = 2, lambda: 0.0  # time stands still: no refill
    north = sandbox.schools["north"]
    for user_id in (NORTH_STUDENT, NORTH_STUDENT + 1):
        assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", user_id)))[0] == 303
    fetched = len(feed_requests(north.state))
    status, _, page = await post_feed_url(muffin, canvas_feed_url(sandbox, "north", NORTH_STUDENT + 2))
    assert status == 429 and "try again in a minute" in page
    assert len(feed_requests(north.state)) == fetched  # refused before any request to that Canvas
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "south", 2001)))[0] == 303  # another host


async def test_the_form_needs_its_csrf_token(make_sqlite_muffin: MakeMuffin, sandbox: Any) -> None:
    muffin = await make_sqlite_muffin()
    await connect_form_token(muffin)
    response = await muffin.post("/connect/canvas-feed",
                                 data={"feed_url": canvas_feed_url(sandbox, "north", NORTH_STUDENT)})
    assert response.status == 403
    assert feed_requests(sandbox.schools["north"].state) == []


async def test_pages_link_to_the_feed_option(make_sqlite_muffin: MakeMuffin, sandbox: Any) -> None:
    muffin = await make_sqlite_muffin()
    landing = await (await muffin.get("/", params={"q": "canvas.nowhere.edu"})).text()
    assert "/connect/canvas-feed?host=canvas.nowhere.edu" in landing
    not_yet = await (await muffin.get("/schools/not-yet", params={"host": "canvas.nowhere.edu"})).text()
    assert "/connect/canvas-feed?host=canvas.nowhere.edu" in not_yet
    north_host = sandbox.schools["north"].url.split("://")[1]
    page = await (await muffin.get("/connect/canvas-feed", params={"host": north_host})).text()
    assert "/login?institution=north" in page  # configured: signing in is offered too


async def test_a_feed_student_can_disconnect(make_sqlite_muffin: MakeMuffin, sandbox: Any) -> None:
    muffin = await make_sqlite_muffin(schools=["south"])
    sandbox.schools["north"].state.now = lambda: BEFORE_TERM
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", NORTH_STUDENT)))[0] == 303
    me = await (await muffin.get("/me")).text()
    feed = "/feeds/" + me.split("/feeds/", 1)[1].split(".ics", 1)[0] + ".ics"
    assert (await muffin.get(feed)).status == 200
    token = me.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await muffin.post("/disconnect", data={"csrf_token": token}, allow_redirects=False)
    assert response.status == 303
    assert await count(muffin, Student) == 0 and await count(muffin, Assignment) == 0
    assert (await muffin.get(feed)).status == 404
