"""Benchmark: CPU of `FeedCache.feed_for_token` for tokens the process remembers, no HTTP.

Builds the polling benchmark's database (bench/feed_polling.py: N students,
each with a rendered feed and a token) on SQLite, starts a `FeedCache` that
hears feed changes, polls every token twice (the first poll resolves it in
the database, the second confirms it is remembered), then times rounds of
polls over all tokens in turn with `time.process_time`. The figure is the
cache's share of a poll: hashing the token, the change check (SQLite's
``PRAGMA data_version``), the remembered token and the cached bytes.

With `--handler`, each poll goes through the feed route's handler instead
(`feeds.views.feed` on a request built by aiohttp's `make_mocked_request`,
``Accept-Encoding: gzip``): the cache's share plus the handler's own work
(the answer's status counted for the metrics, the response built), still
without HTTP parsing or sockets.

One change check answers for a whole event-loop turn, so the loop is let
run a turn every `--polls-per-turn` polls: 1 is a quiet server's case, 4
about what a `serve` process handles per turn under bench/feed_polling.py's
load (3.8 measured). The turns' own cost, timed in a loop without polls, is
subtracted.

    .venv/bin/python bench/feed_cache_lookup.py [--students 2000,10000] [--polls-per-turn 1,4] [--rounds 3] [--handler]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table
from feed_polling import build_database

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from feedserver.feeds.appkeys import feed_cache_key
from feedserver.feeds.cache import FeedCache
from feedserver.feeds.views import feed
from feedserver.store.db import create_engine, make_sessionmaker

PUBLIC_URL = "http://127.0.0.1:8080"


Poll = Callable[[str], Awaitable[object]]


def _poller(cache: FeedCache, tokens: list[str], handler: bool) -> Poll:
    """A poll of one token: the cache's lookup, or the route's handler on a mocked request."""
    if not handler:
        return lambda token: cache.feed_for_token(token, "all", gzipped=True)
    app = web.Application()
    app[feed_cache_key] = cache
    requests = {token: make_mocked_request("GET", f"/feeds/{token}.ics", headers={"Accept-Encoding": "gzip"},
                                           match_info={"token": token}, app=app) for token in tokens}
    return lambda token: feed(requests[token])


async def measure(database: str, tokens: list[str], polls_per_turn: list[int], rounds: int,
                  handler: bool = False) -> list[list[object]]:
    engine = create_engine(database)
    cache = FeedCache(engine, make_sessionmaker(engine), public_url=PUBLIC_URL)
    await cache.start()
    try:
        for _ in range(2):
            for token in tokens:
                assert await cache.feed_for_token(token, "all", gzipped=True) is not None
        poll = _poller(cache, tokens, handler)
        rows: list[list[object]] = []
        for per_turn in polls_per_turn:
            queries = cache.lookup_queries
            samples = []
            for _ in range(rounds):
                turns = await _cpu_seconds(tokens, per_turn, None)
                polls = await _cpu_seconds(tokens, per_turn, poll)
                samples.append((polls - turns) / len(tokens) * 1e6)
            rows.append([f"{len(tokens):,}", per_turn, cache.remembered_tokens, cache.lookup_queries - queries,
                         f"{min(samples):.1f}", f"{max(samples):.1f}"])
        return rows
    finally:
        await cache.close()
        await engine.dispose()


async def _cpu_seconds(tokens: list[str], per_turn: int, poll: Poll | None) -> float:
    """CPU time of polling every token (none when `poll` is None), letting the loop turn every `per_turn`."""
    started = time.process_time()
    for i, token in enumerate(tokens):
        if i % per_turn == 0:
            await asyncio.sleep(0)  # one event-loop turn
        if poll is not None:
            await poll(token)
    return time.process_time() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", default="2000,10000")
    ap.add_argument("--assignments", type=int, default=100)
    ap.add_argument("--polls-per-turn", default="1,4")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--handler", action="store_true", help="poll through the feed route's handler")
    args = ap.parse_args()
    rows = []
    for students in (int(n) for n in args.students.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            database = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            tokens, _ = asyncio.run(build_database(database, students, args.assignments, PUBLIC_URL))
            per_turn = [int(n) for n in args.polls_per_turn.split(",")]
            rows.extend(asyncio.run(measure(database, tokens, per_turn, args.rounds, args.handler)))
    what = "feed handler" if args.handler else "FeedCache.feed_for_token"
    print(f"{what}, SQLite, gzip, {args.rounds} rounds over every token; python {platform.python_version()}")
    print_table(["students", "polls per loop turn", "tokens remembered", "lookup queries while timed", "best µs/poll", "worst µs/poll"],
                rows)


if __name__ == "__main__":
    main()
