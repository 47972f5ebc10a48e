"""Headless Chromium on a phone-sized screen: sign in, turn suggestions on, answer the free-time question,
and get a short overview with the three things to start first; the plan page has the chart."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from feedserver.planning.appkeys import planner_key
from feedserver.store.models import Assignment, Student
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.auth.live import LiveStack

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


async def _student(stack: LiveStack) -> Student:
    async with stack.app[db_key]() as session:
        return (await session.scalars(select(Student))).one()


async def _assignments(stack: LiveStack, student_id: int) -> dict[str, Assignment]:
    async with stack.app[db_key]() as session:
        rows = (await session.scalars(select(Assignment).where(Assignment.student_id == student_id))).all()
    return {a.canvas_assignment_id: a for a in rows}


def test_suggestions_on_a_phone(stack: LiveStack, browser: Browser) -> None:
    # The seeded term's mid-semester "now", so there is work ahead to plan.
    stack.app[planner_key].clock = lambda: stack.world.anchor
    page = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{stack.url}/login?institution=north")
    page.wait_for_url(f"{stack.canvas['north']}/login/oauth2/auth?**")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{stack.url}/me")
    student = stack.call(_student(stack))
    assert stack.call(stack.app[sync_service_key].sync_student(student.id)).outcome == "ok"
    page.reload()
    expect(page.locator("#start-first")).to_have_count(0)  # nothing is advised before the question
    expect(page.get_by_text("does not fit")).to_have_count(0)

    page.get_by_role("link", name="Turn on suggestions").click()
    page.wait_for_url(f"{stack.url}/me/free-time")
    page.get_by_label("Monday to Friday").fill("3")
    page.get_by_label("Saturday and Sunday").fill("5")
    page.get_by_label("In the evening").check()
    page.get_by_role("button", name="Turn on suggestions").click()
    page.wait_for_url(f"{stack.url}/me")

    items = page.locator("#start-first li")
    expect(items).to_have_count(3)
    for k in range(3):
        expect(items.nth(k).locator(".why")).not_to_be_empty()
    # At most two phone screens, measured as the browser laid the page out.
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2 * PHONE["height"], f"the overview is {height} px tall on a 390 × 844 screen"
    # None of the three is past or undated: each is due from today on and starts today or later.
    today = stack.world.anchor.astimezone(ZoneInfo(student.time_zone)).date()
    assignments = stack.call(_assignments(stack, student.id))
    for k in range(3):
        item = items.nth(k)
        a = assignments[item.get_attribute("data-assignment-id") or ""]
        assert a.due_at is not None and a.due_at.astimezone(ZoneInfo(student.time_zone)).date() >= today
        assert a.submission_state not in ("submitted", "graded", "late")
        assert date.fromisoformat(item.get_attribute("data-start") or "") >= today

    page.get_by_role("link", name="The whole plan").click()
    page.wait_for_url(f"{stack.url}/me/plan")
    chart = page.locator("svg.workload-chart")
    expect(chart).to_be_visible()
    assert chart.locator("rect.planned").count() > 0
    page.get_by_role("navigation", name="Your pages").get_by_role("link", name="Settings").click()
    page.wait_for_url(f"{stack.url}/me/settings")
    expect(page.get_by_label("Add suggested work sessions to my calendar")).to_be_checked()
    sessions_link = page.locator("#sessions-feed")
    expect(sessions_link).to_be_visible()
    feed = page.request.get(sessions_link.text_content() or "")
    assert feed.status == 200 and "hm-session-" in feed.text()
