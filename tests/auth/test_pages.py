"""Pages a student trusts: no inline code (CSP), sections of /me, honest status."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
import jinja2
import pytest

from feedserver.auth.me import add_me_block, add_me_section, format_local
from feedserver.store.models import Student
from feedserver.typedefs import db_key
from tests.auth.helpers import sign_in

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style|\sstyle\s*=", re.I)
EXTERNAL_ASSET = re.compile(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', re.I)


def assert_csp_clean(html: str) -> None:
    assert not INLINE_SCRIPT.search(html), "inline <script> is blocked by script-src 'self'"
    assert not INLINE_HANDLER.search(html), "inline event handlers are blocked by CSP"
    assert not INLINE_STYLE.search(html), "inline styles are blocked by style-src 'self'"
    assert not EXTERNAL_ASSET.search(html), "scripts and styles come from this site only"


async def test_every_page_we_render_works_under_our_csp(muffin: Any, sandbox: Any) -> None:
    anonymous = ["/", "/?q=north", "/?q=canvas.elsewhere.edu", "/privacy", "/schools/not-yet",
                 "/schools/not-yet?host=canvas.elsewhere.edu", "/schools/north/admin", "/disconnected",
                 "/oauth/callback", "/login?institution=nowhere"]
    for path in anonymous:
        response = await muffin.get(path)
        assert "text/html" in response.headers["Content-Type"], path
        assert_csp_clean(await response.text())
    denied = await sign_in(muffin, "north", user_id=1001, action="cancel")
    assert_csp_clean(denied.text)
    await sign_in(muffin, "north", user_id=1001)
    for path in ("/me", "/me/plan", "/me/estimates", "/me/settings", "/me/free-time"):
        page = await muffin.get(path)
        assert page.status == 200 and "text/html" in page.headers["Content-Type"], path
        assert_csp_clean(await page.text())
    html = await (await muffin.get("/me")).text()
    assert '<script src="/static/copy.js" defer></script>' in html
    for script in ("/static/copy.js", "/static/picker.js"):
        served = await muffin.get(script)
        assert served.status == 200 and "javascript" in served.headers["Content-Type"]


async def test_me_shows_connection_and_last_sync_in_the_students_zone(muffin: Any, sandbox: Any) -> None:
    await sign_in(muffin, "north", user_id=1001)
    html = await (await muffin.get("/me")).text()
    assert "● Connected" in html and "not yet; the first update runs within a few minutes" in html
    assert 'readonly' in html and '<label for="feed-url"' in html and 'action="/logout"' in html
    assert 'action="/disconnect"' in await (await muffin.get("/me/settings")).text()
    async with muffin.app[db_key].begin() as session:
        student = await session.get(Student, 1)
        student.last_sync_at = datetime(2026, 11, 3, 20, 5, tzinfo=UTC)
        student.time_zone = "America/Chicago"
    html = await (await muffin.get("/me")).text()
    assert "Tue 3 Nov 2026, 14:05 (America/Chicago)" in html


def test_format_local_falls_back_to_utc_for_unknown_zones() -> None:
    moment = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    assert format_local(moment, "Europe/Berlin") == "Wed 1 Jul 2026, 11:30 (Europe/Berlin)"
    assert format_local(moment, "Mars/Olympus") == "Wed 1 Jul 2026, 09:30 (UTC)"


async def test_other_subsystems_add_sections_to_me(muffin: Any, sandbox: Any) -> None:
    seen: list[int] = []

    async def workload(request: Any, student: Student) -> dict[str, Any]:
        seen.append(student.id)
        return {"workload": {"weeks": 3}}

    add_me_section(muffin.app, workload)
    await sign_in(muffin, "north", user_id=1001)
    assert (await muffin.get("/me")).status == 200
    assert seen == [1]


async def test_features_place_notices_and_sections_on_the_me_pages(muffin: Any, sandbox: Any) -> None:
    # Two notices registered out of order, one section on the settings page; contexts run only on their page.
    ran: list[str] = []

    def context(name: str) -> Any:
        async def provide(request: Any, student: Student) -> dict[str, Any]:
            ran.append(name)
            return {f"test_{name}": f"{name} for student {student.id}"}
        return provide

    env = aiohttp_jinja2.get_env(muffin.app)
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({
        "me/_test_link.html": '<p class="notice" id="link-changed">{{ test_link }}</p>',
        "me/_test_retention.html": '<p class="notice" id="retention">{{ test_retention }}</p>',
        "me/_test_zone.html": '<section class="card"><h2 id="zone">{{ test_zone }}</h2></section>',
    }), env.loader])
    add_me_block(muffin.app, "me/_test_retention.html", area="notices", order=300, context=context("retention"))
    add_me_block(muffin.app, "me/_test_link.html", area="notices", order=150, context=context("link"))
    add_me_block(muffin.app, "me/_test_zone.html", page="settings", order=250, context=context("zone"))
    await sign_in(muffin, "north", user_id=1001)
    html = await (await muffin.get("/me")).text()
    notices = html.split('id="notices"', 1)[1].split("</div>", 1)[0]
    assert notices.index('id="link-changed"') < notices.index('id="retention"')
    assert "link for student 1" in notices and html.index('id="notices"') < html.index('id="status-title"')
    assert sorted(ran) == ["link", "retention"] and 'id="zone"' not in html
    settings = await (await muffin.get("/me/settings")).text()
    assert "zone for student 1" in settings and 'id="link-changed"' not in settings
    # Placed by order: after the suggestion settings (200), before the feed settings (300).
    assert settings.index('id="suggestion-settings-title"') < settings.index('id="zone"') < settings.index(
        'id="feed-settings-title"')
    with pytest.raises(ValueError):
        add_me_block(muffin.app, "me/_test_zone.html", page="nowhere")


async def test_privacy_page_says_what_we_read_and_keep(muffin: Any, sandbox: Any) -> None:
    html = await (await muffin.get("/privacy")).text()
    for phrase in ("What we read from Canvas", "encrypted", "deletes everything", "We only read",
                   "After 180 days without either", "tells you 30 days before"):
        assert phrase in html
