"""Fixtures of the LTI tests: the test platform, our server registered with it, a user agent.

`make_tool` builds our server from TOML-shaped tables on a port known in
advance (public_url names it, and so the redirect URI and target_link_uri).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from feedserver.app import create_app
from feedserver.config import Config
from feedserver.lti.appkeys import lti_service_key
from feedserver.lti.service import LtiService
from feedserver.logs import RouteAccessLogger
from tests.conftest import make_config
from tests.lti.helpers import NORTH, NORTH_ENV, UserAgent
from tests.lti.platform import PlatformKeys, TestPlatform, make_key



@dataclass
class Tool:
    """Our server, running."""

    url: str
    app: web.Application
    server: TestServer
    config: Config

    @property
    def service(self) -> LtiService:
        return self.app[lti_service_key]


MakeTool = Callable[..., Awaitable[Tool]]


@pytest.fixture(scope="session")
def platform_keys() -> PlatformKeys:
    return PlatformKeys(signing=make_key("platform-2026-08"), rotated=make_key("platform-2026-09"),
                        stranger=make_key("platform-2026-08"))


@pytest.fixture
async def platform(platform_keys: PlatformKeys) -> AsyncIterator[TestPlatform]:
    test_platform = TestPlatform(platform_keys)
    await test_platform.start()
    yield test_platform
    await test_platform.close()


@pytest.fixture
async def make_tool(platform: TestPlatform, database_url: str, unused_tcp_port: int) -> AsyncIterator[MakeTool]:
    servers: list[TestServer] = []

    async def factory(*, registrations: list[dict[str, Any]] | None = None,
                      institutions: list[dict[str, Any]] | None = None, env: dict[str, str] | None = None,
                      public_url: str | None = None) -> Tool:
        url = public_url or f"http://127.0.0.1:{unused_tcp_port}"
        config = make_config({"public_url": url, "database": database_url, "background_sync": False},
                             institutions or [NORTH], env or NORTH_ENV,
                             lti_platform=registrations if registrations is not None else [platform.registration()])
        app = create_app(config)
        server = TestServer(app, host="127.0.0.1", port=unused_tcp_port)
        await server.start_server(access_log_class=RouteAccessLogger)
        servers.append(server)
        platform.tool_url = url
        return Tool(url, app, server, config)

    yield factory
    for server in servers:
        await server.close()


@pytest.fixture
async def tool(make_tool: MakeTool) -> Tool:
    return await make_tool()


@pytest.fixture
async def agent(tool: Tool) -> AsyncIterator[UserAgent]:
    user_agent = UserAgent(tool.url)
    yield user_agent
    await user_agent.close()
