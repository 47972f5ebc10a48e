"""A real headless Chromium signs in: landing → pick school → Canvas consent → Authorize → /me."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from feedserver.feeds.tokens import resolve_feed_token
from feedserver.typedefs import db_key
from tests.auth.live import LiveStack

pytestmark = pytest.mark.browser





def phone(browser: Browser, *, javascript: bool = True) -> Page:
    context = browser.new_context(viewport={"width": 375, "height": 800}, java_script_enabled=javascript)
    context.set_default_timeout(15_000)
    return context.new_page()


def feed_route_exists(stack: LiveStack) -> bool:
    return any(getattr(r.resource, "canonical", "").startswith("/feeds/") for r in stack.app.router.routes())


def test_sign_in_in_a_real_browser(stack: LiveStack, browser: Browser) -> None:
    page = phone(browser)
    page.goto(stack.url)
    expect(page.get_by_role("heading", name="Find your school")).to_be_visible()
    # The picker filters as you type (static/picker.js), announced through aria-live.
    south = page.get_by_role("link", name="Sign in with Canvas at South Coast College")
    expect(south).to_be_visible()
    search = page.get_by_label("School name or Canvas address")
    search.fill("north")
    expect(page.locator("#school-count")).to_have_text("1 school match “north”.")
    expect(south).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"

    # Keyboard only: from the search field, past the Search button, to the one school left.
    search.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Sign in with Canvas at North State University")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{stack.canvas['north']}/login/oauth2/auth?**")
    expect(page.get_by_text("is requesting access to your account")).to_be_visible()
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(f"{stack.url}/me")
    expect(page.get_by_role("heading", name="Your calendar link")).to_be_visible()
    feed_url = page.get_by_label("Your private calendar link").input_value()
    assert feed_url.startswith(f"{stack.url}/feeds/") and feed_url.endswith(".ics")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"

    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#copy-status")).not_to_have_text("")

    response = page.request.get(feed_url)
    if feed_route_exists(stack):
        assert response.status == 200 and response.text().startswith("BEGIN:VCALENDAR")
    else:
        token = feed_url.rsplit("/", 1)[1].removesuffix(".ics")
        assert stack.call(resolve_feed_token(stack.app[db_key], token)) is not None

    page.get_by_role("navigation", name="Your pages").get_by_role("link", name="Settings").click()
    page.get_by_role("button", name="Disconnect and delete my data").click()
    page.wait_for_url(f"{stack.url}/disconnected")
    expect(page.get_by_role("heading", name="You are disconnected")).to_be_visible()
    assert page.request.get(feed_url).status == 404


def test_sign_in_without_javascript(stack: LiveStack, browser: Browser) -> None:
    page = phone(browser, javascript=False)
    page.goto(stack.url)
    search = page.get_by_label("School name or Canvas address")
    search.fill("North")
    search.press("Enter")  # the GET form: the server filters the list
    page.wait_for_url(f"{stack.url}/?q=North")
    expect(page.locator("#school-count")).to_have_text("1 school match “North”.")
    expect(page.get_by_role("link", name="Sign in with Canvas at South Coast College")).to_have_count(0)

    page.get_by_role("link", name="Sign in with Canvas at North State University").click()
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{stack.url}/me")
    assert page.get_by_label("Your private calendar link").input_value().startswith(f"{stack.url}/feeds/")
    # Only the copy button needs JavaScript; without it, it stays out of the way.
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    expect(page.get_by_role("link", name="Apple Calendar")).to_have_attribute("href", re.compile("^webcal://"))

    for path in ("/schools/south/admin", "/privacy"):
        page.goto(stack.url + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path

    page.goto(f"{stack.url}/?q=canvas.elsewhere.edu")
    page.get_by_role("link", name="Ask for canvas.elsewhere.edu").click()
    expect(page.get_by_role("heading", name="Homework Muffin is not at canvas.elsewhere.edu yet")).to_be_visible()
