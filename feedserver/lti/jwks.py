"""Platform public keys (JWKS), fetched through the shared HTTP client and cached.

A key set is kept for `ttl`. A token signed with a `kid` we do not hold makes
us fetch the set once more (platforms rotate keys), but never more often than
every `min_refetch` per URL: a flood of tokens with made-up kids must not turn
into a flood of requests to Canvas; the same interval spaces out attempts at a
platform whose JWKS is failing. Concurrent launches share one fetch. If a fetch
fails, the last good copy stays in use; with none, the launch is refused with
`JwksUnavailable`.

Only RSA signing keys usable with RS256 are kept.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from ..http_policy import JWKS_TIMEOUT
from .errors import JwksUnavailable, UnknownKey

__all__ = ["JwksCache", "JWKS_TTL", "MIN_REFETCH"]

_LOGGER = logging.getLogger(__name__)

JWKS_TTL = timedelta(hours=1)
MIN_REFETCH = timedelta(seconds=10)
_MAX_BYTES = 512 * 1024


@dataclass
class _Entry:
    keys: dict[str, RSAKey] = field(default_factory=dict)
    fetched_at: datetime | None = None
    """Last successful fetch."""
    attempted_at: datetime | None = None
    """Last fetch attempt, successful or not (the refetch limit counts from here)."""


class JwksCache:
    """Finds a platform's verification key by `kid`. `clock` gives aware UTC datetimes."""

    def __init__(self, http: aiohttp.ClientSession, clock: Callable[[], datetime], *,
                 ttl: timedelta = JWKS_TTL, min_refetch: timedelta = MIN_REFETCH) -> None:
        self._http = http
        self._clock = clock
        self.ttl = ttl
        self.min_refetch = min_refetch
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def key(self, jwks_url: str, kid: str | None) -> RSAKey:
        """The RS256 key `kid` of the set at `jwks_url`; raises `UnknownKey` or `JwksUnavailable`."""
        if not kid:
            raise UnknownKey("the token names no kid")
        # One lock per URL: launches arriving during a fetch wait for it instead of fetching too.
        async with self._locks.setdefault(jwks_url, asyncio.Lock()):
            entry = self._entries.setdefault(jwks_url, _Entry())
            now = self._clock()
            stale = entry.fetched_at is None or now - entry.fetched_at >= self.ttl
            if stale and self._may_fetch(entry, now):
                await self._refresh(jwks_url, entry)
            if kid not in entry.keys and self._may_fetch(entry, now):
                # The platform may have rotated its keys since we last looked.
                await self._refresh(jwks_url, entry)
            if kid in entry.keys:
                return entry.keys[kid]
            if entry.fetched_at is None:
                raise JwksUnavailable("the platform's JWKS could not be fetched")
            raise UnknownKey("kid is not in the platform's JWKS")

    def _may_fetch(self, entry: _Entry, now: datetime) -> bool:
        # Successful or not, the last attempt starts the quiet interval: a failing
        # platform is not asked again on every launch either.
        return entry.attempted_at is None or now - entry.attempted_at >= self.min_refetch

    async def _refresh(self, url: str, entry: _Entry) -> None:
        entry.attempted_at = self._clock()
        try:
            document = await self._fetch(url)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            _LOGGER.warning("could not fetch the LTI platform JWKS at %s (%s); %s", url, type(exc).__name__,
                            "keeping the cached keys" if entry.fetched_at else "no keys cached")
            return
        entry.keys = _usable_keys(document)
        entry.fetched_at = entry.attempted_at
        _LOGGER.info("fetched the LTI platform JWKS at %s: %d usable key(s)", url, len(entry.keys))

    async def _fetch(self, url: str) -> Any:
        async with self._http.get(url, timeout=JWKS_TIMEOUT, allow_redirects=False,
                                  headers={"Accept": "application/json"}) as response:
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
            body = await response.content.read(_MAX_BYTES + 1)
        if len(body) > _MAX_BYTES:
            raise ValueError("JWKS document too large")
        return json.loads(body)


def _usable_keys(document: Any) -> dict[str, RSAKey]:
    keys: dict[str, RSAKey] = {}
    raw_keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(raw_keys, list):
        return keys
    for raw in raw_keys:
        if not isinstance(raw, dict) or raw.get("kty") != "RSA" or not isinstance(raw.get("kid"), str):
            continue
        if raw.get("use", "sig") != "sig" or raw.get("alg", "RS256") != "RS256":
            continue
        try:
            keys[raw["kid"]] = RSAKey.import_key({k: v for k, v in raw.items() if k in _PUBLIC_FIELDS})
        except (JoseError, ValueError, TypeError):
            continue
    return keys


# Private parameters are dropped even if a misconfigured platform publishes them.
_PUBLIC_FIELDS = {"kty", "kid", "n", "e", "alg", "use"}
