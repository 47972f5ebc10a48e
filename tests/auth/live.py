"""Our server and the Canvas sandbox in a background thread with its own event loop.

For tests that drive a real browser (Playwright's sync API wants the main
thread free of a running loop). Everything listens on real loopback ports;
`LiveStack.call` runs a coroutine on the servers' loop (database checks).
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from feedserver.app import create_app
from feedserver.logs import RouteAccessLogger
from feedserver.sandbox import SandboxWorld, create_sandbox_app
from tests.background_loop import BackgroundLoop, background_loop, bound_socket
from tests.conftest import TERM_START, make_config

T = TypeVar("T")


@dataclass
class LiveStack:
    url: str
    """Our server, e.g. http://127.0.0.1:PORT."""
    app: web.Application
    world: SandboxWorld
    canvas: dict[str, str]
    background: BackgroundLoop
    """The loop the servers run on."""
    _runners: list[web.AppRunner] = field(default_factory=list)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return self.background.call(coro, timeout)


async def _serve(app: web.Application, **runner_args: Any) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, **runner_args)
    await runner.setup()
    sock = bound_socket()
    await web.SockSite(runner, sock).start()
    return runner, f"http://127.0.0.1:{sock.getsockname()[1]}"


async def _start(database_url: str, server: dict[str, Any], environ: dict[str, str],
                 background: BackgroundLoop) -> LiveStack:
    world = SandboxWorld.seeded(seed=7, term_start=TERM_START)
    runners, canvas, tables, env = [], {}, [], {}
    for slug, school in world.schools.items():
        runner, url = await _serve(create_sandbox_app(world, school=slug), access_log=None)
        runners.append(runner)
        canvas[slug] = url
        env[f"{slug.upper()}_SECRET"] = school.school_key.client_secret
        tables.append({"slug": slug, "name": school.name, "canvas_url": url, "time_zone": school.time_zone,
                       "client_id": school.school_key.client_id, "client_secret_env": f"{slug.upper()}_SECRET"})
    # Bind first: public_url (and so redirect_uri and feed URLs) must name the real port.
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = make_config({"public_url": url, "database": database_url, "background_sync": False, **server}, tables,
                         {**env, **environ})
    app = create_app(config)
    runner = web.AppRunner(app, access_log_class=RouteAccessLogger)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    runners.append(runner)
    return LiveStack(url, app, world, canvas, background, runners)


@contextmanager
def live_stack(database_url: str, environ: dict[str, str] | None = None, **server: Any) -> Iterator[LiveStack]:
    """The running stack; `server` overrides ``[server]`` settings, `environ` adds environment variables."""
    with background_loop("live-stack") as background:
        stack = background.call(_start(database_url, server, environ or {}, background), 60)
        try:
            yield stack
        finally:
            background.call(_stop(stack._runners), 60)


async def _stop(runners: list[web.AppRunner]) -> None:
    for runner in reversed(runners):
        await runner.cleanup()
