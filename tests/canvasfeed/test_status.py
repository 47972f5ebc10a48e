"""A Canvas-feed student whose source breaks sees it at once, and keeps the events they had (issue 17, item 5).

Over real sockets: the sandbox's feed answers 404 (the address was reset in
Canvas), 500, or a redirect to the sign-in page. Within one sync /me and
``GET /api/me`` say what happened and what to do; the feed keeps every event
byte for byte and gains one notice event (at once for a reset address or a
sign-in page, after a day of failing for a server error); fixing it (a new
address pasted on /me, or Canvas answering again) takes the notice away and
the calendar link never changes.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from feedserver.app import sync_sources
from feedserver.canvasfeed.appkeys import feed_source_key
from feedserver.store.models import Student
from feedserver.typedefs import db_key
from tests.auth.helpers import csrf_of
from tests.canvasfeed.conftest import MakeMuffin
from tests.canvasfeed.helpers import BEFORE_TERM, canvas_feed_url, feed_events, feed_path, post_feed_url
from tests.sync.conftest import Sleeps, make_service
from tests.sync.helpers import PinnedClock

STUDENT = 1001


async def student_id(muffin: TestClient) -> int:
    async with muffin.app[db_key]() as session:
        return int(await session.scalar(select(Student.id)))
_NOTICE = re.compile(rb"BEGIN:VEVENT\r\n(?:(?!END:VEVENT).)*?UID:hm-notice-.*?END:VEVENT\r\n", re.DOTALL)


def break_feed(state: Any, how: str) -> None:
    if how == "reset":
        state.reset_calendar_feed(STUDENT)
    elif how == "server_error":
        state.faults.feed_server_errors = 1000
    else:
        state.faults.feed_login_page = True


@pytest.mark.parametrize(("how", "kind", "at_once"), [
    ("reset", "feed_gone", True),
    ("server_error", "unavailable", False),
    ("login_page", "login_page", True),
])
async def test_a_broken_feed_shows_on_me_and_in_the_api_within_one_sync(
        make_muffin: MakeMuffin, sandbox: Any, how: str, kind: str, at_once: bool) -> None:
    muffin: TestClient = await make_muffin()
    north = sandbox.schools["north"]
    north.state.now = lambda: BEFORE_TERM
    clock = PinnedClock(sandbox.world.anchor)
    muffin.app[feed_source_key].clock = clock
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", STUDENT)))[:2] == (303, "/me")
    me = await (await muffin.get("/api/me")).json()
    subscribed = feed_path(me["feed"]["url"])
    before = await (await muffin.get(subscribed)).read()
    service = make_service(muffin, clock, Sleeps(), sources=sync_sources(muffin.app))

    break_feed(north.state, how)
    clock.moment += timedelta(hours=1)
    outcome = await service.sync_student(me_id := await student_id(muffin))
    assert outcome.outcome == "error"

    problem = (await (await muffin.get("/api/me")).json())["problem"]
    assert problem["kind"] == kind and problem["since"] == f"{clock():%Y-%m-%dT%H:%M:%SZ}"
    notice_from = clock() + (timedelta(0) if at_once else timedelta(days=1))
    assert problem["feed_notice_from"] == f"{notice_from:%Y-%m-%dT%H:%M:%SZ}"
    assert problem["action"] and problem["detail"] == outcome.error
    page = await (await muffin.get("/me")).text()
    assert problem["title"] in page and "Your calendar keeps the events it had" in page
    assert ('action="/me/canvas-feed"' in page) is (how != "server_error")  # a new address fixes those two
    widget = await (await muffin.get("/embed/feed")).text()
    assert problem["title"] in widget

    body = await (await muffin.get(subscribed)).read()
    notice = _NOTICE.search(body)
    assert (notice is not None) is at_once
    assert body.replace(notice.group(0), b"") == before if notice else body == before  # every event as it was
    if not at_once:
        # A Canvas that stays down: after a day the calendar says so too.
        clock.moment += timedelta(days=1)
        assert (await service.sync_student(me_id)).outcome == "error"
        body = await (await muffin.get(subscribed)).read()
        notice = _NOTICE.search(body)
        assert notice is not None and body.replace(notice.group(0), b"") == before
    assert b"SUMMARY:\xe2\x9a\xa0 Homework Muffin: " in notice.group(0)  # clearly labelled: ⚠

    # Fixed: a new address from /me (same student, same calendar link), or Canvas answers again.
    clock.moment += timedelta(hours=1)
    if how == "server_error":
        north.state.faults.feed_server_errors = 0
        assert (await service.sync_student(me_id)).outcome == "ok"
    else:
        north.state.faults.feed_login_page = False
        new_address = canvas_feed_url(sandbox, "north", STUDENT)
        fixed = await muffin.post("/me/canvas-feed", allow_redirects=False,
                                  data={"csrf_token": await csrf_of(muffin), "feed_url": new_address})
        assert fixed.status == 303, await fixed.text()
    assert (await (await muffin.get("/api/me")).json())["problem"] is None
    after = await (await muffin.get(subscribed)).read()
    assert feed_events(after).keys() == feed_events(before).keys() and not _NOTICE.search(after)


async def test_a_new_address_must_be_the_same_canvas_and_nobody_elses(make_muffin: MakeMuffin, sandbox: Any) -> None:
    muffin: TestClient = await make_muffin()
    sandbox.schools["north"].state.now = lambda: BEFORE_TERM
    sandbox.schools["south"].state.now = lambda: BEFORE_TERM
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", 1002)))[0] == 303  # another student
    muffin.session.cookie_jar.clear()  # another browser
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", STUDENT)))[0] == 303
    token = await csrf_of(muffin)
    for address, reason in ((canvas_feed_url(sandbox, "south", 2002), "another Canvas"),
                            (canvas_feed_url(sandbox, "north", 1002), "already connected"),
                            ("https://example.com/not-a-feed", "")):
        refused = await muffin.post("/me/canvas-feed", allow_redirects=False,
                                    data={"csrf_token": token, "feed_url": address})
        assert refused.status == 400 and reason in await refused.text()
    assert (await muffin.post("/me/canvas-feed", allow_redirects=False,
                              data={"feed_url": canvas_feed_url(sandbox, "north", STUDENT)})).status == 403

