"""Headless Chromium: a signed-in student sees the workload chart and suggestions on /me and turns sessions on."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from feedserver.planning.appkeys import planner_key
from feedserver.store.models import Student
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.auth.live import LiveStack

pytestmark = pytest.mark.browser


async def _student_ids(stack: LiveStack) -> list[int]:
    async with stack.app[db_key]() as session:
        return list((await session.scalars(select(Student.id))).all())


def test_workload_on_me(stack: LiveStack, browser: Browser) -> None:
    # The seeded term's mid-semester "now", so there is work ahead to plan.
    stack.app[planner_key].clock = lambda: stack.world.anchor
    page = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{stack.url}/login?institution=north")
    page.wait_for_url(f"{stack.canvas['north']}/login/oauth2/auth?**")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{stack.url}/me")
    (student_id,) = stack.call(_student_ids(stack))
    assert stack.call(stack.app[sync_service_key].sync_student(student_id)).outcome == "ok"

    page.reload()
    chart = page.locator("svg.workload-chart")
    expect(chart).to_be_visible()
    assert chart.locator("title").first.text_content() == "Your workload, next four weeks"
    assert chart.locator("rect.planned").count() > 0
    expect(page.get_by_text("based on assignment type and points", exact=False)).to_be_visible()
    expect(page.locator("#suggestions li").first).to_be_visible()

    page.get_by_label("Add suggested work sessions to my calendar").check()
    page.locator('form[action="/me/suggestions"]').get_by_role("button", name="Save").click()
    page.wait_for_url(f"{stack.url}/me#workload-title")
    expect(page.get_by_label("Add suggested work sessions to my calendar")).to_be_checked()
    sessions_link = page.locator("#sessions-feed")
    expect(sessions_link).to_be_visible()
    feed = page.request.get(sessions_link.text_content() or "")
    assert feed.status == 200 and "hm-session-" in feed.text()

