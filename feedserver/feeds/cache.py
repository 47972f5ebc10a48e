"""Serving polls from memory: no rendering, and usually no database at all.

`rendered_feeds` in the database is the source every process shares. Each
process keeps two things:

- per token hash, the student, feed kind and current ETag it resolved to
  (`_tokens`), trusted only while `store.feed_changes` hears every change:
  the database's triggers announce each token rotation, deletion and new
  render, and the student's entries are forgotten before the next poll uses
  them (SQLite: checked before polls, once per event-loop turn; PostgreSQL:
  a NOTIFY that arrives within a fraction of a millisecond). When changes
  cannot be heard, every poll asks the database, as below;
- the bytes clients asked for (plain or gzip), keyed by (student, kind,
  encoding) with the ETag they were made from.

A token not in memory is resolved with one query: its hash (unique index)
joined with its rendered feed's ETag and gzip bytes (made at render,
publish.py), so the first poll of a feed in this process is that one indexed
read, with nothing to compress. Concurrent lookups share that query: a
lookup waits `GATHER_SECONDS` for others, and while one query is in flight
arriving tokens wait for the next, which resolves all of them (``WHERE
token_hash IN (...)``). Unknown tokens are never remembered, so a rotated or
deleted token answers 404 in every process once its change is heard.
"""

from __future__ import annotations

import asyncio
import gzip
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from ..activity import ActivityLog
from ..secure import token_hash
from ..store.db import hold_connection, release_held
from ..store.feed_changes import FeedChanges, watch_feed_changes
from ..store.models import FeedToken, RenderedFeed
from .publish import gzip_body, rerender

__all__ = ["TOKEN_LENGTHS", "CachedFeed", "FeedCache", "PollAnswers"]

#: Lengths a feed token can have (tokens.py issues 43 characters); others are not looked up.
TOKEN_LENGTHS = range(20, 101)

#: Most tokens resolved by one query (well under SQLite's bound-parameter limit).
MAX_BATCH = 500

#: How long a lookup waits for more polls to share its query. Under load a
#: round trip is shorter than the gap between polls, so without it most
#: queries carry one token; 2 ms halves the database's CPU per poll and takes
#: a tenth off ours (bench/feed_polling.py), a delay no calendar app notices.
GATHER_SECONDS = 0.002

#: Most token hashes remembered (~200 bytes each); past it the process starts over.
MAX_REMEMBERED_TOKENS = 200_000

_LOOKUP = (
    select(FeedToken.token_hash, FeedToken.student_id, FeedToken.kind, RenderedFeed.etag,
           RenderedFeed.rendered_at, RenderedFeed.body_gzip)
    .outerjoin(RenderedFeed, and_(RenderedFeed.student_id == FeedToken.student_id,
                                  RenderedFeed.kind == FeedToken.kind))
)
_BODY = select(RenderedFeed.body, RenderedFeed.body_gzip, RenderedFeed.etag, RenderedFeed.rendered_at)


@dataclass(frozen=True)
class CachedFeed:
    """One representation (plain or gzip) of one rendered feed, ready to send."""

    etag: str
    """The stored feed's ETag (of the plain bytes)."""
    content: bytes
    gzipped: bool
    last_modified: datetime
    last_modified_http: str
    """RFC 9110 HTTP-date of `last_modified`, formatted once."""

    @cached_property  # made once per feed version, not per poll
    def gzip_etag(self) -> str:
        # A different representation needs a different strong validator (RFC 9110 §8.8.3).
        return self.etag[:-1] + '-gz"'

    @cached_property
    def response_etag(self) -> str:
        return self.gzip_etag if self.gzipped else self.etag


class PollAnswers:
    """How this process answered calendar polls, by status: plain integers that feeds/views.py increments.

    The metrics collector reads them when Prometheus scrapes; an increment
    here costs tens of nanoseconds, where a labelled Prometheus counter
    costs microseconds, as much as the whole lookup (docs/performance.md).
    """

    __slots__ = ("ok", "not_modified", "not_found", "unavailable")

    def __init__(self) -> None:
        self.ok = 0
        """200: the feed's bytes."""
        self.not_modified = 0
        """304: the client's copy is current."""
        self.not_found = 0
        """404: unknown, rotated or deleted token."""
        self.unavailable = 0
        """503: the database failed while resolving the token."""


class FeedCache:
    """Per-process cache of feed representations, bounded by total bytes (least recently polled goes first).

    Only what clients ask for is kept: calendar apps send
    ``Accept-Encoding: gzip``, so most entries are a feed's gzip alone (a
    twelfth of the plain bytes), and `max_bytes` holds that many more feeds.
    A missing representation is made from the other one when that is cached
    and current, else from the database.
    """

    def __init__(self, engine: AsyncEngine, db: async_sessionmaker, *, public_url: str,
                 max_bytes: int = 256 * 1024 * 1024, activity: ActivityLog | None = None) -> None:
        self._engine = engine
        self._lookups = _TokenLookups(engine)
        self._changes = FeedChanges()  # deaf until start(): every poll asks the database
        self._tokens: dict[str, _Found] = {}
        self._tokens_of: dict[int, set[str]] = {}
        self._generation = 0  # counts forgets, so a lookup that raced one is not remembered
        self._db = db
        self._public_url = public_url
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[int, str, bool], CachedFeed] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0
        self.answers = PollAnswers()
        # A served poll notes its student as active (a set insert; written in batches by retention).
        self._note_active = (activity or ActivityLog()).students.add

    async def feed_for_token(self, token: str, kind: str, *, gzipped: bool,
                             now: datetime | None = None) -> CachedFeed | None:
        """The current feed behind a raw token of the given kind, or None (unknown, rotated, wrong kind).

        `now` dates a feed rendered on the spot (one never rendered before); the default is the clock.
        """
        if len(token) not in TOKEN_LENGTHS:
            return None
        digest = token_hash(token)
        row = self._tokens.get(digest) if self._changes.catch_up() else None
        stored: _Stored | None = None
        if row is None:
            generation = self._generation
            resolved = await self._lookups.resolve(digest)
            if resolved is None:
                return None
            row, stored = resolved
            if generation == self._generation and self._changes.live:
                self._remember(row)
        if row.kind != kind:
            return None
        self._note_active(row.student_id)
        key = (row.student_id, row.kind, gzipped)
        cached = self._entries.get(key)
        if cached is not None and cached.etag == row.etag:
            self._entries.move_to_end(key)
            self.hits += 1
            return cached
        self.misses += 1
        if stored is not None and stored.body_gzip is not None and row.etag is not None:
            # The lookup brought the gzip bytes along: the first poll of this feed here.
            return self._keep(key, _cached(row.etag, stored.body_gzip, gzipped, stored.rendered_at))
        other = self._entries.get((row.student_id, row.kind, not gzipped))
        if other is not None and other.etag == row.etag:
            content = gzip.decompress(other.content) if other.gzipped else gzip_body(other.content)
            return self._keep(key, replace(other, content=content, gzipped=gzipped))
        return await self._load(key, now or datetime.now(UTC))

    async def start(self) -> None:
        """Start hearing the database's feed changes, after which polls are answered from memory."""
        self._changes = await watch_feed_changes(self._engine, self._forget)

    async def settle(self) -> None:
        """Return once every feed change committed before this call is heard (the next poll sees it)."""
        await self._changes.settle()

    async def close(self) -> None:
        """Release the database connections (the app's cleanup calls this before the engine closes)."""
        await self._changes.close()
        await self._lookups.close()

    def discard(self, student_id: int) -> None:
        """Forget a student's feeds (e.g. after they disconnect); a later poll reloads from the database."""
        self._forget({student_id})
        for key in [k for k in self._entries if k[0] == student_id]:
            self._bytes -= len(self._entries.pop(key).content)

    @property
    def remembered_tokens(self) -> int:
        """Token hashes this process answers without the database."""
        return len(self._tokens)

    def _remember(self, row: _Found) -> None:
        if len(self._tokens) >= MAX_REMEMBERED_TOKENS:
            self._forget(None)
        self._tokens[row.token_hash] = row
        self._tokens_of.setdefault(row.student_id, set()).add(row.token_hash)

    def _forget(self, students: Collection[int] | None) -> None:
        """Drop what is remembered of these students' tokens (None: of everyone)."""
        self._generation += 1
        if students is None:
            self._tokens.clear()
            self._tokens_of.clear()
            return
        for student in students:
            for digest in self._tokens_of.pop(student, ()):
                self._tokens.pop(digest, None)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def lookup_queries(self) -> int:
        """Token lookup queries run so far (fewer than polls when polls arrive together)."""
        return self._lookups.queries

    async def _load(self, key: tuple[int, str, bool], now: datetime) -> CachedFeed | None:
        student_id, kind, gzipped = key
        query = _BODY.where(RenderedFeed.student_id == student_id, RenderedFeed.kind == kind)
        async with self._db() as session:
            row = (await session.execute(query)).first()
        if row is None:
            # Never rendered (a student not synced yet, a first sessions poll): render the
            # stored data once, a valid calendar even when empty, and keep it.
            async with self._db.begin() as session:
                await rerender(session, student_id, public_url=self._public_url, now=now, kinds=[kind])
                row = (await session.execute(query)).first()
            if row is None:
                return None
        body, body_gzip, etag, rendered_at = row
        if body_gzip is not None:
            return self._keep(key, _cached(etag, body_gzip, gzipped, rendered_at))
        return self._keep(key, CachedFeed(
            etag=etag, content=gzip_body(body) if gzipped else body, gzipped=gzipped,
            last_modified=rendered_at, last_modified_http=format_datetime(rendered_at, usegmt=True)))

    def _keep(self, key: tuple[int, str, bool], feed: CachedFeed) -> CachedFeed:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.content)
        self._entries[key] = feed
        self._bytes += len(feed.content)
        while self._bytes > self.max_bytes and len(self._entries) > 1:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.content)
        return feed


def _cached(etag: str, body_gzip: bytes, gzipped: bool, rendered_at: datetime) -> CachedFeed:
    """The representation asked for, from a feed's stored gzip bytes (plain: decompressed, a tenth of compressing)."""
    return CachedFeed(etag=etag, content=body_gzip if gzipped else gzip.decompress(body_gzip), gzipped=gzipped,
                      last_modified=rendered_at, last_modified_http=format_datetime(rendered_at, usegmt=True))


class _Found(NamedTuple):
    """What a process remembers of a token."""

    token_hash: str
    student_id: int
    kind: str
    etag: str | None


class _Stored(NamedTuple):
    """What a lookup brings along of the token's rendered feed (not remembered: the cache keeps the bytes)."""

    rendered_at: datetime
    body_gzip: bytes | None


_Resolved = tuple[_Found, _Stored | None]


def _resolved(row: Sequence[Any]) -> _Resolved:
    token, student_id, kind, etag, rendered_at, body_gzip = row
    return _Found(token, student_id, kind, etag), (_Stored(rendered_at, body_gzip) if etag is not None else None)


def _result_processor(dialect: Any) -> Callable[[Any], datetime | None]:
    column_type = RenderedFeed.__table__.c.rendered_at.type
    process = column_type.dialect_impl(dialect).result_processor(dialect, None)
    return process if process is not None else (lambda value: value)


class _TokenLookups:
    """Token hash → (student, kind, current ETag), concurrent callers batched into one query.

    The query runs on one connection held for the purpose, straight through
    its driver (aiosqlite or asyncpg) with SQL that SQLAlchemy compiled once
    per batch size. Through a session, the same query costs about ten times
    as much (pool checkout, a transaction: on SQLite a BEGIN IMMEDIATE that
    would queue polls behind every sync's write), and the feed route is the
    hot path. The statement is still `_LOOKUP`, one definition for both
    engines; other dialects take the session path.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._waiting: dict[str, list[asyncio.Future[_Resolved | None]]] = {}
        self._draining: asyncio.Task[None] | None = None
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        self._sql: dict[int, str] = {}
        self._moment: Callable[[Any], datetime | None] | None = None
        self.queries = 0

    async def resolve(self, digest: str) -> _Resolved | None:
        future: asyncio.Future[_Resolved | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(digest, []).append(future)
        if self._draining is None:
            self._draining = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def close(self) -> None:
        if self._draining is not None:
            self._draining.cancel()
            await asyncio.gather(self._draining, return_exceptions=True)
        await self._drop_connection()

    async def _drain(self) -> None:
        try:
            while self._waiting:
                if len(self._waiting) < MAX_BATCH:
                    await asyncio.sleep(GATHER_SECONDS)
                digests = list(self._waiting)[:MAX_BATCH]
                batch = {d: self._waiting.pop(d) for d in digests}
                try:
                    rows = await self._query(digests)
                except Exception as exc:  # noqa: BLE001 (every waiter gets the database's error)
                    for futures in batch.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                    continue
                found = {row[0].token_hash: row for row in rows}
                for digest, futures in batch.items():
                    for future in futures:
                        if not future.done():  # a poll whose client went away
                            future.set_result(found.get(digest))
        finally:
            self._draining = None

    async def _query(self, digests: Sequence[str]) -> list[_Resolved]:
        self.queries += 1
        dialect = self._engine.dialect
        if dialect.driver not in ("aiosqlite", "asyncpg"):
            async with self._engine.connect() as connection:
                rows = (await connection.execute(_LOOKUP.where(FeedToken.token_hash.in_(digests)))).all()
            return [_resolved(row) for row in rows]
        # Pad to a power of two so a handful of compiled statements serve every batch size.
        size = 1 << (len(digests) - 1).bit_length()
        params = [*digests, *[digests[-1]] * (size - len(digests))]
        sql = self._compiled(size)
        try:
            rows = await self._run(sql, params)
        except Exception:  # noqa: BLE001 (drivers differ in what they raise; the retry re-raises)
            # The held connection broke (database restarted, idle timeout): once more on a new one.
            await self._drop_connection()
            try:
                rows = await self._run(sql, params)
            except Exception:
                await self._drop_connection()
                raise
        # Raw driver rows: the timestamp gets the column type's own conversion (SQLite stores text).
        moment = self._moment
        if moment is None:
            moment = self._moment = _result_processor(self._engine.dialect)
        return [_resolved((*row[:4], moment(row[4]), row[5])) for row in rows]

    async def _run(self, sql: str, params: list[str]) -> Any:
        driver = await self._driver_connection()
        if self._engine.dialect.driver == "aiosqlite":
            return await driver.execute_fetchall(sql, params)  # one hop to its thread, not three
        return await driver.fetch(sql, *params)

    def _compiled(self, size: int) -> str:
        sql = self._sql.get(size)
        if sql is None:
            statement = _LOOKUP.where(FeedToken.token_hash.in_([f"{i}" for i in range(size)]))
            sql = str(statement.compile(dialect=self._engine.dialect, compile_kwargs={"render_postcompile": True}))
            self._sql[size] = sql
        return sql

    async def _driver_connection(self) -> Any:
        if self._driver is None:
            self._connection, self._driver = await hold_connection(self._engine)
        return self._driver

    async def _drop_connection(self) -> None:
        connection, self._connection, self._driver = self._connection, None, None
        await release_held(connection)
