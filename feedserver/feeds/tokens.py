"""Feed tokens: the secret in each private calendar URL.

256 random bits per token. The database keeps the SHA-256 for lookups (an
index probe: no comparison loop an attacker could time) and a Fernet copy so
/me can show the URL again. Rotation replaces the row, so the old URL answers
404 at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..crypto import TokenCipher
from ..secure import random_token, token_hash
from ..store.models import FeedToken

__all__ = ["FeedLinks", "issue_feed_token", "current_feed_token", "resolve_feed_token", "feed_links", "FEED_KINDS"]

FEED_KINDS = ("all", "sessions")


@dataclass(frozen=True)
class FeedLinks:
    url: str
    webcal_url: str
    google_calendar_url: str
    outlook_url: str


def feed_links(public_url: str, token: str, kind: str = "all") -> FeedLinks:
    """Every way a student subscribes: https (Outlook, copy/paste), webcal (Apple), Google's add-by-URL."""
    suffix = "" if kind == "all" else f"-{kind}"
    url = f"{public_url}/feeds/{token}{suffix}.ics"
    webcal = "webcal://" + url.split("://", 1)[1]
    return FeedLinks(
        url=url,
        webcal_url=webcal,
        google_calendar_url="https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
        outlook_url="https://outlook.live.com/calendar/0/addfromweb?url=" + quote(url, safe="")
        + "&name=" + quote("Homework Muffin"),
    )


async def issue_feed_token(db: async_sessionmaker, cipher: TokenCipher, student_id: int, kind: str = "all") -> str:
    """Create (or replace) the student's token of this kind; returns the raw token."""
    if kind not in FEED_KINDS:
        raise ValueError(f"unknown feed kind {kind!r}")
    token = random_token(32)
    async with db.begin() as session:
        await session.execute(delete(FeedToken).where(FeedToken.student_id == student_id, FeedToken.kind == kind))
        session.add(FeedToken(student_id=student_id, kind=kind, token_hash=token_hash(token),
                              token_enc=cipher.encrypt(token)))
    return token


async def current_feed_token(db: async_sessionmaker, cipher: TokenCipher, student_id: int,
                             kind: str = "all") -> str:
    """The student's token of this kind, issuing one if they have none yet."""
    async with db() as session:
        enc = await session.scalar(
            select(FeedToken.token_enc).where(FeedToken.student_id == student_id, FeedToken.kind == kind))
    if enc is not None:
        return cipher.decrypt(enc)
    return await issue_feed_token(db, cipher, student_id, kind)


async def resolve_feed_token(db: async_sessionmaker, token: str) -> tuple[int, str] | None:
    """(student_id, kind) for a raw token, or None."""
    if not 20 <= len(token) <= 100:
        return None
    async with db() as session:
        row = (await session.execute(
            select(FeedToken.student_id, FeedToken.kind).where(FeedToken.token_hash == token_hash(token))
        )).first()
    return (row[0], row[1]) if row else None
