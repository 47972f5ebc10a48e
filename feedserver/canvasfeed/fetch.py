"""Fetching a Canvas calendar feed without letting the URL aim us anywhere else.

`FeedFetcher` owns its own `aiohttp.ClientSession` on a dedicated connector
whose only resolver is a `CheckedResolver`: the shared Canvas API session
must never connect to a student-supplied host, and this one must never
connect to a private address. Every request (the first and each of at most
`max_redirects` redirects) is checked by `check_target` before it is sent;
host names are checked by the resolver as they are connected to. Bodies are
streamed against a size cap and must be iCalendar; a total timeout bounds
slow or endless answers. Conditional requests (If-None-Match,
If-Modified-Since) make an unchanged feed cost Canvas a 304.

A redirect to a sign-in page (a path with ``login``) and a web page where
the calendar should be are `LoginPage`: what a student sees when their
feed address was reset or their school put a single sign-on in front of
Canvas, which only they can fix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from ..http_policy import DEFAULT_TIMEOUT
from .addresses import AddressPolicy, public_only
from .errors import FeedError, FeedGone, FeedTooLarge, FeedUnavailable, LoginPage, NotACalendar
from .resolver import CheckedResolver
from .urls import HttpRule, check_target

__all__ = ["MAX_FEED_BYTES", "MAX_REDIRECTS", "FeedFetcher", "FetchResult"]

_LOGGER = logging.getLogger(__name__)

#: Canvas caps a feed at 1,000 assignments + 1,000 events: a few MB at most.
MAX_FEED_BYTES = 5_000_000
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})
_WEB_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_LOGIN_PAGE = ("Canvas answered with a web page (probably a sign-in page) instead of your calendar. Copy the "
               "address again from Canvas → Calendar → Calendar Feed.")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchResult:
    body: bytes | None
    """The calendar, or None when Canvas answered 304 Not Modified."""
    etag: str | None
    last_modified: str | None
    requests: int

    @property
    def not_modified(self) -> bool:
        return self.body is None


class FeedFetcher:
    """Fetches feed URLs under an address policy; `start()` in a running loop, `close()` at the end.

    `policy`, `resolver` and `http` are parameters so tests can declare a
    loopback address "public", answer DNS as they like and serve plain http;
    production uses the defaults (public addresses only, the system
    resolver, https only).
    """

    def __init__(self, *, policy: AddressPolicy = public_only, resolver: AbstractResolver | None = None,
                 http: HttpRule = "never", max_bytes: int = MAX_FEED_BYTES, max_redirects: int = MAX_REDIRECTS,
                 timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT, user_agent: str | None = None) -> None:
        self.policy = policy
        self.http = http
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._resolver = CheckedResolver(resolver, policy)
        self._timeout = timeout
        self._headers = {"User-Agent": user_agent} if user_agent else {}
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            # No DNS cache and no kept-alive connections: every fetch resolves, and
            # is checked, again (a feed is fetched hourly; keep-alive saves nothing).
            connector = aiohttp.TCPConnector(resolver=self._resolver, use_dns_cache=False, force_close=True,
                                             limit=20)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, headers=self._headers,
                cookie_jar=aiohttp.DummyCookieJar(), trust_env=False)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> FeedFetcher:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET the feed, following at most `max_redirects` checked redirects.

        Raises a `FeedError` subclass; its message never contains the URL.
        """
        if self._session is None:
            raise RuntimeError("FeedFetcher.start() was not called")
        headers = {"Accept": "text/calendar"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for hop in range(self.max_redirects + 1):
            check_target(current, policy=self.policy, http=self.http)
            try:
                async with self._session.get(current, headers=headers, allow_redirects=False) as response:
                    if response.status in _REDIRECTS:
                        location = response.headers.get("Location")
                        if not location:
                            raise FeedUnavailable("Canvas answered with a redirect that leads nowhere.")
                        try:
                            target = response.url.join(URL(location))
                        except ValueError:
                            raise FeedUnavailable("Canvas answered with a redirect to an invalid address.") from None
                        if "login" in target.path.lower():
                            raise LoginPage(_LOGIN_PAGE)
                        current = str(target)
                        continue
                    return await self._result(response, hop + 1)
            except FeedError:
                raise
            except TimeoutError:
                raise FeedUnavailable("Canvas did not send the calendar in time. Try again later.") from None
            except aiohttp.ClientError as exc:
                _LOGGER.info("feed fetch failed: %s", type(exc).__name__)
                raise FeedUnavailable("Could not reach that Canvas. Check the address and try again.") from None
        raise FeedUnavailable(f"The address redirected more than {self.max_redirects} times.")

    async def _result(self, response: aiohttp.ClientResponse, requests: int) -> FetchResult:
        if response.status == 304:
            return FetchResult(None, response.headers.get("ETag"), response.headers.get("Last-Modified"), requests)
        if response.status in (401, 403, 404, 410):
            raise FeedGone("Canvas does not know this calendar feed address. It may have been reset: copy it "
                           "again from Canvas → Calendar → Calendar Feed.")
        if response.status != 200:
            raise FeedUnavailable(f"Canvas answered with an error ({response.status}). Try again later.")
        if response.content_type in _WEB_PAGE_TYPES:
            raise LoginPage(_LOGIN_PAGE)
        if response.content_type not in _CALENDAR_TYPES:
            raise NotACalendar("That address did not return a calendar file.")
        if (response.content_length or 0) > self.max_bytes:
            raise FeedTooLarge(f"That calendar is larger than {self.max_bytes // 1_000_000 or 1} MB.")
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            total += len(chunk)
            if total > self.max_bytes:
                raise FeedTooLarge(f"That calendar is larger than {self.max_bytes // 1_000_000 or 1} MB.")
            chunks.append(chunk)
        body = b"".join(chunks)
        if not body.lstrip(b"\xef\xbb\xbf \t\r\n").upper().startswith(b"BEGIN:VCALENDAR"):
            raise NotACalendar("That address did not return a calendar file.")
        return FetchResult(body, response.headers.get("ETag"), response.headers.get("Last-Modified"), requests)


