"""Headless Chromium launches Homework Muffin from a course page of the test platform.

The platform page (127.0.0.2) holds an iframe; its form auto-posts the login
initiation into it, our server redirects the frame to the platform's
authorization endpoint, which auto-posts id_token and state back to
/lti/launch, still inside the frame (127.0.0.1): a cross-site frame, as in Canvas.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import func, select

from feedserver.store.models import Assignment, Course, UsedNonce
from feedserver.store.students import upsert_student
from feedserver.typedefs import db_key
from tests.lti.live import LiveLti, frame_keeps_no_cookie, open_course

pytestmark = pytest.mark.browser


def lti_nonces(live: LiveLti) -> int:
    async def count() -> int:
        async with live.app[db_key]() as session:
            return int(await session.scalar(
                select(func.count()).select_from(UsedNonce).where(UsedNonce.purpose == "lti")))
    return live.call(count())


def test_a_launch_without_cookies_completes_through_platform_storage(context: BrowserContext,
                                                                    live: LiveLti) -> None:
    live.platform.storage_target = "_parent"
    removed = frame_keeps_no_cookie(context, live)
    page = open_course(context, live, "newcomer")

    tool = page.frame_locator("#tool")
    expect(tool.get_by_role("heading", name="Get your assignments in your calendar")).to_be_visible()
    connect = tool.get_by_role("link", name="Connect with Canvas")
    expect(connect).to_have_attribute("href", "/login?institution=north&return_to=%2Fme")
    expect(connect).to_have_attribute("target", "_blank")
    assert removed == ["muffin_lti_state"], "the login did set the state cookie"

    # The tool stored its binding with the platform, read it back, then cleared it.
    page.wait_for_function("window.storageLog.length >= 3")
    log = page.evaluate("window.storageLog")
    tool_origin = live.url
    assert [(m["subject"], m["origin"]) for m in log] == [
        ("lti.put_data", tool_origin), ("lti.get_data", tool_origin), ("lti.put_data", tool_origin)]
    assert log[0]["key"] == log[1]["key"] == log[2]["key"]
    assert lti_nonces(live) == 1


def test_a_connected_student_sees_the_feed_inside_the_frame(context: BrowserContext, live: LiveLti) -> None:
    async def connected_student() -> None:
        db = live.app[db_key]
        student_id = await upsert_student(db, "north", "1001", "Ava Martínez", source="oauth",
                                          time_zone="America/Chicago")
        async with db.begin() as session:
            course = Course(student_id=student_id, canvas_course_id="501", name="Calculus I")
            session.add(course)
            await session.flush()
            session.add(Assignment(student_id=student_id, course_id=course.id, canvas_assignment_id="9",
                                   title="Problem set 3", due_at=datetime.now(UTC) + timedelta(days=2),
                                   content_hash="0" * 64))

    live.call(connected_student())
    page = open_course(context, live, "student")  # no platform storage: Chromium keeps our partitioned cookie
    tool = page.frame_locator("#tool")
    expect(tool.get_by_role("heading", name="Hi Ava Martínez!")).to_be_visible()
    expect(tool.locator("#week-count")).to_have_text("1 assignment is due in the next 7 days.")
    feed = tool.get_by_label("Your private calendar link").input_value()
    assert feed.startswith(f"{live.url}/feeds/") and feed.endswith(".ics")
    expect(tool.get_by_role("link", name="Apple Calendar")).to_have_attribute("href", "webcal://" + feed[7:])
    assert page.evaluate("window.storageLog") == []
    assert lti_nonces(live) == 1


def test_without_cookies_or_storage_the_launch_continues_in_a_new_tab(context: BrowserContext,
                                                                     live: LiveLti) -> None:
    frame_keeps_no_cookie(context, live, times=1)
    page = open_course(context, live, "newcomer")
    tool = page.frame_locator("#tool")
    new_tab = tool.get_by_role("link", name="Open Homework Muffin in a new tab")
    expect(new_tab).to_be_visible()
    assert lti_nonces(live) == 0

    with context.expect_page() as opened:
        new_tab.click()
    tab: Any = opened.value
    tab.wait_for_url(f"{live.url}/lti/launch")
    expect(tab.get_by_role("link", name="Connect with Canvas")).to_be_visible()
    assert lti_nonces(live) == 1
