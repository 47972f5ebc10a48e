"""Fixtures of the API tests: our server with a configuration of the test's choosing,
signed-in students (the real sign-in flow against the sandbox), and an "evil"
server that must never see a request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from multidict import CIMultiDict
from sqlalchemy import select
from yarl import URL

from feedserver.app import create_app
from feedserver.logs import RouteAccessLogger
from feedserver.store.models import Student
from feedserver.typedefs import db_key
from tests.auth.helpers import session_cookie, sign_in
from tests.conftest import make_config

ALLOWED_ORIGIN = "https://app.example.com"
NORTH_STUDENT = 1001
SOUTH_STUDENT = 2001

MakeMuffin = Callable[..., Awaitable[TestClient]]


async def signed_in(client: TestClient, school: str, user_id: int) -> int:
    """Sign `client` in as sandbox user `user_id` through the real OAuth flow; our student id."""
    login = await sign_in(client, school, user_id=user_id)
    assert (login.status, login.location) == (302, "/me"), login.text
    async with client.app[db_key]() as session:
        return (await session.scalars(
            select(Student.id).where(Student.canvas_user_id == str(user_id)))).one()


@pytest.fixture
def make_muffin(sandbox: Any, database_url: str, muffin_port: int, aiohttp_client: Any) -> MakeMuffin:  # noqa: F811
    """Our server in front of both sandbox schools, with `server` settings overridden.

    `canvas_urls` moves a school's Canvas address (e.g. to a `CanvasTap` in front of it).
    """

    async def factory(canvas_urls: dict[str, str] | None = None, **server: Any) -> TestClient:
        tables, env = sandbox.institution_tables()
        for table in tables:
            table["canvas_url"] = (canvas_urls or {}).get(table["slug"], table["canvas_url"])
        config = make_config({"public_url": f"http://127.0.0.1:{muffin_port}", "database": database_url,
                              "background_sync": False, "allowed_origins": [ALLOWED_ORIGIN], **server},
                             tables, env)
        server = TestServer(create_app(config), host="127.0.0.1", port=muffin_port)
        # Started here, with the access logger `muffin-feed serve` uses (route names, never request lines).
        await server.start_server(access_log_class=RouteAccessLogger)
        return await aiohttp_client(server)

    return factory


@pytest.fixture
async def api(make_muffin: MakeMuffin) -> TestClient:
    """Our server with the test configuration (allowed origin: https://app.example.com)."""
    return await make_muffin()


@pytest.fixture
def second_client(aiohttp_client: Any) -> Callable[[TestClient], Awaitable[TestClient]]:
    """Another browser (its own cookie jar) on the same server."""

    async def factory(client: TestClient) -> TestClient:
        return await aiohttp_client(client.server)

    return factory


@dataclass
class EvilServer:
    """A loopback server that counts every request it gets: the proxy must never call it."""

    url: str
    host_port: str
    hits: list[str] = field(default_factory=list)


@pytest.fixture
async def evil(aiohttp_server: Any) -> EvilServer:
    hits: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        hits.append(f"{request.method} {request.path_qs}")
        return web.json_response([{"id": 666, "name": "stolen"}])

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    server = await aiohttp_server(app, host="127.0.0.1")
    url = str(server.make_url("")).rstrip("/")
    return EvilServer(url, url.split("://", 1)[1], hits)


@dataclass
class Tapped:
    method: str
    path_qs: str
    headers: CIMultiDict[str]


@dataclass
class CanvasTap:
    """A wiretap in front of one sandbox school: records every request that reached
    "Canvas" with all its headers, and can add headers to Canvas's API answers."""

    url: str
    requests: list[Tapped] = field(default_factory=list)
    extra_headers: list[tuple[str, str]] = field(default_factory=list)

    def api_requests(self) -> list[Tapped]:
        return [r for r in self.requests if r.path_qs.startswith("/api/v1/")]


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "te",
               "upgrade", "proxy-authenticate", "proxy-authorization", "trailer"}


@pytest.fixture
async def north_tap(sandbox: Any, aiohttp_server: Any) -> AsyncIterator[CanvasTap]:
    """A `CanvasTap` in front of the north sandbox school (point north's canvas_url at `.url`)."""
    target = sandbox.schools["north"].url
    http = aiohttp.ClientSession(auto_decompress=True)
    tap = CanvasTap(url="")

    async def relay(request: web.Request) -> web.StreamResponse:
        tap.requests.append(Tapped(request.method, request.raw_path, CIMultiDict(request.headers)))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with http.request(request.method, URL(target + request.raw_path, encoded=True), headers=headers,
                                data=await request.read(), allow_redirects=False) as answer:
            body = await answer.read()
            out = CIMultiDict((k, v) for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP)
        if request.path.startswith("/api/v1/"):
            out.extend(tap.extra_headers)
        return web.Response(status=answer.status, body=body, headers=out)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", relay)
    server = await aiohttp_server(app, host="127.0.0.1")
    tap.url = str(server.make_url("")).rstrip("/")
    yield tap
    await http.close()


@dataclass
class RawResponse:
    status: int
    headers: CIMultiDict[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def raw_request(client: TestClient, method: str, target: str,
                      headers: dict[str, str] | None = None) -> RawResponse:
    """Send `target` byte for byte as the request line (aiohttp's client would normalize
    it), with `client`'s session cookie."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    lines = [f"{method} {target} HTTP/1.1", f"Host: {client.host}:{client.port}", "Connection: close"]
    cookie = session_cookie(client)
    if cookie:
        lines.append(f"Cookie: muffin_session={cookie}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    return parse_raw_response(data)


def parse_raw_response(data: bytes) -> RawResponse:
    """An HTTP/1.1 answer read whole from a socket (a chunked body is joined)."""
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed: CIMultiDict[str] = CIMultiDict()
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed.add(name.strip(), value.strip())
    if parsed.get("Transfer-Encoding") == "chunked":
        body = _unchunk(body)
    return RawResponse(int(status_line.split()[1]), parsed, body)


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return out
