"""The school picker (works without JavaScript) and the "not at your school yet" page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from feedserver.auth.schools import normalize_host, search_schools, valid_email
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


async def test_not_yet_records_each_browser_once_and_takes_an_optional_email(muffin: Any, sandbox: Any) -> None:
    page = await muffin.get("/schools/not-yet", params={"host": "Canvas.Elsewhere.edu"})
    assert page.status == 200 and "not at canvas.elsewhere.edu yet" in await page.text()
    await muffin.get("/schools/not-yet", params={"host": "canvas.elsewhere.edu"})
    assert len(await requests_for(muffin, "canvas.elsewhere.edu")) == 1

    no_token = await muffin.post("/schools/not-yet", data={"host": "canvas.elsewhere.edu", "email": "a@b.edu"})
    assert no_token.status == 403
    token = await csrf_of(muffin, "/schools/not-yet?host=canvas.elsewhere.edu")
    bad = await muffin.post("/schools/not-yet", data={"csrf_token": token, "host": "canvas.elsewhere.edu",
                                                      "email": "nope"})
    assert bad.status == 400 and 'aria-invalid="true"' in await bad.text()
    thanks = await muffin.post("/schools/not-yet", data={"csrf_token": token, "host": "canvas.elsewhere.edu",
                                                         "email": "ana@elsewhere.edu"})
    assert thanks.status == 200 and "Thank you" in await thanks.text()
    rows = await requests_for(muffin, "canvas.elsewhere.edu")
    assert [r.email for r in rows] == ["ana@elsewhere.edu"]


async def test_not_yet_for_a_configured_school_goes_to_its_picker(muffin: Any, sandbox: Any) -> None:
    host = sandbox.schools["north"].url.split("://", 1)[1]
    response = await muffin.get("/schools/not-yet", params={"host": host}, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/?q=127.0.0.1")
    assert await requests_for(muffin, host) == []


async def test_not_yet_without_a_usable_host_asks_for_one(muffin: Any, sandbox: Any) -> None:
    page = await (await muffin.get("/schools/not-yet", params={"host": "my school"})).text()
    assert "does not look like a Canvas address" in page and '<label for="host">' in page
    async with muffin.app[db_key]() as session:
        assert (await session.scalars(select(SchoolRequest))).all() == []
