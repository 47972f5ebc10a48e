"""The plan computation on plain records: invariants, honesty, overrides that calibrate."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

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
        if a.unlock_at is not None and a.kind not in ("exam", "quiz"):  # their unlock opens the sitting, not the study
            assert s.day >= (a.unlock_at - timedelta(hours=5)).date()
        by_day[s.day] += s.hours
    free = {d.day: d.free for d in w.days}
    assert free[date(2026, 10, 7)] == 0 and date(2026, 10, 7) not in by_day
    for day, total in by_day.items():
        assert total <= w.peak * free[day] + 1e-6


def test_an_override_wins_and_calibrates_the_same_kind_a_little_at_first() -> None:
    quizzes = [item(i, "quiz", due_days=2 + i % 12) for i in range(12)]
    base = compute_workload(quizzes, StudentSettings(), TODAY, ZONE).estimates[0].hours
    slow = [3 * base] * len(quizzes)  # this student needs three times the model's estimate for a quiz

    def told(n: int) -> dict[str, Any]:
        given = [item(i, "quiz", due_days=2 + i % 12, override=slow[i] if i < n else None) for i in range(12)]
        return {e.canvas_assignment_id: e for e in compute_workload(given, StudentSettings(), TODAY, ZONE).estimates}

    one, eleven = told(1), told(11)
    assert one["0"].hours == pytest.approx(3 * base) and one["0"].overridden
    assert one["0"].low == one["0"].high == one["0"].hours  # the student's own number is not a range
    # One correction moves the others a little (shrunk toward the default); eleven most of the way.
    assert base < one["11"].hours < 1.5 * base < 2.2 * base < eleven["11"].hours < 3 * base
    assert not one["11"].overridden and one["11"].low < one["11"].hours < one["11"].high
    assert "from 1 of your corrected estimates" in one["11"].basis and "from 11 of" in eleven["11"].basis


def test_an_estimate_outside_the_bounds_stored_before_them_is_ignored() -> None:
    items = [item(1, "quiz", override=1e-300), item(2, "quiz", due_days=8, override=5e-324)]
    w = compute_workload(items, StudentSettings(), TODAY, ZONE)
    assert all(not e.overridden and e.hours > 0.25 for e in w.estimates) and w.sessions


def test_the_timing_profile_comes_from_the_students_own_submissions() -> None:
    early = [replace(item(100 + i, "essay", due_days=-7 * (i + 1), submitted=True),
                     submitted_at=datetime(2026, 10, 5, 23, 0, tzinfo=UTC) - timedelta(days=7 * (i + 1) + 2))
             for i in range(20)]
    w = compute_workload([*early, item(1, "essay", due_days=9)], StudentSettings(), TODAY, ZONE)
    assert w.timing is not None and w.timing.submissions == 20
    assert "about 2" in w.timing.sentence and "from your last 20 submissions" in w.timing.sentence
    lm = {d.day: d.last_minute for d in w.days if d.last_minute}
    assert max(lm, key=lm.get) == TODAY + timedelta(days=7)  # two days before the deadline, not on it
    fresh = compute_workload([item(1, "essay", due_days=9)], StudentSettings(), TODAY, ZONE)
    assert fresh.timing.submissions == 0 and "average student" in fresh.timing.sentence


def test_no_verdict_before_the_free_time_question_is_answered() -> None:
    items = [item(i, "project", due_days=2, points=100) for i in range(4)]
    w = compute_workload(items, StudentSettings(), TODAY, ZONE)
    assert not w.free_time_answered and w.peak > 1
    words = " ".join([w.explanation, *w.suggestions, *w.crunches, *w.ask_about, w.sessions[0].reason])
    assert "does not fit" not in words and "no plan fits" not in words and "% of your free time" not in words
    assert "Tell us how much free time" in w.explanation and not w.ask_about


def test_work_that_cannot_fit_is_said_plainly_with_deadlines_to_ask_about() -> None:
    items = [item(i, "project", due_days=2, points=100) for i in range(4)]
    w = compute_workload(items, StudentSettings(free_time_answered=True), TODAY, ZONE)
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
