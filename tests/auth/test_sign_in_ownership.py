"""A sign-in never lands in someone else's calendar-feed student.

On a shared computer one student connects their own Canvas calendar feed and
walks away still signed in; the next student signs in with Canvas. Before,
the sign-in took over whatever feed student the session held, so the first
student's calendar URL showed the second student's calendar from then on (and
the second student's own URL died). Whose row is whose is Canvas's word alone:
a feed student joins a Canvas user only if that user's own profile names its
feed. Real sockets: our server and the sandbox, on both engines.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from feedserver.store.models import Student
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.auth.helpers import csrf_of, sign_in
from tests.canvasfeed.helpers import (
    BEFORE_TERM,
    canvas_feed_url,
    feed_events,
    feed_link_on_me,
    feed_path,
    post_feed_url,
)

FIRST = 1001
"""The student who connected their feed and left the browser signed in."""


def next_student(sandbox: Any) -> int:
    """Another north student, in other courses than FIRST (so their calendars differ)."""
    world = sandbox.world
    courses = {e.course_id for e in world.enrollments_of(FIRST)}
    return next(u.id for u in world.school_users("north") if u.id != FIRST
                and {e.course_id for e in world.enrollments_of(u.id) if e.type == "StudentEnrollment"}
                not in (courses, set()))


async def events_at(muffin: TestClient, link: str) -> set[str]:
    answer = await muffin.get(feed_path(link))
    assert answer.status == 200, f"{link} answered {answer.status}"
    return set(feed_events(await answer.read()))


async def rows(muffin: TestClient) -> dict[str, str]:
    """{Canvas user id: source} of every student."""
    async with muffin.app[db_key]() as session:
        return {row.canvas_user_id: row.source for row in (await session.execute(
            select(Student.canvas_user_id, Student.source))).all()}


async def first_student_walks_away(muffin: TestClient, sandbox: Any) -> tuple[str, set[str]]:
    """FIRST connects their own feed in this browser; the link they know, and what it shows."""
    sandbox.schools["north"].state.now = lambda: BEFORE_TERM
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", FIRST)))[:2] == (303, "/me")
    known = await feed_link_on_me(muffin)
    return known, await events_at(muffin, known)


async def test_the_next_sign_in_gets_a_row_of_its_own(muffin: Any, sandbox: Any) -> None:
    known, first_calendar = await first_student_walks_away(muffin, sandbox)
    victim = next_student(sandbox)
    assert (await sign_in(muffin, "north", user_id=victim)).status == 302  # same browser, FIRST's session
    own = await feed_link_on_me(muffin)
    assert own != known
    students = await rows(muffin)
    assert students[str(victim)] == "oauth" and len(students) == 2
    assert sorted(students.values()) == ["canvas_feed", "oauth"]  # FIRST is still a feed student
    async with muffin.app[db_key]() as session:
        victim_id = await session.scalar(select(Student.id).where(Student.canvas_user_id == str(victim)))
    assert victim_id is not None
    assert (await muffin.app[sync_service_key].sync_student(victim_id)).outcome == "ok"
    victim_calendar = await events_at(muffin, own)
    assert victim_calendar != first_calendar
    # The link FIRST knows still shows FIRST's calendar, nothing of the next student's.
    assert await events_at(muffin, known) == first_calendar


async def test_the_next_students_own_link_keeps_working(muffin: Any, sandbox: Any) -> None:
    victim = next_student(sandbox)
    assert (await sign_in(muffin, "north", user_id=victim)).status == 302  # long ago, on this computer
    own = await feed_link_on_me(muffin)
    await muffin.post("/logout", data={"csrf_token": await csrf_of(muffin)})
    known, first_calendar = await first_student_walks_away(muffin, sandbox)
    assert (await sign_in(muffin, "north", user_id=victim)).status == 302
    assert await feed_link_on_me(muffin) == own
    await events_at(muffin, own)
    assert await events_at(muffin, known) == first_calendar
    assert sorted((await rows(muffin)).values()) == ["canvas_feed", "oauth"]
    assert "Your calendar link changed" not in await (await muffin.get("/me")).text()


async def test_signing_in_at_another_school_leaves_the_feed_student_alone(muffin: Any, sandbox: Any) -> None:
    known, first_calendar = await first_student_walks_away(muffin, sandbox)
    south_user = next(u.id for u in sandbox.world.users.values() if u.school == "south")
    assert (await sign_in(muffin, "south", user_id=south_user)).status == 302
    assert sorted((await rows(muffin)).values()) == ["canvas_feed", "oauth"]
    assert await events_at(muffin, known) == first_calendar
