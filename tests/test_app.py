"""The assembled app over a real socket: health, landing, headers, error pages, sync wiring."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from feedserver.app import create_app
from feedserver.config import Config
from feedserver.feeds.preferences import update_settings
from feedserver.http_policy import POLL_ROUTES
from feedserver.sandbox import SandboxWorld
from feedserver.store.models import PlannedSession
from feedserver.typedefs import db_key
from tests.conftest import make_config, running_sandbox
from tests.sync.helpers import connect, runs


async def test_health_landing_and_security_headers(sqlite_url: str, aiohttp_client: Any) -> None:
    institutions = [{"slug": "north", "name": "North State University", "canvas_url": "https://canvas.north.edu",
                     "client_id": "1", "client_secret_env": "N_SECRET"}]
    client = await aiohttp_client(create_app(make_config({"database": sqlite_url}, institutions, {"N_SECRET": "x"})))
    assert (await (await client.get("/healthz")).json()) == {"status": "ok"}
    assert (await (await client.get("/readyz")).json())["database"] == "up"
    landing = await client.get("/")
    assert landing.status == 200
    body = await landing.text()
    assert "North State University" in body
    assert landing.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in landing.headers["Content-Security-Policy"]
    robots = await (await client.get("/robots.txt")).text()
    assert "Disallow: /" in robots


async def test_unknown_pages_get_a_friendly_404(sqlite_url: str, aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app(make_config({"database": sqlite_url})))
    page = await client.get("/no/such/page")
    assert page.status == 404 and "text/html" in page.headers["Content-Type"]
    assert "Back to the start" in await page.text()
    api = await client.get("/api/no-such-thing")
    assert api.status == 404 and api.headers["Content-Type"].startswith("application/problem+json")
    assert (await api.json())["status"] == 404


async def test_the_feed_cache_takes_its_size_from_the_config(sqlite_url: str, aiohttp_client: Any) -> None:
    from feedserver.feeds.appkeys import feed_cache_key

    client = await aiohttp_client(create_app(make_config({"database": sqlite_url, "feed_cache_mib": 3})))
    assert client.app[feed_cache_key].max_bytes == 3 * 1024 * 1024


async def test_the_poll_routes_of_the_http_policy_are_the_feed_routes(sqlite_url: str) -> None:
    # http_policy names them for the fast path and the quiet access log; feeds/views.py serves them.
    app = create_app(make_config({"database": sqlite_url}))
    served = {r.name for r in app.router.routes() if getattr(r.handler, "__module__", "") == "feedserver.feeds.views"}
    assert served == POLL_ROUTES


async def _started(config: Config, port: int, aiohttp_client: Any) -> TestClient:
    return await aiohttp_client(TestServer(create_app(config), host="127.0.0.1", port=port))


async def _planned_sessions(client: TestClient, student_id: int, timeout: float = 60) -> list[PlannedSession]:
    """The student's stored sessions once there are some (empty if none appear within `timeout` seconds)."""
    for _ in range(int(timeout * 10)):
        async with client.app[db_key]() as session:
            rows = list((await session.scalars(
                select(PlannedSession).where(PlannedSession.student_id == student_id))).all())
        if rows:
            return rows
        await asyncio.sleep(0.1)
    return []


async def test_the_first_background_round_after_a_restart_replans(database_url: str, aiohttp_client: Any,
                                                                   unused_tcp_port_factory: Any) -> None:
    # A live-looking term (today is in its week 11): the planner's real clock finds work to plan.
    async with running_sandbox(SandboxWorld.seeded(seed=7)) as sandbox:
        tables, env = sandbox.institution_tables()

        def config(port: int, background_sync: bool) -> Config:
            # One round per hour at most: within this test, the only round is the first.
            return make_config({"public_url": f"http://127.0.0.1:{port}", "database": database_url,
                                "background_sync": background_sync, "sync_poll_seconds": 3600}, tables, env)

        # Before the restart: a student signed up and turned suggestions on; nothing synced or planned yet.
        port = unused_tcp_port_factory()
        before = await _started(config(port, False), port, aiohttp_client)
        student = await connect(before, sandbox, "north", 1001)
        await update_settings(before.app[db_key], student.student_id, {"suggestions": True})
        await before.close()

        # The restarted server's scheduler starts once every source and its replan exist (app.py).
        port = unused_tcp_port_factory()
        after = await _started(config(port, True), port, aiohttp_client)
        assert await _planned_sessions(after, student.student_id), "the first round did not replan"
        assert [r.outcome for r in await runs(after, student.student_id)] == ["ok"]
        feed = await after.get(student.feed_path)
        assert feed.status == 200 and b"hm-session-" in await feed.read()
        await after.close()
