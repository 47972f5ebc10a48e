"""Benchmark: feed GETs per second from cache, against a bare aiohttp handler.

Starts, in this process, the full feed server (`create_app`: middlewares,
route, one database query per poll, cached bytes) with one student's
300-assignment feed, and next to it a bare aiohttp app whose only handler
returns the same bytes. A load generator in a separate process (aiohttp
client, N keep-alive connections, a fixed number of requests) hits each in
turn, several rounds alternating, and the table reports medians and the ratio
feed/bare (goal ≥ 0.8). Runs both identity and gzip (Accept-Encoding: gzip).

Two ratios, because on a small shared machine one number misleads:
- requests per second as the client sees them (on two CPUs the Python
  client saturates first, so this flatters the slower server);
- the server process's CPU time per request (`time.process_time()` over each
  run, the database driver's thread included), which other processes on the
  machine do not disturb: the cost of a poll compared with the bare handler.
`--pin` puts the servers on CPU 0 and the client on CPU 1.

    .venv/bin/python bench/feed_throughput.py [--requests 4000] [--concurrency 32] [--rounds 5]
        [--pin] [--postgres postgresql://admin@host/db]   # default: a fresh SQLite file
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table, seed_student

from feedserver.app import create_app
from feedserver.config import parse_config
from feedserver.feeds.appkeys import feed_cache_key
from feedserver.feeds.tokens import issue_feed_token
from feedserver.logs import RouteAccessLogger
from feedserver.typedefs import cipher_key, db_key

SECRET = "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- load generator (runs in its own process) ------------------------------------


async def _load(url: str, requests: int, concurrency: int, gzip: bool) -> dict[str, float]:
    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    # auto_decompress off: the client should not spend its time inflating bodies.
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:
        async def one() -> int:
            async with session.get(url, headers=headers) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise SystemExit(f"HTTP {resp.status} from {url}")
                return len(body)

        await asyncio.gather(*(one() for _ in range(concurrency)))  # open the connections
        sent = 0
        size = 0

        async def worker() -> None:
            nonlocal sent, size
            while sent < requests:
                sent += 1
                size = await one()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"rps": requests / elapsed, "bytes": size}


def pin(cpu: int) -> bool:
    """Run this process on one CPU only; False where that is not possible."""
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return False
    os.sched_setaffinity(0, {cpu})
    return True


def run_loadgen(url: str, requests: int, concurrency: int, gzip: bool, pinned: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--loadgen", url, "--requests", str(requests),
         "--concurrency", str(concurrency), *(["--gzip"] if gzip else []), *(["--pin"] if pinned else [])],
        check=False, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"load generator failed: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout)


# -- the two servers ---------------------------------------------------------------


async def start(app: web.Application, port: int) -> web.AppRunner:
    # The access-log class production uses; logging is not configured, so neither server writes lines.
    runner = web.AppRunner(app, access_log_class=RouteAccessLogger)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@contextlib.asynccontextmanager
async def database_url(args: argparse.Namespace) -> AsyncIterator[str]:
    """A fresh database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if not args.postgres:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"muffin_bench_{os.getpid()}"
    admin = args.postgres.replace("postgresql://", "postgres://", 1)
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    try:
        yield make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        connection = await asyncpg.connect(admin)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


async def bench(args: argparse.Namespace) -> None:
    pinned = args.pin and pin(0)
    async with database_url(args) as database:
        port = free_port()
        config = parse_config({
            "server": {"public_url": f"http://127.0.0.1:{port}", "database": database, "background_sync": False},
            "institution": [{"slug": "bench", "name": "Bench U", "canvas_url": "https://canvas.example.edu",
                             "client_id": "1", "client_secret_env": "BENCH_CLIENT_SECRET"}],
        }, {"MUFFIN_SECRET_KEY": SECRET, "BENCH_CLIENT_SECRET": "x"})
        app = create_app(config)
        runner = await start(app, port)
        student_id = await seed_student(app[db_key], "bench", args.assignments)
        token = await issue_feed_token(app[db_key], app[cipher_key], student_id)
        feed_url = f"http://127.0.0.1:{port}/feeds/{token}.ics"
        # The bare handler sends exactly the bytes the feed route sends, both encodings.
        async with aiohttp.ClientSession(auto_decompress=False) as http:
            async with http.get(feed_url, headers={"Accept-Encoding": "identity"}) as resp:
                assert resp.status == 200, resp.status
                body = await resp.read()
            async with http.get(feed_url, headers={"Accept-Encoding": "gzip"}) as resp:
                assert resp.headers["Content-Encoding"] == "gzip"
                gz = await resp.read()
        cached = app[feed_cache_key]

        async def bare_handler(request: web.Request) -> web.Response:
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                return web.Response(body=gz, content_type="text/calendar", charset="utf-8",
                                    headers={"Content-Encoding": "gzip"})
            return web.Response(body=body, content_type="text/calendar", charset="utf-8")

        bare = web.Application()
        bare.router.add_get("/feed.ics", bare_handler)
        bare_port = free_port()
        bare_runner = await start(bare, bare_port)
        bare_url = f"http://127.0.0.1:{bare_port}/feed.ics"

        rows = []
        loop = asyncio.get_running_loop()
        for gzip in (False, True):
            samples: dict[str, list[float]] = {"bare": [], "feed": []}
            cpu: dict[str, list[float]] = {"bare": [], "feed": []}
            size = 0
            for _ in range(args.rounds):
                for name, url in (("bare", bare_url), ("feed", feed_url)):
                    before = time.process_time()
                    result = await loop.run_in_executor(
                        None, run_loadgen, url, args.requests, args.concurrency, gzip, pinned)
                    cpu[name].append((time.process_time() - before) / args.requests * 1e6)
                    samples[name].append(result["rps"])
                    size = int(result["bytes"])
            bare_rps, feed_rps = statistics.median(samples["bare"]), statistics.median(samples["feed"])
            bare_cpu, feed_cpu = statistics.median(cpu["bare"]), statistics.median(cpu["feed"])
            rows.append(["gzip" if gzip else "identity", f"{size / 1024:.0f} KiB", f"{bare_rps:,.0f}",
                         f"{feed_rps:,.0f}", f"{feed_rps / bare_rps:.2f}", f"{bare_cpu:.0f}", f"{feed_cpu:.0f}",
                         f"{bare_cpu / feed_cpu:.2f}"])
        hits, misses = cached.hits, cached.misses
        await bare_runner.cleanup()
        await runner.cleanup()
    engine = database.split("://")[0]
    placement = "server on CPU 0, client on CPU 1" if pinned else "processes not pinned"
    print(f"{args.assignments}-assignment feed, {engine}; {args.rounds} alternating rounds of {args.requests} GETs "
          f"over {args.concurrency} connections, medians; {placement} (python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs); feed cache {hits} hits / {misses} misses")
    print_table(["encoding", "body", "bare req/s", "feed req/s", "ratio", "bare CPU µs/req",
                 "feed CPU µs/req", "CPU ratio"], rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--assignments", type=int, default=300)
    ap.add_argument("--postgres", metavar="URL", help="measure PostgreSQL: an admin URL to create a scratch database")
    ap.add_argument("--pin", action="store_true", help="servers on CPU 0, the load generator on CPU 1")
    ap.add_argument("--loadgen", metavar="URL", help=argparse.SUPPRESS)
    ap.add_argument("--gzip", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.loadgen:
        if args.pin:
            pin(1)
        print(json.dumps(asyncio.run(_load(args.loadgen, args.requests, args.concurrency, args.gzip))))
        return
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
