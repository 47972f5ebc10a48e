"""Readiness: /readyz answers 503 while migrations run and while the database is unreachable; /healthz stays live.

The server is started the way `muffin-feed serve` starts it (its own bound
socket, the stand-in of readiness.py, aiohttp's runner), with migrations
held up by what really holds them up: another process's migration lock on
PostgreSQL, another writer on SQLite.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web
from sqlalchemy.engine import make_url

from feedserver.app import create_app
from feedserver.readiness import STARTING, answer_while_starting, listen_socket
from feedserver.store.db import MIGRATION_LOCK, create_engine, migrate
from tests.conftest import _postgres_admin_url, make_config
from tests.scale.conftest import eventually


@asynccontextmanager
async def migrations_held(database_url: str) -> AsyncIterator[None]:
    """Hold what a migration must take first: PostgreSQL's migration lock, or SQLite's write lock."""
    if database_url.startswith("sqlite"):
        # The file exists in WAL mode (as after any earlier start); a second writer waits on busy_timeout.
        writer = sqlite3.connect(make_url(database_url).database, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            writer.execute("COMMIT")
            writer.close()
        return
    conn = await asyncpg.connect(database_url.replace("postgresql://", "postgres://", 1))
    try:
        await conn.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        yield
        await conn.execute(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
    finally:
        await conn.close()


async def answer(http: aiohttp.ClientSession, url: str) -> tuple[int, str] | None:
    try:
        async with http.get(url) as resp:
            return resp.status, await resp.text()
    except aiohttp.ClientConnectionError:
        return None


async def test_readyz_is_503_while_migrations_wait_and_healthz_stays_up(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url)  # an existing database: WAL mode and the schema in place
        await migrate(engine)
        await engine.dispose()
    app = create_app(make_config({"database": database_url, "background_sync": False}))
    sock = listen_socket("127.0.0.1", 0)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    answer_while_starting(app, sock)
    runner = web.AppRunner(app)
    async with aiohttp.ClientSession() as http:
        async with migrations_held(database_url):
            starting = asyncio.create_task(runner.setup())
            readyz = await eventually(lambda: answer(http, f"{base}/readyz"), timeout=10, what="the stand-in")
            healthz = await answer(http, f"{base}/healthz")
            page = await answer(http, f"{base}/feeds/{'a' * 43}.ics")
            assert not starting.done(), "start-up finished although migrations could not run"
        assert readyz[0] == 503 and json.loads(readyz[1]) == STARTING
        assert healthz == (200, '{"status": "ok"}')
        assert page is not None and page[0] == 503
        await starting
        site = web.SockSite(runner, sock)
        await site.start()
        try:
            ready = await answer(http, f"{base}/readyz")
            assert ready is not None and ready[0] == 200 and '"up"' in ready[1]
        finally:
            await runner.cleanup()


async def test_readyz_is_503_while_postgresql_refuses_connections(postgres_url: str, aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app(make_config({"database": postgres_url, "background_sync": False})))
    assert (await client.get("/readyz")).status == 200
    name = make_url(postgres_url).database
    admin = await asyncpg.connect(_postgres_admin_url().replace("postgresql://", "postgres://", 1))  # type: ignore[union-attr]
    try:
        # What a database restart or a failover looks like from here: every connection cut, no new ones.
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
        down = await client.get("/readyz")
        assert down.status == 503 and (await down.json())["database"] == "down"
        assert (await client.get("/healthz")).status == 200
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert (await client.get("/readyz")).status == 200
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
