"""Single-use LTI nonces, remembered in ``used_nonces`` until they could no longer be valid.

Only the SHA-256 of a nonce is stored. A launch consumes its nonce when it
completes; the row lives as long as the login's state could (after that the
state itself is refused), and expired rows are swept on each insert so the
table stays small.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..store.models import UsedNonce
from ..store.nonces import use_once
from .errors import NonceReplayed

__all__ = ["NonceStore", "NONCE_PURPOSE"]

_LOGGER = logging.getLogger(__name__)
NONCE_PURPOSE = "lti"


class NonceStore:
    def __init__(self, db: async_sessionmaker) -> None:
        self.db = db

    async def check_unused(self, nonce_hash: str) -> None:
        """Raise `NonceReplayed` if the nonce was consumed before (read-only)."""
        async with self.db() as session:
            used = await session.scalar(select(UsedNonce.value_hash).where(UsedNonce.value_hash == nonce_hash))
        if used is not None:
            raise NonceReplayed("nonce was used before")

    async def consume(self, nonce_hash: str, keep_until: datetime, now: datetime) -> None:
        """Mark the nonce used until `keep_until`; raise `NonceReplayed` if it already was."""
        if not await use_once(self.db, nonce_hash, NONCE_PURPOSE, keep_until, now):
            _LOGGER.info("an LTI nonce was presented twice")
            raise NonceReplayed("nonce was used before")
