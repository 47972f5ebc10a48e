"""Fixtures of the sync tests: the app on a real socket, a sync service whose
clock, sleep and random generator the test controls."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from feedserver.auth.appkeys import token_store_key
from feedserver.sync.job import SyncDeps
from feedserver.sync.scheduler import SyncService
from feedserver.typedefs import config_key, db_key, http_key
from tests.sync.helpers import PinnedClock


@pytest.fixture
def muffin_port(unused_tcp_port: int) -> int:
    # tests/conftest.py asks for `aiohttp_unused_port`, which pytest-aiohttp 1.1 no longer has.
    return unused_tcp_port


class Sleeps:
    """An injected sleep that returns at once and remembers what was asked."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(0)

    @property
    def total(self) -> float:
        return sum(self.calls)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def clock(sandbox: Any) -> PinnedClock:
    """The seeded story's "now" (week 11 of the fixed term), so feeds do not depend on today's date."""
    return PinnedClock(sandbox.world.anchor)


def make_service(muffin: TestClient, clock: PinnedClock, sleeps: Sleeps, **options: Any) -> SyncService:
    app = muffin.app
    deps = SyncDeps(config=app[config_key], db=app[db_key], http=app[http_key], tokens=app[token_store_key],
                    clock=clock, sleep=sleeps, rng=random.Random(4))
    return SyncService(deps, **options)


@pytest.fixture
def service(muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> SyncService:
    return make_service(muffin, clock, sleeps)
