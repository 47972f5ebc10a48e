"""Driving LTI launches over real sockets: a user agent with its own cookie jar goes
from the platform's login initiation to our /lti/launch, as a browser would.

Plain functions and classes, so tests/lti and tests/e2e share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import CookieJar
from yarl import URL

from feedserver.lti.binding import STATE_COOKIE
from tests.lti.platform import TestPlatform

#: The school the test registrations belong to; its Canvas is never contacted in these tests.
NORTH = {"slug": "north", "name": "North State University", "canvas_url": "http://127.0.0.1:9",
         "client_id": "170000000000001", "client_secret_env": "NORTH_SECRET", "time_zone": "America/Chicago"}
NORTH_ENV = {"NORTH_SECRET": "north-client-secret-for-lti-tests"}


class _FormParser(HTMLParser):
    """The first form of a page: its action and hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and not self._done:
            self._in_form, self.action = True, values.get("action")
        elif tag == "input" and self._in_form and "name" in values:
            self.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def parse_form(page: str) -> tuple[str, dict[str, str]]:
    parser = _FormParser()
    parser.feed(page)
    assert parser.action, f"no form in: {page[:300]}"
    return parser.action, parser.fields


class _DataParser(HTMLParser):
    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id = element_id
        self.found: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if self.found is None and values.get("id") == self.element_id:
            self.found = {k[5:]: v for k, v in values.items() if k.startswith("data-")}


def data_attributes(page: str, element_id: str = "lti-storage") -> dict[str, str]:
    """The data-* attributes of one element (what static/lti.js reads)."""
    parser = _DataParser(element_id)
    parser.feed(page)
    assert parser.found is not None, f"no #{element_id} in: {page[:300]}"
    return parser.found


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def check_of(page: str) -> str | None:
    """The failed check named on a refusal page (lti_error.html)."""
    match = re.search(r"launch check\s+“<code>([^<]+)</code>” failed", page)
    return match.group(1) if match else None


@dataclass
class Step:
    status: int
    text: str
    headers: Any
    url: str


@dataclass
class Launch:
    """One trip: login initiation → platform authorization → our launch."""

    login: Step
    auth_url: str
    form: dict[str, str]
    """What the platform auto-posted to /lti/launch (id_token, state, ...)."""
    result: Step

    @property
    def auth_query(self) -> dict[str, str]:
        return query_of(self.auth_url)


@dataclass
class UserAgent:
    """A browser stand-in: keeps cookies (the tool's loopback http counts as secure, as in Chrome)."""

    tool_url: str
    session: aiohttp.ClientSession = field(init=False)

    def __post_init__(self) -> None:
        jar = CookieJar(unsafe=True, treat_as_secure_origin=[self.tool_url])
        self.session = aiohttp.ClientSession(cookie_jar=jar)

    async def close(self) -> None:
        await self.session.close()

    def state_cookie(self) -> str | None:
        for cookie in self.session.cookie_jar:
            if cookie.key == STATE_COOKIE:
                return cookie.value
        return None

    def set_state_cookie(self, value: str) -> None:
        self.session.cookie_jar.update_cookies({STATE_COOKIE: value}, response_url=URL(f"{self.tool_url}/lti/"))

    def drop_cookies(self) -> None:
        """Act like a browser that keeps no cookie in a third-party frame (Safari)."""
        self.session.cookie_jar.clear()

    async def get(self, url: str, **kwargs: Any) -> Step:
        async with self.session.get(url, allow_redirects=False, **kwargs) as response:
            return Step(response.status, await response.text(), response.headers, str(response.url))

    async def post(self, url: str, **kwargs: Any) -> Step:
        async with self.session.post(url, allow_redirects=False, **kwargs) as response:
            return Step(response.status, await response.text(), response.headers, str(response.url))

    async def initiate(self, platform: TestPlatform, user: str = "student", *, method: str = "GET",
                       **changes: str | None) -> Step:
        params = platform.login_params(user, **changes)
        if method == "GET":
            return await self.get(f"{self.tool_url}/lti/login", params=params)
        return await self.post(f"{self.tool_url}/lti/login", data=params)

    async def authorize(self, login: Step) -> tuple[str, dict[str, str], str]:
        """Follow the login's way to the platform; (auth URL, auto-post fields, form action)."""
        if login.status == 302:
            auth_url = login.headers["Location"]
        else:
            assert login.status == 200, login.text
            auth_url = data_attributes(login.text)["next"]
        page = await self.get(auth_url)
        assert page.status == 200, page.text
        action, fields = parse_form(page.text)
        return auth_url, fields, action

    async def launch(self, platform: TestPlatform, user: str = "student", *, method: str = "GET",
                     between: Any = None, **changes: str | None) -> Launch:
        """The whole launch; `between()` runs after the login (e.g. to drop cookies)."""
        login = await self.initiate(platform, user, method=method, **changes)
        auth_url, fields, action = await self.authorize(login)
        if between is not None:
            between()
        result = await self.post(action, data=fields)
        return Launch(login, auth_url, fields, result)

    async def confirm_from_storage(self, page: Step, value: str, **headers: str) -> Step:
        """What static/lti.js does after ``lti.get_data`` answered `value`."""
        data = data_attributes(page.text)
        return await self.post(
            f"{self.tool_url}{data['path']}",
            json={"id_token": data["id-token"], "state": data["state"], "value": value},
            headers={data["header"]: "storage", "Sec-Fetch-Site": "same-origin", **headers},
        )
