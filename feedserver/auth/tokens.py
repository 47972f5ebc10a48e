"""Each student's Canvas grant: stored encrypted, refreshed once at a time, revoked.

`TokenStore` (on ``app[token_store_key]``) is the only code that reads or
writes `canvas_tokens`. Everyone who calls Canvas for a student asks it for an
access token and, after a 401 with ``WWW-Authenticate``, for a refresh:

    token = await store.access_token(student_id)
    ... 401 TokenExpired ...
    token = await store.refresh(student_id, rejected=token)

Canvas kills the previous access token on every refresh (docs/canvas-facts.md §10.3), so
two refreshes racing would leave one caller with a dead token: refreshes are
single-flight per student (an `asyncio.Lock`), and the row is re-read inside
the lock so a refresh finished meanwhile, here or by another process sharing
the database, is used instead of starting a second one. A refresh the grant
cannot survive (revoked, refresh token unknown, key gone) marks the student
``reconnect_needed`` and raises `ReconnectNeeded`; nothing else is deleted, so
their feed keeps its last good content until they sign in again.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import aiohttp
from authlib.oauth2.rfc6749 import OAuth2Token
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..canvas import oauth
from ..canvas.errors import CanvasError, Forbidden, OAuthError, ReconnectNeeded, TokenExpired
from ..config import Config, Institution
from ..crypto import TokenCipher
from ..feeds.publish import rerender
from ..metrics.instruments import TOKEN_REFRESHES
from ..secure import constant_time_equals
from ..store import students
from ..store.models import CanvasToken, Student
from ..store.models import Institution as InstitutionRow

__all__ = ["TokenStore", "REFRESH_LEEWAY", "utc_now"]

_LOGGER = logging.getLogger(__name__)

#: Refresh this long before Canvas's expiry, so a token never dies mid-sync.
REFRESH_LEEWAY = timedelta(seconds=60)
#: Token-endpoint errors that mean the grant itself is gone (docs/canvas-facts.md §10.4):
#: ``invalid_grant`` (revoked, other key), ``invalid_request`` ("refresh_token
#: not found"), ``invalid_client`` (the key was deleted or its secret changed).
_GRANT_GONE = frozenset({"invalid_grant", "invalid_request", "invalid_client", "unauthorized_client"})


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Grant:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    institution_slug: str
    status: str


class TokenStore:
    """Encrypted Canvas tokens per student, with single-flight refresh.

    `clock` returns the current aware UTC time; tests replace it to move past
    an expiry without sleeping.
    """

    def __init__(self, config: Config, db: async_sessionmaker, http: aiohttp.ClientSession, cipher: TokenCipher,
                 *, clock: Callable[[], datetime] = utc_now) -> None:
        self.config = config
        self.db = db
        self.http = http
        self.cipher = cipher
        self.clock = clock
        # Weak values: a lock lives while someone holds or awaits it, then goes.
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    # -- reading ------------------------------------------------------------

    async def access_token(self, student_id: int) -> str:
        """A usable access token, refreshed first when it expires within 60 s.

        Raises `ReconnectNeeded` when the student has no live grant, and
        `CanvasUnavailable` when a needed refresh could not reach Canvas.
        """
        grant = await self._load(student_id)
        if not self._expiring(grant):
            return grant.access_token
        return await self.refresh(student_id, rejected=grant.access_token)

    async def refresh(self, student_id: int, rejected: str | None = None) -> str:
        """Refresh after Canvas rejected `rejected` (or unconditionally when None).

        If another caller already replaced `rejected` with a token that is not
        expiring, that token is returned and Canvas is not asked again.
        """
        async with self._lock(student_id):
            grant = await self._load(student_id)
            if (rejected is not None and not constant_time_equals(grant.access_token, rejected)
                    and not self._expiring(grant)):
                return grant.access_token
            if grant.refresh_token is None:
                await self._reconnect_needed(student_id, "no refresh token stored")
            institution = self._institution_config(grant.institution_slug)
            try:
                token = await oauth.refresh_access_token(self.http, institution, grant.refresh_token)
            except CanvasError as exc:
                if isinstance(exc, OAuthError) and (exc.code in _GRANT_GONE or exc.status == 401):
                    TOKEN_REFRESHES.labels("grant_gone").inc()
                    await self._reconnect_needed(student_id, f"refresh refused ({exc.code})")
                TOKEN_REFRESHES.labels("failed").inc()
                raise
            TOKEN_REFRESHES.labels("ok").inc()
            await self.save_grant(student_id, token)
            _LOGGER.info("refreshed the Canvas access token of student %s", student_id)
            return str(token["access_token"])

    async def institution(self, student_id: int) -> Institution:
        """The configured school (canvas_url, developer key) of a student.

        Raises `LookupError` when the student is unknown or their school is no
        longer in the configuration.
        """
        async with self.db() as session:
            slug = await session.scalar(
                select(InstitutionRow.slug).join(Student, Student.institution_id == InstitutionRow.id)
                .where(Student.id == student_id))
        if slug is None:
            raise LookupError(f"student {student_id} does not exist")
        return self._institution_config(slug)

    async def canvas_url(self, student_id: int) -> str:
        """Base URL of the student's Canvas, e.g. ``https://canvas.state.edu``."""
        return (await self.institution(student_id)).canvas_url

    # -- writing ------------------------------------------------------------

    async def save_grant(self, student_id: int, token: OAuth2Token | Mapping[str, Any]) -> None:
        """Store a token response encrypted. A response without ``refresh_token``
        (every Canvas refresh) keeps the stored one."""
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise ValueError("token response has no access_token")
        refresh = token.get("refresh_token")
        expires_at = self._expires_at(token)
        async with self.db.begin() as session:
            row = await session.get(CanvasToken, student_id)
            if row is None:
                row = CanvasToken(student_id=student_id, access_token_enc="")
                session.add(row)
            row.access_token_enc = self.cipher.encrypt(access)
            if isinstance(refresh, str) and refresh:
                row.refresh_token_enc = self.cipher.encrypt(refresh)
            row.expires_at = expires_at
            row.updated_at = self.clock()
            student = await session.get(Student, student_id)
            if student is not None and student.status != "active":
                # A working grant is the definition of connected again.
                student.status = "active"

    async def revoke(self, student_id: int) -> None:
        """Delete the student's grant at Canvas (``DELETE /login/oauth2/token``).

        Best effort: a dead token or an unreachable Canvas is logged, not
        raised, so disconnecting always completes on our side.
        """
        try:
            grant = await self._load(student_id, allow_reconnect=True)
        except ReconnectNeeded:
            return
        token = grant.access_token
        if self._expiring(grant) and grant.status == "active":
            # Canvas authenticates the DELETE with the token itself: an expired one would be refused.
            try:
                token = await self.refresh(student_id, rejected=token)
            except CanvasError as exc:
                _LOGGER.info("student %s: no live token to revoke (%s)", student_id, type(exc).__name__)
                return
        try:
            institution = self._institution_config(grant.institution_slug)
            await oauth.revoke_token(self.http, institution.canvas_url, token)
        except (TokenExpired, Forbidden):
            _LOGGER.info("student %s: Canvas grant was already revoked", student_id)
        except (CanvasError, LookupError) as exc:
            _LOGGER.warning("student %s: could not revoke the Canvas grant (%s); "
                            "it stays listed under the student's Approved Integrations", student_id,
                            type(exc).__name__)
        else:
            _LOGGER.info("student %s: Canvas grant revoked", student_id)

    # -- internals ----------------------------------------------------------

    def _lock(self, student_id: int) -> asyncio.Lock:
        lock = self._locks.get(student_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[student_id] = lock
        return lock

    def _expiring(self, grant: _Grant) -> bool:
        return grant.expires_at is not None and grant.expires_at - REFRESH_LEEWAY <= self.clock()

    def _expires_at(self, token: Mapping[str, Any]) -> datetime | None:
        # Our clock, not authlib's time.time(): expiry must follow the injected clock.
        expires_in = token.get("expires_in")
        if expires_in not in (None, ""):
            try:
                return self.clock() + timedelta(seconds=float(expires_in))
            except (TypeError, ValueError):
                pass
        return None

    def _institution_config(self, slug: str) -> Institution:
        institution = self.config.institution(slug)
        if institution is None:
            raise LookupError(f"institution {slug!r} is no longer configured")
        return institution

    async def _load(self, student_id: int, *, allow_reconnect: bool = False) -> _Grant:
        async with self.db() as session:
            row = (await session.execute(
                select(CanvasToken.access_token_enc, CanvasToken.refresh_token_enc, CanvasToken.expires_at,
                       InstitutionRow.slug, Student.status)
                .join(Student, Student.id == CanvasToken.student_id)
                .join(InstitutionRow, InstitutionRow.id == Student.institution_id)
                .where(CanvasToken.student_id == student_id)
            )).first()
        if row is None:
            raise ReconnectNeeded(f"student {student_id} has no Canvas grant")
        access_enc, refresh_enc, expires_at, slug, status = row
        if status == "reconnect_needed" and not allow_reconnect:
            raise ReconnectNeeded(f"student {student_id} must sign in with Canvas again")
        return _Grant(
            access_token=self.cipher.decrypt(access_enc),
            refresh_token=self.cipher.decrypt(refresh_enc) if refresh_enc else None,
            expires_at=expires_at,
            institution_slug=slug,
            status=status,
        )

    async def _reconnect_needed(self, student_id: int, why: str) -> NoReturn:
        now = self.clock()
        await students.mark_reconnect_needed(self.db, student_id, now)
        async with self.db.begin() as session:
            # The feed gains its "Reconnect" event now, whoever found the grant gone (a sync, the
            # proxy, a page): a sync skips the student from here on, so it would never render it.
            await rerender(session, student_id, public_url=self.config.server.public_url, now=now)
        _LOGGER.warning("student %s needs to reconnect Canvas: %s", student_id, why)
        raise ReconnectNeeded(f"student {student_id} must sign in with Canvas again ({why})")
