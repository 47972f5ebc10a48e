"""The per-token leaky bucket, with a hand-moved clock."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from feedserver.sandbox import ManualClock, SandboxState
from feedserver.sandbox.throttle import Throttle

from .conftest import NORTH_STUDENT, bearer


def test_up_front_cost_throttles_parallel_requests() -> None:
    bucket = Throttle(clock=lambda: 0.0)
    # Eleven requests in flight hold 550; the twelfth would reach the 600 high-water mark.
    assert all(bucket.reserve("t") for _ in range(11))
    assert not bucket.reserve("t")
    for _ in range(11):
        bucket.settle("t", 0.5)
    assert bucket.level("t") == 5.5
    assert bucket.reserve("t")


def test_bucket_leaks_with_time() -> None:
    now = [0.0]
    bucket = Throttle(clock=lambda: now[0])
    bucket.reserve("t")
    bucket.settle("t", 700)
    assert bucket.remaining("t") == 0.0
    now[0] += 20  # 10 units a second
    assert bucket.level("t") == 500
    assert bucket.remaining("t") == 100


def test_bucket_never_exceeds_maximum() -> None:
    bucket = Throttle(clock=lambda: 0.0)
    bucket.reserve("t")
    bucket.settle("t", 5000)
    assert bucket.level("t") == 800


async def test_headers_on_every_api_response(north: TestClient, token: str) -> None:
    resp = await north.get("/api/v1/users/self", headers=bearer(token))
    assert float(resp.headers["x-request-cost"]) > 0
    assert float(resp.headers["x-rate-limit-remaining"]) < 600


async def test_drained_bucket_gets_403_then_recovers(
        north: TestClient, north_state: SandboxState, token: str, clock: ManualClock) -> None:
    north_state.throttle.request_cost = 700
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 200
    resp = await north.get("/api/v1/users/self", headers=bearer(token))
    assert resp.status == 403
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert await resp.text() == "403 Forbidden (Rate Limit Exceeded)\n"
    assert resp.headers["x-rate-limit-remaining"] == "0.0"
    clock.advance(20)
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 200


async def test_current_canvas_answers_429(
        north: TestClient, north_state: SandboxState, token: str) -> None:
    north_state.throttle_status = 429
    north_state.throttle.request_cost = 700
    await north.get("/api/v1/users/self", headers=bearer(token))
    resp = await north.get("/api/v1/users/self", headers=bearer(token))
    assert resp.status == 429 and "Rate Limit Exceeded" in await resp.text()


async def test_buckets_are_per_token(north: TestClient, north_state: SandboxState,
                                     token: str) -> None:
    north_state.throttle.request_cost = 700
    await north.get("/api/v1/users/self", headers=bearer(token))
    other = north_state.grant_token(NORTH_STUDENT + 1).access_token
    assert (await north.get("/api/v1/users/self", headers=bearer(other))).status == 200
