"""Our server and the test LTI platform in a background thread with its own event loop.

For the browser tests (Playwright's sync API wants the main thread free of a
running loop). The platform listens on 127.0.0.2 and our server on 127.0.0.1:
two different sites, as Canvas and Homework Muffin are, so the tool's iframe
is a cross-site frame with everything that implies for cookies.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from feedserver.app import create_app
from feedserver.lti.appkeys import lti_service_key
from feedserver.lti.service import LtiService
from feedserver.logs import RouteAccessLogger
from tests.background_loop import BackgroundLoop, background_loop, bound_socket
from tests.conftest import make_config
from tests.lti.helpers import NORTH, NORTH_ENV
from tests.lti.platform import PlatformKeys, TestPlatform

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Route

T = TypeVar("T")
PLATFORM_HOST = "127.0.0.2"


@dataclass
class LiveLti:
    url: str
    """Our server, e.g. http://127.0.0.1:PORT."""
    app: web.Application
    platform: TestPlatform
    background: BackgroundLoop
    """The loop the servers run on."""
    _runners: list[web.AppRunner] = field(default_factory=list)

    @property
    def service(self) -> LtiService:
        return self.app[lti_service_key]

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return self.background.call(coro, timeout)


async def _start(database_url: str, keys: PlatformKeys, background: BackgroundLoop) -> LiveLti:
    platform = TestPlatform(keys)
    await platform.start(host=PLATFORM_HOST)
    # Bind first: public_url (and so the redirect URI and target_link_uri) must name the real port.
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    platform.tool_url = url
    config = make_config({"public_url": url, "database": database_url, "background_sync": False},
                         [NORTH], NORTH_ENV, lti_platform=[platform.registration()])
    app = create_app(config)
    runner = web.AppRunner(app, access_log_class=RouteAccessLogger)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return LiveLti(url, app, platform, background, [runner])


@contextmanager
def live_lti(database_url: str, keys: PlatformKeys) -> Iterator[LiveLti]:
    with background_loop("live-lti") as background:
        live = background.call(_start(database_url, keys, background), 60)
        try:
            yield live
        finally:
            background.call(_stop(live), 60)


async def _stop(live: LiveLti) -> None:
    for runner in reversed(live._runners):
        await runner.cleanup()
    await live.platform.close()


def open_course(context: BrowserContext, live: LiveLti, user: str) -> Page:
    """The platform's course page as `user` (a key of `TestPlatform.users`); it launches the tool in its frame."""
    page = context.new_page()
    page.goto(f"{live.platform.url}/course?user={user}")
    return page


def frame_keeps_no_cookie(context: BrowserContext, live: LiveLti, times: int = 1) -> list[str]:
    """Act like Safari: the state cookie the tool set in the frame is gone when the platform posts
    the launch, the first `times` times. (Chromium would keep it: our cookie is Partitioned.)
    Cookies are attached after interception, so clearing them here takes them off this request.
    Returns the names of the cookies removed."""
    removed: list[str] = []
    launches: list[str] = []

    def handler(route: Route) -> None:
        launches.append(route.request.url)
        if len(launches) <= times:
            removed.extend(c["name"] for c in context.cookies() if c["domain"] == "127.0.0.1")
            context.clear_cookies()
        route.continue_()

    context.route(f"{live.url}/lti/launch", handler)
    return removed
