"""Benchmark: background sync of many sandbox students with injected Canvas latency.

The sandbox runs in its own process (both schools), grown by
`SandboxWorld.add_students` to `--students` distinct Canvas users (half per
school, 4 courses each) with a token per user (`SandboxState.grant_token`,
the documented shortcut past the consent page), and delays every request by
`--latency` seconds (`latency_seconds` fault). This process stores those
students and their encrypted tokens, then runs the production `SyncService`
rounds (claims, leases, per-school concurrency, rendering, one transaction per
student) until nobody is due, exactly as `muffin-feed sync` does, twice: the
first sync of every student (all assignments new: stored, feed rendered), then
with everyone due again and nothing changed in Canvas (the hourly steady
state: fetched and compared, nothing written or rendered). For each pass it prints:
wall time, students synced per second, Canvas requests (ours and as the
sandbox counted them), 403/429 rate-limit answers, CPU seconds of this
process per student synced, and that CPU as a multiple of the floor
(`bench/sync_floor.py`: parsing and hashing the same responses) and of the
floor plus the fetch floor (what a bare aiohttp session spends sending the
same requests), both measured in the same run on the first
`--floor-students` students before any sync.

    .venv/bin/python bench/sync_scale.py [--students 10000] [--latency 0.1] [--concurrency 50]
        [--batch 500] [--floor-students 200]
        [--postgres postgresql://admin@host/postgres]   # default: a SQLite file
        [--cold-caches]   # no description text or kind reused across students
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table  # noqa: E402
from feed_polling import create_pg_database, drop_pg_database  # noqa: E402
from sync_floor import fastest_json, measure_floors, sandbox_process  # noqa: E402

from feedserver.auth.tokens import TokenStore  # noqa: E402
from feedserver.canvas import text  # noqa: E402
from feedserver.config import parse_config  # noqa: E402
from feedserver.crypto import TokenCipher  # noqa: E402
from feedserver.sandbox import SandboxWorld  # noqa: E402
from feedserver.store.db import create_engine, make_sessionmaker, migrate  # noqa: E402
from feedserver.store.institutions import sync_institutions  # noqa: E402
from feedserver.store.models import CanvasToken, Institution, Student  # noqa: E402
from feedserver.sync import kinds  # noqa: E402
from feedserver.sync.job import SyncDeps  # noqa: E402
from feedserver.sync.scheduler import SyncService  # noqa: E402

SECRET = "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
TERM_START = date(2026, 8, 31)
SEED = 7


# -- the run ------------------------------------------------------------------------


async def store_students(db: async_sessionmaker, cipher: TokenCipher, grants: list[dict]) -> None:
    async with db() as session:
        institutions = {i.slug: i.id for i in (await session.scalars(select(Institution))).all()}
    for start in range(0, len(grants), 1000):
        chunk = grants[start:start + 1000]
        async with db.begin() as session:
            rows = [Student(institution_id=institutions[g["school"]], canvas_user_id=str(g["user_id"]),
                            display_name=f"Load {g['user_id']}", source="oauth", settings={}) for g in chunk]
            session.add_all(rows)
            await session.flush()
            session.add_all(CanvasToken(student_id=row.id, access_token_enc=cipher.encrypt(g["access_token"]),
                                        refresh_token_enc=cipher.encrypt(g["refresh_token"]),
                                        expires_at=datetime(2100, 1, 1, tzinfo=UTC))
                            for row, g in zip(rows, chunk))


async def run(args: argparse.Namespace, database: str, urls: dict[str, str],
              grants: list[dict]) -> tuple[list[list], dict[str, float]]:
    world = SandboxWorld.seeded(SEED, TERM_START)  # the same seed: the same developer keys
    env = {"MUFFIN_SECRET_KEY": SECRET}
    institutions = []
    for slug, url in urls.items():
        key = world.schools[slug].school_key
        env[f"{slug.upper()}_SECRET"] = key.client_secret
        institutions.append({"slug": slug, "name": world.schools[slug].name, "canvas_url": url,
                             "client_id": key.client_id, "client_secret_env": f"{slug.upper()}_SECRET",
                             "time_zone": world.schools[slug].time_zone})
    config = parse_config({"server": {"public_url": "http://127.0.0.1:8080", "database": database,
                                      "allow_private_feed_hosts": True, "background_sync": False,
                                      "sync_concurrency_per_school": args.concurrency},
                           "institution": institutions}, env)
    engine = create_engine(database, pool_size=20)
    try:
        await migrate(engine)
        db = make_sessionmaker(engine)
        await sync_institutions(db, config.institutions)
        cipher = TokenCipher(config.server.secret_keys, purpose="canvas-tokens")
        await store_students(db, cipher, grants)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60),
                                         connector=aiohttp.TCPConnector(limit=0)) as http:
            # The floors first, on the same sandbox responses, before latency is added.
            floor = await measure_floors(grants[:args.floor_students], urls)
            for url in urls.values():
                async with http.post(f"{url}/__sandbox/faults", json={"latency_seconds": args.latency}) as resp:
                    assert resp.status == 200
            service = SyncService(SyncDeps(config=config, db=db, http=http,
                                           tokens=TokenStore(config, db, http, cipher)),
                                  batch_size=args.batch)
            rows = [await measure("first sync", service, http, urls, len(grants), floor)]
            # Steady state: everyone due again, nothing changed in Canvas (the hourly case).
            async with db.begin() as session:
                await session.execute(update(Student).values(next_sync_at=datetime.now(UTC)))
            rows.append(await measure("re-sync, no changes", service, http, urls, len(grants), floor))
    finally:
        await engine.dispose()
    return [[database.split("://")[0], *row] for row in rows], floor


async def measure(label: str, service: SyncService, http: aiohttp.ClientSession, urls: dict[str, str],
                  students: int, floor: dict[str, float]) -> list:
    """One pass of rounds until nobody is due, with the sandbox's request log cleared before."""
    for url in urls.values():
        async with http.delete(f"{url}/__sandbox/requests"):
            pass
    cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    outcomes = []
    while True:
        batch = await service.run_round()
        outcomes += batch
        if len(batch) < service.batch_size:
            break
    wall = time.perf_counter() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    statuses: Counter[int] = Counter()
    counted = 0
    for url in urls.values():
        async with http.get(f"{url}/__sandbox/requests", params={"log": "1"}) as resp:
            body = await resp.json()
        counted += body["total"]
        statuses.update(r["status"] for r in body["log"])
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    kinds = Counter(o.outcome for o in outcomes)
    ok = kinds["ok"]
    ours = sum(o.requests for o in outcomes)
    per_student = cpu / max(ok, 1) * 1000
    print(f"# {label}: {wall:.0f} s, {dict(kinds)}", file=sys.stderr, flush=True)
    return [label, students, ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())),
            f"{wall:.1f}", f"{ok / wall:.1f}", f"{ours:,}", f"{counted:,}", statuses[403], statuses[429],
            f"{cpu:.1f}", f"{per_student:.1f}", f"{per_student / floor['floor']:.1f}",
            f"{per_student / (floor['floor'] + floor['fetch']):.1f}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=10_000)
    ap.add_argument("--latency", type=float, default=0.1, help="seconds added to every Canvas request")
    ap.add_argument("--concurrency", type=int, default=50, help="sync_concurrency_per_school")
    ap.add_argument("--batch", type=int, default=500, help="students claimed per round")
    ap.add_argument("--floor-students", type=int, default=200, help="students whose responses set the floor")
    ap.add_argument("--postgres", help="admin URL of a PostgreSQL server (a database is created and dropped)")
    ap.add_argument("--cold-caches", action="store_true",
                    help="remember no description's text and no assignment's kind across students (the sandbox's "
                         "students share 11 courses; at a school of many small courses syncs seldom share them)")
    args = ap.parse_args()
    if args.cold_caches:
        text.CACHED_HTML_LIMIT = 0  # no description is short enough to be remembered
        kinds.CACHED_KINDS = 0  # every kind is forgotten as soon as it is classified
    with sandbox_process(args.students) as (urls, grants):
        pg_name = None
        with tempfile.TemporaryDirectory() as tmp:
            if args.postgres:
                database, pg_name = asyncio.run(create_pg_database(args.postgres))
            else:
                database = f"sqlite:///{Path(tmp) / 'sync.sqlite3'}"
            try:
                rows, floor = asyncio.run(run(args, database, urls, grants))
            finally:
                if pg_name:
                    asyncio.run(drop_pg_database(args.postgres, pg_name))
    print(f"{args.students} sandbox students (2 schools, 4 courses each{', caches cold' if args.cold_caches else ''}), "
          f"{args.latency * 1000:.0f} ms added to every "
          f"Canvas request, {args.concurrency} concurrent syncs per school, rounds of {args.batch}; sandbox in its "
          f"own process; python {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"floors (bench/sync_floor.py, same run, {min(args.floor_students, args.students)} students, "
          f"{floor['requests']:.1f} requests and {floor['kib']:.0f} KiB each): parsing and hashing "
          f"{floor['floor']:.3f} ms per student ({fastest_json()[0]} {floor['parse']:.3f} ms, "
          f"SHA-256 {floor['hash']:.3f} ms); fetching with a bare aiohttp session {floor['fetch']:.3f} ms")
    print_table(["engine", "pass", "students", "outcomes", "wall s", "students/s", "Canvas requests (ours)",
                 "requests (sandbox log)", "403", "429", "CPU s (this process)", "CPU ms per student",
                 "× floor", "× (floor + fetch floor)"], rows)


if __name__ == "__main__":
    main()
