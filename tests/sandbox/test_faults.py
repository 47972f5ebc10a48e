"""Each fault switch does what it says."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from feedserver.sandbox import Faults, SandboxState

from .conftest import bearer


def test_update_validates_before_changing() -> None:
    faults = Faults()
    with pytest.raises(ValueError):
        faults.update({"server_errors": 2, "slow_seconds": "fast"})
    assert faults.server_errors == 0
    with pytest.raises(ValueError):
        faults.update({"nonsense": True})
    faults.update({"server_errors": 2, "malformed_json": True, "latency_seconds": 1})
    assert faults.as_dict()["latency_seconds"] == 1.0
    faults.reset()
    assert faults == Faults()


async def test_server_errors_count_down(north: TestClient, north_state: SandboxState,
                                        token: str) -> None:
    north_state.faults.server_errors = 3
    statuses = [(await north.get("/api/v1/users/self", headers=bearer(token))).status
                for _ in range(4)]
    assert statuses == [500, 502, 503, 200]


async def test_slow_seconds_delays_api_responses(north: TestClient, north_state: SandboxState,
                                                 token: str) -> None:
    north_state.faults.slow_seconds = 0.3
    with pytest.raises(asyncio.TimeoutError):
        await north.get("/api/v1/users/self", headers=bearer(token),
                        timeout=aiohttp.ClientTimeout(total=0.05))


async def test_latency_applies_to_every_request(north: TestClient,
                                                north_state: SandboxState) -> None:
    north_state.faults.latency_seconds = 0.3
    with pytest.raises(asyncio.TimeoutError):
        await north.get("/login/oauth2/auth", timeout=aiohttp.ClientTimeout(total=0.05))


async def test_malformed_json(north: TestClient, north_state: SandboxState, token: str) -> None:
    north_state.faults.malformed_json = True
    resp = await north.get("/api/v1/courses", headers=bearer(token))
    assert resp.status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(await resp.text())


async def test_truncated_body(north: TestClient, north_state: SandboxState, token: str) -> None:
    north_state.faults.truncated_body = True
    resp = await north.get("/api/v1/courses", headers=bearer(token))
    with pytest.raises(aiohttp.ClientPayloadError):
        await resp.read()
    north_state.faults.truncated_body = False
    assert (await north.get("/api/v1/courses", headers=bearer(token))).status == 200


async def test_pagination_loop(north: TestClient, north_state: SandboxState, token: str) -> None:
    north_state.faults.pagination_loop = True
    url = str(north.make_url("/api/v1/planner/items"))
    for _ in range(5):
        resp = await north.session.get(url, headers=bearer(token))
        url = re.search(r'<([^>]+)>; rel="next"', resp.headers["link"]).group(1)
        assert "page=1&" in url


async def test_rate_limit_storm(north: TestClient, north_state: SandboxState, token: str) -> None:
    north_state.faults.rate_limit_storm = True
    resp = await north.get("/api/v1/users/self", headers=bearer(token))
    assert resp.status == 403 and "Rate Limit Exceeded" in await resp.text()
