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


async def problem_code(response: aiohttp.ClientResponse) -> str:
    assert response.content_type == "application/problem+json", await response.text()
    return str((await response.json())["code"])


# -- unreadable input --------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "content_type"), [
    (b"csrf_token=\xff", "application/x-www-form-urlencoded"),
    (b"feed_url=x", "application/x-www-form-urlencoded; charset=x-no-such-charset"),
    (b"--x\r\n\r\n", "multipart/form-data"),
    (b'--x\r\nContent-Disposition: form-data; name="feed_url"\r\n\r\n\xff\r\n--x--\r\n',
     "multipart/form-data; boundary=x"),
], ids=["not UTF-8", "unknown charset", "multipart without boundary", "multipart not UTF-8"])
async def test_a_form_that_cannot_be_read_is_a_400_page(muffin: TestClient, sandbox: Any, body: bytes,
                                                       content_type: str) -> None:
    await csrf_of(muffin, "/connect/canvas-feed")  # a session with a CSRF token: the form is what fails
    response = await muffin.post("/connect/canvas-feed", data=body, headers={"Content-Type": content_type})
    assert response.status == 400 and response.content_type == "text/html"
    assert "send it as UTF-8" in await response.text()
    assert_security_headers(response)


async def test_a_form_that_cannot_be_read_is_a_400_problem_on_the_api(muffin: TestClient, sandbox: Any) -> None:
    await sign_in(muffin, "north", user_id=1001)
    response = await muffin.post("/api/me/sync", data=b"csrf_token=\xff", headers=FORM)
    assert response.status == 400 and await problem_code(response) == "http-400"


async def test_a_nul_character_in_a_query_or_form_is_a_400(muffin: TestClient, sandbox: Any) -> None:
    token = await csrf_of(muffin, "/schools/not-yet?host=canvas.elsewhere.edu")
    posted = await muffin.post("/schools/not-yet", headers=FORM,
                               data=f"csrf_token={token}&host=canvas.elsewhere.edu&email=a%00@b.edu")
    assert posted.status == 400 and "NUL" in await posted.text()
    queried = await muffin.get("/schools/not-yet?host=canvas.elsewhere.edu%00")
    assert queried.status == 400
    api = await muffin.get("/api/institutions?%00=1")
    assert api.status == 400 and await problem_code(api) == "http-400"


# -- headers -----------------------------------------------------------------------------------


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


# -- error pages -------------------------------------------------------------------------------


async def test_error_pages_may_be_framed_and_user_pages_may_not(muffin: TestClient, sandbox: Any) -> None:
    missing = await muffin.get("/no/such/page")
    assert missing.status == 404 and "frame-ancestors *;" in missing.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in missing.headers
    await sign_in(muffin, "north", user_id=1001)
    me = await muffin.get("/me")
    assert "frame-ancestors 'none'" in me.headers["Content-Security-Policy"]
    assert me.headers["X-Frame-Options"] == "DENY"


async def test_an_unexpected_failure_is_a_500_page_that_leaks_nothing(sqlite_url: str, aiohttp_client: Any,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(make_config({"database": sqlite_url}))

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("token=very-secret-value")

    app.router.add_get("/broken", broken)
    app.router.add_get("/api/broken", broken)
    client = await aiohttp_client(app)
    for path, content_type in (("/broken", "text/html"), ("/api/broken", "application/problem+json")):
        response = await client.get(path)
        assert (response.status, response.content_type) == (500, content_type)
        assert "very-secret-value" not in await response.text() and "Traceback" not in await response.text()
        assert_security_headers(response)
    assert any(r.levelname == "ERROR" and "unhandled error" in r.getMessage() for r in caplog.records)
