"""Plain functions shared by tests/canvasfeed and tests/e2e (not fixtures)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient
from icalendar import Calendar

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FEED_LINK = re.compile(r'(https?://[^"<\s]+/feeds/[A-Za-z0-9_-]+\.ics)')

#: Before the sandbox semester (TERM_START 2026-08-31): Canvas's feed window
#: (30 days back, 366 ahead) then holds every dated assignment of the term.
BEFORE_TERM = datetime(2026, 8, 24, 12, tzinfo=UTC)


def canvas_feed_url(sandbox: Any, school: str, user_id: int) -> str:
    """The sandbox user's own Canvas calendar-feed URL (Canvas → Calendar → Calendar Feed)."""
    user = sandbox.world.users[user_id]
    return f"{sandbox.schools[school].url}/feeds/calendars/user_{user.feed_uuid}.ics"


async def connect_form_token(client: TestClient) -> str:
    page = await client.get("/connect/canvas-feed")
    assert page.status == 200
    match = _CSRF.search(await page.text())
    assert match
    return match.group(1)


async def post_feed_url(client: TestClient, feed_url: str) -> tuple[int, str | None, str]:
    """Submit the connect form as a browser would; (status, Location, body)."""
    token = await connect_form_token(client)
    response = await client.post("/connect/canvas-feed", data={"csrf_token": token, "feed_url": feed_url},
                                 allow_redirects=False)
    return response.status, response.headers.get("Location"), await response.text()


def feed_events(body: bytes) -> dict[str, Any]:
    """{UID: VEVENT} of a calendar; fails on duplicate UIDs."""
    events = list(Calendar.from_ical(body).walk("VEVENT"))
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids)), "duplicate UIDs"
    return {str(e["UID"]): e for e in events}


def feed_path(url: str) -> str:
    return "/feeds/" + url.rsplit("/feeds/", 1)[1]


async def feed_link_on_me(client: TestClient) -> str:
    """The calendar link the signed-in student's /me shows (the URL their calendar subscribes to)."""
    page = await client.get("/me", allow_redirects=False)
    assert page.status == 200, f"/me answered {page.status}: not signed in"
    match = _FEED_LINK.search(await page.text())
    assert match, "no calendar link on /me"
    return match.group(1)
