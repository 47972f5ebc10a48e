"""Re-encrypt every stored secret under the newest key (`muffin-feed rotate-key`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..crypto import TokenCipher
from .models import CanvasToken, FeedToken, Student

__all__ = ["rotate_encryption"]


async def rotate_encryption(db: async_sessionmaker, cipher: TokenCipher) -> int:
    """Return how many encrypted values were rewritten; all in one transaction."""
    count = 0
    async with db.begin() as session:
        for token in (await session.scalars(select(CanvasToken))).all():
            token.access_token_enc = cipher.rotate(token.access_token_enc)
            count += 1
            if token.refresh_token_enc:
                token.refresh_token_enc = cipher.rotate(token.refresh_token_enc)
                count += 1
        # Feed tokens are kept encrypted so /me can show the URL again; left under the old
        # key, every page showing a feed URL would fail once that key is dropped.
        for feed_token in (await session.scalars(select(FeedToken))).all():
            feed_token.token_enc = cipher.rotate(feed_token.token_enc)
            count += 1
        for student in (await session.scalars(select(Student).where(Student.canvas_feed_url_enc.is_not(None)))).all():
            student.canvas_feed_url_enc = cipher.rotate(student.canvas_feed_url_enc)
            count += 1
    return count
