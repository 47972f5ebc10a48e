"""`muffin-feed demo`: the whole product on one machine, with no configuration.

Starts both Canvas sandbox schools, then the feed server configured for them
(fresh secret key, SQLite in a temporary folder), signs one demo student in
through the real OAuth flow over HTTP (exactly the path a browser takes),
syncs them, and prints the landing page and a ready feed URL.
"""

from __future__ import annotations

import asyncio
import re
import signal
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp import web
from sqlalchemy import select

from .app import create_app
from .config import Config, parse_config
from .crypto import generate_secret_key
from .logs import RouteAccessLogger
from .sandbox import SandboxWorld
from .sandbox.__main__ import start_schools
from .store.models import Student
from .sync.appkeys import sync_service_key
from .typedefs import db_key

__all__ = ["run_demo", "demo_config", "sign_in_over_http"]

DEMO_SCHOOL = "north"
_PENDING = re.compile(r'name="pending" value="([^"]+)"')


def demo_config(world: SandboxWorld, *, port: int, sandbox_ports: dict[str, int], database: str) -> Config:
    """A real Config for the sandbox schools; secrets live only in this process's memory."""
    environ = {"MUFFIN_SECRET_KEY": generate_secret_key()}
    institutions = []
    for slug, school_port in sandbox_ports.items():
        school = world.schools[slug]
        var = f"DEMO_{slug.upper()}_SECRET"
        environ[var] = school.school_key.client_secret
        institutions.append({
            "slug": slug, "name": school.name, "canvas_url": f"http://127.0.0.1:{school_port}",
            "client_id": school.school_key.client_id, "client_secret_env": var, "time_zone": school.time_zone,
        })
    raw: dict[str, Any] = {
        "server": {
            "public_url": f"http://127.0.0.1:{port}", "port": port, "database": database,
            "allowed_origins": [f"http://localhost:{port}"], "allow_private_feed_hosts": True,
            "sync_interval_minutes": 15,
        },
        "institution": institutions,
    }
    return parse_config(raw, environ, source="<demo>")


async def sign_in_over_http(public_url: str, institution: str, user_id: int) -> aiohttp.ClientSession:
    """Walk /login → Canvas consent → Authorize → /oauth/callback like a browser.

    Returns the client session holding the signed-in cookie; the caller closes it.
    """
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        answer = await session.get(f"{public_url}/login", params={"institution": institution},
                                   allow_redirects=False)
        authorize_url = answer.headers["Location"]
        page = await session.get(authorize_url, allow_redirects=False)
        if page.status == 302:  # Canvas remembers an earlier approval
            callback = page.headers["Location"]
        else:
            pending = _PENDING.search(await page.text())
            if pending is None:
                raise RuntimeError("the sandbox consent page did not offer an Authorize form")
            parts = urlsplit(authorize_url)
            decided = await session.post(f"{parts.scheme}://{parts.netloc}/login/oauth2/confirm",
                                         data={"pending": pending.group(1), "user_id": str(user_id),
                                               "action": "authorize"}, allow_redirects=False)
            callback = decided.headers["Location"]
        done = await session.get(urljoin(public_url, callback), allow_redirects=False)
        if done.status != 302:
            raise RuntimeError(f"sign-in failed with HTTP {done.status}")
        return session
    except BaseException:
        await session.close()
        raise


async def _provision_demo_student(app: web.Application, public_url: str, world: SandboxWorld) -> str:
    """Sign the first student of the demo school in and sync them; their feed URL."""
    student = next(u for u in world.school_users(DEMO_SCHOOL)
                   if any(e.type == "StudentEnrollment" for e in world.enrollments_of(u.id)))
    session = await sign_in_over_http(public_url, DEMO_SCHOOL, student.id)
    async with session:
        me = await (await session.get(f"{public_url}/api/me")).json()
    async with app[db_key]() as db:
        student_id = await db.scalar(select(Student.id).where(Student.canvas_user_id == str(student.id)))
    await app[sync_service_key].sync_student(int(student_id))
    return me["feed"]["url"]


async def _demo(port: int, sandbox_port: int, data_dir: Path) -> None:
    world = SandboxWorld.seeded(seed=7)
    sandbox_ports = {slug: sandbox_port + offset for offset, slug in enumerate(sorted(world.schools))}
    runners = await start_schools(world, sandbox_ports)
    config = demo_config(world, port=port, sandbox_ports=sandbox_ports,
                         database=f"sqlite:///{data_dir / 'demo.sqlite3'}")
    app = create_app(config)
    runner = web.AppRunner(app, access_log_class=RouteAccessLogger)
    await runner.setup()
    runners.append(runner)
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        public_url = config.server.public_url
        for slug, school_port in sandbox_ports.items():
            print(f"Canvas sandbox '{world.schools[slug].name}': http://127.0.0.1:{school_port}", flush=True)
        print(f"\nHomework Muffin demo: {public_url}/  (pick a school, sign in, Authorize)", flush=True)
        feed_url = await _provision_demo_student(app, public_url, world)
        print(f"A demo student's private feed, ready to subscribe: {feed_url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        for r in reversed(runners):
            await r.cleanup()


def run_demo(port: int = 8080, sandbox_port: int = 8081) -> int:
    with tempfile.TemporaryDirectory(prefix="muffin-demo-") as data_dir:
        asyncio.run(_demo(port, sandbox_port, Path(data_dir)))
    print("stopped")
    return 0
