"""/metrics on its own listener, read with Prometheus's own text parser: every metric moves with its event.

The feed server runs on a real socket with the Canvas sandbox; each test
scrapes before and after one event (a poll, a sync, a throttled or failed
Canvas answer, a blocked event loop) and checks the series it should move.
Counters are process-wide (several apps in one test process share them), so
tests compare differences, never absolute values.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from multidict import CIMultiDict
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from feedserver.app import create_app
from feedserver.auth.appkeys import token_store_key
from feedserver.config import Config
from feedserver.feeds.appkeys import feed_cache_key
from feedserver.metrics.outbound import throttled
from feedserver.store.models import Student
from feedserver.sync.job import utc_now
from feedserver.sync.scheduler import SyncService
from feedserver.typedefs import db_key
from tests.conftest import Sandbox, make_config
from tests.scale.conftest import eventually
from tests.sync.conftest import Sleeps, make_service
from tests.sync.helpers import connect

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
Scrape = Callable[[], Awaitable[Samples]]


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
def metrics_port(unused_tcp_port_factory: Callable[[], int]) -> int:
    return unused_tcp_port_factory()


@pytest.fixture
def database(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """SQLite, unless the test asks for `database_url` (both engines): those whose figures come from the database."""
    if "database_url" in request.fixturenames:
        return str(request.getfixturevalue("database_url"))
    return sqlite_url


@pytest.fixture
def app_config(sandbox: Sandbox, database: str, muffin_port: int, metrics_port: int) -> Config:
    tables, env = sandbox.institution_tables()
    return make_config({"public_url": f"http://127.0.0.1:{muffin_port}", "database": database,
                        "background_sync": False, "metrics_port": metrics_port}, tables, env)


@pytest.fixture
async def muffin(app_config: Config, muffin_port: int, aiohttp_client: Any) -> TestClient:
    return await aiohttp_client(TestServer(create_app(app_config), host="127.0.0.1", port=muffin_port))


@pytest.fixture
def scrape(muffin: TestClient, metrics_port: int) -> Scrape:
    async def read() -> Samples:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{metrics_port}/metrics") as resp:
            assert resp.status == 200
            text = await resp.text()
        return {(s.name, frozenset(s.labels.items())): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}
    return read


@pytest.fixture
def service(muffin: TestClient) -> SyncService:
    # The real clock (the sync-lag figure is against now), backoff without waiting.
    return make_service(muffin, utc_now, Sleeps())  # type: ignore[arg-type]


async def test_metrics_are_not_served_on_the_public_port(muffin: TestClient, scrape: Scrape) -> None:
    assert (await muffin.get("/metrics")).status == 404
    samples = await scrape()
    assert value(samples, "muffin_database_up") == 1
    assert value(samples, "process_resident_memory_bytes") > 0  # prometheus-client's own collectors


async def test_polls_304s_and_feed_cache_hits(muffin: TestClient, sandbox: Sandbox, service: SyncService,
                                              scrape: Scrape, database_url: str) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    await service.sync_student(student.student_id)
    before = await scrape()
    first = await muffin.get(student.feed_path)
    assert first.status == 200
    again = await muffin.get(student.feed_path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304
    assert (await muffin.get(f"/feeds/{'x' * 43}.ics")).status == 404
    after = await scrape()
    assert moved(before, after, "muffin_feed_polls_total", status="200") == 1
    assert moved(before, after, "muffin_feed_polls_total", status="304") == 1
    assert moved(before, after, "muffin_feed_polls_total", status="404") == 1
    assert moved(before, after, "muffin_feed_cache_misses_total") == 1  # the first poll read the database
    assert moved(before, after, "muffin_feed_cache_hits_total") == 1  # the second had the bytes
    assert value(after, "muffin_feed_cache_bytes") == muffin.app[feed_cache_key].size_bytes > 0
    assert value(after, "muffin_activity_unwritten_students") >= 1  # the poll noted the student as active


async def test_sync_outcomes_and_canvas_requests_by_status(muffin: TestClient, sandbox: Sandbox,
                                                           service: SyncService, scrape: Scrape) -> None:
    student = await connect(muffin, sandbox, "north", 1002)
    before = await scrape()
    ok = await service.sync_student(student.student_id)
    assert ok.outcome == "ok"
    middle = await scrape()
    assert moved(before, middle, "muffin_sync_runs_total", source="oauth", outcome="ok") == 1
    assert moved(before, middle, "muffin_sync_duration_seconds_count", source="oauth") == 1
    assert moved(before, middle, "muffin_canvas_requests_total", endpoint="api", status="200") == ok.requests
    sandbox.schools["north"].state.faults.server_errors = 10_000
    failed = await service.sync_student(student.student_id)
    assert failed.outcome == "error"
    after = await scrape()
    assert moved(middle, after, "muffin_sync_runs_total", source="oauth", outcome="error") == 1
    five_hundreds = sum(moved(middle, after, "muffin_canvas_requests_total", endpoint="api", status=str(s))
                        for s in (500, 502, 503))
    assert five_hundreds == failed.requests > 1  # retried, every answer counted


@pytest.mark.parametrize("status", [403, 429])
async def test_rate_limit_answers(muffin: TestClient, sandbox: Sandbox, service: SyncService, scrape: Scrape,
                                  status: int) -> None:
    student = await connect(muffin, sandbox, "south", 2001)
    state = sandbox.schools["south"].state
    state.throttle_status = status
    state.faults.rate_limit_storm = True
    before = await scrape()
    outcome = await service.sync_student(student.student_id)
    after = await scrape()
    assert outcome.outcome == "error"
    assert moved(before, after, "muffin_canvas_rate_limited_total", endpoint="api") == outcome.requests > 0
    assert moved(before, after, "muffin_canvas_requests_total", endpoint="api", status=str(status)) == outcome.requests


@pytest.mark.parametrize(("status", "headers", "expected"), [
    (429, {}, True),
    # canvas-lms request_throttle.rb: a throttled answer carries what remains, never a cost.
    (403, {"X-Rate-Limit-Remaining": "0.0"}, True),
    (403, {"x-rate-limit-remaining": "-12.5"}, True),
    # A missing permission: an ordinary answer, with its cost.
    (403, {"X-Rate-Limit-Remaining": "590.2", "X-Request-Cost": "0.04"}, False),
    (403, {}, False),  # not Canvas's throttle at all (a proxy in front, a calendar feed)
    (200, {"X-Rate-Limit-Remaining": "0.0"}, False),
], ids=["429", "403-throttled", "403-throttled-lowercase", "403-forbidden", "403-elsewhere", "200"])
def test_which_answers_are_rate_limits(status: int, headers: dict[str, str], expected: bool) -> None:
    assert throttled(status, CIMultiDict(headers)) is expected


async def test_refresh_outcomes(muffin: TestClient, sandbox: Sandbox, service: SyncService, scrape: Scrape) -> None:
    state = sandbox.schools["north"].state
    student = await connect(muffin, sandbox, "north", 1004)
    before = await scrape()
    state.expire_access_tokens()
    assert (await service.sync_student(student.student_id)).outcome == "ok"  # a refresh, then the sync
    middle = await scrape()
    assert moved(before, middle, "muffin_canvas_token_refreshes_total", result="ok") == 1
    state.expire_access_tokens()
    state.revoke_user_tokens(1004)  # the student removed us under Approved Integrations
    await service.sync_student(student.student_id)
    after = await scrape()
    assert moved(middle, after, "muffin_canvas_token_refreshes_total", result="grant_gone") == 1
    assert moved(middle, after, "muffin_canvas_requests_total", endpoint="oauth", status="400") == 1
    other = await connect(muffin, sandbox, "north", 1006)
    two_hours_on = datetime.now(UTC) + timedelta(hours=2)
    muffin.app[token_store_key].clock = lambda: two_hours_on  # the access token is expiring: refresh first
    await sandbox.schools["north"].server.close()  # Canvas unreachable: the refresh fails, the grant stays
    await service.sync_student(other.student_id)
    last = await scrape()
    assert moved(after, last, "muffin_canvas_token_refreshes_total", result="failed") == 1
    assert moved(after, last, "muffin_canvas_requests_total", endpoint="oauth", status="error") == 1


async def test_sync_lag_is_the_longest_overdue_student(muffin: TestClient, sandbox: Sandbox, service: SyncService,
                                                       scrape: Scrape, database_url: str) -> None:
    student = await connect(muffin, sandbox, "north", 1005)
    async with muffin.app[db_key].begin() as session:
        await session.execute(update(Student).values(next_sync_at=datetime.now(UTC) + timedelta(hours=1)))
        await session.execute(update(Student).where(Student.id == student.student_id)
                              .values(next_sync_at=datetime.now(UTC) - timedelta(hours=2)))
    behind = await scrape()
    assert 7200 <= value(behind, "muffin_sync_lag_seconds") < 7300
    assert value(behind, "muffin_sync_due_students") == 1
    assert value(behind, "muffin_sync_oldest_success_age_seconds") > 0  # never synced: since signing up
    await service.run_round()
    caught_up = await scrape()
    assert value(caught_up, "muffin_sync_lag_seconds") == 0
    assert value(caught_up, "muffin_sync_due_students") == 0
    assert value(caught_up, "muffin_students", status="active") == 1


async def test_event_loop_lag(muffin: TestClient, scrape: Scrape) -> None:
    before = await scrape()
    # The event: work that holds the loop for longer than the sampling interval (0.5 s), so the
    # sample that was due meanwhile comes at least 0.3 s late wherever it fell.
    time.sleep(0.8)

    async def observed() -> Samples | None:
        after = await scrape()
        return after if moved(before, after, "muffin_event_loop_lag_seconds_sum") >= 0.25 else None

    after = await eventually(observed, timeout=10, what="the lag sample")
    assert moved(before, after, "muffin_event_loop_lag_seconds_bucket", le="0.1") < \
        moved(before, after, "muffin_event_loop_lag_seconds_bucket", le="+Inf")
