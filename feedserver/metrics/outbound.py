"""Counting every request to Canvas, at the one place they all pass: the shared client session.

`canvas_trace()` is an aiohttp `TraceConfig` for the app's one
`ClientSession` (app.py): the REST API of syncs and of the proxy, the OAuth
token endpoint (code exchange, refresh, revoke), calendar feeds and LTI key
sets all go out through it, so no caller counts on its own. A request is
labelled with its endpoint (from the path only: never a query string, which
may hold a code) and the status Canvas answered, or "error" when it did not.

Throttling is read from the headers, before anybody reads the body: 429, or
a 403 that carries ``X-Rate-Limit-Remaining`` but no ``X-Request-Cost``
(canvas-lms app/middleware/request_throttle.rb sends the cost on every
answer "unless throttled"; a 403 for a missing permission carries both).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

import aiohttp
from yarl import URL

from .instruments import CANVAS_RATE_LIMITED, CANVAS_REQUESTS

__all__ = ["canvas_trace", "endpoint_of", "throttled"]

_ENDPOINTS = (("/api/", "api"), ("/login/oauth2/", "oauth"), ("/feeds/calendars/", "calendar_feed"))


def endpoint_of(url: URL) -> str:
    """Which part of Canvas a URL addresses: api, oauth, calendar_feed or other (e.g. an LTI key set)."""
    path = url.path
    return next((name for prefix, name in _ENDPOINTS if path.startswith(prefix)), "other")


def throttled(status: int, headers: Mapping[str, str]) -> bool:
    """Whether an answer is Canvas's rate limit (the 403 rule: module docstring); `headers` case-insensitive."""
    if status == 429:
        return True
    return status == 403 and "X-Rate-Limit-Remaining" in headers and "X-Request-Cost" not in headers


async def _on_request_end(_session: aiohttp.ClientSession, _ctx: SimpleNamespace,
                          params: aiohttp.TraceRequestEndParams) -> None:
    endpoint = endpoint_of(params.url)
    status = params.response.status
    CANVAS_REQUESTS.labels(endpoint, str(status)).inc()
    if status in (403, 429) and throttled(status, params.response.headers):
        CANVAS_RATE_LIMITED.labels(endpoint).inc()


async def _on_request_exception(_session: aiohttp.ClientSession, _ctx: SimpleNamespace,
                                params: aiohttp.TraceRequestExceptionParams) -> None:
    CANVAS_REQUESTS.labels(endpoint_of(params.url), "error").inc()


def canvas_trace() -> aiohttp.TraceConfig:
    """A trace config that counts each request the session sends, by endpoint and answer."""
    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(_on_request_end)
    trace.on_request_exception.append(_on_request_exception)
    return trace
