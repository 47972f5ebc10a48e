"""No secret reaches a log line during API and proxy use (tokens, cookie, feed URLs, client secret)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tests.api.conftest import ALLOWED_ORIGIN, NORTH_STUDENT, signed_in
from tests.auth.helpers import session_cookie


async def test_api_and_proxy_log_no_secrets(api: Any, sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await signed_in(api, "north", NORTH_STUDENT)
    state = sandbox.schools["north"].state
    first_feed = (await (await api.get("/api/me")).json())["feed"]["url"]
    await api.get("/api/canvas/api/v1/users/self", params={"access_token": "planted-token-value-123"})
    before_refresh = [g.access_token for g in state.tokens.grants.values() if g.user_id == NORTH_STUDENT]
    state.expire_access_tokens()  # the next proxied call refreshes
    await api.get("/api/canvas/api/v1/courses", headers={"Origin": ALLOWED_ORIGIN})
    await api.get("/api/canvas/api/v1/courses/../../x")
    state.faults.server_errors = 1
    await api.get("/api/canvas/api/v1/users/self")
    new_feed = (await (await api.post("/api/me/feed/rotate", headers={"Origin": ALLOWED_ORIGIN})).json())["url"]
    await api.patch("/api/me/settings", json={"submitted": "hide"}, headers={"Origin": ALLOWED_ORIGIN})

    grants = [g for g in state.tokens.grants.values() if g.user_id == NORTH_STUDENT]
    secrets = {
        "session cookie": session_cookie(api),
        "client secret": sandbox.world.schools["north"].school_key.client_secret,
        "planted token": "planted-token-value-123",
        "old feed token": first_feed.rsplit("/", 1)[1].removesuffix(".ics"),
        "new feed token": new_feed.rsplit("/", 1)[1].removesuffix(".ics"),
    }
    for index, grant in enumerate(grants):
        secrets[f"access token {index}"] = grant.access_token
        secrets[f"refresh token {index}"] = grant.refresh_token
    for index, token in enumerate(before_refresh):
        secrets[f"access token before refresh {index}"] = token
    assert len(grants) >= 1 and all(secrets.values())
    assert secrets["access token 0"] not in before_refresh, "the flow did not refresh"
    assert any(r.name == "aiohttp.access" for r in caplog.records)
    assert caplog.records, "the flow logged nothing: the test would prove nothing"
    for record in caplog.records:
        text = record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        for name, value in secrets.items():
            assert value not in text, f"{name} leaked in {record.name}: {record.getMessage()[:200]}"


class _AccessLines(logging.Handler):
    """Collects feed and health-check access lines; `wait_for(n)` returns once n arrived.

    aiohttp writes a line after the reply is sent, so a test must wait for it, not just look.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[int, list[str]]] = []
        self.arrived = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        words = record.getMessage().split()[:3]
        if words[1] in ("feed", "healthz"):  # not a late line of the sign-in before
            self.lines.append((record.levelno, words))
            self.arrived.set()

    async def wait_for(self, count: int) -> list[tuple[int, list[str]]]:
        while len(self.lines) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), timeout=10)
        return self.lines


async def test_successful_feed_polls_log_at_debug_and_failed_ones_at_info(api: Any) -> None:
    access = logging.getLogger("aiohttp.access")
    level = access.level
    # Before the first request: aiohttp asks whether access logging is on once per connection.
    access.setLevel(logging.INFO)
    lines = _AccessLines()
    try:
        await signed_in(api, "north", NORTH_STUDENT)
        feed_path = "/feeds/" + (await (await api.get("/api/me")).json())["feed"]["url"].rsplit("/", 1)[1]
        access.addHandler(lines)
        assert (await api.get(feed_path)).status == 200
        assert (await api.get("/feeds/" + "x" * 43 + ".ics")).status == 404
        assert (await api.get("/healthz")).status == 200
        # Two lines: the 404 and the health check; the successful poll was not logged.
        assert await lines.wait_for(2) == [(logging.INFO, ["GET", "feed", "404"]),
                                           (logging.INFO, ["GET", "healthz", "200"])]
        access.setLevel(logging.DEBUG)
        assert (await api.get(feed_path)).status == 200
        assert (await lines.wait_for(3))[2] == (logging.DEBUG, ["GET", "feed", "200"])
    finally:
        access.removeHandler(lines)
        access.setLevel(level)
