"""Fixtures: a seeded world, a hand-moved clock, and north/south sandboxes
served over real loopback sockets by pytest-aiohttp."""

from __future__ import annotations

from datetime import date

import pytest
from aiohttp.test_utils import TestClient

from feedserver.sandbox import (
    SANDBOX_KEY,
    ManualClock,
    SandboxState,
    SandboxWorld,
    create_sandbox_app,
)

TERM_START = date(2026, 8, 31)
#: First seeded student at each school (see seed.py id blocks).
NORTH_STUDENT = 1001
SOUTH_STUDENT = 2001
REDIRECT_URI = "http://127.0.0.1:8765/oauth/callback"


@pytest.fixture
def world() -> SandboxWorld:
    return SandboxWorld.seeded(seed=7, term_start=TERM_START)


@pytest.fixture
def clock(world: SandboxWorld) -> ManualClock:
    # The seeded story's "now": week 11 of the term.
    return ManualClock(world.anchor)


@pytest.fixture
async def north(aiohttp_client, world: SandboxWorld, clock: ManualClock) -> TestClient:
    return await aiohttp_client(create_sandbox_app(world, "north", clock=clock, now=clock.now))


@pytest.fixture
async def south(aiohttp_client, world: SandboxWorld, clock: ManualClock) -> TestClient:
    return await aiohttp_client(create_sandbox_app(world, "south", clock=clock, now=clock.now))


@pytest.fixture
def north_state(north: TestClient) -> SandboxState:
    return north.app[SANDBOX_KEY]


@pytest.fixture
def south_state(south: TestClient) -> SandboxState:
    return south.app[SANDBOX_KEY]


@pytest.fixture
def token(north_state: SandboxState) -> str:
    """A live access token for the first north student (school key)."""
    return north_state.grant_token(NORTH_STUDENT).access_token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
