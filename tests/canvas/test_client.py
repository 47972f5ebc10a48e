"""CanvasClient against the Canvas sandbox (and, for what the sandbox cannot
produce, a small fake Canvas on a real socket): pagination, rate limits,
retries, token refresh and strict JSON."""

from __future__ import annotations

import math
from typing import Any

import pytest
from aiohttp import web

from feedserver.canvas.client import CanvasClient, ClientPolicy
from feedserver.canvas.errors import (
    CanvasUnavailable,
    Forbidden,
    MalformedResponse,
    RateLimited,
    ReconnectNeeded,
    TokenExpired,
)
from tests.canvas.conftest import STUDENT, Canvas

ASSIGNMENTS = "/api/v1/courses/{}/assignments"


def visible_count(canvas: Canvas, course_id: int) -> int:
    from feedserver.sandbox.student_view import visible_assignments

    return len(visible_assignments(canvas.state.world, STUDENT, course_id))


async def test_follows_next_links_until_the_last_page(canvas: Canvas) -> None:
    course = canvas.course_ids()[0]
    expected = visible_count(canvas, course)
    assert expected > 20  # several pages of 10

    small = canvas.client(per_page=10)
    items = await small.get_all(ASSIGNMENTS.format(course))
    large = canvas.client()
    assert [a["id"] for a in items] == [a["id"] for a in await large.get_all(ASSIGNMENTS.format(course))]
    assert len(items) == expected
    assert len({a["id"] for a in items}) == expected
    assert small.requests == math.ceil(expected / 10)
    assert large.requests == 1  # per_page=100
    assert canvas.tokens.reads == 2  # once per client, however many pages (a database read each in production)
    # The bearer header carries the token; no URL we sent holds one.
    assert all("access_token" not in r.query for r in canvas.state.request_log)


async def test_a_pagination_loop_is_detected(canvas: Canvas) -> None:
    canvas.state.faults.pagination_loop = True
    client = canvas.client(per_page=10)
    with pytest.raises(MalformedResponse, match="pagination loop"):
        await client.get_all(ASSIGNMENTS.format(canvas.course_ids()[0]))
    # Page 1 as we asked for it, page 1 as Canvas linked it, then the repeat is caught.
    assert client.requests == 2


async def test_pages_are_capped(canvas: Canvas) -> None:
    client = canvas.client(per_page=10, max_pages=2)
    with pytest.raises(MalformedResponse, match="more than 2 pages"):
        await client.get_all(ASSIGNMENTS.format(canvas.course_ids()[0]))
    assert client.requests == 2


async def test_server_errors_are_retried_with_jittered_exponential_backoff(canvas: Canvas) -> None:
    canvas.state.faults.server_errors = 3  # a 500, a 502, a 503
    client = canvas.client(seed=1)
    courses = await client.get_all("/api/v1/courses")
    assert len(courses) == 4
    assert client.requests == 4
    first, second, third = canvas.sleep.calls
    # Equal jitter: attempt n waits between half and all of base * 2**(n-1).
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0 and 2.0 <= third <= 4.0
    assert client.backoff_seconds == pytest.approx(first + second + third)

    canvas.state.faults.server_errors = 3
    other = canvas.client(seed=2)
    await other.get_all("/api/v1/courses")
    assert canvas.sleep.calls[3:] != [first, second, third]  # jitter: another generator, other waits


async def test_a_server_error_storm_ends_after_max_attempts(canvas: Canvas) -> None:
    canvas.state.faults.server_errors = 100
    client = canvas.client(max_attempts=4)
    with pytest.raises(CanvasUnavailable, match="Canvas answered 50[023]"):
        await client.get_all("/api/v1/courses")
    assert client.requests == 4
    assert len(canvas.sleep.calls) == 3


async def test_the_retry_budget_bounds_total_waiting(canvas: Canvas) -> None:
    canvas.state.faults.server_errors = 100
    client = canvas.client(max_attempts=50, retry_budget=10.0)
    with pytest.raises(CanvasUnavailable):
        await client.get("/api/v1/users/self")
    assert client.backoff_seconds <= 10.0
    assert 2 <= client.requests < 10


@pytest.mark.parametrize("status", [403, 429])
async def test_a_rate_limit_storm_backs_off_then_gives_up(canvas: Canvas, status: int) -> None:
    canvas.state.throttle_status = status
    canvas.state.faults.rate_limit_storm = True
    client = canvas.client(max_attempts=3)
    with pytest.raises(RateLimited) as raised:
        await client.get_all("/api/v1/courses")
    assert raised.value.status == status
    assert client.requests == 3
    # Each wait lets a drained bucket fall below Canvas's high-water mark (150 units at 10/s).
    assert canvas.sleep.calls and min(canvas.sleep.calls) >= 15.0


async def test_slows_down_before_the_bucket_is_empty(canvas: Canvas) -> None:
    # Each request costs 150 of the 600-unit allowance: unpaced, the fifth is throttled.
    canvas.state.throttle.request_cost = 150.0
    client = canvas.client(per_page=5)
    course = canvas.course_ids()[0]
    items = await client.get_all(ASSIGNMENTS.format(course))
    assert len(items) == visible_count(canvas, course)
    assert client.requests == math.ceil(len(items) / 5) > 5
    assert all(r.status == 200 for r in canvas.state.request_log if r.path.startswith("/api/"))
    assert client.pause_seconds > 0
    assert client.backoff_seconds == 0


async def test_without_pacing_the_same_listing_is_throttled(canvas: Canvas) -> None:
    canvas.state.throttle.request_cost = 150.0
    client = canvas.client(per_page=5, low_water=0, max_attempts=1)
    with pytest.raises(RateLimited):
        await client.get_all(ASSIGNMENTS.format(canvas.course_ids()[0]))
    assert client.requests == 5
    assert [r.status for r in canvas.state.request_log if r.path.startswith("/api/")][-1] == 403


async def test_malformed_json_fails_at_once(canvas: Canvas) -> None:
    canvas.state.faults.malformed_json = True
    client = canvas.client()
    with pytest.raises(MalformedResponse, match="not valid JSON"):
        await client.get_all("/api/v1/courses")
    assert client.requests == 1


async def test_a_truncated_body_is_retried_then_reported(canvas: Canvas) -> None:
    canvas.state.faults.truncated_body = True
    client = canvas.client(max_attempts=2)
    with pytest.raises(CanvasUnavailable, match="cut short"):
        await client.get_all("/api/v1/courses")
    assert client.requests == 2


async def test_a_timeout_is_canvas_unavailable(canvas: Canvas) -> None:
    import aiohttp

    canvas.state.faults.slow_seconds = 0.2
    client = canvas.client(max_attempts=1, timeout=aiohttp.ClientTimeout(total=0.05))
    with pytest.raises(CanvasUnavailable, match="in time"):
        await client.get("/api/v1/users/self")


async def test_an_expired_token_is_refreshed_once(canvas: Canvas) -> None:
    canvas.state.expire_access_tokens()
    client = canvas.client()
    assert len(await client.get_all("/api/v1/courses")) == 4
    assert canvas.tokens.refreshes == 1
    assert client.requests == 2
    # The refreshed token is the client's from now on.
    assert len(await client.get_all(ASSIGNMENTS.format(canvas.course_ids()[0]))) > 0
    assert (canvas.tokens.reads, canvas.tokens.refreshes, client.requests) == (1, 1, 3)


async def test_a_revoked_grant_stops_the_client(canvas: Canvas) -> None:
    canvas.state.revoke_user_tokens(STUDENT)
    client = canvas.client()
    with pytest.raises(ReconnectNeeded):
        await client.get_all("/api/v1/courses")
    assert canvas.tokens.refreshes == 1
    assert client.requests == 1


async def test_a_second_rejection_after_refreshing_stops(canvas: Canvas) -> None:
    class Stale:
        refreshes = 0

        async def access_token(self, student_id: int) -> str:
            return "1~not-a-token"

        async def refresh(self, student_id: int, rejected: str | None = None) -> str:
            self.refreshes += 1
            return "1~still-not-a-token"

    tokens = Stale()
    client = CanvasClient(canvas.http, canvas.url, tokens, 1, sleep=canvas.sleep)
    with pytest.raises(TokenExpired):
        await client.get("/api/v1/users/self")
    with pytest.raises(TokenExpired):
        await client.get("/api/v1/users/self")
    assert tokens.refreshes == 1  # once per client, not once per request
    assert client.requests == 3


async def test_forbidden_is_not_refreshed_or_retried(canvas: Canvas) -> None:
    others = {c.id for c in canvas.state.world.courses.values() if c.school == "north"} - set(canvas.course_ids())
    client = canvas.client()
    with pytest.raises(Forbidden):
        await client.get_all(ASSIGNMENTS.format(min(others)))
    assert client.requests == 1
    assert canvas.tokens.refreshes == 0


async def test_only_api_paths_are_requested(canvas: Canvas) -> None:
    client = canvas.client()
    for path in ("https://evil.example/api/v1/courses", "/login/oauth2/token", "api/v1/courses"):
        with pytest.raises(ValueError):
            await client.get(path)
    assert client.requests == 0


# -- a fake Canvas for what the sandbox does not do ----------------------------------------


class FakeCanvas:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.link = ""
        self.headers: dict[str, str] = {}

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(request.path_qs)
        headers = dict(self.headers)
        if self.link:
            headers["Link"] = self.link
        return web.json_response([{"id": len(self.requests)}], headers=headers)


@pytest.fixture
async def fake(aiohttp_server: Any) -> tuple[FakeCanvas, str]:
    fake = FakeCanvas()
    app = web.Application()
    app.router.add_get("/api/v1/{tail:.*}", fake.handle)
    server = await aiohttp_server(app)
    return fake, str(server.make_url("")).rstrip("/")


class StaticTokens:
    async def access_token(self, student_id: int) -> str:
        return "1~token"

    async def refresh(self, student_id: int, rejected: str | None = None) -> str:
        raise AssertionError("no refresh expected")


async def test_a_next_link_to_another_host_is_refused(fake: tuple[FakeCanvas, str]) -> None:
    import aiohttp

    server, url = fake
    server.link = '<https://evil.example/api/v1/courses?page=2>; rel="next"'
    async with aiohttp.ClientSession() as http:
        client = CanvasClient(http, url, StaticTokens(), 1)
        with pytest.raises(MalformedResponse, match="another host"):
            await client.get_all("/api/v1/courses")
    assert len(server.requests) == 1


async def test_a_relative_next_link_is_resolved_on_the_canvas_host(fake: tuple[FakeCanvas, str]) -> None:
    import aiohttp

    server, url = fake
    server.link = '</api/v1/courses?page=2&per_page=100>; rel="next"'
    async with aiohttp.ClientSession() as http:
        client = CanvasClient(http, url, StaticTokens(), 1, policy=ClientPolicy(max_pages=3))
        with pytest.raises(MalformedResponse, match="pagination loop"):
            await client.get_all("/api/v1/courses")
    assert server.requests == ["/api/v1/courses?per_page=100", "/api/v1/courses?page=2&per_page=100"]


async def test_the_rate_limit_header_is_read_in_any_case(fake: tuple[FakeCanvas, str]) -> None:
    import aiohttp

    server, url = fake
    server.headers = {"X-RATE-LIMIT-REMAINING": "50.0"}
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with aiohttp.ClientSession() as http:
        client = CanvasClient(http, url, StaticTokens(), 1, sleep=sleep)
        await client.get("/api/v1/users/self")
        assert slept == []  # the pause comes before the *next* request
        await client.get("/api/v1/users/self")
    assert slept == [pytest.approx((150 - 50) / 10)]


@pytest.mark.parametrize("body", [b'[{"id": 1, "points_possible": NaN}]', b'[{"id": 1, "points_possible": Infinity}]',
                                  b'[{"name": "\\ud800"}]'],
                         ids=["NaN", "Infinity", "lone surrogate"])
async def test_json_that_is_not_strict_json_is_malformed(aiohttp_server: Any, body: bytes) -> None:
    import aiohttp

    async def handle(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/v1/courses", handle)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as http:
        client = CanvasClient(http, str(server.make_url("")).rstrip("/"), StaticTokens(), 1)
        with pytest.raises(MalformedResponse, match="not valid JSON"):
            await client.get_all("/api/v1/courses")
