"""Benchmark: first polls of feeds a process has not seen yet (after a restart), no HTTP.

Builds the polling benchmark's database (bench/feed_polling.py: N students,
each with a rendered feed and a token), then for each engine starts a fresh
`FeedCache` (what a restarted process has) and polls every token once, gzip
(as calendar apps ask), `--concurrency` polls in flight, timing wall clock and
this process's CPU. Each first poll resolves its token in the database (one
indexed query per batch of concurrent polls, the rendered feed's gzip bytes
included) and keeps the bytes.

The same run then empties ``rendered_feeds.body_gzip`` (feeds rendered before
migration 0007 look so) and polls again with another fresh cache: the bytes are
then read by a second query and compressed on the spot, which is how every
first poll went before the gzip bytes were stored.

    .venv/bin/python bench/feed_cold_polls.py [--students 10000] [--concurrency 64]
        [--postgres postgresql://admin@host/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import update

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table  # noqa: E402
from feed_polling import build_database, create_pg_database, drop_pg_database  # noqa: E402

from feedserver.feeds.cache import FeedCache  # noqa: E402
from feedserver.store.db import create_engine, make_sessionmaker  # noqa: E402
from feedserver.store.models import RenderedFeed  # noqa: E402

PUBLIC_URL = "http://127.0.0.1:8080"


async def first_polls(database: str, tokens: list[str], concurrency: int) -> dict[str, float]:
    """Poll every token once through a fresh cache; wall and CPU figures."""
    engine = create_engine(database, pool_size=concurrency)
    cache = FeedCache(engine, make_sessionmaker(engine), public_url=PUBLIC_URL)
    await cache.start()
    queue = iter(tokens)
    missing = 0

    async def worker() -> None:
        nonlocal missing
        for token in queue:
            if await cache.feed_for_token(token, "all", gzipped=True) is None:
                missing += 1

    try:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        return {"polls": len(tokens), "missing": missing, "wall": wall, "cpu": cpu,
                "queries": cache.lookup_queries}
    finally:
        await cache.close()
        await engine.dispose()


async def drop_stored_gzip(database: str) -> None:
    engine = create_engine(database)
    try:
        async with make_sessionmaker(engine).begin() as session:
            await session.execute(update(RenderedFeed).values(body_gzip=None))
    finally:
        await engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=10_000)
    ap.add_argument("--assignments", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--postgres", default=os.environ.get("MUFFIN_TEST_POSTGRES_URL"),
                    help="admin URL of a PostgreSQL server (default: $MUFFIN_TEST_POSTGRES_URL; none: SQLite only)")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for engine in ("sqlite", "postgresql") if args.postgres else ("sqlite",):
            pg_name = None
            if engine == "sqlite":
                database = f"sqlite:///{Path(tmp) / 'cold.sqlite3'}"
            else:
                database, pg_name = asyncio.run(create_pg_database(args.postgres))
            try:
                tokens, body = asyncio.run(build_database(database, args.students, args.assignments, PUBLIC_URL))
                for label in ("stored gzip, one query (now)", "compressed on the spot (before)"):
                    if label.startswith("compressed"):
                        asyncio.run(drop_stored_gzip(database))
                    f = asyncio.run(first_polls(database, tokens, args.concurrency))
                    rows.append([engine, label, f"{f['polls']:,}", f["missing"], f"{f['queries']:,}",
                                 f"{f['polls'] / f['wall']:,.0f}", f"{f['polls'] / f['cpu']:,.0f}",
                                 f"{f['cpu'] / f['polls'] * 1e6:,.0f}"])
            finally:
                if pg_name:
                    asyncio.run(drop_pg_database(args.postgres, pg_name))
    print(f"{args.students} students, {args.assignments}-assignment feeds ({len(body) / 1024:.0f} KiB), a fresh "
          f"cache per pass (a restarted process), {args.concurrency} polls in flight, gzip; no HTTP; "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs")
    print_table(["engine", "first poll", "polls", "not found", "lookup queries", "first polls/s (wall)",
                 "first polls per CPU-second", "CPU µs per first poll"], rows)


if __name__ == "__main__":
    main()
