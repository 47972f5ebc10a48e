"""GET /feeds/{token}.ics over a real socket: headers, validators, gzip, 404s, and the cost of a poll."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import event, select

from feedserver.feeds.appkeys import feed_cache_key
from feedserver.feeds.tokens import feed_links, issue_feed_token
from feedserver.secure import random_token
from feedserver.store.models import RenderedFeed
from feedserver.store.students import delete_student
from feedserver.sync.scheduler import SyncService
from feedserver.typedefs import (
    cipher_key,
    config_key,
    db_key,
    engine_key,
)
from tests.feeds.parsers import parse_everywhere
from tests.sync.helpers import Connected, connect, stored_feed


@pytest.fixture
async def synced(muffin: TestClient, sandbox: Any, service: SyncService) -> Connected:
    # The dual-enrolled student takes two courses here: a small feed keeps these tests quick.
    student = await connect(muffin, sandbox, "south", 2001)
    assert (await service.sync_student(student.student_id)).outcome == "ok"
    return student


async def test_a_poll_gets_the_stored_calendar_with_validators(muffin: TestClient, synced: Connected) -> None:
    resp = await muffin.get(synced.feed_path, headers={"Accept-Encoding": "identity"})
    body = await resp.read()
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert resp.headers["Cache-Control"] == "private, max-age=300"
    assert resp.headers["Vary"] == "Accept-Encoding"
    assert resp.headers["Last-Modified"] == "Mon, 09 Nov 2026 15:00:00 GMT"  # the sync's (pinned) time
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    etag = resp.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert body == await stored_feed(muffin, synced.student_id)
    assert len(parse_everywhere(body)) > 40


CONDITIONS = [
    ("If-None-Match", "{etag}", 304),
    ("If-None-Match", "W/{etag}", 304),
    ("If-None-Match", '"other", {etag}', 304),
    ("If-None-Match", "*", 304),
    ("If-None-Match", '"other"', 200),
    ("If-Modified-Since", "Mon, 09 Nov 2026 15:00:00 GMT", 304),
    ("If-Modified-Since", "Tue, 10 Nov 2026 08:00:00 GMT", 304),
    ("If-Modified-Since", "Mon, 09 Nov 2026 14:59:59 GMT", 200),
]


async def test_conditional_requests(muffin: TestClient, synced: Connected) -> None:
    first = await muffin.get(synced.feed_path, headers={"Accept-Encoding": "identity"})
    etag = first.headers["ETag"]
    for header, value, status in CONDITIONS:
        resp = await muffin.get(synced.feed_path, headers={header: value.format(etag=etag),
                                                           "Accept-Encoding": "identity"})
        assert resp.status == status, (header, value)
        assert resp.headers["ETag"] == etag
        assert resp.headers["Last-Modified"] == first.headers["Last-Modified"]
        assert (await resp.read() == b"") == (status == 304)


async def test_if_none_match_wins_over_if_modified_since(muffin: TestClient, synced: Connected) -> None:
    resp = await muffin.get(synced.feed_path, headers={"If-None-Match": '"stale"',
                                                       "If-Modified-Since": "Tue, 10 Nov 2026 08:00:00 GMT"})
    assert resp.status == 200


async def test_gzip_when_asked_with_its_own_validator(muffin: TestClient, synced: Connected) -> None:
    plain = await muffin.get(synced.feed_path, headers={"Accept-Encoding": "identity"})
    body = await plain.read()
    async with aiohttp.ClientSession(auto_decompress=False) as raw:
        resp = await raw.get(muffin.make_url(synced.feed_path), headers={"Accept-Encoding": "br, gzip;q=0.8"})
        compressed = await resp.read()
        assert resp.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(compressed) == body
        assert len(compressed) < len(body) / 4
        assert resp.headers["ETag"] == plain.headers["ETag"][:-1] + '-gz"'
        refused = await raw.get(muffin.make_url(synced.feed_path), headers={"Accept-Encoding": "gzip;q=0"})
        assert "Content-Encoding" not in refused.headers and await refused.read() == body
        revalidate = await raw.get(muffin.make_url(synced.feed_path),
                                   headers={"Accept-Encoding": "gzip", "If-None-Match": resp.headers["ETag"]})
        assert revalidate.status == 304


async def test_calendar_fetchers_without_accept_are_served(muffin: TestClient, synced: Connected) -> None:
    google = await muffin.get(synced.feed_path, skip_auto_headers=["Accept", "Accept-Encoding"],
                              headers={"User-Agent": "Google-Calendar-Importer"})
    assert google.status == 200
    odd = await muffin.get(synced.feed_path, headers={"Accept": "application/json"})
    assert odd.status == 200  # never 406
    head = await muffin.head(synced.feed_path)
    assert head.status == 200 and head.headers["ETag"] and await head.read() == b""


async def test_unknown_tokens_get_a_tiny_plain_404(muffin: TestClient, synced: Connected) -> None:
    for path in (f"/feeds/{random_token(32)}.ics", "/feeds/short.ics", f"/feeds/{'a' * 200}.ics",
                 f"/feeds/{synced.feed_token}-sessions.ics"):
        resp = await muffin.get(path)
        assert resp.status == 404, path
        assert resp.headers["Content-Type"].startswith("text/plain")
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert len(await resp.read()) < 20


async def test_a_rotated_token_answers_404_at_once_even_when_cached(muffin: TestClient, synced: Connected) -> None:
    app = muffin.app
    old = await muffin.get(synced.feed_path)
    assert old.status == 200 and len(app[feed_cache_key]) == 1
    new_token = await issue_feed_token(app[db_key], app[cipher_key], synced.student_id)
    await app[feed_cache_key].settle()  # PostgreSQL's notice of the change has arrived (SQLite: nothing to wait for)
    assert (await muffin.get(synced.feed_path)).status == 404
    fresh = await muffin.get(f"/feeds/{new_token}.ics")
    assert fresh.status == 200 and fresh.headers["ETag"] == old.headers["ETag"]
    links = feed_links(app[config_key].server.public_url, new_token)
    assert links.url.endswith(f"/feeds/{new_token}.ics")


async def test_a_disconnected_student_has_no_feed(muffin: TestClient, synced: Connected) -> None:
    assert (await muffin.get(synced.feed_path)).status == 200
    await delete_student(muffin.app[db_key], synced.student_id)
    await muffin.app[feed_cache_key].settle()
    assert (await muffin.get(synced.feed_path)).status == 404


async def test_a_student_never_synced_gets_a_valid_empty_calendar(muffin: TestClient, sandbox: Any) -> None:
    student = await connect(muffin, sandbox, "south", 2002)
    resp = await muffin.get(student.feed_path)
    assert resp.status == 200
    body = await resp.read()
    assert parse_everywhere(body) == {}
    assert b"X-WR-CALNAME:Homework Muffin (South Coast College)" in body
    assert b"X-WR-TIMEZONE:America/Los_Angeles" in body
    assert await stored_feed(muffin, student.student_id) == body  # rendered once, then served from the store


async def test_the_sessions_feed(muffin: TestClient, synced: Connected) -> None:
    app = muffin.app
    token = await issue_feed_token(app[db_key], app[cipher_key], synced.student_id, kind="sessions")
    resp = await muffin.get(f"/feeds/{token}-sessions.ics")
    assert resp.status == 200
    body = await resp.read()
    assert parse_everywhere(body) == {}  # suggestions arrive with the planning issue
    assert "work sessions" in body.decode()
    assert (await muffin.get(f"/feeds/{token}.ics")).status == 404  # a sessions token is not the full feed
    assert (await stored_feed(muffin, synced.student_id, "sessions")) == body


async def test_a_repeated_poll_asks_the_database_nothing(muffin: TestClient, synced: Connected) -> None:
    app = muffin.app
    cache = app[feed_cache_key]
    await muffin.get(synced.feed_path)  # fills this process's cache
    assert cache.remembered_tokens == 1
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])
    event.listen(app[engine_key].sync_engine, "before_cursor_execute", listener)
    queries, hits, misses = cache.lookup_queries, cache.hits, cache.misses
    try:
        for _ in range(10):
            assert (await muffin.get(synced.feed_path)).status == 200
    finally:
        event.remove(app[engine_key].sync_engine, "before_cursor_execute", listener)
    assert cache.lookup_queries - queries == 0  # the token is remembered until the database announces a change
    assert (cache.hits - hits, cache.misses - misses) == (10, 0)
    assert statements == []  # nothing through sessions: no render, no body reload, no scan


async def test_the_cache_keeps_what_clients_ask_for_and_converts_between_encodings(
        muffin: TestClient, synced: Connected) -> None:
    app = muffin.app
    cache = app[feed_cache_key]
    stored = await stored_feed(muffin, synced.student_id)
    async with aiohttp.ClientSession(auto_decompress=False) as raw:
        first = await raw.get(muffin.make_url(synced.feed_path), headers={"Accept-Encoding": "gzip"})
        compressed = await first.read()
    assert gzip.decompress(compressed) == stored
    assert (len(cache), cache.size_bytes) == (1, len(compressed))  # the gzip alone, not the plain bytes too
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])
    event.listen(app[engine_key].sync_engine, "before_cursor_execute", listener)
    try:
        plain = await muffin.get(synced.feed_path, headers={"Accept-Encoding": "identity"})
        assert await plain.read() == stored
    finally:
        event.remove(app[engine_key].sync_engine, "before_cursor_execute", listener)
    assert statements == []  # made from the cached gzip, not read again
    assert (len(cache), cache.size_bytes) == (2, len(compressed) + len(stored))


async def test_the_cache_stays_within_its_bytes(muffin: TestClient, synced: Connected, sandbox: Any,
                                                service: SyncService) -> None:
    other = await connect(muffin, sandbox, "south", 2002)
    assert (await service.sync_student(other.student_id)).outcome == "ok"
    cache = muffin.app[feed_cache_key]
    plain = {"Accept-Encoding": "identity"}
    first = await (await muffin.get(synced.feed_path, headers=plain)).read()
    cache.max_bytes = len(first) + 1  # room for one plain feed
    second = await (await muffin.get(other.feed_path, headers=plain)).read()
    assert len(cache) == 1 and cache.size_bytes == len(second)  # the least recently polled went
    misses = cache.misses
    again = await muffin.get(synced.feed_path, headers=plain)
    assert await again.read() == first and cache.misses == misses + 1  # read back from the database


async def test_concurrent_polls_share_lookups(muffin: TestClient, synced: Connected) -> None:
    cache = muffin.app[feed_cache_key]
    await muffin.get(synced.feed_path)
    cache.discard(synced.student_id)  # nothing remembered: every poll needs the lookup
    before = cache.lookup_queries
    answers = await asyncio.gather(*(muffin.get(synced.feed_path) for _ in range(30)))
    assert all(r.status == 200 for r in answers)
    assert 1 <= cache.lookup_queries - before < 30


async def test_a_new_render_is_picked_up_by_the_next_poll(muffin: TestClient, synced: Connected) -> None:
    from feedserver.feeds.preferences import update_settings

    app = muffin.app
    plain = {"Accept-Encoding": "identity"}
    before = await muffin.get(synced.feed_path, headers=plain)
    await update_settings(app[db_key], synced.student_id, {"event_style": "all_day"})
    await app[feed_cache_key].settle()
    after = await muffin.get(synced.feed_path, headers=plain)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert b"DTSTART;VALUE=DATE:" in await after.read()
    async with app[db_key]() as session:
        stored = await session.scalar(select(RenderedFeed.etag).where(RenderedFeed.student_id == synced.student_id))
    assert after.headers["ETag"] == stored


async def test_polls_survive_the_database_dropping_connections(muffin: TestClient, synced: Connected,
                                                               database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("only a server database drops its clients' connections")
    assert (await muffin.get(synced.feed_path)).status == 200  # the lookup connection is open now
    async with muffin.app[engine_key].connect() as connection:
        ended = (await connection.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    assert ended >= 1
    assert (await muffin.get(synced.feed_path)).status == 200
    assert (await muffin.get(synced.feed_path)).status == 200


async def test_a_failing_database_answers_503_and_logs_no_token(muffin: TestClient, synced: Connected,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    assert (await muffin.get(synced.feed_path)).status == 200
    muffin.app[feed_cache_key].discard(synced.student_id)  # so the next poll must ask the database
    async with muffin.app[engine_key].begin() as connection:
        await connection.exec_driver_sql("ALTER TABLE feed_tokens RENAME TO feed_tokens_gone")
    resp = await muffin.get(synced.feed_path)
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "300" and resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Content-Type"].startswith("text/plain") and await resp.read() == b"Temporarily unavailable\n"
    assert any("feed poll failed" in r.getMessage() for r in caplog.records)
    assert synced.feed_token not in caplog.text
