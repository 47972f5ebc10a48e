"""Canvas's own calendar feed, parsed back with icalendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiohttp.test_utils import TestClient
from icalendar import Calendar

from feedserver.sandbox import SandboxState, SandboxWorld
from feedserver.sandbox.ics_feed import html_to_text

from .conftest import NORTH_STUDENT


def feed_path(world: SandboxWorld, user_id: int) -> str:
    return f"/feeds/calendars/user_{world.users[user_id].feed_uuid}.ics"


async def fetch(client: TestClient, path: str) -> Calendar:
    resp = await client.get(path)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(await resp.read())


async def test_feed_header(north: TestClient, world: SandboxWorld) -> None:
    cal = await fetch(north, feed_path(world, NORTH_STUDENT))
    assert str(cal["PRODID"]) == "icalendar-ruby"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "Ava Martínez Calendar (Canvas)"
    assert not cal.walk("VTIMEZONE") and not cal.walk("VALARM")


async def test_assignment_events(north: TestClient, world: SandboxWorld) -> None:
    events = (await fetch(north, feed_path(world, NORTH_STUDENT))).walk("VEVENT")
    assignments = [e for e in events if str(e["UID"]).startswith("event-assignment-")]
    assert len(assignments) > 20
    for event in assignments:
        start = event.decoded("DTSTART")
        assert str(event["SUMMARY"]).endswith("]")
        assert str(event["URL"]).split("#")[1].startswith("assignment_")
        if isinstance(start, datetime):
            assert start.utcoffset() == timedelta(0)
            assert event.decoded("DTEND") == start  # zero length
        else:
            assert isinstance(start, date) and "DTEND" not in event
    assert any(not isinstance(e.decoded("DTSTART"), datetime) for e in assignments)
    assert any(isinstance(e.decoded("DTSTART"), datetime) for e in assignments)


async def test_unpublished_never_in_feed(north: TestClient, world: SandboxWorld) -> None:
    hidden = {f"event-assignment-{a.id}" for a in world.assignments.values() if not a.published}
    for user in world.school_users("north")[:5]:
        events = (await fetch(north, feed_path(world, user.id))).walk("VEVENT")
        assert not hidden & {str(e["UID"]) for e in events}


async def test_override_gets_its_own_uid(north: TestClient, world: SandboxWorld) -> None:
    override = next(o for o in world.overrides.values()
                    if world.users[o.student_ids[0]].school == "north"
                    and abs(o.due_at - world.anchor) < timedelta(days=30))
    student = override.student_ids[0]
    events = (await fetch(north, feed_path(world, student))).walk("VEVENT")
    mine = next(e for e in events if str(e["UID"]) == f"event-assignment-override-{override.id}")
    assert "(1 student)" in str(mine["SUMMARY"])
    assert str(mine["URL"]).endswith(f"#assignment_{override.assignment_id}")


async def test_etag_and_304(north: TestClient, north_state: SandboxState,
                            world: SandboxWorld) -> None:
    path = feed_path(world, NORTH_STUDENT)
    first = await north.get(path)
    etag = first.headers["ETag"]
    again = await north.get(path, headers={"If-None-Match": etag})
    assert again.status == 304
    course = min(e.course_id for e in world.enrollments_of(NORTH_STUDENT))
    nearby = next(a for a in world.course_assignments(course) if a.published and a.due_at
                  and abs(a.due_at - world.anchor) < timedelta(days=10))
    north_state.edit_assignment(nearby.id, name="Changed")
    changed = await north.get(path, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag


async def test_unknown_feed_is_404(north: TestClient) -> None:
    assert (await north.get("/feeds/calendars/user_nope.ics")).status == 404


async def test_course_feed(north: TestClient, world: SandboxWorld) -> None:
    course = world.courses[min(c.id for c in world.courses.values() if c.school == "north")]
    cal = await fetch(north, f"/feeds/calendars/course_{course.uuid}.ics")
    assert all(f"[{course.course_code}]" in str(e["SUMMARY"]) for e in cal.walk("VEVENT"))


async def test_feed_fetches_are_logged_per_user(north: TestClient, north_state: SandboxState,
                                                world: SandboxWorld) -> None:
    await north.get(feed_path(world, NORTH_STUDENT))
    assert north_state.requests_by_user()[NORTH_STUDENT] == 1


def test_html_to_text() -> None:
    assert html_to_text("<p>Read <em>pp. 1–5</em></p><ul><li>a</li><li>b</li></ul>") == \
        "Read pp. 1–5\na\nb"
