"""Every real Canvas feed of the corpus, connected as a student would (issue 17, item 9).

tests/data/canvas_feeds/ holds five feeds Canvas produced at five schools,
and manifest.json says, per event, its exact UTC instant or its local date.
Each feed is served from a loopback server at a Canvas feed path and
connected through ``POST /connect/canvas-feed`` with the school's zone in the
form's time-zone field (what the browser sends). Our feed must then hold
every assignment and calendar event exactly once, under the UID the OAuth
sync would give it, at its instant (timed) or on its date (all-day), and
read the same in icalendar, ical and vobject.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from feedserver.canvasfeed.appkeys import feed_source_key
from tests.canvasfeed.conftest import MakeMuffin, ServerFactory
from tests.canvasfeed.helpers import connect_form_token, feed_events, feed_path
from tests.feeds.parsers import parse_everywhere

CORPUS = Path(__file__).resolve().parents[1] / "data" / "canvas_feeds"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["feeds"]
CODE = "0123456789abcdef0123456789abcdef01234567"  # a stand-in feed code: the real ones are not in the files


def our_uid(event: dict[str, Any], host: str) -> str:
    """Canvas's object (the URL fragment, which override UIDs keep) → the UID our feed gives it."""
    kind, _, number = event["url_object"].rpartition("_")
    prefix = {"assignment": "assignment", "calendar_event": "calendar-event"}[kind]
    return f"{prefix}-{number}@{host}"


@pytest.mark.parametrize("name", sorted(MANIFEST))
async def test_a_real_canvas_feed_connects_with_every_event_once_at_its_time(
        make_sqlite_muffin: MakeMuffin, serve: ServerFactory, name: str) -> None:
    facts = MANIFEST[name]
    routes = web.RouteTableDef()

    @routes.get(f"/feeds/calendars/user_{CODE}.ics")
    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=(CORPUS / name).read_bytes(), content_type="text/calendar", charset="utf-8")

    canvas = await serve("127.0.0.1", routes)
    muffin = await make_sqlite_muffin()
    # "Now" is the feed's first day, so none of its (years old) events has left the feed's window.
    first = date.fromisoformat(facts["dtstart_range_local"][0])
    muffin.app[feed_source_key].clock = lambda: datetime.combine(first, datetime.min.time(), UTC)
    sent = await muffin.post("/connect/canvas-feed", allow_redirects=False, data={
        "csrf_token": await connect_form_token(muffin), "feed_url": canvas.url(f"/feeds/calendars/user_{CODE}.ics"),
        "time_zone": facts["iana_zone"]})
    assert (sent.status, sent.headers.get("Location")) == (303, "/me"), await sent.text()

    me = await (await muffin.get("/api/me")).json()
    body = await (await muffin.get(feed_path(me["feed"]["url"]))).read()
    parse_everywhere(body)  # three parsers agree on every UID, instant and title
    ours = feed_events(body)  # each UID once
    host = f"127.0.0.1:{canvas.port}"
    wanted = {our_uid(event, host): event for event in facts["events"].values()}
    assert len(wanted) == facts["vevent_count"] and ours.keys() == wanted.keys()
    zone = ZoneInfo(facts["iana_zone"])
    for uid, event in wanted.items():
        found = ours[uid]
        if event["all_day"]:
            day = date.fromisoformat(event["local_date"])
            assert (found.DTSTART, found.DTEND) == (day, day + timedelta(days=1)), uid
            continue
        instant = datetime.fromisoformat(event["utc"].replace("Z", "+00:00"))
        # Deadlines (and Canvas's zero-length events) end at their time; events with a length start at it.
        shown = found.DTEND if event.get("zero_length") else found.DTSTART
        assert shown == instant, uid
        assert shown.utcoffset() == instant.astimezone(zone).utcoffset(), uid  # in the student's zone
    assert {str(e["X-MUFFIN-SUBMITTED"]) for u, e in ours.items() if u.startswith("assignment-")} == {"unknown"}
