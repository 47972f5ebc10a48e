"""Benchmark: the CPU floors of a sync, to measure every sync figure against.

A sync cannot cost less than reading what Canvas sent. This script runs the
production fetch (`canvas.coursework.fetch_responses` through `CanvasClient`)
for sandbox students (the sandbox in its own process) and records, with an
aiohttp trace, every request it sends: the course list, each course's
assignments, checkpoint submissions, groups, calendar events and the
planner's pages. It sends those requests again with a bare
`aiohttp.ClientSession` (same headers, bodies read, nothing parsed, 20
students at a time) and times, per student:

- the floor: only parsing the bodies with the fastest JSON parser installed
  (orjson, else msgspec, else the standard library) and hashing them
  (SHA-256, as a change check does); no HTTP, no database, no Python objects
  of ours;
- the fetch floor: the bare session's CPU for those requests, what the HTTP
  client alone costs before any of our code;
- our fetch: the production fetch again (no trace, 20 students at a time):
  the fetch floor plus `CanvasClient`'s own work, JSON decoding and hashing.

`bench/sync_scale.py` imports `sandbox_process` and `measure_floors` and
prints its sync CPU as multiples of both, measured in the same run.

    .venv/bin/python bench/sync_floor.py [--students 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table  # noqa: E402
from feed_polling import free_port  # noqa: E402
from sync_requests import Granted  # noqa: E402

from feedserver.canvas.client import CanvasClient  # noqa: E402
from feedserver.canvas.coursework import fetch_responses  # noqa: E402
from feedserver.sandbox import SANDBOX_KEY, SandboxWorld, create_sandbox_app  # noqa: E402

TERM_START = date(2026, 8, 31)
SEED = 7


def fastest_json() -> tuple[str, Callable[[bytes], Any]]:
    """The fastest JSON parser installed: (name, loads)."""
    try:
        import orjson
        return f"orjson {orjson.__version__}", orjson.loads
    except ImportError:
        pass
    try:
        import msgspec
        return f"msgspec {msgspec.__version__}", msgspec.json.decode
    except ImportError:
        return "json (standard library)", json.loads


#: One request a sync sent: (URL, headers).
Request = tuple[URL, dict[str, str]]


async def record_requests(grants: Sequence[dict], urls: dict[str, str]) -> list[list[Request]]:
    """Per student (one grant each), every request the production fetch sends, in order (an aiohttp trace)."""
    sent: list[Request] = []

    async def on_start(session: Any, ctx: Any, params: aiohttp.TraceRequestStartParams) -> None:
        sent.append((params.url, dict(params.headers)))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    now = datetime.now(UTC)
    recorded = []
    async with aiohttp.ClientSession(trace_configs=[trace]) as http:
        for grant in grants:
            sent.clear()
            client = CanvasClient(http, urls[grant["school"]], Granted(grant["access_token"]), 0)
            await fetch_responses(client, now=now)
            recorded.append(list(sent))
    return recorded


async def fetch_bodies(recorded: Sequence[Sequence[Request]], *,
                       concurrency: int = 20) -> tuple[list[list[bytes]], float]:
    """The same requests sent again with a bare aiohttp session, 20 students at a time: the bodies per
    student, and the CPU ms per student it took (the fetch floor)."""
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as http:
        async def student(requests: Sequence[Request]) -> list[bytes]:
            bodies = []
            async with gate:
                for url, headers in requests:
                    async with http.get(url, headers=headers) as resp:
                        resp.raise_for_status()
                        bodies.append(await resp.read())
                        resp.links  # noqa: B018 (a client reads the Link header of every page)
            return bodies

        await student(recorded[0])  # connections open, code warm
        start = time.process_time()
        bodies = list(await asyncio.gather(*(student(r) for r in recorded)))
        return bodies, (time.process_time() - start) * 1000 / max(len(recorded), 1)


async def client_fetch_ms(grants: Sequence[dict], urls: dict[str, str], *, concurrency: int = 20) -> float:
    """CPU ms per student of the production fetch (`fetch_responses` through `CanvasClient`, JSON decoded
    and hashed), 20 students at a time: the fetch floor plus what our client adds."""
    gate = asyncio.Semaphore(concurrency)
    now = datetime.now(UTC)
    async with aiohttp.ClientSession() as http:
        async def student(grant: dict) -> None:
            async with gate:
                client = CanvasClient(http, urls[grant["school"]], Granted(grant["access_token"]), 0)
                await fetch_responses(client, now=now)

        await student(grants[0])  # connections open, code warm
        start = time.process_time()
        await asyncio.gather(*(student(g) for g in grants))
        return (time.process_time() - start) * 1000 / max(len(grants), 1)


def floor_ms(responses: Sequence[Sequence[bytes]], *, repeat: int = 5) -> dict[str, float]:
    """Best-of-`repeat` CPU ms per student: parsing, hashing, and both (the floor)."""
    _, loads = fastest_json()
    sha256 = hashlib.sha256

    def parse() -> None:
        for bodies in responses:
            for body in bodies:
                loads(body)

    def digest() -> None:
        for bodies in responses:
            for body in bodies:
                sha256(body).digest()

    def both() -> None:
        for bodies in responses:
            for body in bodies:
                loads(body)
                sha256(body).digest()

    result = {}
    for name, work in (("parse", parse), ("hash", digest), ("floor", both)):
        best = float("inf")
        for _ in range(repeat):
            start = time.process_time()
            work()
            best = min(best, time.process_time() - start)
        result[name] = best * 1000 / max(len(responses), 1)
    return result


async def serve_sandbox(ports: dict[str, int], students: int, grants_out: Path) -> None:
    """Serve both sandbox schools, grown to `students` Canvas users with a token each (written to
    `grants_out`), until killed: run in its own process, so its CPU is not counted as ours."""
    world = SandboxWorld.seeded(SEED, TERM_START)
    grants = []
    for index, (school, port) in enumerate(ports.items()):
        app = create_sandbox_app(world, school)
        state = app[SANDBOX_KEY]
        state.token_lifetime = 24 * 3600.0  # a run must not spend its time refreshing
        for user in world.add_students(school, students // len(ports) + (index < students % len(ports))):
            grant = state.grant_token(user.id)
            grants.append({"school": school, "user_id": user.id, "access_token": grant.access_token,
                           "refresh_token": grant.refresh_token})
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
    grants_out.write_text(json.dumps(grants))
    print("ready", flush=True)
    await asyncio.Event().wait()


@contextlib.contextmanager
def sandbox_process(students: int) -> Iterator[tuple[dict[str, str], list[dict]]]:
    """The sandbox (schools "north" and "south") in a child process: (base URLs, grants)."""
    with tempfile.TemporaryDirectory() as tmp:
        ports = {"north": free_port(), "south": free_port()}
        grants_file = Path(tmp) / "grants.json"
        child = subprocess.Popen([sys.executable, __file__, "--sandbox-serve", *map(str, ports.values()),
                                  "--students", str(students), "--grants-out", str(grants_file)],
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
            yield {slug: f"http://127.0.0.1:{port}" for slug, port in ports.items()}, json.loads(
                grants_file.read_text())
        finally:
            child.terminate()
            child.wait(timeout=30)


async def measure_floors(grants: Sequence[dict], urls: dict[str, str], *, repeat: int = 5) -> dict[str, float]:
    """Both floors for these students: `floor_ms`'s figures, plus "fetch" (`fetch_bodies`),
    "client" (`client_fetch_ms`), "requests" and "kib" per student."""
    bodies, fetch = await fetch_bodies(await record_requests(grants, urls))
    figures = floor_ms(bodies, repeat=repeat)
    figures["fetch"] = fetch
    figures["client"] = await client_fetch_ms(grants, urls)
    figures["requests"] = sum(map(len, bodies)) / len(bodies)
    figures["kib"] = sum(len(body) for student in bodies for body in student) / len(bodies) / 1024
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sandbox-serve", nargs=2, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--grants-out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.sandbox_serve:
        asyncio.run(serve_sandbox(dict(zip(("north", "south"), args.sandbox_serve)), args.students,
                                  Path(args.grants_out)))
        return
    with sandbox_process(args.students) as (urls, grants):
        figures = asyncio.run(measure_floors(grants, urls, repeat=args.repeat))
    print(f"{args.students} sandbox students (2 schools, 4 courses each), the requests a sync sends; "
          f"{fastest_json()[0]}, SHA-256; best of {args.repeat}; sandbox in its own process; "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs")
    print_table(["requests per student", "KiB per student", "parse ms", "hash ms", "floor ms per student",
                 "fetch floor ms per student (bare aiohttp)", "our fetch ms per student (CanvasClient)"],
                [[f"{figures['requests']:.1f}", f"{figures['kib']:.0f}", f"{figures['parse']:.3f}",
                  f"{figures['hash']:.3f}", f"{figures['floor']:.3f}", f"{figures['fetch']:.3f}",
                  f"{figures['client']:.3f}"]])


if __name__ == "__main__":
    main()
