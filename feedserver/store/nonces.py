"""Single-use values (OAuth state, LTI nonce): remember a hash until it could no longer be valid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from .models import UsedNonce

__all__ = ["use_once"]


async def use_once(db: async_sessionmaker, value_hash: str, purpose: str, keep_until: datetime,
                   now: datetime) -> bool:
    """Record `value_hash` as used; False if it was used before (a replay).

    The primary key makes the check and the insert one atomic step on both
    engines; expired rows of the same purpose are swept on the way, so the
    table stays small.
    """
    try:
        async with db.begin() as session:
            await session.execute(delete(UsedNonce).where(UsedNonce.purpose == purpose, UsedNonce.expires_at < now))
            session.add(UsedNonce(value_hash=value_hash, purpose=purpose, expires_at=keep_until))
    except IntegrityError:
        return False
    return True
