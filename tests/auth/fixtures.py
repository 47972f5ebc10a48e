"""Fixtures the auth tests share with tests/e2e/test_login_*.py (imported there by name)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from feedserver.app import create_app
from tests.conftest import make_config

MakeMuffin = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def make_muffin(sandbox: Any, database_url: str, muffin_port: int, aiohttp_client: Any) -> MakeMuffin:
    """Our server with a configuration of the test's choosing (one per test: one port).

    `institutions` are [[institution]] tables; `env` the secrets they name;
    `keys` optional [keys.NAME] tables; `public_host` the host in public_url.
    """

    async def factory(institutions: list[dict[str, Any]], env: dict[str, str], *,
                      keys: dict[str, Any] | None = None, public_host: str = "127.0.0.1") -> TestClient:
        extra = {"keys": keys} if keys else {}
        config = make_config({"public_url": f"http://{public_host}:{muffin_port}", "database": database_url,
                              "background_sync": False}, institutions, env, **extra)
        return await aiohttp_client(TestServer(create_app(config), host="127.0.0.1", port=muffin_port))

    return factory


def school_table(sandbox: Any, slug: str, **changes: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """One [[institution]] table for a sandbox school's own key, with `changes` applied."""
    tables, env = sandbox.institution_tables()
    table = next(t for t in tables if t["slug"] == slug)
    return {**table, **changes}, env
