"""Every page passes axe-core's WCAG 2.1 A and AA rules in headless Chromium, and the keyboard alone
reaches every control of the /me pages (docs/accessibility.md is the conformance statement).

axe-core comes from npm (package.json; `make .venv/.dev-installed` runs `npm ci`) and is injected
into each page as it stands after the visit, scripts run. A page is one line below:

- `PAGES`: what anyone sees, reached by `go(path)` and optional steps (fill a form, click);
- `STUDENT_PAGES`: the same, for a signed-in student whose assignments are synced;
- `LTI_PAGES`: a launch from the test LTI platform as one of its users, checked inside the tool's
  frame once the frame shows the given heading.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, Page, expect
from sqlalchemy import select, update

from feedserver.auth.me import ME_PAGES
from feedserver.planning.appkeys import planner_key
from feedserver.store.models import Student
from feedserver.store.students import upsert_student
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.auth.live import LiveStack
from tests.conftest import _skip_or_fail
from tests.lti.live import LiveLti, frame_keeps_no_cookie, open_course

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
"""The WCAG rules of axe-core that read colours: the ones the dark colour scheme can change."""

Step = Callable[[Page, str], None]
"""Acts on the page; gets our server's URL."""


def go(path: str) -> Step:
    def act(page: Page, url: str) -> None:
        page.goto(url + path)
    return act


def fill(label: str, value: str) -> Step:
    return lambda page, url: page.get_by_label(label, exact=True).fill(value)


def click(name: str, role: str = "button") -> Step:
    def act(page: Page, url: str) -> None:
        page.get_by_role(role, name=name, exact=True).click()  # type: ignore[arg-type]
        page.wait_for_load_state()
    return act


def back_at(path: str) -> Step:
    """Wait until the browser is back on our server, at `path` (after a round trip through Canvas)."""
    return lambda page, url: page.wait_for_url(f"{url}{path}**")


class Visit:
    """A page as a visitor reaches it: `Visit("name", go("/path"), fill(...), click(...))`."""

    def __init__(self, name: str, *steps: Step) -> None:
        self.name, self.steps = name, steps


PAGES = [
    Visit("landing", go("/")),
    Visit("school search", go("/?q=north")),
    Visit("school search, no school matches", go("/?q=canvas.elsewhere.edu")),
    Visit("not at your school yet", go("/schools/not-yet?host=canvas.elsewhere.edu")),
    Visit("not at your school yet, bad e-mail (400)", go("/schools/not-yet?host=canvas.elsewhere.edu"),
          fill("Your e-mail address (optional)", "no-at-sign"), click("Ask for canvas.elsewhere.edu")),
    Visit("not at your school yet, counted", go("/schools/not-yet?host=canvas.elsewhere.edu"),
          click("Ask for canvas.elsewhere.edu")),
    Visit("which school?", go("/schools/not-yet")),
    Visit("connect calendar feed", go("/connect/canvas-feed")),
    Visit("connect calendar feed, refused address (400)", go("/connect/canvas-feed"),
          fill("Canvas calendar feed address", "https://example.com/not-a-feed.ics"), click("Connect")),
    Visit("school admin instructions", go("/schools/north/admin")),
    Visit("privacy", go("/privacy")),
    Visit("disconnected", go("/disconnected")),
    Visit("embed widget, signed out", go("/embed/feed")),
    Visit("not found (404)", go("/no-such-page")),
    Visit("unknown school (404)", go("/login?institution=nowhere")),
    Visit("sign-in link incomplete (400)", go("/oauth/callback")),
    Visit("sign-in cancelled at Canvas (OAuth error)", go("/login?institution=north"), click("Cancel"),
          back_at("/oauth/callback")),
]

STUDENT_PAGES = [
    Visit("overview, before suggestions", go("/me")),
    Visit("free-time question", go("/me/free-time")),
    Visit("overview, suggestions on", go("/me/free-time"), fill("Monday to Friday", "3"),
          fill("Saturday and Sunday", "5"), click("Turn on suggestions"), back_at("/me")),
    Visit("plan", go("/me/plan")),
    Visit("estimates", go("/me/estimates")),
    Visit("settings", go("/me/settings")),
    Visit("embed widget, signed in", go("/embed/feed")),
]


@dataclass(frozen=True)
class LtiVisit:
    name: str
    user: str
    """A user of the test platform (`tests.lti.platform.TestPlatform.users`)."""
    heading: str
    """The tool frame shows this heading when the page under test is ready."""
    prepare: Callable[[BrowserContext, LiveLti], Any] = field(default=lambda context, live: None)


def _connected(context: BrowserContext, live: LiveLti) -> None:
    live.call(upsert_student(live.app[db_key], "north", "1001", "Ava Martínez", source="oauth",
                             time_zone="America/Chicago"))


def _refused(context: BrowserContext, live: LiveLti) -> None:
    live.platform.edit = lambda header, claims: claims.update(aud="someone-else")


LTI_PAGES = [
    LtiVisit("launch, not connected yet", "newcomer", "Get your assignments in your calendar"),
    LtiVisit("launch, connected student", "student", "Hi Ava Martínez!", _connected),
    LtiVisit("launch, instructor view", "teacher", "Homework Muffin is for your students"),
    LtiVisit("launch without cookies, new tab offered", "newcomer", "Open Homework Muffin in a new tab",
             lambda context, live: frame_keeps_no_cookie(context, live)),
    LtiVisit("launch refused", "student", "Canvas could not open Homework Muffin", _refused),
]


# -- axe ----------------------------------------------------------------------------


@pytest.fixture
def axe_source() -> str:
    if not AXE.is_file():
        _skip_or_fail(f"{AXE} not found; run `make .venv/.dev-installed` (npm ci)", "MUFFIN_REQUIRE_BROWSER")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page, axe_source: str, frame: Frame | None = None) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page (or one of its frames), in the light and the
    dark colour scheme (style.css has both), one line per element."""
    target = frame or page
    target.add_script_tag(content=axe_source)
    problems = []
    # The schemes differ in colours only: the dark one needs the colour rules alone.
    for scheme, run_only in (("light", {"type": "tag", "values": WCAG_21_AA}),
                             ("dark", {"type": "rule", "values": COLOUR_RULES})):
        page.emulate_media(color_scheme=scheme)
        result = target.evaluate(
            "runOnly => axe.run(document, {runOnly, resultTypes: ['violations']})", run_only)
        problems += [f"[{scheme}] {v['id']} ({v['impact']}): {node['target']} {node['failureSummary']!r}"
                     for v in result["violations"] for node in v["nodes"]]
    page.emulate_media(color_scheme=None)
    return problems


def check_pages(page: Page, url: str, visits: list[Visit], axe_source: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for visit in visits:
        for step in visit.steps:
            step(page, url)
        assert page.url.startswith(url), f"{visit.name}: ended at {page.url}, not on our server"
        if problems := axe_violations(page, axe_source):
            found[f"{visit.name} ({page.url.removeprefix(url)})"] = problems
    return found


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}:\n  " + "\n  ".join(problems) for name, problems in found.items())


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    # Our Content-Security-Policy forbids inline scripts, axe's injected source included.
    context = browser.new_context(bypass_csp=True, **options)
    context.set_default_timeout(15_000)
    return context


def sign_in_and_sync(page: Page, stack: LiveStack) -> None:
    stack.app[planner_key].clock = lambda: stack.world.anchor  # mid-semester: work ahead to plan
    page.goto(f"{stack.url}/login?institution=north")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{stack.url}/me")

    async def sync() -> str:
        async with stack.app[db_key]() as session:
            student_id = (await session.scalars(select(Student.id))).one()
        return (await stack.app[sync_service_key].sync_student(student_id)).outcome

    assert stack.call(sync()) == "ok"


async def _lose_grant_and_face_deletion(stack: LiveStack) -> None:
    async with stack.app[db_key].begin() as session:
        await session.execute(update(Student).values(status="reconnect_needed",
                                                     deletion_due_at=datetime.now(UTC) + timedelta(days=30)))


# -- the tests ----------------------------------------------------------------------


def test_public_pages_pass_axe(stack: LiveStack, browser: Browser, axe_source: str) -> None:
    page = new_context(browser).new_page()
    found = check_pages(page, stack.url, PAGES, axe_source)
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + report(found)


def test_student_pages_pass_axe(stack: LiveStack, browser: Browser, axe_source: str) -> None:
    page = new_context(browser).new_page()
    sign_in_and_sync(page, stack)
    found = check_pages(page, stack.url, STUDENT_PAGES, axe_source)

    # The notices that need a state of their own: Canvas refused the grant; deletion for inactivity is due.
    stack.call(_lose_grant_and_face_deletion(stack))
    page.goto(f"{stack.url}/me")
    expect(page.get_by_role("heading", name="Reconnect Homework Muffin")).to_be_visible()
    expect(page.get_by_role("heading", name="We were about to delete your data")).to_be_visible()
    found |= check_pages(page, stack.url, [Visit("overview, reconnect and retention notices")], axe_source)

    # A student who gave us Canvas's calendar feed instead of signing in: /me has its own blocks.
    user = stack.world.school_users("south")[0]
    feed_only = new_context(browser).new_page()
    feed_only.goto(f"{stack.url}/connect/canvas-feed")
    feed_only.get_by_label("Canvas calendar feed address").fill(
        f"{stack.canvas['south']}/feeds/calendars/user_{user.feed_uuid}.ics")
    feed_only.get_by_role("button", name="Connect").click()
    found |= check_pages(feed_only, stack.url, [Visit("overview, calendar-feed student", back_at("/me"))],
                         axe_source)
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + report(found)


def test_lti_pages_pass_axe(live: LiveLti, browser: Browser, axe_source: str) -> None:
    found: dict[str, list[str]] = {}
    for visit in LTI_PAGES:
        context = new_context(browser, viewport={"width": 1000, "height": 1100})
        visit.prepare(context, live)
        page = open_course(context, live, visit.user)
        expect(page.frame_locator("#tool").get_by_role("heading", name=visit.heading)).to_be_visible()
        frame = page.frame(name="tool")
        assert frame is not None and frame.url.startswith(live.url)
        if problems := axe_violations(page, axe_source, frame):
            found[visit.name] = problems
        live.platform.edit = None
        context.close()
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + report(found)


# -- keyboard -----------------------------------------------------------------------

# Marks every control a keyboard user must reach (the ones shown; a closed <details> hides its
# controls until its summary is opened), and names each; a radio group is one Tab stop.
_MARK_CONTROLS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const controls = [...document.querySelectorAll(selector)].filter(e => !e.disabled && e.checkVisibility());
  return controls.map((e, i) => {
    e.dataset.kbd = e.type === 'radio' ? 'radio:' + e.name : String(i);
    return [e.dataset.kbd, e.tagName.toLowerCase() + ' "' + (e.labels?.[0]?.textContent || e.textContent || e.name || '').trim().slice(0, 50) + '"'];
  });
}"""

# Where the focus is, whether the browser shows it (an outline or a box shadow), and whether it is
# the summary of a closed <details> (a keyboard user opens it with Enter to reach what it holds).
_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  const shown = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
  return {kbd: e.dataset.kbd || null, shown, closed: e.tagName === 'SUMMARY' && !e.parentElement.open};
}"""


def tab_through(page: Page) -> tuple[dict[str, str], set[str], list[str]]:
    """Press Tab from the top of the page until the focus comes round again.

    Returns the controls on the page (marked after the keyboard opened every <details>), the ones
    the focus reached, and those it reached without a visible focus indicator.
    """
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    reached: list[str] = []
    unseen: list[str] = []
    limit = 2 * len(page.evaluate(_MARK_CONTROLS)) + 10
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None:
            continue
        if reached and focused["kbd"] == reached[0]:
            break
        if focused["closed"]:
            page.keyboard.press("Enter")
            page.evaluate(_MARK_CONTROLS)  # what the opened <details> shows is on the list now
        reached.append(focused["kbd"])
        if not focused["shown"]:
            unseen.append(focused["kbd"])
    controls = dict(page.evaluate(_MARK_CONTROLS))
    return controls, set(reached), unseen


def test_the_keyboard_reaches_every_control_of_the_me_pages(stack: LiveStack, browser: Browser) -> None:
    page = new_context(browser).new_page()
    sign_in_and_sync(page, stack)
    turn_on = next(v for v in STUDENT_PAGES if v.name == "overview, suggestions on")
    for step in turn_on.steps:
        step(page, stack.url)
    for path, _title in ME_PAGES.values():
        page.goto(stack.url + path)
        controls, reached, unseen = tab_through(page)
        assert len(controls) >= 5, f"{path}: only {controls}"
        missed = {controls[k] for k in controls.keys() - reached}
        assert not missed, f"{path}: Tab never reaches {sorted(missed)}"
        assert not unseen, f"{path}: no visible focus on {[controls.get(k, k) for k in unseen]}"
