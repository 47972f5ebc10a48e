"""No secret reaches a log line during API and proxy use (tokens, cookie, feed URLs, client secret)."""

from __future__ import annotations

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
