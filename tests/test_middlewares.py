"""The request pipeline on a real socket: unreadable input is a 400, every answer carries the
security headers (raised redirects too) and names no version, error pages may be framed, and an
unexpected failure is a 500 page that leaks nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from feedserver import __version__
from feedserver.app import create_app
from feedserver.http_policy import SECURITY_HEADERS
from tests.auth.helpers import consent, csrf_of, sign_in, start
from tests.conftest import make_config

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ADMIN = {"MUFFIN_ADMIN_TOKEN": "admin-token-0123456789-abcdefghij"}


def assert_security_headers(response: aiohttp.ClientResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name, response.headers.get(name))


async def test_redirects_carry_the_security_headers(muffin: TestClient, sandbox: Any) -> None:
    login = await muffin.get("/login", params={"institution": "north"}, allow_redirects=False)
    assert login.status == 302
    assert_security_headers(login)
    not_signed_in = await muffin.get("/me", allow_redirects=False)
    assert not_signed_in.status == 302
    assert_security_headers(not_signed_in)

    callback_url = await consent(muffin, await start(muffin, "north"), user_id=1001)
    callback = await muffin.session.get(callback_url, allow_redirects=False)
    assert (callback.status, callback.headers["Location"]) == (302, "/me")
    assert_security_headers(callback)
    logout = await muffin.post("/logout", data={"csrf_token": await csrf_of(muffin)}, allow_redirects=False)
    assert logout.status == 303
    assert_security_headers(logout)


async def test_no_answer_names_a_version(muffin: TestClient, sandbox: Any) -> None:
    for path in ("/", "/api/institutions", "/no/such/page", "/api/no-such-thing", "/login?institution=north",
                 "/static/style.css", "/feeds/" + "A" * 43 + ".ics"):
        response = await muffin.get(path, allow_redirects=False)
        assert response.headers["Server"] == "HomeworkMuffin", path
        assert __version__ not in response.headers["Server"]
    # A request aiohttp's own parser refuses is answered before any middleware runs.
    reader, writer = await asyncio.open_connection(muffin.host, muffin.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"x" * 20_000 + b"\r\n\r\n")
    head = (await reader.read()).split(b"\r\n\r\n", 1)[0].decode("latin-1")
    writer.close()
    assert " 400 " in head.split("\r\n", 1)[0] and "\r\nServer: HomeworkMuffin" in head, head
    assert "aiohttp" not in head and "Python" not in head


async def test_exact_versions_need_the_admin_token(sqlite_url: str, aiohttp_client: Any) -> None:
    without = await aiohttp_client(create_app(make_config({"database": sqlite_url})))
    assert (await without.get("/-/versions")).status == 404
    client = await aiohttp_client(create_app(make_config({"database": sqlite_url,
                                                          "admin_token_env": "MUFFIN_ADMIN_TOKEN"}, environ=ADMIN)))
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        anonymous = await client.get("/-/versions", headers=headers)
        assert anonymous.status == 401 and __version__ not in await anonymous.text()
    admin = await client.get("/-/versions", headers={"Authorization": "Bearer " + ADMIN["MUFFIN_ADMIN_TOKEN"]})
    versions = await admin.json()
    assert admin.status == 200
    assert (versions["homework_muffin"], versions["aiohttp"]) == (__version__, aiohttp.__version__)
    assert admin.headers["Cache-Control"] == "no-store"


async def test_error_pages_may_be_framed_and_user_pages_may_not(muffin: TestClient, sandbox: Any) -> None:
    missing = await muffin.get("/no/such/page")
    assert missing.status == 404 and "frame-ancestors *;" in missing.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in missing.headers
    await sign_in(muffin, "north", user_id=1001)
    me = await muffin.get("/me")
    assert "frame-ancestors 'none'" in me.headers["Content-Security-Policy"]
    assert me.headers["X-Frame-Options"] == "DENY"
