"""Benchmark: Canvas requests per student per sync on the sandbox semester, by strategy.

Runs both sandbox schools in this process and, for every sandbox student,
counts the HTTP requests the Canvas client sends (as the sandbox logs them)
for each way of reading the semester:

- chosen: ``/courses`` + one ``/courses/:id/assignments?include[]=submission``
  per course at ``per_page=100`` (feedserver.canvas.coursework);
- planner: ``/courses`` (course codes) + ``/planner/items`` for the term at
  ``per_page=100``: fewer requests, but no descriptions, no submission types,
  and no undated assignments, so it cannot fill the feed or /me;
- naive: ``/courses`` + per-course assignments at Canvas's default 10 per
  page, without ``include[]``, then one ``/submissions/self`` per assignment
  for the submission state.

    .venv/bin/python bench/sync_requests.py
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table

from feedserver.canvas.client import CanvasClient, ClientPolicy
from feedserver.canvas.coursework import (
    ASSIGNMENTS_PARAMS,
    COURSES_PARAMS,
    fetch_coursework,
)
from feedserver.sandbox import SANDBOX_KEY, SandboxWorld, create_sandbox_app

TERM_START = date(2026, 8, 31)


class Granted:
    """Token source for a sandbox grant made directly (a benchmark, not a sign-in)."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def access_token(self, student_id: int) -> str:
        return self.token

    async def refresh(self, student_id: int, rejected: str | None = None) -> str:
        raise RuntimeError("tokens do not expire during the benchmark")


async def chosen(client: CanvasClient) -> dict[str, int]:
    work = await fetch_coursework(client)
    return {"courses": len(work.courses), "assignments": len(work.assignments),
            "undated": sum(1 for a in work.assignments if a.due_at is None)}


async def planner(client: CanvasClient, world: SandboxWorld) -> int:
    await client.get_all("/api/v1/courses", COURSES_PARAMS)
    end = world.term_start + timedelta(weeks=16)
    items = await client.get_all("/api/v1/planner/items", [("start_date", world.term_start.isoformat()),
                                                           ("end_date", end.isoformat())])
    return len(items)


async def naive(client: CanvasClient, with_submissions: bool) -> None:
    courses = await client.get_all("/api/v1/courses", COURSES_PARAMS)
    for course in courses:
        params = () if with_submissions else ASSIGNMENTS_PARAMS
        assignments = await client.get_all(f"/api/v1/courses/{course['id']}/assignments", params)
        if with_submissions:
            for a in assignments:
                await client.get(f"/api/v1/courses/{course['id']}/assignments/{a['id']}/submissions/self")


async def main() -> None:
    world = SandboxWorld.seeded(seed=7, term_start=TERM_START)
    runners, urls = [], {}
    for slug in world.schools:
        app = create_sandbox_app(world, school=slug)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        urls[slug] = (f"http://127.0.0.1:{port}", app[SANDBOX_KEY])
    rows: list[list[Any]] = []
    totals: dict[str, list[int]] = {k: [] for k in ("chosen", "planner", "paged", "naive")}
    async with aiohttp.ClientSession() as http:
        for slug, (url, state) in urls.items():
            for user in world.school_users(slug):
                if user.login_id.startswith("teacher."):
                    continue
                tokens = Granted(state.grant_token(user.id).access_token)
                counts: dict[str, int] = {}
                for name, run in (("chosen", lambda c: chosen(c)), ("planner", lambda c: planner(c, world)),
                                  ("paged", lambda c: naive(c, with_submissions=False)),
                                  ("naive", lambda c: naive(c, with_submissions=True))):
                    # Canvas's default page size is 10; the naive reads leave per_page alone.
                    per_page = 100 if name in ("chosen", "planner") else 10
                    c = CanvasClient(http, url, tokens, user.id, policy=ClientPolicy(per_page=per_page))
                    state.clear_request_log()
                    result = await run(c)
                    counts[name] = state.requests_by_user().get(user.id, 0)
                    assert counts[name] == c.requests, (name, counts[name], c.requests)
                    if name == "chosen":
                        shape = result
                    totals[name].append(counts[name])
                rows.append([f"{slug}:{user.id}", shape["courses"], shape["assignments"], shape["undated"],
                             counts["chosen"], counts["planner"], counts["paged"], counts["naive"]])
    for runner in runners:
        await runner.cleanup()
    rows.append(["mean", "", "", "", *(f"{statistics.mean(totals[k]):.1f}"
                                       for k in ("chosen", "planner", "paged", "naive"))])
    print(f"Canvas requests per student per sync, sandbox semester (seed 7, term from {TERM_START}); "
          "chosen = per-course assignments, 100 per page, include[]=submission")
    print_table(["student", "courses", "assignments", "undated", "chosen", "planner*", "per-course, 10/page",
                 "naive: 10/page + 1 per submission"], rows)
    print("* planner items cannot replace the chosen strategy: no descriptions or submission types (kind), "
          "and undated assignments are never planner items.")


if __name__ == "__main__":
    asyncio.run(main())
