"""Balance suggestions end to end: a sandbox student turns them on, and their calendar gains work sessions.

Real sockets all the way: the sandbox's OAuth and API, our sign-in, sync,
planning, rendering, and the feed URL read by three independent parsers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from tests.feeds.parsers import parse_everywhere
from tests.planning.helpers import Planned, planned_student, session_events, work_day
from tests.sync.conftest import Sleeps, clock, muffin_port, service, sleeps  # noqa: F401
from tests.sync.helpers import PinnedClock


@pytest.fixture
async def student(muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> Planned:  # noqa: F811
    return await planned_student(muffin, clock, sleeps)


async def check_plan(student: Planned, today: date) -> dict[tuple[str, date], tuple[str, Any, Any, str]]:
    """Every invariant the issue names, on the feed as calendar apps read it; the session events."""
    events = session_events(parse_everywhere(await student.feed()))
    assert events, "suggestions are on but the feed has no work sessions"
    workload = await student.workload()
    zone = await student.time_zone()
    assignments = await student.assignments()
    stored = await student.stored()
    assert {(s.canvas_assignment_id, s.day) for s in stored} == set(events)
    # Hours add up to each planned assignment's estimate.
    hours: dict[str, float] = defaultdict(float)
    by_day: dict[date, float] = defaultdict(float)
    for s in stored:
        hours[s.canvas_assignment_id] += s.hours
        by_day[s.day] += s.hours
    estimates = {e["assignment_id"]: e["hours"] for e in workload["estimates"] if e["hours"] > 0}
    assert hours.keys() == estimates.keys()
    for aid, total in hours.items():
        assert total == pytest.approx(estimates[aid], abs=1e-3)
    # Every session lies between its assignment's unlock day (or today) and its work day.
    for (aid, day), (uid, start, end, summary) in events.items():
        a = assignments[aid]
        assert a.due_at is not None and a.submission_state not in ("submitted", "graded", "late")
        # An exam's or a quiz's unlock opens the sitting; studying for it may start before.
        opens_work = a.unlock_at is not None and a.kind not in ("exam", "quiz")
        first = max(today, a.unlock_at.astimezone(ZoneInfo(zone)).date()) if opens_work else today
        assert first <= day <= work_day(a.due_at, zone), (uid, a.unlock_at, a.due_at)
        assert summary.startswith(f"Work on: {a.title} — ") and summary.endswith(" h)")
        assert start.date() == day and end > start
    # No day above the plan's peak × that day's free hours.
    free = workload["days"]
    free_by_day = {date.fromisoformat(d["date"]): d["free_hours"] for d in free}
    for day, total in by_day.items():
        if day in free_by_day:
            assert total <= workload["peak"] * free_by_day[day] + 1e-3, (day, total)
    return events


async def test_suggestions_on_off_submit_and_estimate(student: Planned, sandbox: Any) -> None:
    today = student.clock().astimezone(ZoneInfo(await student.time_zone())).date()
    assert session_events(parse_everywhere(await student.feed())) == {}  # off by default

    await student.set_settings(suggestions=True, free_hours=[3, 3, 3, 3, 3, 4, 4])  # the free-time question
    events = await check_plan(student, today)
    sessions_only = parse_everywhere(await student.feed("sessions"))
    assert set(sessions_only) == {uid for uid, *_ in events.values()}
    body = (await student.feed()).decode()
    assert "DESCRIPTION:About " in body and "due and" in body  # says why (the critical window)

    # Turning suggestions off removes every session.
    await student.set_settings(suggestions=False)
    assert session_events(parse_everywhere(await student.feed())) == {}
    assert await student.stored() == []
    await student.set_settings(suggestions=True)
    events = await check_plan(student, today)

    # Submitting at the sandbox and syncing removes that assignment's sessions.
    submitted = min({aid for aid, _ in events})
    sandbox.schools["north"].state.submit(student.user_id, int(submitted))
    await student.sync()
    events = await check_plan(student, today)
    assert submitted not in {aid for aid, _ in events}

    # An effort override changes the plan and the feed; sessions that stay keep their UIDs.
    before = events
    target = max({aid for aid, _ in events})
    old_total = sum(s.hours for s in await student.stored() if s.canvas_assignment_id == target)
    response = await student.client.put(f"/api/me/assignments/{target}/estimate", json={"hours": old_total + 4},
                                        headers=student.origin)
    assert response.status == 200, await response.text()
    assert (await response.json())["plan_changed"] is True
    after = await check_plan(student, today)
    assert after != before
    total = sum(s.hours for s in await student.stored() if s.canvas_assignment_id == target)
    assert total == pytest.approx(old_total + 4)
    kept = before.keys() & after.keys()
    assert kept
    assert all(before[k][0] == after[k][0] for k in kept)
