"""The school picker (works without JavaScript) and the "not at your school yet" page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from feedserver.auth.appkeys import school_request_limits_key
from feedserver.auth.schools import RequestLimits, normalize_host, search_schools, valid_email
from feedserver.ratelimit import TokenBucketLimiter
from feedserver.store.models import SchoolRequest
from feedserver.typedefs import db_key
from tests.auth.helpers import csrf_of
from tests.conftest import make_config

SCHOOLS = make_config({}, [
    {"slug": "state-u", "name": "State University", "canvas_url": "https://canvas.state.edu",
     "client_id": "1", "client_secret_env": "S"},
    {"slug": "tech", "name": "Institute of Technology", "canvas_url": "https://tech.instructure.com",
     "client_id": "2", "client_secret_env": "S"},
], {"S": "secret"}).institutions


@pytest.mark.parametrize(("query", "slugs", "unknown"), [
    ("", ["tech", "state-u"], None),
    ("state", ["state-u"], None),
    ("STATE univ", ["state-u"], None),
    ("university state", ["state-u"], None),
    ("canvas.state.edu", ["state-u"], None),
    ("https://Canvas.State.edu/courses/12", ["state-u"], None),
    ("state.edu", ["state-u"], None),
    ("instructure", ["tech"], None),
    ("canvas.elsewhere.edu", [], "canvas.elsewhere.edu"),
    ("harvard", [], None),
])
def test_search_by_name_or_canvas_address(query: str, slugs: list[str], unknown: str | None) -> None:
    picker = search_schools(SCHOOLS, query)
    assert [s.slug for s in picker.schools] == slugs
    assert picker.unknown_host == unknown


@pytest.mark.parametrize(("text", "host"), [
    ("canvas.state.edu", "canvas.state.edu"), ("HTTPS://Canvas.State.EDU/login", "canvas.state.edu"),
    ("canvas.state.edu.", "canvas.state.edu"), ("127.0.0.1:8080", "127.0.0.1:8080"),
    ("not a host", None), ("", None), (None, None), ("<script>.edu", None), ("x", None),
])
def test_normalize_host(text: str | None, host: str | None) -> None:
    assert normalize_host(text) == host


def test_valid_email() -> None:
    assert valid_email("ana@student.state.edu")
    assert not valid_email("ana") and not valid_email("ana@state") and not valid_email("a b@state.edu")


async def test_landing_filters_on_the_server(muffin: Any, sandbox: Any) -> None:
    everything = await (await muffin.get("/")).text()
    assert everything.count('href="/login?institution=') == 2
    assert 'aria-live="polite"' in everything and '<label for="school-q">' in everything
    assert "2 schools available." in everything

    north_host = sandbox.schools["north"].url.split("://", 1)[1]
    filtered = await (await muffin.get("/", params={"q": "north"})).text()
    assert re.findall(r'href="/login\?institution=(\w+)"', filtered) == ["north"]
    assert "1 school match “north”." in filtered and 'value="north"' in filtered
    assert north_host in filtered

    unknown = await (await muffin.get("/", params={"q": "https://canvas.elsewhere.edu/"})).text()
    assert 'href="/login?institution=' not in unknown
    assert 'href="/schools/not-yet?host=canvas.elsewhere.edu"' in unknown

    hostile = await (await muffin.get("/", params={"q": '"><script>alert(1)</script>'})).text()
    assert "<script>alert(1)" not in hostile and "&lt;script&gt;" in hostile


async def requests_for(muffin: Any, host: str) -> list[SchoolRequest]:
    async with muffin.app[db_key]() as session:
        return list((await session.scalars(select(SchoolRequest).where(SchoolRequest.canvas_host == host))).all())


async def test_reading_the_not_yet_page_counts_nothing(muffin: Any, sandbox: Any) -> None:
    # An <img src="…/schools/not-yet?host=…"> on any site sends cookieless GETs like these.
    for _ in range(25):
        muffin.session.cookie_jar.clear()
        page = await muffin.get("/schools/not-yet", params={"host": "canvas.elsewhere.edu"})
        assert page.status == 200 and "not at canvas.elsewhere.edu yet" in await page.text()
    assert await requests_for(muffin, "canvas.elsewhere.edu") == []


async def test_not_yet_counts_each_browser_once_and_takes_an_optional_email(muffin: Any, sandbox: Any,
                                                                           aiohttp_client: Any) -> None:
    page = await (await muffin.get("/schools/not-yet", params={"host": "Canvas.Elsewhere.edu"})).text()
    assert 'action="/schools/not-yet"' in page and 'value="canvas.elsewhere.edu"' in page

    no_token = await muffin.post("/schools/not-yet", data={"host": "canvas.elsewhere.edu"})
    assert no_token.status == 403
    token = await csrf_of(muffin, "/schools/not-yet?host=canvas.elsewhere.edu")
    bad = await muffin.post("/schools/not-yet", data={"csrf_token": token, "host": "canvas.elsewhere.edu",
                                                      "email": "nope"})
    assert bad.status == 400 and 'aria-invalid="true"' in await bad.text()
    assert await requests_for(muffin, "canvas.elsewhere.edu") == []

    asked = await muffin.post("/schools/not-yet", data={"csrf_token": token, "host": "Canvas.Elsewhere.edu"})
    assert asked.status == 200 and "We counted your request" in await asked.text()
    # Asking again (a reload, a second click) adds the e-mail address to the same request.
    thanks = await muffin.post("/schools/not-yet", data={"csrf_token": token, "host": "canvas.elsewhere.edu",
                                                         "email": "ana@elsewhere.edu"})
    assert thanks.status == 200 and "we will write to you" in await thanks.text()
    assert [r.email for r in await requests_for(muffin, "canvas.elsewhere.edu")] == ["ana@elsewhere.edu"]

    other = await aiohttp_client(muffin.server)  # another browser: its own cookies
    other_token = await csrf_of(other, "/schools/not-yet?host=canvas.elsewhere.edu")
    assert (await other.post("/schools/not-yet", data={"csrf_token": other_token,
                                                       "host": "canvas.elsewhere.edu"})).status == 200
    assert len(await requests_for(muffin, "canvas.elsewhere.edu")) == 2


@pytest.mark.parametrize("limit", ["per_client", "overall"])
async def test_not_yet_counts_are_rate_limited(muffin: Any, sandbox: Any, limit: str) -> None:
    limits = muffin.app[school_request_limits_key]
    getattr(limits, limit).capacity = 2
    getattr(limits, limit).rate = 1 / 3600
    statuses = []
    for n in range(3):
        muffin.session.cookie_jar.clear()  # a new "browser" each time, as a script would be
        token = await csrf_of(muffin, "/schools/not-yet?host=canvas.elsewhere.edu")
        answer = await muffin.post("/schools/not-yet", data={"csrf_token": token, "host": "canvas.elsewhere.edu"})
        statuses.append(answer.status)
    assert statuses == [200, 200, 429]
    assert int(answer.headers["Retry-After"]) > 60 and "try again in a minute" in await answer.text()
    assert len(await requests_for(muffin, "canvas.elsewhere.edu")) == 2


def test_one_ipv6_household_is_one_client() -> None:
    limits = RequestLimits(per_client=TokenBucketLimiter(capacity=1, rate=1 / 3600))
    assert limits.retry_after("2001:db8:1:2::1") is None
    assert limits.retry_after("2001:db8:1:2:ffff::9") is not None  # the same /64
    assert limits.retry_after("2001:db8:1:3::1") is None
    assert limits.retry_after("192.0.2.1") is None and limits.retry_after("192.0.2.2") is None


async def test_not_yet_for_a_configured_school_goes_to_its_picker(muffin: Any, sandbox: Any) -> None:
    host = sandbox.schools["north"].url.split("://", 1)[1]
    response = await muffin.get("/schools/not-yet", params={"host": host}, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/?q=127.0.0.1")
    token = await csrf_of(muffin, "/schools/not-yet?host=canvas.elsewhere.edu")
    posted = await muffin.post("/schools/not-yet", data={"csrf_token": token, "host": host}, allow_redirects=False)
    assert posted.status == 303 and posted.headers["Location"].startswith("/?q=127.0.0.1")
    assert await requests_for(muffin, host) == []


async def test_not_yet_without_a_usable_host_asks_for_one(muffin: Any, sandbox: Any) -> None:
    page = await (await muffin.get("/schools/not-yet", params={"host": "my school"})).text()
    assert "does not look like a Canvas address" in page and '<label for="host">' in page
    async with muffin.app[db_key]() as session:
        assert (await session.scalars(select(SchoolRequest))).all() == []
