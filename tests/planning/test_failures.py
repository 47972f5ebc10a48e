"""A tiny estimate cannot break a student's pages, and a plan that fails leaves the pages up (issue 18, item 4)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from feedserver.planning.appkeys import planner_key
from feedserver.store.models import Assignment
from feedserver.typedefs import db_key
from muffin_analytics.errors import PlanError
from tests.planning.helpers import planned_student
from tests.sync.conftest import Sleeps
from tests.sync.helpers import PinnedClock

PAGES = ("/me", "/me/plan", "/me/estimates", "/me/settings")


async def test_a_vanishing_estimate_is_refused_and_one_stored_earlier_is_ignored(
        muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> None:
    student = await planned_student(muffin, clock, sleeps)
    await student.set_settings(suggestions=True, free_hours=[3] * 7)
    estimates = (await student.workload())["estimates"]
    aid = estimates[0]["assignment_id"]
    for tiny in (1e-300, 5e-324):
        refused = await muffin.put(f"/api/me/assignments/{aid}/estimate", json={"hours": tiny}, headers=student.origin)
        assert refused.status == 400, tiny
        assert (await refused.json())["field"] == "hours"
    # What an older server stored (it accepted any positive number) is planned around, not with.
    async with muffin.app[db_key].begin() as session:
        await session.execute(update(Assignment).where(
            Assignment.student_id == student.student_id,
            Assignment.canvas_assignment_id.in_([e["assignment_id"] for e in estimates[:3]])
        ).values(est_hours_override=1e-300))
    for path in PAGES:
        page = await muffin.get(path)
        assert page.status == 200, path
    assert 'id="start-first"' in await (await muffin.get("/me")).text()
    doc = await student.workload()
    assert not any(e["overridden"] for e in doc["estimates"]) and doc["sessions"]
    await student.set_settings(free_hours=[4] * 7)  # the settings (and the replan they start) still work


async def test_a_plan_that_fails_leaves_every_page_up_without_it_and_is_logged_once(
        muffin: TestClient, clock: PinnedClock, sleeps: Sleeps, caplog: pytest.LogCaptureFixture) -> None:
    student = await planned_student(muffin, clock, sleeps)
    await student.set_settings(suggestions=True, free_hours=[3] * 7)
    stored = {(s.canvas_assignment_id, s.day, s.hours) for s in await student.stored()}
    assert stored
    planner = muffin.app[planner_key]

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise PlanError("internal error: a task window without capacity reached YDS")

    planner.compute = failing
    caplog.set_level(logging.WARNING, logger="feedserver.planning.service")
    for path in PAGES:
        caplog.clear()
        page = await muffin.get(path)
        assert page.status == 200, path
        text = await page.text()
        assert 'id="plan-title"' not in text and "<svg" not in text and 'id="estimates"' not in text
        failures = [r for r in caplog.records if "failed" in r.getMessage()]
        assert len(failures) == (0 if path == "/me/settings" else 1), path  # settings compute no plan
    assert "Your calendar link" in await (await muffin.get("/me")).text()
    answer = await muffin.get("/api/me/workload")
    assert answer.status == 503 and (await answer.json())["code"] == "plan-unavailable"
    await student.set_settings(free_hours=[4] * 7)  # 200: the replan failed, the setting is saved
    assert {(s.canvas_assignment_id, s.day, s.hours) for s in await student.stored()} == stored  # the last plan stays
