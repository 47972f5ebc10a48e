"""Fixtures shared by every suite: databases on both engines, the Canvas
sandbox on real sockets, and the feed server built from a real Config."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url

from feedserver.config import Config, parse_config

SECRET_KEY = "test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
TERM_START = date(2026, 8, 31)  # a fixed semester that spans the US DST change on 2026-11-01


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--engine", action="append", choices=["sqlite", "postgres"],
                     help="database engines to run store-backed tests on (default: both)")


def _postgres_admin_url() -> str | None:
    return os.environ.get("MUFFIN_TEST_POSTGRES_URL")


def _skip_or_fail(reason: str, require_env: str) -> None:
    if os.environ.get(require_env):
        pytest.fail(f"{reason} (and {require_env} is set)")
    pytest.skip(reason)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" in metafunc.fixturenames:
        engines = metafunc.config.getoption("--engine") or ["sqlite", "postgres"]
        metafunc.parametrize("database_url", engines, indirect=True)


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database on the requested engine, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'muffin.sqlite3'}"
        return
    admin = _postgres_admin_url()
    if not admin:
        _skip_or_fail("MUFFIN_TEST_POSTGRES_URL is not set; run tests through `make test`", "MUFFIN_REQUIRE_POSTGRES")
    async with fresh_postgres_database(admin, "muffin_test") as url:
        yield url


@asynccontextmanager
async def fresh_postgres_database(admin: str, prefix: str) -> AsyncIterator[str]:
    """CREATE a uniquely named database on the admin server; DROP it (WITH FORCE) on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin_dsn = admin.replace("postgresql://", "postgres://", 1)
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield str(make_url(admin).set(database=name).render_as_string(hide_password=False))
    finally:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, for tests about PostgreSQL only; dropped afterwards."""
    admin = _postgres_admin_url()
    if not admin:
        _skip_or_fail("MUFFIN_TEST_POSTGRES_URL is not set; run tests through `make test`", "MUFFIN_REQUIRE_POSTGRES")
    assert admin is not None
    async with fresh_postgres_database(admin, "muffin_pg") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'muffin.sqlite3'}"


def make_config(server: dict[str, Any] | None = None, institutions: list[dict[str, Any]] | None = None,
                environ: dict[str, str] | None = None, **extra: Any) -> Config:
    """Build a Config the way `load_config` does, from TOML-shaped dicts."""
    env = {"MUFFIN_SECRET_KEY": SECRET_KEY, **(environ or {})}
    raw: dict[str, Any] = {"server": {"public_url": "http://127.0.0.1:8080", **(server or {})}}
    if institutions is not None:
        raw["institution"] = institutions
    raw.update(extra)
    return parse_config(raw, env)


@dataclass
class SandboxSchool:
    slug: str
    url: str
    app: web.Application
    server: TestServer

    @property
    def state(self) -> Any:
        from feedserver.sandbox import SANDBOX_KEY

        return self.app[SANDBOX_KEY]


@dataclass
class Sandbox:
    world: Any
    schools: dict[str, SandboxSchool]

    def institution_tables(self) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """[[institution]] tables for each school's own developer key, and the env they need."""
        tables, env = [], {}
        for slug, school in self.schools.items():
            key = self.world.schools[slug].school_key
            var = f"{slug.upper()}_SECRET"
            env[var] = key.client_secret
            tables.append({"slug": slug, "name": self.world.schools[slug].name, "canvas_url": school.url,
                           "client_id": key.client_id, "client_secret_env": var,
                           "time_zone": self.world.schools[slug].time_zone})
        return tables, env


@asynccontextmanager
async def running_sandbox(world: Any) -> AsyncIterator[Sandbox]:
    """Every school of `world` served by the sandbox, each on its own loopback port."""
    from feedserver.sandbox import create_sandbox_app

    schools: dict[str, SandboxSchool] = {}
    try:
        for slug in world.schools:
            app = create_sandbox_app(world, school=slug)
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            schools[slug] = SandboxSchool(slug, str(server.make_url("")).rstrip("/"), app, server)
        yield Sandbox(world, schools)
    finally:
        for school in schools.values():
            await school.server.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """Both sandbox schools of the fixed semester, each on its own loopback port."""
    from feedserver.sandbox import SandboxWorld

    async with running_sandbox(SandboxWorld.seeded(seed=7, term_start=TERM_START)) as running:
        yield running


@pytest.fixture
def muffin_port(unused_tcp_port: int) -> int:
    """The feed server's port, known before start so public_url (and so
    redirect_uri and feed URLs) point at the real test server."""
    return unused_tcp_port


@pytest.fixture
def app_config(sandbox: Sandbox, database_url: str, muffin_port: int) -> Config:
    tables, env = sandbox.institution_tables()
    return make_config({"public_url": f"http://127.0.0.1:{muffin_port}", "database": database_url,
                        "background_sync": False, "allowed_origins": ["https://app.example.com"],
                        "allow_private_feed_hosts": True}, tables, env)


@pytest.fixture
async def muffin(app_config: Config, muffin_port: int, aiohttp_client: Any) -> TestClient:
    """The feed server on a real socket, talking to the sandbox over real sockets."""
    from feedserver.app import create_app

    server = TestServer(create_app(app_config), host="127.0.0.1", port=muffin_port)
    return await aiohttp_client(server)


# Headless Chromium as root on a machine without internet: no sandbox, and no
# background connections that a closed network would refuse by the dozen.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
def browser_executable() -> Iterator[str]:
    path = os.environ.get("MUFFIN_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        _skip_or_fail(f"{path} not found; apt-get install chromium", "MUFFIN_REQUIRE_BROWSER")
    yield path


@pytest.fixture
def browser(browser_executable: str) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser_executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
