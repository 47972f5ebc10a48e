"""A sandbox school with classmates and our server, both on real sockets, the tool installed in the school.

Students sign in through the sandbox's OAuth over HTTP, choose to contribute
with the /me/settings form and sync; instructors launch the tool from the
sandbox's course page (its LTI platform signs the id_token). `open_campus`
runs on any event loop; `campus_in_thread` gives the browser tests one in a
background thread (Playwright's sync API wants the main thread free).
"""

from __future__ import annotations

import re
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin

import aiohttp
from aiohttp import web
from sqlalchemy import select

from feedserver.app import create_app
from feedserver.demo import demo_config, install_tools, sign_in_over_http
from feedserver.logs import RouteAccessLogger
from feedserver.sandbox import SandboxWorld, create_sandbox_app
from feedserver.sandbox.lti import tool_page_path
from feedserver.sandbox.world import User
from feedserver.store.models import Student
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.background_loop import BackgroundLoop, background_loop, bound_socket
from tests.lti.helpers import parse_form

T = TypeVar("T")
SCHOOL = "north"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Campus:
    world: SandboxWorld
    sandbox_url: str
    url: str
    """Our server."""
    app: web.Application
    runners: list[web.AppRunner] = field(default_factory=list)

    def classmates(self) -> list[User]:
        """The school's students, classmates last (ids N101..)."""
        return sorted((u for u in self.world.school_users(SCHOOL)
                       if any(e.type == "StudentEnrollment" for e in self.world.enrollments_of(u.id))),
                      key=lambda u: u.id)

    def enrolled(self, user: User, course_id: int) -> bool:
        return any(e.course_id == course_id and e.type == "StudentEnrollment" for e in self.world.enrollments_of(user.id))

    def teacher_of(self, course_id: int) -> User:
        return next(self.world.users[e.user_id] for e in self.world.enrollments
                    if e.course_id == course_id and e.type == "TeacherEnrollment")

    def course_page(self, course_id: int, user: User) -> str:
        return self.sandbox_url + tool_page_path(course_id, user.id)

    async def choose(self, user: User, contribute: bool) -> None:
        """Sign `user` in over HTTP and save the contribution checkbox of /me/settings, ticked or not."""
        async with await sign_in_over_http(self.url, SCHOOL, user.id) as browser:
            settings = await (await browser.get(f"{self.url}/me/settings")).text()
            token = _CSRF.search(settings)
            assert token and 'action="/me/contribute"' in settings, "no contribution form on /me/settings"
            form = {"csrf_token": token.group(1), **({"contribute": "on"} if contribute else {})}
            saved = await browser.post(f"{self.url}/me/contribute", data=form, allow_redirects=False)
            assert saved.status == 303 and saved.headers["Location"].startswith("/me/settings"), await saved.text()

    async def join(self, user: User, *, contribute: bool = True) -> int:
        """Sign `user` in over HTTP, tick "contribute" on /me/settings (if asked), sync; their student id."""
        if contribute:
            await self.choose(user, True)
        else:
            await (await sign_in_over_http(self.url, SCHOOL, user.id)).close()
        async with self.app[db_key]() as session:
            student_id = int(await session.scalar(select(Student.id).where(Student.canvas_user_id == str(user.id))))
        await self.app[sync_service_key].sync_student(student_id)
        return student_id

    async def launch(self, course_id: int, user: User) -> tuple[str, Any]:
        """Open the tool from the sandbox's course page as `user`, over HTTP as a browser would:
        login initiation → the platform's authorization (it signs the id_token) → our /lti/launch.
        The launch page's text and headers."""
        jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[self.url])
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            page = await (await browser.get(self.course_page(course_id, user))).text()
            action, fields = parse_form(page)
            login = await browser.post(urljoin(self.sandbox_url, action), data=fields, allow_redirects=False)
            assert login.status == 302, await login.text()
            authorized = await (await browser.get(login.headers["Location"], allow_redirects=False)).text()
            action, fields = parse_form(authorized)
            assert "id_token" in fields
            async with browser.post(action, data=fields, allow_redirects=False) as launched:
                assert launched.status == 200, await launched.text()
                return await launched.text(), launched.headers

    async def close(self) -> None:
        for runner in reversed(self.runners):
            await runner.cleanup()


async def open_campus(database: str, *, classmates: int = 14) -> Campus:
    """The sandbox's north school (with `classmates`) and our server configured for it, the tool installed."""
    world = SandboxWorld.seeded(seed=7, classmates=classmates)
    sandbox_sock, tool_sock = bound_socket(), bound_socket()
    sandbox_url = f"http://127.0.0.1:{sandbox_sock.getsockname()[1]}"
    port = tool_sock.getsockname()[1]
    sandbox = web.AppRunner(create_sandbox_app(world, SCHOOL))
    await sandbox.setup()
    await web.SockSite(sandbox, sandbox_sock).start()
    public_url = f"http://127.0.0.1:{port}"
    platforms = install_tools([sandbox], {SCHOOL: sandbox_url}, public_url)
    config = demo_config(world, port=port, sandbox_ports={SCHOOL: sandbox_sock.getsockname()[1]}, database=database,
                         lti_platforms=platforms, server={"background_sync": False})
    app = create_app(config)
    runner = web.AppRunner(app, access_log_class=RouteAccessLogger)
    await runner.setup()
    await web.SockSite(runner, tool_sock).start()
    return Campus(world, sandbox_url, public_url, app, [sandbox, runner])


@dataclass
class CampusThread:
    campus: Campus
    background: BackgroundLoop
    """The loop the campus runs on."""

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        return self.background.call(coro, timeout)


@contextmanager
def campus_in_thread(database: str, **kwargs: Any) -> Iterator[CampusThread]:
    with background_loop("campus") as background:
        campus = background.call(open_campus(database, **kwargs), 60)
        try:
            yield CampusThread(campus, background)
        finally:
            background.call(campus.close(), 60)
