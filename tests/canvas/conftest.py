"""Fixtures of the Canvas client tests: one sandbox school on a real socket
whose clock moves only when the client "sleeps", and a token source that
refreshes through the sandbox's real token endpoint."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from feedserver.canvas.client import CanvasClient, ClientPolicy
from feedserver.canvas.errors import ReconnectNeeded
from feedserver.sandbox import (
    ManualClock,
    SandboxState,
    SandboxWorld,
    create_sandbox_app,
)
from feedserver.sandbox.typedefs import SANDBOX_KEY
from tests.sync.helpers import sandbox_grant

TERM_START = date(2026, 8, 31)
STUDENT = 1002  # north: has overrides (extra time on quizzes and exams)
REDIRECT_URI = "http://127.0.0.1:8080/oauth/callback"


class SandboxTokens:
    """A `TokenSource` for one sandbox grant; refreshes at the real token endpoint."""

    def __init__(self, http: aiohttp.ClientSession, school_url: str, key: Any, grant: dict[str, Any]) -> None:
        self.http, self.school_url, self.key = http, school_url, key
        self.access = str(grant["access_token"])
        self.refresh_token = str(grant["refresh_token"])
        self.refreshes = 0
        self.reads = 0

    async def access_token(self, student_id: int) -> str:
        self.reads += 1
        return self.access

    async def refresh(self, student_id: int, rejected: str | None = None) -> str:
        self.refreshes += 1
        async with self.http.post(f"{self.school_url}/login/oauth2/token", data={
            "grant_type": "refresh_token", "refresh_token": self.refresh_token,
            "client_id": self.key.client_id, "client_secret": self.key.client_secret,
        }) as resp:
            if resp.status != 200:
                raise ReconnectNeeded("the grant is gone")
            self.access = str((await resp.json())["access_token"])
        return self.access


class ClockSleep:
    """The client's sleep: advances the sandbox clock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(seconds)


class Canvas:
    """The running school plus what tests steer: state, clock, token source."""

    def __init__(self, server: TestServer, http: aiohttp.ClientSession, tokens: SandboxTokens,
                 clock: ManualClock) -> None:
        self.server, self.http, self.tokens, self.clock = server, http, tokens, clock
        self.url = str(server.make_url("")).rstrip("/")
        self.sleep = ClockSleep(clock)

    @property
    def state(self) -> SandboxState:
        return self.server.app[SANDBOX_KEY]

    def client(self, *, seed: int = 1, **policy: Any) -> CanvasClient:
        return CanvasClient(self.http, self.url, self.tokens, 1, policy=ClientPolicy(**policy),
                            sleep=self.sleep, rng=random.Random(seed))

    def course_ids(self, user_id: int = STUDENT) -> list[int]:
        return sorted(e.course_id for e in self.state.world.enrollments_of(user_id))


@pytest.fixture
async def canvas() -> AsyncIterator[Canvas]:
    world = SandboxWorld.seeded(seed=7, term_start=TERM_START)
    clock = ManualClock(world.anchor)
    server = TestServer(create_sandbox_app(world, "north", clock=clock, now=clock.now), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        url = str(server.make_url("")).rstrip("/")
        key = world.schools["north"].school_key
        grant = await sandbox_grant(http, url, key.client_id, key.client_secret, REDIRECT_URI, STUDENT)
        yield Canvas(server, http, SandboxTokens(http, url, key, grant), clock)
    await server.close()
