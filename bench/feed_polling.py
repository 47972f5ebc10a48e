"""Benchmark: many calendar clients polling many students' feeds from 1 or 2 `serve` processes.

For each engine (SQLite file; PostgreSQL when an admin URL is given) it
builds a database of `--students` students, each with a cached feed of
`--assignments` assignments (one rendered feed cloned, so every body is a
real row) and a feed token, then for 1 and 2 processes:

- starts that many real `muffin-feed serve` processes (the CLI, a TOML file,
  no background sync) and as many bare aiohttp processes whose only handler
  returns the same bytes in the same encoding (`--encoding`: gzip, as calendar
  apps ask for, or identity), a copy per student URL;
- runs a load generator in its own process (aiohttp client, `--concurrency`
  keep-alive connections spread over the processes) against both, first every
  student's URL once (the cold pass: each process reads and caches the feeds
  it serves; reported on its own), then `--rounds` rounds of `--requests`
  GETs over all students' URLs in turn (the measured steady state), the
  rounds alternating bare, feed, bare, feed, ...;
- prints requests/s, p50/p99 latency, the servers' CPU time per request
  (from /proc, steadier than requests/s when the machine is shared) and
  PostgreSQL's (all its processes on this machine), errors
  (non-200, wrong encoding or failed requests) and the ratios feed/bare of
  the median rounds: requests/s, and CPU per request (bare ÷ feed).

It also reports the resident memory (VmRSS) of each serve process after start
and after the load, which polled every student at least once (the process
then holds every feed in its cache).

    .venv/bin/python bench/feed_polling.py [--students 10000] [--assignments 100] [--requests 20000]
        [--concurrency 64] [--rounds 3] [--processes 1,2] [--encoding gzip|identity] [--cache-mib 256]
        [--postgres postgresql://admin@host/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table, seed_student  # noqa: E402

from feedserver.config import parse_config  # noqa: E402
from feedserver.crypto import TokenCipher  # noqa: E402
from feedserver.secure import random_token, token_hash  # noqa: E402
from feedserver.store.db import create_engine, make_sessionmaker, migrate  # noqa: E402
from feedserver.store.institutions import sync_institutions  # noqa: E402
from feedserver.store.models import FeedToken, RenderedFeed, Student  # noqa: E402

SECRET = "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
ENV = {"MUFFIN_SECRET_KEY": SECRET, "BENCH_CLIENT_SECRET": "x"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds() -> float:
    """CPU of every PostgreSQL process on this machine (its share of a poll); 0 without one."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                total += cpu_seconds(int(entry.name))
        except OSError:  # the process ended meanwhile
            continue
    return total


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- load generator (own process) ----------------------------------------------------


async def _load(urls: list[str], requests: int, concurrency: int, encoding: str) -> dict[str, float]:
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=0)
    latencies: list[float] = []
    errors = 0
    expected = "gzip" if encoding == "gzip" else None
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                     headers={"Accept-Encoding": encoding}) as session:
        async def one(url: str) -> None:
            nonlocal errors
            started = time.perf_counter()
            try:
                async with session.get(url) as resp:
                    await resp.read()
                    # An answer in the wrong encoding would make the comparison unfair: an error.
                    if resp.status != 200 or resp.headers.get("Content-Encoding") != expected:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append(time.perf_counter() - started)

        if requests == 0:
            # The cold pass: every URL once, so each process has read (and cached) every feed it
            # serves, as it has in steady state, where a feed changes far less often than it is polled.
            queue = list(urls)
            cold_started = time.perf_counter()

            async def warm() -> None:
                while queue:
                    await one(queue.pop())

            await asyncio.gather(*(warm() for _ in range(concurrency)))
            return {"cold": len(urls) / (time.perf_counter() - cold_started), "errors": errors}
        sent = 0

        async def worker() -> None:
            nonlocal sent
            while sent < requests:
                url = urls[sent % len(urls)]
                sent += 1
                await one(url)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": requests / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[int(len(latencies) * 0.99)] * 1000, "errors": errors}


def run_loadgen(urls_file: Path, requests: int, concurrency: int, encoding: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--loadgen", str(urls_file), "--requests", str(requests),
                          "--concurrency", str(concurrency), "--encoding", encoding],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


# -- bare server (own process) ---------------------------------------------------------


def run_bare(port: int, body_file: str, encoding: str) -> None:
    """Answers every GET with the bytes the feed route sends for this encoding, and nothing else.

    Each URL gets its own copy of the bytes, made on its first GET, as each
    student has their own feed in the feed server: both servers then send
    from as much memory. (One buffer for every URL stays in the CPU's cache,
    which flatters the bare server whenever other work shares that cache.)
    """
    body = Path(body_file).read_bytes()
    headers = {"Content-Type": "text/calendar; charset=utf-8"}
    if encoding == "gzip":
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    copies: dict[str, bytes] = {}

    async def handler(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        own = copies.get(token)
        if own is None:
            own = copies[token] = bytes(bytearray(body))
        return web.Response(body=own, headers=headers)

    app = web.Application()
    app.router.add_get(r"/feeds/{token}.ics", handler)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# -- setup -----------------------------------------------------------------------------


async def build_database(database: str, students: int, assignments: int, public_url: str) -> tuple[list[str], bytes]:
    """Students with cached feeds and tokens; (raw tokens, the feed body)."""
    config = parse_config({
        "server": {"public_url": public_url, "database": database},
        "institution": [{"slug": "bench", "name": "Bench U", "canvas_url": "https://canvas.example.edu",
                         "client_id": "1", "client_secret_env": "BENCH_CLIENT_SECRET"}]}, ENV)
    engine = create_engine(database)
    try:
        await migrate(engine)
        db = make_sessionmaker(engine)
        await sync_institutions(db, config.institutions)
        template = await seed_student(db, "bench", assignments)
        async with db() as session:
            feed = await session.get(RenderedFeed, (template, "all"))
            institution_id = (await session.get(Student, template)).institution_id  # type: ignore[union-attr]
        assert feed is not None
        cipher = TokenCipher(config.server.secret_keys, purpose="canvas-tokens")
        tokens: list[str] = []
        for start in range(0, students, 1000):
            async with db.begin() as session:
                rows = [Student(institution_id=institution_id, canvas_user_id=f"clone-{i}", display_name=f"S{i}",
                                settings={}) for i in range(start, min(students, start + 1000))]
                session.add_all(rows)
                await session.flush()
                for row in rows:
                    token = random_token(32)
                    tokens.append(token)
                    session.add(FeedToken(student_id=row.id, kind="all", token_hash=token_hash(token),
                                          token_enc=cipher.encrypt(token)))
                    session.add(RenderedFeed(student_id=row.id, kind="all", body=feed.body, body_gzip=feed.body_gzip,
                                             etag=feed.etag))
        return tokens, feed.body
    finally:
        await engine.dispose()


def write_toml(path: Path, database: str, public_url: str, cache_mib: int) -> None:
    path.write_text(f'[server]\npublic_url = "{public_url}"\ndatabase = "{database}"\nbackground_sync = false\n'
                    f'feed_cache_mib = {cache_mib}\n'
                    '\n[[institution]]\nslug = "bench"\nname = "Bench U"\ncanvas_url = "https://canvas.example.edu"\n'
                    'client_id = "1"\nclient_secret_env = "BENCH_CLIENT_SECRET"\n', encoding="utf-8")


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def start_processes(kind: str, count: int, toml: Path, body_file: Path, log: Path,
                    encoding: str) -> list[tuple[subprocess.Popen[bytes], int]]:
    started = []
    for _ in range(count):
        port = free_port()
        if kind == "feed":
            cmd = [sys.executable, "-m", "feedserver", "serve", "--config", str(toml), "--port", str(port)]
            probe = f"http://127.0.0.1:{port}/readyz"  # /healthz answers while migrations still run
        else:
            cmd = [sys.executable, __file__, "--bare", str(port), "--body", str(body_file), "--encoding", encoding]
            probe = f"http://127.0.0.1:{port}/feeds/probe.ics"
        with log.open("ab") as out:
            proc = subprocess.Popen(cmd, env={**os.environ, **ENV}, stdout=out, stderr=subprocess.STDOUT)
        wait_http(probe, proc, log)
        started.append((proc, port))
    return started


def stop(procs: list[tuple[subprocess.Popen[bytes], int]]) -> None:
    for proc, _ in procs:
        proc.terminate()
    for proc, _ in procs:
        proc.wait(timeout=30)


async def create_pg_database(admin: str) -> tuple[str, str]:
    import asyncpg

    name = f"muffin_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin.replace("postgresql://", "postgres://", 1))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = admin.rpartition("/")
    return f"{base}/{name}", name


async def drop_pg_database(admin: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin.replace("postgresql://", "postgres://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def bench(args: argparse.Namespace) -> None:
    engines = [e for e in args.engines.split(",") if e == "sqlite" or args.postgres]
    counts = [int(n) for n in args.processes.split(",")]
    rows, memory = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        log = tmpdir / "servers.log"
        for engine in engines:
            pg_name = None
            if engine == "sqlite":
                database = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
            else:
                database, pg_name = asyncio.run(create_pg_database(args.postgres))
            public_url = "http://127.0.0.1:8080"
            t0 = time.perf_counter()
            tokens, body = asyncio.run(build_database(database, args.students, args.assignments, public_url))
            print(f"# {engine}: {len(tokens)} students with a {len(body) / 1024:.0f} KiB feed each, "
                  f"built in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
            body_file = tmpdir / "body.ics"
            body_file.write_bytes(body)
            toml = tmpdir / f"{engine}.toml"
            write_toml(toml, database, public_url, args.cache_mib)
            try:
                for count in counts:
                    samples: dict[str, list[dict[str, float]]] = {"bare": [], "feed": []}
                    servers = {kind: start_processes(kind, count, toml, body_file, log, args.encoding)
                               for kind in ("bare", "feed")}
                    try:
                        rss_start = [rss_mib(p.pid) for p, _ in servers["feed"]]
                        urls, cold = {}, {}
                        for kind, procs in servers.items():
                            urls[kind] = tmpdir / f"urls-{kind}.json"
                            urls[kind].write_text(json.dumps([
                                f"http://127.0.0.1:{procs[i % count][1]}/feeds/{token}.ics"
                                for i, token in enumerate(tokens)]))
                            cold[kind] = run_loadgen(urls[kind], 0, args.concurrency, args.encoding)
                        # Rounds alternate bare, feed, bare, ...: a machine whose speed drifts
                        # (a shared VM does) then slows both alike instead of one of them.
                        for _ in range(args.rounds):
                            for kind, procs in servers.items():
                                cpu_before = sum(cpu_seconds(p.pid) for p, _ in procs)
                                db_before = database_cpu_seconds()
                                sample = run_loadgen(urls[kind], args.requests, args.concurrency, args.encoding)
                                sample["cpu_us"] = ((sum(cpu_seconds(p.pid) for p, _ in procs) - cpu_before)
                                                    / args.requests * 1e6)
                                sample["db_us"] = (database_cpu_seconds() - db_before) / args.requests * 1e6
                                sample["cold"] = cold[kind]["cold"]
                                sample["errors"] += cold[kind]["errors"]
                                samples[kind].append(sample)
                        for (proc, _), before in zip(servers["feed"], rss_start):
                            memory.append([engine, count, f"{before:.0f}", f"{rss_mib(proc.pid):.0f}",
                                           len(tokens) // count])
                    finally:
                        for procs in servers.values():
                            stop(procs)
                    med = {k: sorted(v, key=lambda r: r["rps"])[len(v) // 2] for k, v in samples.items()}
                    for kind in ("bare", "feed"):
                        r = med[kind]
                        print(f"# {engine} x{count} {kind}: {r}", file=sys.stderr, flush=True)
                        rows.append([engine, count, kind, f"{r['cold']:,.0f}", f"{r['rps']:,.0f}", f"{r['p50']:.1f}",
                                     f"{r['p99']:.1f}", f"{r['cpu_us']:.0f}",
                                     f"{r['db_us']:.0f}" if engine == "postgresql" else "", int(sum(s["errors"] for s in samples[kind])),
                                     f"{med['feed']['rps'] / med['bare']['rps']:.2f}" if kind == "feed" else "",
                                     f"{med['bare']['cpu_us'] / med['feed']['cpu_us']:.2f}" if kind == "feed" else ""])
            finally:
                if pg_name:
                    asyncio.run(drop_pg_database(args.postgres, pg_name))
    sent = len(gzip.compress(body, 6, mtime=0)) if args.encoding == "gzip" else len(body)
    print(f"{args.students} students, {args.assignments}-assignment feeds ({len(body) / 1024:.0f} KiB; "
          f"{sent / 1024:.0f} KiB sent as {args.encoding}); "
          f"{args.rounds} rounds of {args.requests} GETs over {args.concurrency} connections, median round; "
          f"load generator in its own process; python {platform.python_version()}, {os.cpu_count()} CPUs")
    print_table(["engine", "processes", "server", "first poll of each feed req/s", "req/s", "p50 ms", "p99 ms",
                 "server CPU µs/req", "PostgreSQL CPU µs/req", "errors", "feed/bare req/s", "bare/feed CPU"], rows)
    print()
    print_table(["engine", "processes", "RSS after start MiB", "RSS after load MiB", "feeds polled per process"],
                memory)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=10_000)
    ap.add_argument("--assignments", type=int, default=100)
    ap.add_argument("--requests", type=int, default=20_000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--processes", default="1,2")
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--cache-mib", type=int, default=256, help="feed_cache_mib of each serve process")
    ap.add_argument("--encoding", choices=["gzip", "identity"], default="gzip",
                    help="Accept-Encoding of every poll (calendar apps send gzip)")
    ap.add_argument("--postgres", default=os.environ.get("MUFFIN_TEST_POSTGRES_URL"),
                    help="admin URL of a PostgreSQL server (a database is created and dropped)")
    ap.add_argument("--loadgen", help=argparse.SUPPRESS)
    ap.add_argument("--bare", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--body", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.loadgen:
        urls = json.loads(Path(args.loadgen).read_text())
        print(json.dumps(asyncio.run(_load(urls, args.requests, args.concurrency, args.encoding))))
    elif args.bare:
        run_bare(args.bare, args.body, args.encoding)
    else:
        bench(args)


if __name__ == "__main__":
    main()
