"""`muffin-feed demo`: the whole product on one machine, with no configuration.

Starts both Canvas sandbox schools (with classmates enough for the aggregate
views), installs Homework Muffin as an LTI tool in each, then the feed server
configured for them (fresh secret key, SQLite in a temporary folder). It signs
one demo student in through the real OAuth flow over HTTP (exactly the path a
browser takes) and syncs them, then prints the landing page and a ready feed
URL. Then classmates sign in the same way, choose to contribute and sync, and
it prints the sandbox's course page that launches the instructor view (and
the admin's school view) through the sandbox's LTI platform.
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
from .feeds.preferences import update_settings
from .lti.canvas_config import canvas_configuration
from .logs import RouteAccessLogger
from .sandbox import SANDBOX_KEY, SandboxWorld
from .sandbox.__main__ import start_schools
from .sandbox.lti import AUTHORIZE_PATH, JWKS_PATH, install_tool, tool_page_path
from .sandbox.world import User
from .store.models import Student
from .sync.appkeys import sync_service_key
from .typedefs import db_key

__all__ = ["run_demo", "demo_config", "install_tools", "instructor_urls", "sign_in_over_http"]

DEMO_SCHOOL = "north"
#: Classmates per sandbox school; this many of the demo school's sign in and contribute.
DEMO_CLASSMATES = 30
DEMO_CONTRIBUTORS = 30
_PENDING = re.compile(r'name="pending" value="([^"]+)"')


def demo_config(world: SandboxWorld, *, port: int, sandbox_ports: dict[str, int], database: str,
                lti_platforms: list[dict[str, Any]] | None = None, server: dict[str, Any] | None = None) -> Config:
    """A real Config for the sandbox schools; secrets live only in this process's memory.

    `server` adds or replaces ``[server]`` keys (e.g. ``background_sync``)."""
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
            "sync_interval_minutes": 15, **(server or {}),
        },
        "institution": institutions,
        "lti_platform": lti_platforms or [],
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


async def _sign_in_and_sync(app: web.Application, public_url: str, user: User, *, contribute: bool = False
                            ) -> dict[str, Any]:
    """Sign `user` in over HTTP, optionally choose to contribute, sync them; their /api/me."""
    session = await sign_in_over_http(public_url, user.school, user.id)
    async with session:
        me = dict(await (await session.get(f"{public_url}/api/me")).json())
    async with app[db_key]() as db:
        student_id = int(await db.scalar(select(Student.id).where(Student.canvas_user_id == str(user.id))))
    if contribute:
        await update_settings(app[db_key], student_id, {"contribute": True}, public_url=public_url)
    await app[sync_service_key].sync_student(student_id)
    return me


def _students(world: SandboxWorld, school: str) -> list[User]:
    return [u for u in world.school_users(school) if any(e.type == "StudentEnrollment" for e in world.enrollments_of(u.id))]


async def _provision_demo_student(app: web.Application, public_url: str, world: SandboxWorld) -> str:
    """Sign the first student of the demo school in and sync them; their feed URL."""
    me = await _sign_in_and_sync(app, public_url, _students(world, DEMO_SCHOOL)[0])
    return str(me["feed"]["url"])


async def _provision_classmates(app: web.Application, public_url: str, world: SandboxWorld) -> None:
    """The demo school's classmates sign in, contribute and sync (a few at a time, as browsers would)."""
    seeded = {u.id for u in _students(world, DEMO_SCHOOL)[:1]}
    classmates = [u for u in _students(world, DEMO_SCHOOL) if u.id not in seeded][-DEMO_CONTRIBUTORS:]
    for first in range(0, len(classmates), 6):
        await asyncio.gather(*(_sign_in_and_sync(app, public_url, u, contribute=True)
                               for u in classmates[first:first + 6]))


def install_tools(runners: list[web.AppRunner], sandbox_urls: dict[str, str], public_url: str
                  ) -> list[dict[str, Any]]:
    """Install Homework Muffin in each sandbox school from its configuration JSON; the [[lti_platform]] tables."""
    tables = []
    for runner in runners:
        state = runner.app[SANDBOX_KEY]
        url = sandbox_urls[state.school_slug]
        platform = install_tool(state, canvas_configuration(public_url), issuer=url)
        tables.append({"issuer": platform.issuer, "client_id": platform.client_id,
                       "deployment_ids": [platform.deployment_id], "institution": state.school_slug,
                       "auth_url": url + AUTHORIZE_PATH, "jwks_url": url + JWKS_PATH})
    return tables


def instructor_urls(world: SandboxWorld, sandbox_url: str, school: str = DEMO_SCHOOL) -> tuple[str, str]:
    """The sandbox pages that launch the instructor view (the teacher, in the first course) and the school view."""
    teacher = next(u for u in world.school_users(school) if u.login_id.startswith("teacher."))
    course = min(e.course_id for e in world.enrollments_of(teacher.id))
    admin = world.schools[school].admin_ids[0]
    return (sandbox_url + tool_page_path(course, teacher.id),
            sandbox_url + tool_page_path(None, admin, shard=world.schools[school].shard))


async def _demo(port: int, sandbox_port: int, data_dir: Path) -> None:
    world = SandboxWorld.seeded(seed=7, classmates=DEMO_CLASSMATES)
    sandbox_ports = {slug: sandbox_port + offset for offset, slug in enumerate(sorted(world.schools))}
    sandbox_urls = {slug: f"http://127.0.0.1:{p}" for slug, p in sandbox_ports.items()}
    runners = await start_schools(world, sandbox_ports)
    public_url = f"http://127.0.0.1:{port}"
    config = demo_config(world, port=port, sandbox_ports=sandbox_ports,
                         database=f"sqlite:///{data_dir / 'demo.sqlite3'}",
                         lti_platforms=install_tools(runners, sandbox_urls, public_url))
    app = create_app(config)
    runner = web.AppRunner(app, access_log_class=RouteAccessLogger)
    await runner.setup()
    runners.append(runner)
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        for slug, url in sandbox_urls.items():
            print(f"Canvas sandbox '{world.schools[slug].name}': {url}", flush=True)
        print(f"\nHomework Muffin demo: {public_url}/  (pick a school, sign in, Authorize)", flush=True)
        feed_url = await _provision_demo_student(app, public_url, world)
        print(f"A demo student's private feed, ready to subscribe: {feed_url}", flush=True)
        await _provision_classmates(app, public_url, world)
        course_url, school_url = instructor_urls(world, sandbox_urls[DEMO_SCHOOL])
        print(f"Inside Canvas, a teacher's view of their students' weeks: {course_url}", flush=True)
        print(f"Inside Canvas, the school admin's view: {school_url}", flush=True)
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
        try:
            asyncio.run(_demo(port, sandbox_port, Path(data_dir)))
        except KeyboardInterrupt:
            pass  # Ctrl-C while the demo was still setting up: asyncio.run has cleaned up already
    print("stopped")
    return 0
