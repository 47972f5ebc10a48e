"""Benchmark: the CPU floor of a sync, to measure every sync figure against.

A sync cannot cost less than reading what Canvas sent: this script fetches,
for sandbox students, the very responses a sync asks for (the course list and
each course's assignments, `canvas.coursework`'s parameters, 100 per page,
following ``Link: rel="next"``), then times only parsing them with the
fastest JSON parser installed (orjson, else msgspec, else the standard
library) and hashing them (SHA-256, as a change check would), per student.
No HTTP, no database, no Python objects of ours: the floor.

`bench/sync_scale.py` imports `fetch_responses` and `floor_ms` and prints its
sync CPU as multiples of the floor measured in the same run.

    .venv/bin/python bench/sync_floor.py [--students 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table  # noqa: E402
from feed_polling import free_port  # noqa: E402

from feedserver.canvas.coursework import ASSIGNMENTS_PARAMS, COURSES_PARAMS  # noqa: E402
from feedserver.sandbox import SANDBOX_KEY, SandboxWorld, create_sandbox_app  # noqa: E402

TERM_START = date(2026, 8, 31)
SEED = 7
_ACCEPT = "application/json+canvas-string-ids, application/json"


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


async def fetch_responses(http: aiohttp.ClientSession, grants: Sequence[dict], urls: dict[str, str],
                          *, concurrency: int = 20) -> list[list[bytes]]:
    """Per student (one grant each), the bodies of every request a sync sends, in its order."""
    gate = asyncio.Semaphore(concurrency)

    async def listing(base: str, token: str, path: str, params: Sequence[tuple[str, str]]) -> list[bytes]:
        url: URL | None = URL(base + path).with_query([*params, ("per_page", "100")])
        bodies = []
        while url is not None:
            async with http.get(url, headers={"Authorization": f"Bearer {token}", "Accept": _ACCEPT}) as resp:
                resp.raise_for_status()
                bodies.append(await resp.read())
                nxt = resp.links.get("next")
                url = nxt.get("url") if nxt else None
        return bodies

    async def student(grant: dict) -> list[bytes]:
        base, token = urls[grant["school"]], grant["access_token"]
        async with gate:
            bodies = await listing(base, token, "/api/v1/courses", COURSES_PARAMS)
            courses = [c["id"] for body in bodies for c in json.loads(body)]
            for course in courses:
                bodies += await listing(base, token, f"/api/v1/courses/{course}/assignments", ASSIGNMENTS_PARAMS)
        return bodies

    return list(await asyncio.gather(*(student(g) for g in grants)))


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


async def _sandbox_responses(students: int) -> list[list[bytes]]:
    world = SandboxWorld.seeded(SEED, TERM_START)
    runners, grants, urls = [], [], {}
    try:
        for index, school in enumerate(("north", "south")):
            app = create_sandbox_app(world, school)
            state = app[SANDBOX_KEY]
            for user in world.add_students(school, students // 2 + (index < students % 2)):
                grants.append({"school": school, "access_token": state.grant_token(user.id).access_token})
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            port = free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            runners.append(runner)
            urls[school] = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            return await fetch_responses(http, grants, urls)
    finally:
        for runner in runners:
            await runner.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    responses = asyncio.run(_sandbox_responses(args.students))
    figures = floor_ms(responses, repeat=args.repeat)
    requests = sum(map(len, responses)) / len(responses)
    size = sum(len(b) for bodies in responses for b in bodies) / len(responses)
    print(f"{args.students} sandbox students (2 schools, 4 courses each), the responses a sync reads; "
          f"{fastest_json()[0]}, SHA-256; best of {args.repeat}; python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    print_table(["requests per student", "KiB per student", "parse ms", "hash ms", "floor ms per student"],
                [[f"{requests:.1f}", f"{size / 1024:.0f}", f"{figures['parse']:.3f}", f"{figures['hash']:.3f}",
                  f"{figures['floor']:.3f}"]])


if __name__ == "__main__":
    main()
