"""What a launch shows: connect button, the student's feed and week, or the instructor note."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from feedserver.feeds.tokens import current_feed_token, resolve_feed_token
from feedserver.lti.landing import week_at_a_glance
from feedserver.store.models import Assignment, Course
from feedserver.store.students import set_status, upsert_student
from feedserver.typedefs import cipher_key, db_key
from tests.auth.helpers import consent
from tests.lti.conftest import MakeTool, Tool
from tests.lti.helpers import NORTH, UserAgent, check_of
from tests.lti.platform import TestPlatform

FEED_URL = re.compile(r'id="feed-url" value="([^"]+)"')


async def add_student_with_week(tool: Tool, canvas_user_id: str, *, now: datetime) -> int:
    """A connected student with assignments due before, inside and after the next 7 days."""
    db = tool.app[db_key]
    student_id = await upsert_student(db, "north", canvas_user_id, "Ava Martínez", source="oauth",
                                      time_zone="America/Chicago")
    async with db.begin() as session:
        course = Course(student_id=student_id, canvas_course_id="501", name="Calculus I", course_code="MATH 101")
        session.add(course)
        await session.flush()
        due = {
            "yesterday": now - timedelta(days=1),
            "Problem set 3": now + timedelta(hours=5),
            "Lab report": now + timedelta(days=2),
            "Essay draft": now + timedelta(days=6, hours=23),
            "next month": now + timedelta(days=30),
            "unpublished": now + timedelta(days=1),
        }
        for index, (title, at) in enumerate(due.items()):
            session.add(Assignment(student_id=student_id, course_id=course.id, canvas_assignment_id=str(900 + index),
                                   title=title, due_at=at, published=title != "unpublished",
                                   content_hash=f"{index:064d}"))
        session.add(Assignment(student_id=student_id, course_id=course.id, canvas_assignment_id="999",
                               title="no due date", due_at=None, content_hash="f" * 64))
    return student_id


async def test_a_connected_student_sees_their_feed_and_week(tool: Tool, agent: UserAgent,
                                                            platform: TestPlatform) -> None:
    student_id = await add_student_with_week(tool, "1001", now=datetime.now(UTC))
    launch = await agent.launch(platform, "student")
    page = launch.result.text
    assert launch.result.status == 200 and check_of(page) is None
    assert "Hi Ava Martínez!" in page
    assert "<strong>3</strong> assignments are due in the next 7 days." in page
    assert page.index("Problem set 3") < page.index("Lab report") < page.index("Essay draft")
    for absent in ("yesterday", "next month", "unpublished", "no due date"):
        assert absent not in page
    assert "(America/Chicago)" in page

    feed_url = FEED_URL.search(page).group(1)  # type: ignore[union-attr]
    token = await current_feed_token(tool.app[db_key], tool.app[cipher_key], student_id)
    assert feed_url == f"{tool.url}/feeds/{token}.ics"
    assert await resolve_feed_token(tool.app[db_key], token) == (student_id, "all")
    for button in ("Google Calendar", "Apple Calendar", "Outlook", "Copy link"):
        assert button in page
    assert "Reconnect" not in page

    # Signed in as well (kept wherever the browser allows our cookies, e.g. a new tab).
    me = await agent.get(f"{tool.url}/me")
    assert me.status == 200 and feed_url in me.text


async def test_a_student_whose_grant_lapsed_is_asked_to_reconnect(tool: Tool, agent: UserAgent,
                                                                  platform: TestPlatform) -> None:
    student_id = await add_student_with_week(tool, "1001", now=datetime.now(UTC))
    await set_status(tool.app[db_key], student_id, "reconnect_needed")
    page = (await agent.launch(platform, "student")).result.text
    assert "Reconnect with Canvas" in page
    assert 'href="/login?institution=north&amp;return_to=%2Fme" target="_blank"' in page
    assert FEED_URL.search(page), "the feed keeps working meanwhile"


async def test_a_student_of_another_school_is_not_taken_for_this_one(make_tool: MakeTool,
                                                                     platform: TestPlatform) -> None:
    south = {**NORTH, "slug": "south", "name": "South Coast College", "canvas_url": "http://127.0.0.1:8"}
    tool = await make_tool(institutions=[NORTH, south])
    # Canvas user 1001 connected at south; the platform's registration belongs to north.
    await upsert_student(tool.app[db_key], "south", "1001", "Ava at South", source="oauth")
    agent = UserAgent(tool.url)
    try:
        page = (await agent.launch(platform, "student")).result.text
    finally:
        await agent.close()
    assert "Connect with Canvas" in page and not FEED_URL.search(page)
    assert "Ava at South" not in page


async def test_a_launch_without_the_canvas_user_id_offers_to_connect(tool: Tool, agent: UserAgent,
                                                                     platform: TestPlatform) -> None:
    await add_student_with_week(tool, "1001", now=datetime.now(UTC))
    # The privacy level withheld $Canvas.user.id: Canvas sends the variable unexpanded.
    page = (await agent.launch(platform, "hidden-id")).result.text
    assert "Connect with Canvas" in page and not FEED_URL.search(page)


async def test_instructors_see_an_explanation(tool: Tool, agent: UserAgent, platform: TestPlatform) -> None:
    for user in ("teacher", "ta"):
        page = (await agent.launch(platform, user)).result.text
        assert "Homework Muffin is for your students" in page, user
        assert "/schools/north/admin" in page
        assert "Connect with Canvas" not in page
    # A TA who is also a learner (here) is treated as a student.
    assert "Connect with Canvas" in (await agent.launch(platform, "ta-taking-a-course")).result.text


async def test_the_week_counts_published_assignments_due_in_seven_days(tool: Tool) -> None:
    now = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    student_id = await add_student_with_week(tool, "1001", now=now)
    week = await week_at_a_glance(tool.app[db_key], student_id, now, "America/Chicago")
    assert week.count == 3
    assert [d.title for d in week.first] == ["Problem set 3", "Lab report", "Essay draft"]
    assert week.first[0].course == "Calculus I"
    assert week.first[0].due == "Mon 2 Nov 2026, 14:00 (America/Chicago)"
    empty = await week_at_a_glance(tool.app[db_key], student_id, now + timedelta(days=60), "UTC")
    assert (empty.count, empty.first) == (0, ())


async def test_connecting_from_a_launch_then_launching_again_shows_the_feed(
        make_tool: MakeTool, platform: TestPlatform, sandbox: Any) -> None:
    tables, env = sandbox.institution_tables()
    tool = await make_tool(institutions=[t for t in tables if t["slug"] == "north"], env=env)
    agent = UserAgent(tool.url)
    try:
        first = (await agent.launch(platform, "student")).result.text
        connect = re.search(r'href="(/login\?[^"]+)" target="_blank"', first)
        assert connect, first
        to_canvas = await agent.get(tool.url + html.unescape(connect.group(1)))
        assert to_canvas.status == 302
        assert to_canvas.headers["Location"].startswith(sandbox.schools["north"].url)
        callback = await consent(agent, to_canvas.headers["Location"], user_id=1001)  # type: ignore[arg-type]
        back = await agent.get(callback)
        assert (back.status, back.headers["Location"]) == (302, "/me")

        again = (await agent.launch(platform, "student")).result.text
        feed_url = FEED_URL.search(again)
        assert feed_url, again
        me = await agent.get(f"{tool.url}/me")
        assert feed_url.group(1) in me.text
    finally:
        await agent.close()


async def test_a_student_with_only_canvas_s_own_feed_is_offered_the_full_connection(
        tool: Tool, agent: UserAgent, platform: TestPlatform) -> None:
    await upsert_student(tool.app[db_key], "north", "1001", "Ava Martínez", source="canvas_feed")
    page = (await agent.launch(platform, "student")).result.text
    assert FEED_URL.search(page)
    assert "Get more from your calendar" in page and "Connect with Canvas" in page
    assert "Reconnect" not in page
