"""Driving the sign-in flow over real sockets: our server, the sandbox's consent page, back.

Plain functions, not fixtures, so tests in tests/auth and tests/e2e share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from feedserver.app import SESSION_COOKIE
from feedserver.store.models import CanvasToken, Student
from feedserver.typedefs import db_key

_PENDING = re.compile(r'name="pending" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Login:
    """What one trip through the flow produced."""

    authorize_url: str
    """Where /login sent the browser (Canvas's /login/oauth2/auth)."""
    callback_url: str | None
    """Where Canvas sent the browser back (our /oauth/callback?code=..&state=..)."""
    status: int
    """Our callback's answer."""
    location: str | None
    text: str

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.authorize_url).query).items()}

    @property
    def callback_query(self) -> dict[str, str]:
        assert self.callback_url is not None
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.callback_url).query).items()}


async def start(client: TestClient, institution: str, return_to: str | None = None) -> str:
    """GET /login; the Canvas authorize URL it redirects to."""
    params = {"institution": institution}
    if return_to is not None:
        params["return_to"] = return_to
    response = await client.get("/login", params=params, allow_redirects=False)
    assert response.status == 302, await response.text()
    return response.headers["Location"]


async def consent(client: TestClient, authorize_url: str, *, user_id: int | None = None,
                  action: str = "authorize") -> str:
    """Answer Canvas's consent page (skipped by Canvas for a returning user);
    the callback URL Canvas redirects to."""
    page = await client.session.get(authorize_url, allow_redirects=False)
    if page.status == 302:
        return page.headers["Location"]
    html = await page.text()
    assert page.status == 200, html
    pending = _PENDING.search(html)
    assert pending, html
    if user_id is None:
        user_id = int(re.search(r'<option value="(\d+)"', html).group(1))  # type: ignore[union-attr]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
    decided = await client.session.post(f"{origin}/login/oauth2/confirm", allow_redirects=False,
                                        data={"pending": pending.group(1), "user_id": str(user_id),
                                              "action": action})
    assert decided.status == 302, await decided.text()
    return decided.headers["Location"]


async def finish(client: TestClient, callback_url: str) -> tuple[int, str | None, str]:
    """Follow Canvas's redirect to our callback (a URL on our server)."""
    response = await client.session.get(callback_url, allow_redirects=False)
    return response.status, response.headers.get("Location"), await response.text()


async def sign_in(client: TestClient, institution: str = "north", *, user_id: int | None = None,
                  action: str = "authorize", return_to: str | None = None) -> Login:
    authorize_url = await start(client, institution, return_to)
    callback_url = await consent(client, authorize_url, user_id=user_id, action=action)
    status, location, text = await finish(client, callback_url)
    return Login(authorize_url, callback_url, status, location, text)


async def csrf_of(client: TestClient, path: str = "/me") -> str:
    """The CSRF token from a form on one of our pages."""
    response = await client.get(path)
    match = _CSRF.search(await response.text())
    assert match, f"no csrf token on {path}"
    return match.group(1)


def session_cookie(client: TestClient) -> str | None:
    for cookie in client.session.cookie_jar:
        if cookie.key == SESSION_COOKIE:
            return cookie.value
    return None


async def count(client: TestClient, model: Any) -> int:
    async with client.app[db_key]() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


async def nothing_stored(client: TestClient) -> bool:
    return await count(client, Student) == 0 and await count(client, CanvasToken) == 0


def token_requests(state: Any) -> int:
    """POSTs to the sandbox's token endpoint so far."""
    return sum(1 for r in state.request_log if r.method == "POST" and r.path == "/login/oauth2/token")
