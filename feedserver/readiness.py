"""Readiness while a server starts: its socket answers before the app can.

`serve` binds its listening socket itself (`listen_socket`) and hands it to
aiohttp. `answer_while_starting(app, sock)` makes the app's first cleanup
context serve a stand-in on that socket until every context has started,
database migrations included (they can take minutes, or wait for another
process's migrations under PostgreSQL's advisory lock):

- ``/healthz`` answers 200: the process is alive, and a liveness probe must
  not restart a process because it is migrating;
- ``/readyz`` and every other path answer 503 with ``Retry-After``, so a load
  balancer or a Kubernetes readiness probe sends no student here yet.

Connections that arrive between the stand-in closing and aiohttp's own site
opening wait in the socket's backlog: none is refused. Once started, the
app's own ``/readyz`` (views.py) answers, 503 while the database does not.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from .http_policy import NO_STORE, SECURITY_HEADERS
from .typedefs import engine_key

__all__ = ["MIGRATED", "STARTING", "answer_while_starting", "listen_socket"]

_LOGGER = logging.getLogger(__name__)

#: The stand-in's answer to /readyz until migrations are done (short: probes and people read it).
STARTING = {"status": "starting", "database": "migrating"}
#: ... and after, while the other start-up steps run (the feed cache, the sync service).
MIGRATED = {"status": "starting", "database": "up"}
_RETRY_AFTER = "5"


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) and listening, as aiohttp's own site would make it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _stand_in(app: web.Application) -> Callable[[web.BaseRequest], Awaitable[web.Response]]:
    async def answer(request: web.BaseRequest) -> web.Response:
        headers = {**SECURITY_HEADERS, **NO_STORE}
        if request.path == "/healthz":
            return web.json_response({"status": "ok"}, headers=headers)
        headers["Retry-After"] = _RETRY_AFTER
        if request.path == "/readyz":
            # app.py's database context sets the engine once migrations are done.
            body = MIGRATED if engine_key in app else STARTING
            return web.Response(status=503, text=json.dumps(body), content_type="application/json", headers=headers)
        return web.Response(status=503, text="Starting up; try again in a few seconds.\n", headers=headers)
    return answer


def answer_while_starting(app: web.Application, sock: socket.socket) -> None:
    """Serve the stand-in on `sock` from the first startup step until the last one is done.

    Call it after `create_app`, before the app starts: its cleanup context
    goes first, and the hook that closes it runs after every context.
    """
    stand_in: dict[str, tuple[asyncio.Server, web.Server]] = {}

    async def close() -> None:
        if "server" in stand_in:
            listener, handler = stand_in.pop("server")
            listener.close()  # closes our duplicate of the socket; aiohttp's site serves the original
            await handler.shutdown(1.0)

    async def serve_until_started(app: web.Application) -> AsyncIterator[None]:
        # No access log: a request line may hold a feed token (logs.py logs route names instead).
        handler = web.Server(_stand_in(app), access_log=None)
        listener = await asyncio.get_running_loop().create_server(handler, sock=sock.dup())
        stand_in["server"] = (listener, handler)
        _LOGGER.info("starting: /readyz answers 503 until migrations and start-up are done")
        try:
            yield
        finally:
            await close()  # start-up failed half-way: the stand-in must not outlive it

    async def started(app: web.Application) -> None:
        await close()

    app.cleanup_ctx.insert(0, serve_until_started)
    app.on_startup.append(started)
