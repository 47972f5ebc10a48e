"""Headless Chromium pages through a 250-item Canvas list via the same-origin proxy.

The page is our own /me (signed in for real through the sandbox's consent
page); its script context fetches ``/api/canvas/...`` and follows the
rewritten ``Link`` headers, as the web app would. Every request the page
makes stays on our origin: the browser never talks to Canvas.
"""

from __future__ import annotations


import pytest
from playwright.sync_api import Browser, Request

from tests.auth.live import LiveStack

pytestmark = pytest.mark.browser

NORTH_STUDENT = 1001
COURSE = 10101

PAGE_THROUGH = """async (start) => {
  const ids = [], links = [];
  let url = start;
  while (url) {
    const response = await fetch(url, {credentials: 'same-origin', headers: {Accept: 'application/json'}});
    if (!response.ok) throw new Error(`${response.status} for ${url}`);
    ids.push(...(await response.json()).map(item => item.id));
    const link = response.headers.get('Link') || '';
    links.push(link);
    const next = link.split(',').map(part => part.match(/<([^>]+)>;\\s*rel="next"/)).find(Boolean);
    url = next ? next[1] : null;
  }
  return {ids, links};
}"""




async def _add_bulk(stack: LiveStack) -> set[int]:
    # On the servers' loop thread, so no request handler sees the world half-changed.
    return {a.id for a in stack.world.add_bulk_assignments(COURSE, 250)}


def test_browser_pages_through_250_assignments_via_the_proxy(stack: LiveStack, browser: Browser) -> None:
    bulk = stack.call(_add_bulk(stack))
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{stack.url}/login?institution=north")
    page.wait_for_url(f"{stack.canvas['north']}/login/oauth2/auth?**")
    page.select_option("#user_id", str(NORTH_STUDENT))
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{stack.url}/me")

    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)
    result = page.evaluate(PAGE_THROUGH, f"/api/canvas/api/v1/courses/{COURSE}/assignments?per_page=100")
    page.remove_listener("request", record)

    ids = result["ids"]
    assert len(ids) == len(set(ids)) > 250 and bulk <= set(ids)
    assert len(requested) == 3, requested
    assert all(url.startswith(f"{stack.url}/api/canvas/api/v1/courses/{COURSE}/assignments") for url in requested)
    assert all(stack.canvas["north"] not in link for link in result["links"])
    assert 'rel="next"' not in result["links"][-1]
