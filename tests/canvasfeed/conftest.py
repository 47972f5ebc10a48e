"""Fixtures of the calendar-feed tests: loopback servers that count requests, a scripted
resolver, and our server with a configuration of the test's choosing."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestClient, TestServer

from feedserver.app import create_app
from feedserver.canvasfeed.addresses import IPAddress, public_only
from tests.conftest import make_config

#: A loopback address the tests declare "public", so a real local server can stand in for
#: a school's Canvas; 127.0.0.1 stays forbidden and stands for every private address.
PRETEND_PUBLIC = ipaddress.IPv4Address("127.0.0.2")
FORBIDDEN = "127.0.0.1"


def pretend_public(address: IPAddress) -> bool:
    """The strict production policy, plus 127.0.0.2 (and nothing else of loopback)."""
    return address == PRETEND_PUBLIC or public_only(address)


@dataclass
class CountingServer:
    """A real server on a loopback address; `hits` counts every request it received."""

    host: str
    port: int
    runner: web.AppRunner
    hits: list[str] = field(default_factory=list)

    def url(self, path: str, *, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"


ServerFactory = Callable[..., Awaitable[CountingServer]]


@pytest.fixture
async def serve() -> AsyncIterator[ServerFactory]:
    """`await serve(host, routes, port=0)`: a CountingServer running `routes`."""
    started: list[CountingServer] = []

    async def factory(host: str, routes: web.RouteTableDef, *, port: int = 0) -> CountingServer:
        server: CountingServer

        @web.middleware
        async def count(request: web.Request, handler: Any) -> web.StreamResponse:
            server.hits.append(request.path_qs)
            return await handler(request)

        app = web.Application(middlewares=[count])
        app.router.add_routes(routes)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        await web.SockSite(runner, sock).start()
        server = CountingServer(host, sock.getsockname()[1], runner)
        started.append(server)
        return server

    yield factory
    for server in started:
        await server.runner.cleanup()


class ScriptedResolver(AbstractResolver):
    """DNS that answers each name from a script: one list of addresses per lookup, the last repeating."""

    def __init__(self, script: dict[str, Sequence[Sequence[str]]]) -> None:
        self.script = {name: list(answers) for name, answers in script.items()}
        self.lookups: list[str] = []

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET,
                      ) -> list[ResolveResult]:
        self.lookups.append(host)
        answers = self.script.get(host)
        if not answers:
            raise OSError(f"unknown host {host}")
        current = answers.pop(0) if len(answers) > 1 else answers[0]
        return [ResolveResult(hostname=host, host=address, port=port,
                              family=socket.AF_INET6 if ":" in address else socket.AF_INET, proto=0,
                              flags=socket.AI_NUMERICHOST) for address in current]

    async def close(self) -> None:
        return None


MakeMuffin = Callable[..., Awaitable[TestClient]]


def _muffin_factory(sandbox: Any, database_url: str, muffin_port: int, aiohttp_client: Any) -> MakeMuffin:
    async def factory(schools: Sequence[str] = ("north", "south"), *, environ: dict[str, str] | None = None,
                      inherited_at: Sequence[str] = (), **server: Any) -> TestClient:
        """`inherited_at`: schools that use the sandbox's inherited (Instructure-made) key via [keys]."""
        tables, env = sandbox.institution_tables()
        chosen = [t for t in tables if t["slug"] in schools]
        extra: dict[str, Any] = {}
        if inherited_at:
            key = sandbox.world.schools[inherited_at[0]].inherited_key
            env["INHERITED_SECRET"] = key.client_secret
            extra["keys"] = {"muffin": {"client_id": key.client_id, "client_secret_env": "INHERITED_SECRET",
                                        "scopes": list(key.scopes)}}
            chosen = [{k: v for k, v in t.items() if k not in ("client_id", "client_secret_env")} | {"key": "muffin"}
                      if t["slug"] in inherited_at else t for t in chosen]
        config = make_config({"public_url": f"http://127.0.0.1:{muffin_port}", "database": database_url,
                              "background_sync": False, "allow_private_feed_hosts": True, **server},
                             chosen, {**env, **(environ or {})}, **extra)
        return await aiohttp_client(TestServer(create_app(config), host="127.0.0.1", port=muffin_port))

    return factory


@pytest.fixture
def make_muffin(sandbox: Any, database_url: str, muffin_port: int, aiohttp_client: Any) -> MakeMuffin:
    """Our server on both engines with `server` settings and only the sandbox schools in `schools`."""
    return _muffin_factory(sandbox, database_url, muffin_port, aiohttp_client)


@pytest.fixture
def make_sqlite_muffin(sandbox: Any, sqlite_url: str, muffin_port: int, aiohttp_client: Any) -> MakeMuffin:
    """`make_muffin` on SQLite only, for checks that do not depend on the database engine."""
    return _muffin_factory(sandbox, sqlite_url, muffin_port, aiohttp_client)
