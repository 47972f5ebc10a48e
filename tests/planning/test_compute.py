"""The plan computation on plain records: invariants, honesty, overrides that calibrate."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedserver.planning.compute import compute_workload
from feedserver.planning.records import PlanItem
from feedserver.settings import StudentSettings

TODAY = date(2026, 10, 5)  # a Monday
ZONE = "America/Chicago"


def item(aid: int, kind: str = "problem_set", due_days: int = 5, unlock_days: int | None = None,
         submitted: bool = False, override: float | None = None, points: float | None = 10.0) -> PlanItem:
    due = datetime(2026, 10, 5, 23, 0, tzinfo=UTC) + timedelta(days=due_days)  # 18:00 in Chicago
    unlock = None if unlock_days is None else datetime(2026, 10, 5, 15, 0, tzinfo=UTC) + timedelta(days=unlock_days)
    return PlanItem(str(aid), "MATH 221", f"Task {aid}", kind, unlock, due, points, submitted, override)


def per_assignment(w) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for s in w.sessions:
        totals[s.canvas_assignment_id] += s.hours
    return totals


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(-3, 10), st.sampled_from(["essay", "quiz", "lab", "exam"]),
                          st.booleans()), min_size=1, max_size=25))
def test_sessions_respect_windows_estimates_and_the_peak(rows: list[tuple[int, int, str, bool]]) -> None:
    items = [item(i, kind, due_days=due, unlock_days=due - back if back >= 0 else None, submitted=sub)
             for i, (due, back, kind, sub) in enumerate(rows)]
    w = compute_workload(items, StudentSettings(days_off=("2026-10-07",)), TODAY, ZONE)
    estimates = {e.canvas_assignment_id: e.hours for e in w.estimates}
    for aid, total in per_assignment(w).items():
        assert total == pytest.approx(estimates[aid])
    by_day: dict[date, float] = defaultdict(float)
    for s in w.sessions:
        a = items[int(s.canvas_assignment_id)]
        assert not a.submitted
        assert TODAY <= s.day <= (a.due_at - timedelta(hours=5)).date()  # 18:00 local: due day is the work day
        if a.unlock_at is not None:
            assert s.day >= (a.unlock_at - timedelta(hours=5)).date()
        by_day[s.day] += s.hours
    free = {d.day: d.free for d in w.days}
    assert free[date(2026, 10, 7)] == 0 and date(2026, 10, 7) not in by_day
    for day, total in by_day.items():
        assert total <= w.peak * free[day] + 1e-6


def test_an_override_wins_and_calibrates_the_same_kind() -> None:
    items = [item(1, "quiz"), item(2, "quiz", due_days=8)]
    base = {e.canvas_assignment_id: e for e in compute_workload(items, StudentSettings(), TODAY, ZONE).estimates}
    changed = [item(1, "quiz", override=base["1"].hours * 3), item(2, "quiz", due_days=8)]
    after = {e.canvas_assignment_id: e for e in compute_workload(changed, StudentSettings(), TODAY, ZONE).estimates}
    assert after["1"].hours == pytest.approx(base["1"].hours * 3) and after["1"].overridden
    assert after["1"].low == after["1"].high == after["1"].hours  # the student's own number is not a range
    assert after["2"].hours == pytest.approx(base["2"].hours * 3)  # learned: quizzes take this student 3×
    assert not after["2"].overridden and after["2"].low < after["2"].hours < after["2"].high


def test_work_that_cannot_fit_is_said_plainly_with_deadlines_to_ask_about() -> None:
    items = [item(i, "project", due_days=2, points=100) for i in range(4)]
    w = compute_workload(items, StudentSettings(), TODAY, ZONE)
    assert not w.feasible and w.peak > 1
    assert "no plan fits" in w.explanation
    assert w.ask_about and all("Task" in a for a in w.ask_about)


def test_submitted_and_past_work_drop_out() -> None:
    items = [item(1, submitted=True), item(2, due_days=-2), item(3)]
    w = compute_workload(items, StudentSettings(), TODAY, ZONE)
    assert {s.canvas_assignment_id for s in w.sessions} == {"3"}
    assert {e.canvas_assignment_id for e in w.estimates} == {"3"}


def test_nothing_to_plan() -> None:
    w = compute_workload([], StudentSettings(), TODAY, ZONE)
    assert w.sessions == () and w.feasible and w.critical_window is None and len(w.days) == 28
