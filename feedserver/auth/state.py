"""The OAuth ``state`` of sign-ins in progress: random, single-use, bound to one
browser, valid for 10 minutes.

The pending sign-in (school, PKCE verifier, where to go afterwards) lives in
the encrypted session cookie, keyed by the SHA-256 of its state, so only the
browser that started the sign-in can finish it. Finishing removes it from the
cookie and records the hash in ``used_nonces``: a copy of the old cookie
replayed later still fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..secure import random_token, token_hash
from ..store.nonces import use_once

__all__ = ["STATE_LIFETIME", "LoginStates", "PendingLogin", "StateError"]

_LOGGER = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)
#: Sign-ins a browser may have in flight (tabs); the oldest are dropped.
MAX_PENDING = 5
_SESSION_FIELD = "oauth_pending"
_NONCE_PURPOSE = "oauth_state"


class StateError(Exception):
    """The callback's state is unusable; `reason` is missing, unknown, expired or replayed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PendingLogin:
    institution: str
    return_to: str | None
    code_verifier: str | None
    expires_at: datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LoginStates:
    """Issues and redeems OAuth states. `clock` is injectable (aware UTC)."""

    def __init__(self, db: async_sessionmaker, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self.db = db
        self.clock = clock

    async def begin(self, request: web.Request, institution: str, return_to: str | None,
                    pkce: bool) -> tuple[str, PendingLogin]:
        """A new state for this browser, and what it stands for."""
        state = random_token(32)
        now = self.clock()
        pending = PendingLogin(
            institution=institution,
            return_to=return_to,
            # RFC 7636: 43-128 characters; 64 random bytes encode to 86.
            code_verifier=random_token(64) if pkce else None,
            expires_at=now + STATE_LIFETIME,
        )
        session = await get_session(request)
        entries = {k: v for k, v in self._entries(session).items()
                   if float(v.get("e", 0)) > now.timestamp()}
        entries[token_hash(state)] = {"i": pending.institution, "r": pending.return_to,
                                      "v": pending.code_verifier, "e": pending.expires_at.timestamp()}
        newest = sorted(entries.items(), key=lambda kv: kv[1]["e"])[-MAX_PENDING:]
        session[_SESSION_FIELD] = dict(newest)
        return state, pending

    async def redeem(self, request: web.Request, state: str | None) -> PendingLogin:
        """The pending sign-in for `state`, used up; raises `StateError`."""
        if not state:
            raise StateError("missing")
        key = token_hash(state)
        session = await get_session(request)
        entries = self._entries(session)
        entry = entries.pop(key, None)
        if entry is None:
            # Forged, from another browser, or already redeemed in this one.
            raise StateError("unknown")
        session[_SESSION_FIELD] = entries
        now = self.clock()
        expires_at = datetime.fromtimestamp(float(entry["e"]), UTC)
        if expires_at <= now:
            raise StateError("expired")
        await self._use_once(key, expires_at, now)
        return PendingLogin(institution=str(entry["i"]), return_to=entry.get("r"),
                            code_verifier=entry.get("v"), expires_at=expires_at)

    @staticmethod
    def _entries(session: Any) -> dict[str, dict[str, Any]]:
        raw = session.get(_SESSION_FIELD)
        if not isinstance(raw, dict):
            return {}
        return {k: v for k, v in raw.items() if isinstance(v, dict) and "e" in v and "i" in v}

    async def _use_once(self, key: str, expires_at: datetime, now: datetime) -> None:
        # A used state matters only until it would have expired anyway.
        if not await use_once(self.db, key, _NONCE_PURPOSE, expires_at, now):
            _LOGGER.warning("an OAuth state was replayed (copied session cookie?)")
            raise StateError("replayed")
