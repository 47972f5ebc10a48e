"""Benchmark: CPU of `FeedCache.feed_for_token` for tokens the process remembers, no HTTP.

Builds the polling benchmark's database (bench/feed_polling.py: N students,
each with a rendered feed and a token) on SQLite, starts a `FeedCache` that
hears feed changes, polls every token twice (the first poll resolves it in
the database, the second confirms it is remembered), then times rounds of
polls over all tokens in turn with `time.process_time`. The figure is the
cache's share of a poll: hashing the token, the change check (SQLite's
``PRAGMA data_version``), the remembered token and the cached bytes.

    .venv/bin/python bench/feed_cache_lookup.py [--students 2000,10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table
from feed_polling import build_database

from feedserver.feeds.cache import FeedCache
from feedserver.store.db import create_engine, make_sessionmaker

PUBLIC_URL = "http://127.0.0.1:8080"


async def measure(database: str, tokens: list[str], rounds: int) -> list[object]:
    engine = create_engine(database)
    cache = FeedCache(engine, make_sessionmaker(engine), public_url=PUBLIC_URL)
    await cache.start()
    try:
        for _ in range(2):
            for token in tokens:
                assert await cache.feed_for_token(token, "all", gzipped=True) is not None
        queries = cache.lookup_queries
        samples = []
        for _ in range(rounds):
            started = time.process_time()
            for token in tokens:
                await cache.feed_for_token(token, "all", gzipped=True)
            samples.append((time.process_time() - started) / len(tokens) * 1e6)
        return [f"{len(tokens):,}", cache.remembered_tokens, cache.lookup_queries - queries,
                f"{min(samples):.1f}", f"{max(samples):.1f}"]
    finally:
        await cache.close()
        await engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", default="2000,10000")
    ap.add_argument("--assignments", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for students in (int(n) for n in args.students.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            database = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            tokens, _ = asyncio.run(build_database(database, students, args.assignments, PUBLIC_URL))
            rows.append(asyncio.run(measure(database, tokens, args.rounds)))
    print(f"SQLite, gzip, {args.rounds} rounds over every token; python {platform.python_version()}")
    print_table(["students", "tokens remembered", "lookup queries while timed", "best µs/poll", "worst µs/poll"],
                rows)


if __name__ == "__main__":
    main()
