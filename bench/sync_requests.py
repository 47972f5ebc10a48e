"""Benchmark: Canvas requests per student per sync on the sandbox semester, by strategy.

Runs both sandbox schools in this process and, for every sandbox student,
counts the HTTP requests the Canvas client sends (as the sandbox logs them)
for each way of reading the semester:

- chosen (issue 17): ``feedserver.canvas.coursework.fetch_coursework``:
  ``/courses``, per course its assignments (with submissions and
  checkpoints) and its checkpoints' submissions, ``/users/self/groups``,
  calendar events in batches of 10 context codes, the planner's pages;
- before issue 17: ``/courses`` + one ``/courses/:id/assignments?include[]=submission``
  per course at ``per_page=100``: assignments only, no events, to-dos or checkpoints;
- planner: ``/courses`` (course codes) + ``/planner/items`` for the term at
  ``per_page=100``: fewer requests, but no descriptions, no submission types,
  and no undated assignments, so it cannot fill the feed or /me;
- naive: ``/courses`` + per-course assignments at Canvas's default 10 per
  page, without ``include[]``, then one ``/submissions/self`` per assignment
  for the submission state.

Issue 17's budget for one sync is ``6 + 2·courses + ⌈items/50⌉`` requests
(items: assignments and calendar items read); the table shows it next to the
chosen strategy, and a last row enrols one student in all five of north's
courses, with personal events on, to check it at five courses.

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
    list_courses,
)
from feedserver.sandbox import SANDBOX_KEY, SandboxWorld, create_sandbox_app
from feedserver.sandbox.world import Enrollment

TERM_START = date(2026, 8, 31)


class Granted:
    """Token source for a sandbox grant made directly (a benchmark, not a sign-in)."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def access_token(self, student_id: int) -> str:
        return self.token

    async def refresh(self, student_id: int, rejected: str | None = None) -> str:
        raise RuntimeError("tokens do not expire during the benchmark")


async def chosen(client: CanvasClient, world: SandboxWorld, personal: str | None = None) -> dict[str, int]:
    work = await fetch_coursework(client, now=world.anchor, personal_code=personal)
    return {"courses": len(work.courses), "assignments": len(work.assignments), "items": len(work.items),
            "undated": sum(1 for a in work.assignments if a.due_at is None)}


async def before(client: CanvasClient) -> None:
    for course in await list_courses(client):
        await client.get_all(f"/api/v1/courses/{course.id}/assignments", ASSIGNMENTS_PARAMS[:1])


def budget(courses: int, items: int) -> int:
    """Issue 17's ceiling for one sync."""
    return 6 + 2 * courses + -(-items // 50)


def five_course_student(world: SandboxWorld) -> int:
    """North's first student, enrolled in every north course (and a section of the new one)."""
    user_id = 1001
    mine = {e.course_id for e in world.enrollments_of(user_id)}
    for course in sorted(c.id for c in world.courses.values() if c.school == "north" and c.id not in mine):
        world.enrollments.append(Enrollment(max(e.id for e in world.enrollments) + 1, user_id, course,
                                            "StudentEnrollment"))
        next(s for s in world.sections.values() if s.course_id == course).student_ids.append(user_id)
    return user_id


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
        app = create_sandbox_app(world, school=slug, now=lambda: world.anchor)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        urls[slug] = (f"http://127.0.0.1:{port}", app[SANDBOX_KEY])
    rows: list[list[Any]] = []
    names = ("chosen", "before", "planner", "paged", "naive")
    totals: dict[str, list[int]] = {k: [] for k in names}
    over_budget = 0

    async def measure(http: aiohttp.ClientSession, slug: str, user_id: int, label: str,
                      personal: bool = False) -> None:
        nonlocal over_budget
        url, state = urls[slug]
        tokens = Granted(state.grant_token(user_id).access_token)
        counts: dict[str, int] = {}
        shape: dict[str, int] = {}
        runs = {"chosen": lambda c: chosen(c, world, f"user_{user_id}" if personal else None),
                "before": before, "planner": lambda c: planner(c, world),
                "paged": lambda c: naive(c, with_submissions=False),
                "naive": lambda c: naive(c, with_submissions=True)}
        for name in names:
            # Canvas's default page size is 10; the naive reads leave per_page alone.
            per_page = 10 if name in ("paged", "naive") else 100
            c = CanvasClient(http, url, tokens, user_id, policy=ClientPolicy(per_page=per_page))
            state.clear_request_log()
            result = await runs[name](c)
            counts[name] = state.requests_by_user().get(user_id, 0)
            assert counts[name] == c.requests, (name, counts[name], c.requests)
            if name == "chosen":
                shape = result
            totals[name].append(counts[name])
        ceiling = budget(shape["courses"], shape["assignments"] + shape["items"])
        over_budget += counts["chosen"] > ceiling
        rows.append([label, shape["courses"], shape["assignments"], shape["items"], counts["chosen"], ceiling,
                     counts["before"], counts["planner"], counts["paged"], counts["naive"]])

    async with aiohttp.ClientSession() as http:
        for slug in urls:
            for user in world.school_users(slug):
                if not user.login_id.startswith("teacher."):
                    await measure(http, slug, user.id, f"{slug}:{user.id}")
        five = five_course_student(world)
        await measure(http, "north", five, f"north:{five}, 5 courses, personal events on", personal=True)
    for runner in runners:
        await runner.cleanup()
    rows.append(["mean", "", "", "", f"{statistics.mean(totals['chosen']):.1f}", "",
                 *(f"{statistics.mean(totals[k]):.1f}" for k in names[1:])])
    print(f"Canvas requests per student per sync, sandbox semester (seed 7, term from {TERM_START}, "
          "sandbox clock at week 11); chosen = feedserver.canvas.coursework.fetch_coursework")
    print_table(["student", "courses", "assignments", "calendar items", "chosen", "budget 6+2c+⌈n/50⌉",
                 "before issue 17", "planner*", "per-course, 10/page", "naive: 10/page + 1 per submission"], rows)
    print(f"students over budget: {over_budget}")
    print("* planner items cannot replace the chosen strategy: no descriptions or submission types (kind), "
          "and undated assignments are never planner items.")


if __name__ == "__main__":
    asyncio.run(main())
