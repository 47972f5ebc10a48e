"""Several real `muffin-feed serve` processes on one PostgreSQL, and ways to drive them.

`ServeProcess` runs the CLI exactly as an operator would (a TOML file, secrets
in the environment); `sign_in` walks the real OAuth flow over HTTP against one
of them and the sandbox's consent page; `eventually` polls a condition with a
deadline, so no test waits a fixed time to synchronise.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.conftest import SECRET_KEY, Sandbox

T = TypeVar("T")

_PENDING = re.compile(r'name="pending" value="([^"]+)"')
_FEED = re.compile(r"/feeds/([A-Za-z0-9_-]+)\.ics")


async def eventually(check: Callable[[], Awaitable[T | None]], *, timeout: float, what: str,
                     every: float = 0.1) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(every)


def write_config(path: Path, sandbox: Sandbox, *, public_url: str, database: str, **server: Any) -> dict[str, str]:
    """Write a muffin.toml for the sandbox schools; the environment the processes need."""
    tables, env = sandbox.institution_tables()

    def toml(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return repr(value)

    lines = ["[server]", f"public_url = {toml(public_url)}", f"database = {toml(database)}",
             "allow_private_feed_hosts = true"]
    lines += [f"{key} = {toml(value)}" for key, value in server.items()]
    for table in tables:
        lines.append("\n[[institution]]")
        lines += [f"{key} = {toml(value)}" for key, value in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {**env, "MUFFIN_SECRET_KEY": SECRET_KEY}


@dataclass
class ServeProcess:
    """One `muffin-feed serve` subprocess on a loopback port."""

    config: Path
    port: int
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self, timeout: float = 30.0) -> ServeProcess:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "feedserver", "serve", "--config", str(self.config), "--port", str(self.port)],
                env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT)

        async def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                pytest.fail(f"serve exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                # /healthz answers as soon as the socket is bound; /readyz once migrations and start-up are done.
                async with aiohttp.ClientSession() as http, http.get(f"{self.url}/readyz") as resp:
                    return resp.status == 200
            except aiohttp.ClientConnectionError:
                return False

        await eventually(ready, timeout=timeout, what=f"serve on port {self.port} to answer /readyz")
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no lease release (a crash)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def serve_processes(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """A factory of `ServeProcess`es; every one still running is stopped afterwards."""
    made: list[ServeProcess] = []

    def make(config: Path, port: int, env: dict[str, str]) -> ServeProcess:
        process = ServeProcess(config, port, env, tmp_path / f"serve-{port}-{len(made)}.log")
        made.append(process)
        return process

    yield make
    for process in made:
        process.stop()


def new_browser() -> aiohttp.ClientSession:
    # unsafe: the cookie jar must keep cookies set by 127.0.0.1 (an IP, not a domain).
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in(browser: aiohttp.ClientSession, server_url: str, institution: str, user_id: int) -> str:
    """The real flow over HTTP: /login → Canvas consent (authorize as `user_id`) → our callback.

    Returns the student's feed token as /me shows it.
    """
    async with browser.get(f"{server_url}/login", params={"institution": institution},
                           allow_redirects=False) as resp:
        assert resp.status == 302, await resp.text()
        authorize_url = resp.headers["Location"]
    async with browser.get(authorize_url, allow_redirects=False) as page:
        html = await page.text()
        assert page.status == 200, html
    pending = _PENDING.search(html)
    assert pending, html
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
    async with browser.post(f"{origin}/login/oauth2/confirm", allow_redirects=False,
                            data={"pending": pending.group(1), "user_id": str(user_id), "action": "authorize"}) as resp:
        assert resp.status == 302, await resp.text()
        callback_url = resp.headers["Location"]
    async with browser.get(callback_url, allow_redirects=False) as resp:
        assert resp.status in (302, 303), await resp.text()
    async with browser.get(f"{server_url}/me") as resp:
        me = await resp.text()
        assert resp.status == 200, me
    found = _FEED.search(me)
    assert found, "no feed URL on /me"
    return found.group(1)


def sandbox_students(sandbox: Sandbox) -> list[tuple[str, int]]:
    """(school, Canvas user id) of every sandbox user with a student enrollment."""
    world = sandbox.world
    students = {e.user_id for e in world.enrollments if e.type == "StudentEnrollment" and e.state == "active"}
    return [(slug, user.id) for slug in world.schools for user in world.school_users(slug) if user.id in students]
