"""A student starts with Canvas's calendar feed, subscribes, and later signs in with OAuth.

The subscribed Homework Muffin URL must keep working and gain submission
status, with the same events (same UIDs, same count; course calendar events
too): no duplicates in the student's calendar. What only the API has (to-do
items, checkpoints) is added. Real sockets: our server and the Canvas sandbox.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from feedserver.store.models import Assignment, Student
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.auth.helpers import sign_in
from tests.canvasfeed.helpers import BEFORE_TERM, canvas_feed_url, feed_events, feed_path, post_feed_url

NORTH_STUDENT = 1001
_FEED_LINK = re.compile(r'(https?://[^"<\s]+/feeds/[A-Za-z0-9_-]+\.ics)')


async def test_feed_student_upgrades_to_oauth_without_duplicates(muffin: Any, sandbox: Any,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    north = sandbox.schools["north"]
    north.state.now = lambda: BEFORE_TERM
    canvas_url = canvas_feed_url(sandbox, "north", NORTH_STUDENT)

    status, location, _ = await post_feed_url(muffin, canvas_url)
    assert (status, location) == (303, "/me")
    me = await (await muffin.get("/me")).text()
    assert "Submission status and points are" in me and "unknown" in me
    assert "/login?institution=north" in me  # the school is configured: offer the upgrade
    subscribed = _FEED_LINK.search(me).group(1)  # type: ignore[union-attr]

    before = await muffin.get(feed_path(subscribed))
    assert before.status == 200
    everything_before = feed_events(await before.read())
    events_before = {uid: e for uid, e in everything_before.items() if uid.startswith("assignment-")}
    assert len(events_before) >= 10
    assert {str(e["X-MUFFIN-SUBMITTED"]) for e in events_before.values()} == {"unknown"}
    assert all(uid.endswith(f"@{north.url.split('://')[1]}") for uid in everything_before)
    calendar_events = {uid for uid in everything_before if uid.startswith("calendar-event-")}
    assert calendar_events and everything_before.keys() == events_before.keys() | calendar_events

    # The student hands in two assignments in Canvas, then signs in with OAuth from the same browser.
    async with muffin.app[db_key]() as session:
        ids = (await session.scalars(select(Assignment.canvas_assignment_id).order_by(Assignment.due_at)
                                     .limit(2))).all()
    for assignment_id in ids:
        north.state.submit(NORTH_STUDENT, int(assignment_id))
    login = await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    assert login.status == 302, login.text
    async with muffin.app[db_key]() as session:
        students = (await session.scalars(select(Student))).all()
        assert len(students) == 1  # the feed student's row became the OAuth student
        assert (students[0].source, students[0].canvas_user_id) == ("oauth", str(NORTH_STUDENT))
        assert students[0].canvas_feed_url_enc is None
    outcome = await muffin.app[sync_service_key].sync_student(students[0].id)
    assert outcome.outcome == "ok", outcome

    after = await muffin.get(feed_path(subscribed))
    assert after.status == 200
    everything_after = feed_events(await after.read())
    events_after = {uid: e for uid, e in everything_after.items() if uid.startswith("assignment-")}
    # The same calendar events under the same UIDs; the API adds to-dos and checkpoints, nothing twice.
    assert calendar_events == {uid for uid in everything_after if uid.startswith("calendar-event-")}
    assert {uid.split("-")[0] for uid in everything_after.keys() - everything_before.keys()} == {"todo", "checkpoint"}
    assert events_after.keys() == events_before.keys()
    assert len(events_after) == len(events_before)
    submitted = {uid for uid, e in events_after.items() if str(e["X-MUFFIN-SUBMITTED"]) == "true"}
    host = north.url.split("://")[1]
    assert {f"assignment-{i}@{host}" for i in ids} <= submitted
    assert all(str(events_after[uid]["SUMMARY"]).startswith("✓ ") for uid in submitted)
    # Canvas now tells us every state: nothing is left "unknown", and unsubmitted work is not marked.
    assert {str(e["X-MUFFIN-SUBMITTED"]) for e in events_after.values()} == {"true", "false"}
    assert not any(str(e["SUMMARY"]).startswith("✓ ") for uid, e in events_after.items() if uid not in submitted)
    # Calendar apps replace a changed event only if its SEQUENCE grew.
    assert all(int(events_after[u]["SEQUENCE"]) > int(events_before[u]["SEQUENCE"]) for u in events_after)
    async with muffin.app[db_key]() as session:
        assert await session.scalar(select(func.count()).select_from(Student)) == 1

    secret = canvas_url.rsplit("user_", 1)[1].removesuffix(".ics")
    token = subscribed.rsplit("/", 1)[1].removesuffix(".ics")
    for record in caplog.records:
        if record.name == "aiohttp.access":
            continue  # the test server's default access log; production logs route names (RouteAccessLogger)
        message = record.getMessage()
        assert secret not in message and token not in message, message
