"""An async Canvas REST client for one student: pagination, rate limits, retries.

Every request goes through the one shared `aiohttp.ClientSession` with its own
timeout (`http_policy.DEFAULT_TIMEOUT` unless the policy says otherwise). The client:

- follows the ``Link: rel="next"`` URL Canvas sends (parsed by aiohttp's
  ``resp.links``) and never builds page URLs itself; a next URL seen twice
  (a pagination loop), a next URL on another origin (our bearer token must not
  travel there) or more than `ClientPolicy.max_pages` pages stop the listing;
- reads ``X-Rate-Limit-Remaining`` (aiohttp's headers are case-insensitive,
  and Canvas sends lowercase names since 2024) and pauses before the per-token
  bucket runs dry, sized by Canvas's leak rate (canvas-lms
  app/middleware/request_throttle.rb);
- retries throttling (403 "Rate Limit Exceeded" and 429), 5xx, timeouts and
  dropped or truncated bodies with jittered exponential backoff inside a
  bounded per-client budget, then gives up with the last error;
- reads the student's access token once; after a 401 carrying
  ``WWW-Authenticate`` asks its token source for a refresh once and retries once; a second rejection, or any other 401/403,
  stops;
- parses JSON strictly (orjson: no NaN or Infinity, no lone surrogates): a malformed or truncated body raises
  `MalformedResponse` or `CanvasUnavailable`, never returns partial data.

The sleep function and the random generator are injected, so tests run the
backoff instantly and deterministically. `requests` counts HTTP requests sent,
retries included (token refreshes are the token source's and not counted).
`responses_digest` is a SHA-256 over every successful response body in the
order read: equal digests, equal answers from Canvas (sync/unchanged.py uses
it to skip a sync's work when nothing changed).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import orjson
from multidict import CIMultiDictProxy
from yarl import URL

from ..http_policy import DEFAULT_TIMEOUT
from .errors import (
    CanvasError,
    CanvasUnavailable,
    MalformedResponse,
    RateLimited,
    TokenExpired,
    error_for_response,
)

__all__ = ["CanvasClient", "ClientPolicy", "Params", "TokenSource"]

_LOGGER = logging.getLogger(__name__)

#: Query parameters: a mapping, or pairs when a key repeats (``include[]``).
Params = Mapping[str, str] | Sequence[tuple[str, str]]
Sleep = Callable[[float], Awaitable[None]]

# Canvas sends string ids on request, which keeps 64-bit ids exact everywhere.
_ACCEPT = "application/json+canvas-string-ids, application/json"


class TokenSource(Protocol):
    """Where the client gets a student's access token (auth.tokens.TokenStore fits)."""

    async def access_token(self, student_id: int) -> str: ...

    async def refresh(self, student_id: int, rejected: str | None = None) -> str: ...


@dataclass(frozen=True)
class ClientPolicy:
    """Limits of one client (one student's sync). Times are seconds."""

    per_page: int = 100
    """Canvas caps per_page at 100 (lib/api.rb MAX_PER_PAGE)."""
    max_pages: int = 50
    """Per listing; 5,000 items is far beyond any student's course."""
    max_attempts: int = 5
    """Tries per request, the first included."""
    retry_budget: float = 180.0
    """Total backoff sleep allowed for the whole client; beyond it the last error is raised."""
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    low_water: float = 150.0
    """Pause when fewer rate-limit units than this remain (Canvas's high-water mark is 600)."""
    leak_rate: float = 10.0
    """Units Canvas's bucket drains per second (code default); sizes the pause."""
    max_pause: float = 30.0
    timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT
    max_body_bytes: int = 20_000_000


class CanvasClient:
    """Read-only Canvas API calls on behalf of one student."""

    def __init__(self, http: aiohttp.ClientSession, canvas_url: str, tokens: TokenSource, student_id: int, *,
                 policy: ClientPolicy | None = None, sleep: Sleep = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self._http = http
        self._base = URL(canvas_url.rstrip("/"))
        self._origin = self._base.origin()
        self._tokens = tokens
        self._student_id = student_id
        self.policy = policy or ClientPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._refreshed = False
        self._token: str | None = None
        self._pause_before_next = 0.0
        self.requests = 0
        """HTTP requests sent so far, retries included."""
        self.backoff_seconds = 0.0
        """Seconds slept in retry backoff so far (bounded by `policy.retry_budget`)."""
        self.pause_seconds = 0.0
        """Seconds slept to let the rate-limit bucket drain."""
        self._digest = hashlib.sha256()

    @property
    def canvas_url(self) -> str:
        """The school's Canvas, ``scheme://host[:port]`` (the origin every link must be on)."""
        return str(self._origin)

    async def get(self, path: str, params: Params = ()) -> Any:
        """One JSON document from ``GET {canvas}/api/v1/...`` (`path` starts with /api/v1/)."""
        data, _ = await self._get(self._url(path, params), f"GET {path}")
        return data

    @property
    def responses_digest(self) -> str:
        """Hex SHA-256 of the bodies of every successful response so far, in order (lengths included)."""
        return self._digest.hexdigest()

    async def get_all(self, path: str, params: Params = ()) -> list[Any]:
        """Every item of a paginated listing, following ``Link: rel="next"``."""
        url: URL | None = self._url(path, [*_pairs(params), ("per_page", str(self.policy.per_page))])
        seen: set[str] = set()
        items: list[Any] = []
        what = f"GET {path}"
        while url is not None:
            if str(url) in seen:
                raise MalformedResponse(f"{what}: pagination loop (a next link points back to a page already read)")
            if len(seen) >= self.policy.max_pages:
                raise MalformedResponse(f"{what}: more than {self.policy.max_pages} pages; giving up")
            seen.add(str(url))
            data, links = await self._get(url, what)
            if not isinstance(data, list):
                raise MalformedResponse(f"{what}: expected a JSON list, got {type(data).__name__}")
            items.extend(data)
            url = self._next_url(links, what)
        return items

    # -- internals ------------------------------------------------------------

    def _url(self, path: str, params: Params) -> URL:
        if not path.startswith("/api/v1/"):
            raise ValueError(f"not a Canvas API path: {path!r}")
        return self._base.with_path(self._base.path.rstrip("/") + path).with_query(list(_pairs(params)))

    def _next_url(self, links: Any, what: str) -> URL | None:
        nxt = links.get("next") if links else None
        if not nxt:
            return None
        url = nxt.get("url")
        if not isinstance(url, URL):
            return None
        if not url.is_absolute():
            url = self._base.join(url)
        if url.origin() != self._origin:
            # The Authorization header would follow: refuse rather than leak the token.
            raise MalformedResponse(f"{what}: next page is on another host")
        return url

    async def _get(self, url: URL, what: str) -> tuple[Any, Any]:
        attempt = 0
        while True:
            attempt += 1
            if self._pause_before_next > 0:
                pause, self._pause_before_next = self._pause_before_next, 0.0
                self.pause_seconds += pause
                await self._sleep(pause)
            # One token per client (a sync lasts far less than a token's hour): a
            # 401 after Canvas expired or replaced it refreshes below.
            if self._token is None:
                self._token = await self._tokens.access_token(self._student_id)
            token = self._token
            try:
                return await self._send(url, token, what)
            except TokenExpired:
                if self._refreshed:
                    raise
                # Canvas kills a token on refresh, so refresh once per client, then retry once.
                self._refreshed = True
                self._token = await self._tokens.refresh(self._student_id, rejected=token)
                attempt -= 1
            except (RateLimited, CanvasUnavailable) as exc:
                delay = self._backoff(attempt, exc)
                if attempt >= self.policy.max_attempts or self.backoff_seconds + delay > self.policy.retry_budget:
                    raise
                _LOGGER.info("%s: %s; retry %d in %.1fs", what, type(exc).__name__, attempt, delay)
                self.backoff_seconds += delay
                await self._sleep(delay)

    def _backoff(self, attempt: int, exc: CanvasError) -> float:
        # "Equal jitter": half the exponential step fixed, half random, so
        # many students' syncs retrying together spread out.
        step = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (attempt - 1))
        delay = step / 2 + self._rng.uniform(0, step / 2)
        if isinstance(exc, RateLimited):
            # Throttled: at least long enough for the bucket to drop below its high-water mark.
            delay = max(delay, exc.retry_after or 0.0, self.policy.low_water / self.policy.leak_rate)
        return delay

    async def _send(self, url: URL, token: str, what: str) -> tuple[Any, Any]:
        self.requests += 1
        headers = {"Authorization": f"Bearer {token}", "Accept": _ACCEPT}
        try:
            async with self._http.get(url, headers=headers, timeout=self.policy.timeout,
                                      allow_redirects=False) as resp:
                body = await self._read(resp, what)
                if resp.status >= 400:  # only an error's body is text to read
                    error = error_for_response(resp.status, resp.headers, body.decode("utf-8", errors="replace"),
                                               what=what)
                    if error is not None:
                        raise error
                self._note_rate_limit(resp.headers)
                if resp.status != 200:
                    raise CanvasError(f"{what}: unexpected status {resp.status}", status=resp.status)
                links = resp.links
        except TimeoutError:
            raise CanvasUnavailable(f"{what}: Canvas did not answer in time") from None
        except aiohttp.ClientPayloadError:
            raise CanvasUnavailable(f"{what}: the response body was cut short") from None
        except aiohttp.ClientError as exc:
            raise CanvasUnavailable(f"{what}: connection failed ({type(exc).__name__})") from None
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise MalformedResponse(f"{what}: the response is not valid JSON") from None
        self._digest.update(len(body).to_bytes(8, "big"))
        self._digest.update(body)
        return data, links

    async def _read(self, resp: aiohttp.ClientResponse, what: str) -> bytes:
        length = resp.content_length
        if length is not None and length > self.policy.max_body_bytes:
            raise MalformedResponse(f"{what}: response of {length} bytes is too large")
        if length is not None:
            body = await resp.read()  # aiohttp raises ClientPayloadError if it ends early
            if len(body) < length:
                raise CanvasUnavailable(f"{what}: the response body was cut short")
            return body
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > self.policy.max_body_bytes:
                raise MalformedResponse(f"{what}: response is too large")
            chunks.append(chunk)
        return b"".join(chunks)

    def _note_rate_limit(self, headers: CIMultiDictProxy[str]) -> None:
        raw = headers.get("X-Rate-Limit-Remaining")
        if raw is None:
            return
        try:
            remaining = float(raw)
        except ValueError:
            return
        if remaining < self.policy.low_water:
            # Wait for the bucket to leak back above the low-water mark.
            pause = (self.policy.low_water - remaining) / self.policy.leak_rate
            self._pause_before_next = min(self.policy.max_pause, pause)


def _pairs(params: Params) -> list[tuple[str, str]]:
    return list(params.items()) if isinstance(params, Mapping) else list(params)
