"""The same-origin Canvas proxy: one allowlisted GET to the signed-in student's own Canvas.

The browser app cannot call Canvas (no CORS there, and it must never hold a
Canvas token), so it calls ``GET /api/canvas/<canvas path>`` on our origin.
`CanvasProxy.forward` decides everything from server-side facts:

- where: the student's school's ``canvas_url`` from configuration, never
  anything in the request (the request contributes a path the allowlist
  accepted, see proxy_paths.py, and a query string minus ``access_token``
  and ``as_user_id`` in every spelling Rails reads as them, proxy_links.py);
- as whom: the student's stored token (TokenStore), refreshed and retried
  once after a 401 with ``WWW-Authenticate``;
- what comes back: Canvas's status (a 5xx becomes our 502 ``canvas-unavailable``
  naming it, so a 5xx from us always means our own fault), JSON body (size-capped while streaming),
  its rate-limit headers and its ``Link`` header rewritten to proxy URLs;
  nothing else of Canvas's headers (no ``Set-Cookie``) and nothing of the
  browser's (no ``Authorization``, cookies or hop-by-hop headers) crosses.

A per-student token bucket (ratelimit.py) keeps one tab from spending the
student's whole Canvas budget.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import aiohttp
from yarl import URL

from ..auth.tokens import TokenStore
from ..canvas.errors import CanvasError, CanvasUnavailable, ReconnectNeeded
from ..config import ServerConfig
from ..http_policy import NO_STORE, PROXY_TIMEOUT
from ..ratelimit import TokenBucketLimiter
from .errors import FieldProblem, api_problem
from .proxy_links import canvas_param, filtered_query, rewrite_link_header, rewrite_location
from .proxy_paths import PathRejected, ProxyAllowlist

__all__ = ["CanvasProxy", "ProxiedResponse", "PROXY_PREFIX", "PASSED_HEADERS"]

_LOGGER = logging.getLogger(__name__)

PROXY_PREFIX = "/api/canvas"
#: Canvas response headers that reach the browser (Link is rewritten first).
PASSED_HEADERS = ("x-rate-limit-remaining", "x-request-cost", "retry-after")
#: What a browser may ask for; anything else is sent to Canvas as plain JSON.
_ACCEPTS = ("application/json", "application/json+canvas-string-ids")
_JSON_TYPES = ("application/json", "application/json+canvas-string-ids")
MAX_QUERY_LENGTH = 2000
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ProxiedResponse:
    """What goes back to the browser: Canvas's status and body, our chosen headers."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class CanvasProxy:
    server: ServerConfig
    tokens: TokenStore
    http: aiohttp.ClientSession
    limiter: TokenBucketLimiter
    allowlist: ProxyAllowlist
    timeout: aiohttp.ClientTimeout = PROXY_TIMEOUT
    """Per proxied call; tests shorten it."""

    @classmethod
    def from_config(cls, server: ServerConfig, tokens: TokenStore, http: aiohttp.ClientSession,
                    limiter: TokenBucketLimiter) -> CanvasProxy:
        return cls(server, tokens, http, limiter, ProxyAllowlist(server.proxy_paths))

    async def forward(self, student_id: int, raw_path: str, query: Iterable[tuple[str, str]],
                      raw_query: str, accept: str | None) -> ProxiedResponse:
        """Forward one GET for `student_id`; raise `ProblemError` when it may not or cannot be done.

        `raw_path` is the request's still-encoded path (starting with
        ``/api/canvas/``), `query` its decoded parameters, `raw_query` the
        query as sent (only its length is checked).
        """
        canvas_path = self._checked_path(raw_path)
        if len(raw_query) > MAX_QUERY_LENGTH:
            raise FieldProblem("query", f"longer than {MAX_QUERY_LENGTH} characters")
        query = list(query)
        for name, _ in query:
            if canvas_param(name) is None:
                raise FieldProblem(name[:100], "not a Canvas parameter name (letters, digits, _ and [...])")
        wait = self.limiter.take(student_id)
        if wait > 0:
            raise api_problem("proxy-rate-limited", "Slow down: Canvas requests are limited per student.",
                              headers={"Retry-After": self.limiter.retry_after_header(wait)})
        try:
            canvas_url = await self.tokens.canvas_url(student_id)
        except LookupError:
            raise api_problem("school-not-configured") from None
        url = URL(canvas_url + canvas_path)
        kept = filtered_query(query)
        if kept:
            url = url.with_query(kept)
        wanted = accept if accept in _ACCEPTS else "application/json"
        try:
            return await self._call(student_id, url, canvas_url, wanted)
        except ReconnectNeeded:
            raise api_problem("reconnect-needed", "Sign in with Canvas again to use the proxy.") from None
        except CanvasUnavailable:
            raise api_problem("canvas-unavailable", "Refreshing the Canvas token failed; try again.") from None
        except CanvasError as exc:
            # A refresh refused in a way that is not "grant gone" (TokenStore already decided).
            _LOGGER.info("proxy for student %s: token refresh failed (%s)", student_id, type(exc).__name__)
            raise api_problem("canvas-unavailable", "Canvas refused to refresh the token.") from None

    def _checked_path(self, raw_path: str) -> str:
        if not raw_path.startswith(PROXY_PREFIX + "/"):
            raise api_problem("proxy-path-invalid", "Use /api/canvas/api/v1/...")
        try:
            return self.allowlist.check(raw_path[len(PROXY_PREFIX):])
        except PathRejected as exc:
            if exc.reason == "not-allowlisted":
                raise api_problem("proxy-path-not-allowed",
                                  "Only the read-only Canvas paths listed in /api/openapi.json "
                                  "(server.proxy_paths) are forwarded.") from None
            raise api_problem("proxy-path-invalid", f"Refused: {exc.reason}.") from None

    async def _call(self, student_id: int, url: URL, canvas_url: str, accept: str) -> ProxiedResponse:
        token = await self.tokens.access_token(student_id)
        for attempt in (1, 2):
            try:
                async with self.http.get(
                    url,
                    headers={"Authorization": f"Bearer {token}", "Accept": accept},
                    allow_redirects=False,
                    timeout=self.timeout,
                ) as response:
                    expired = response.status == 401 and "WWW-Authenticate" in response.headers
                    if not expired or attempt == 2:
                        return await self._answer(student_id, url, canvas_url, response)
            except asyncio.TimeoutError:
                _LOGGER.info("proxy for student %s: %s timed out", student_id, url.path)
                raise api_problem("canvas-timeout") from None
            except aiohttp.ClientError as exc:
                _LOGGER.info("proxy for student %s: %s failed (%s)", student_id, url.path, type(exc).__name__)
                raise api_problem("canvas-unavailable") from None
            # Expired or revoked: one refresh (single-flight in TokenStore), one retry.
            token = await self.tokens.refresh(student_id, rejected=token)
        raise AssertionError("unreachable: the second attempt always answers")

    async def _answer(self, student_id: int, url: URL, canvas_url: str,
                      response: aiohttp.ClientResponse) -> ProxiedResponse:
        if response.status >= 500:
            # A 5xx from us always means our own fault; Canvas's own failures are a 502 naming its status.
            _LOGGER.info("proxy for student %s: Canvas answered %s to %s", student_id, response.status, url.path)
            retry_after = response.headers.get("Retry-After")
            raise api_problem("canvas-unavailable", f"Canvas answered {response.status}; try again later.",
                              headers={"Retry-After": retry_after} if retry_after else None,
                              canvas_status=response.status)
        headers: dict[str, str] = dict(NO_STORE)
        for name in PASSED_HEADERS:
            value = response.headers.get(name)
            if value is not None:
                headers[name] = value
        public_url = self.server.public_url
        # Several Link headers are one list (RFC 8288 §3); each entry is checked on its own.
        link = ", ".join(response.headers.getall("Link", []))
        if link:
            rewritten = rewrite_link_header(link, canvas_url, public_url, self.allowlist)
            if rewritten:
                headers["Link"] = rewritten
        if 300 <= response.status < 400:
            location = response.headers.get("Location")
            target = (rewrite_location(location, str(response.url), canvas_url, public_url, self.allowlist)
                      if location else None)
            if target is None:
                raise api_problem("canvas-redirect-refused",
                                  "Canvas redirected outside the proxy's allowlist.")
            headers["Location"] = target
        body = await self._capped_body(response)
        mime = response.content_type
        content_type = mime if mime in _JSON_TYPES else "text/plain"
        _LOGGER.debug("proxy for student %s: GET %s -> %s (%d bytes)", student_id, url.path, response.status,
                      len(body))
        return ProxiedResponse(response.status, body, content_type, headers)

    async def _capped_body(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self.server.proxy_max_bytes
        too_large = api_problem("canvas-response-too-large",
                                f"More than {limit} bytes; ask for fewer items (per_page).")
        if response.content_length is not None and response.content_length > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        # Streamed with a running total: a huge (or endless, or decompressing) body
        # is cut off at the limit instead of filling memory first.
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)
