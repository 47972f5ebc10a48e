"""HTTP handlers of the calendar feeds that apps poll (the feed-settings form is planning's, planning/views.py).

The feed handler is the hot path (every subscribed calendar polls it): it
resolves the token (from memory once this process has seen it, see cache.py),
answers 304 when the client's copy is current, and otherwise sends cached
bytes, gzipped if the client asks, with headers built once per feed version.
It never answers 406: Google's fetcher (``Google-Calendar-Importer``) sends
no Accept header.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from ..http_policy import NO_STORE, SECURITY_HEADERS
from .appkeys import feed_cache_key
from .cache import CachedFeed

__all__ = ["routes"]

_LOGGER = logging.getLogger(__name__)
routes = web.RouteTableDef()

_CONTENT_TYPE = "text/calendar; charset=utf-8"
# Calendar apps poll hourly at most; five minutes spares a burst of re-fetches.
_CACHE_CONTROL = "private, max-age=300"


def _plain(status: int, text: str, extra_headers: dict[str, str] | None = None) -> web.Response:
    # Plain and tiny: a calendar app gets nothing to parse, and no hint whether the token ever existed.
    return web.Response(status=status, body=text.encode(), content_type="text/plain",
                        headers={**SECURITY_HEADERS, **NO_STORE, **(extra_headers or {})})


@lru_cache(maxsize=256)  # calendar apps send a handful of distinct values, the same ones every poll
def _accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        coding, _, params = part.partition(";")
        if coding.strip() not in ("gzip", "x-gzip"):
            continue
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def _matches(header: str, feed: CachedFeed) -> bool:
    """If-None-Match uses weak comparison (RFC 9110 §13.1.2), so W/ and our -gz variant match too."""
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        tag = tag.removeprefix("W/")
        if tag in (feed.etag, feed.gzip_etag):
            return True
    return False


def _not_modified(request: web.Request, feed: CachedFeed) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return _matches(if_none_match, feed)
    since = request.if_modified_since
    # HTTP dates have whole seconds; the stored time has microseconds.
    return since is not None and feed.last_modified.replace(microsecond=0) <= since


@lru_cache(maxsize=4096)
def _headers(etag: str, last_modified_http: str, gzipped: bool | None) -> CIMultiDictProxy[str]:
    """The headers of a 200 (`gzipped` True or False) or a 304 (None), built once per feed version."""
    headers = CIMultiDict({
        **SECURITY_HEADERS,
        "ETag": etag,
        "Last-Modified": last_modified_http,
        "Cache-Control": _CACHE_CONTROL,
        "Vary": "Accept-Encoding",
    })
    if gzipped is not None:
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        headers["Content-Type"] = _CONTENT_TYPE
    return CIMultiDictProxy(headers)


async def _serve(request: web.Request, kind: str) -> web.StreamResponse:
    gzipped = _accepts_gzip(request.headers.get("Accept-Encoding", ""))
    cache = request.app[feed_cache_key]
    answers = cache.answers  # plain integers, read by the metrics collector
    try:
        feed = await cache.feed_for_token(request.match_info["token"], kind, gzipped=gzipped)
    except Exception as exc:  # noqa: BLE001 (no error middleware on this path: answer it here)
        # The calendar app keeps its last copy and retries; the URL (a secret) is not logged.
        _LOGGER.error("feed poll failed: %s", type(exc).__name__)
        answers.unavailable += 1
        return _plain(503, "Temporarily unavailable\n", {"Retry-After": "300"})
    if feed is None:
        answers.not_found += 1
        return _plain(404, "Not found\n")
    if _not_modified(request, feed):
        answers.not_modified += 1
        return web.Response(status=304, headers=_headers(feed.response_etag, feed.last_modified_http, None))
    answers.ok += 1
    return web.Response(body=feed.content, headers=_headers(feed.response_etag, feed.last_modified_http, feed.gzipped))


# The full feed is most polls, so its route is tried first; it leaves "-sessions" names to the next one.
@routes.get(r"/feeds/{token:[A-Za-z0-9_-]+(?<!-sessions)}.ics", name="feed")
async def feed(request: web.Request) -> web.StreamResponse:
    return await _serve(request, "all")


@routes.get(r"/feeds/{token:[A-Za-z0-9_-]+}-sessions.ics", name="feed_sessions")
async def feed_sessions(request: web.Request) -> web.StreamResponse:
    return await _serve(request, "sessions")
