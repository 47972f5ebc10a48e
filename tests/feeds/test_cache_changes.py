"""A process answers polls from memory, and forgets a student as soon as any process changes their feed.

Two `FeedCache`s on two engines stand for two server processes on one
database; the writes go through the first one's connections.
"""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine

from feedserver.feeds.cache import FeedCache
from feedserver.feeds.publish import etag_for, gzip_body, rerender
from feedserver.feeds.tokens import issue_feed_token
from feedserver.store.db import make_sessionmaker
from feedserver.store.models import RenderedFeed
from feedserver.store.students import delete_student, upsert_student
from tests.store.fixtures import CIPHER, Store

NOW = datetime(2026, 11, 9, 15, tzinfo=UTC)


@pytest.fixture
async def elsewhere(other_process: AsyncEngine) -> AsyncIterator[FeedCache]:
    """The other process's feed cache, listening for changes."""
    cache = FeedCache(other_process, make_sessionmaker(other_process), public_url="http://127.0.0.1")
    await cache.start()
    yield cache
    await cache.close()


async def heard(store: Store, cache: FeedCache) -> None:
    """SQLite is read by the next poll (the write's await ended this loop turn); PostgreSQL's notice travels first."""
    if store.engine.dialect.name == "postgresql":
        await cache.settle()


def count_statements(engine: AsyncEngine) -> list[str]:
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


async def test_the_second_poll_asks_nothing_and_every_change_is_seen(store: Store, elsewhere: FeedCache,
                                                                     other_process: AsyncEngine) -> None:
    ada = await upsert_student(store.db, "north", "101", "Ada")
    token = await issue_feed_token(store.db, CIPHER, ada)
    first = await elsewhere.feed_for_token(token, "all", gzipped=False, now=NOW)  # rendered on the spot
    assert first is not None
    await heard(store, elsewhere)  # that render was a change too
    second = await elsewhere.feed_for_token(token, "all", gzipped=False)
    assert second is not None and second.etag == first.etag and elsewhere.remembered_tokens == 1
    queries = elsewhere.lookup_queries
    statements = count_statements(other_process)
    for _ in range(5):
        assert (await elsewhere.feed_for_token(token, "all", gzipped=False)) is second
    assert elsewhere.lookup_queries == queries and statements == []

    # A new render elsewhere: the next poll sends the new bytes.
    body = b"BEGIN:VCALENDAR\r\nX-NEW:1\r\nEND:VCALENDAR\r\n"
    async with store.db.begin() as session:
        await session.execute(update(RenderedFeed).where(RenderedFeed.student_id == ada)
                              .values(body=body, body_gzip=gzip_body(body), etag=etag_for(body), rendered_at=NOW))
    await heard(store, elsewhere)
    third = await elsewhere.feed_for_token(token, "all", gzipped=False)
    assert third is not None and third.content == body and third.etag == etag_for(body)

    # The URL rotated elsewhere: the old token is dead on the next poll, the new one works.
    new_token = await issue_feed_token(store.db, CIPHER, ada)
    await heard(store, elsewhere)
    assert await elsewhere.feed_for_token(token, "all", gzipped=False) is None
    assert (await elsewhere.feed_for_token(new_token, "all", gzipped=False)) is not None

    # The student disconnected elsewhere: nothing is served.
    await delete_student(store.db, ada)
    await heard(store, elsewhere)
    assert await elsewhere.feed_for_token(new_token, "all", gzipped=False) is None
    assert elsewhere.remembered_tokens == 0


async def test_a_first_poll_is_one_lookup_that_brings_the_stored_gzip_bytes(store: Store, elsewhere: FeedCache,
                                                                          other_process: AsyncEngine) -> None:
    ada = await upsert_student(store.db, "north", "101", "Ada")
    token = await issue_feed_token(store.db, CIPHER, ada)
    async with store.db.begin() as session:
        await rerender(session, ada, public_url=None, now=NOW)
        stored = await session.get(RenderedFeed, (ada, "all"))
    assert stored is not None and gzip.decompress(stored.body_gzip) == stored.body  # made at render
    statements = count_statements(other_process)

    polled = await elsewhere.feed_for_token(token, "all", gzipped=True)

    assert polled is not None and polled.content == stored.body_gzip and polled.etag == stored.etag
    assert polled.last_modified == NOW
    assert elsewhere.lookup_queries == 1 and statements == []  # the lookup's own connection, nothing else
    plain = await elsewhere.feed_for_token(token, "all", gzipped=False)
    assert plain is not None and plain.content == stored.body and statements == []


async def test_a_change_during_a_lookup_is_not_remembered_stale(store: Store, elsewhere: FeedCache) -> None:
    ada = await upsert_student(store.db, "north", "101", "Ada")
    token = await issue_feed_token(store.db, CIPHER, ada)
    assert await elsewhere.feed_for_token(token, "all", gzipped=False, now=NOW) is not None
    await heard(store, elsewhere)
    elsewhere.discard(ada)
    lookup = elsewhere._lookups  # the race needs the lookup's moment
    original = lookup.resolve

    async def resolve_then_change(digest: str):  # type: ignore[no-untyped-def]
        found = await original(digest)  # the answer as it was...
        await issue_feed_token(store.db, CIPHER, ada)  # ...then the URL rotates before it is kept
        await heard(store, elsewhere)
        elsewhere._changes.catch_up()  # SQLite hears it on the next poll; here, now
        return found

    lookup.resolve = resolve_then_change  # type: ignore[method-assign]
    try:
        assert await elsewhere.feed_for_token(token, "all", gzipped=False) is not None  # answered as asked
    finally:
        lookup.resolve = original  # type: ignore[method-assign]
    assert elsewhere.remembered_tokens == 0
    assert await elsewhere.feed_for_token(token, "all", gzipped=False) is None


async def test_without_hearing_changes_every_poll_asks_the_database(store: Store, other_process: AsyncEngine) -> None:
    deaf = FeedCache(other_process, make_sessionmaker(other_process), public_url="http://127.0.0.1")  # not started
    try:
        ada = await upsert_student(store.db, "north", "101", "Ada")
        token = await issue_feed_token(store.db, CIPHER, ada)
        for expected_queries in (1, 2, 3):
            assert await deaf.feed_for_token(token, "all", gzipped=False, now=NOW) is not None
            assert deaf.lookup_queries == expected_queries and deaf.remembered_tokens == 0
        await issue_feed_token(store.db, CIPHER, ada)
        assert await deaf.feed_for_token(token, "all", gzipped=False) is None
    finally:
        await deaf.close()
