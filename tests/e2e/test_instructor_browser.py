"""Headless Chromium opens the instructor view inside the iframe of the sandbox's course page.

The sandbox (127.0.0.1, its own port) is the platform; the page posts the login
initiation into its iframe, our server sends the frame to the platform's
authorization endpoint, which posts the signed id_token back to /lti/launch.
The week view, its chart and the what-if form then work inside the frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from feedserver.instructor.appkeys import insights_key
from feedserver.typedefs import config_key
from tests.e2e.test_accessibility_browser import axe_source, axe_violations, new_context  # noqa: F401 (a fixture)
from tests.instructor.campus import CampusThread, campus_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[CampusThread]:
    with campus_in_thread(f"sqlite:///{tmp_path / 'muffin.sqlite3'}") as running:
        yield running




@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A desktop window; scripts the page did not ship may run (axe-core is injected)."""
    context = new_context(browser, viewport={"width": 1000, "height": 1100})
    yield context
    context.close()


def test_the_instructor_view_opens_inside_the_platform_frame(context: BrowserContext, live: CampusThread,
                                                            axe_source: str) -> None:
    campus = live.campus
    course = min(c.id for c in campus.world.courses.values() if c.school == "north")
    for user in [u for u in campus.classmates() if campus.enrolled(u, course)][:10]:
        live.call(campus.join(user))

    page = context.new_page()
    page.goto(campus.course_page(course, campus.teacher_of(course)))
    assert page.url.startswith(campus.sandbox_url)
    tool = page.frame_locator("#tool")
    expect(tool.locator("#course-title")).to_contain_text("Your students' weeks: MATH 221")
    expect(tool.locator("#cohort-note")).to_contain_text("Built from 10 of your students")
    expect(tool.locator("#weeks-table tbody tr").first).to_be_visible()
    expect(tool.locator("figure svg")).to_be_visible()
    # The week view meets WCAG 2.1 AA as every other page does (tests/e2e/test_accessibility_browser.py).
    assert axe_violations(page, axe_source, page.frame(name="tool")) == []

    # The what-if form posts its sealed grant from inside the frame (no cookie needed).
    institution = campus.app[config_key].institution("north")
    choice = live.call(campus.app[insights_key].course(institution, str(course))).choices[3]
    tool.locator("select[name=assignment]").select_option(choice.canvas_assignment_id)
    tool.locator("input[name=due]").fill((choice.due + timedelta(days=2)).isoformat())
    tool.get_by_role("button", name="Show what changes").click()
    expect(tool.locator("#what-if-result")).to_contain_text(f"With {choice.title} due")
    expect(tool.locator("#what-if-table")).to_be_visible()
    frame = next(f for f in page.frames if f.name == "tool")
    assert frame.url == f"{campus.url}/instructor/what-if" and page.url.startswith(campus.sandbox_url)
    assert axe_violations(page, axe_source, frame) == []
