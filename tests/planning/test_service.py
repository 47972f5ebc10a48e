"""Planning never runs on the event loop, and replans store sessions only when the plan changed."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from feedserver.planning.appkeys import planner_key
from feedserver.planning.compute import compute_workload
from feedserver.planning.records import Workload
from tests.planning.helpers import planned_student
from tests.sync.conftest import Sleeps
from tests.sync.helpers import PinnedClock


async def test_feed_requests_are_answered_while_a_plan_computes(
        muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> None:
    student = await planned_student(muffin, clock, sleeps)
    await student.set_settings(suggestions=True)
    planner = muffin.app[planner_key]
    started, release = threading.Event(), threading.Event()
    threads: list[int] = []

    def gated(*args: Any, **kwargs: Any) -> Workload:
        # The computation waits for the test: if it ran on the loop, the feed GET below could never complete.
        threads.append(threading.get_ident())
        started.set()
        assert release.wait(30)
        return compute_workload(*args, **kwargs)

    planner.compute = gated
    replan = asyncio.ensure_future(planner.replan(student.student_id))
    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, started.wait, 30)
    response = await muffin.get(await student.feed_path())
    assert response.status == 200 and b"hm-session-" in await response.read()
    assert not replan.done()  # the feed was answered while the plan was still computing
    release.set()
    result = await replan
    assert threads and threads[0] != threading.get_ident()
    assert result.changed is False and result.sessions > 0  # same data, same plan: nothing rewritten


async def test_a_replan_rerenders_only_when_sessions_change(
        muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> None:
    student = await planned_student(muffin, clock, sleeps)
    await student.set_settings(suggestions=True)
    planner = muffin.app[planner_key]
    etag = (await muffin.get(await student.feed_path())).headers["ETag"]
    assert (await planner.replan(student.student_id)).changed is False
    assert (await muffin.get(await student.feed_path())).headers["ETag"] == etag
    # A day later the plan starts a day later: sessions move, the feed changes.
    clock.moment += timedelta(days=1)
    assert (await planner.replan(student.student_id)).changed is True
    assert (await muffin.get(await student.feed_path())).headers["ETag"] != etag
    days = {s.day for s in await student.stored()}
    assert min(days) >= (clock.moment.date() - timedelta(days=1))
