"""Balanced plans: optimal peak (brute force, LP), exact efforts, windows, levelness, reports.

Expectations are derived independently of the implementation: λ* by brute
force over every window, the LP optimum by HiGHS, EDF at λ* by a separate
day-by-day simulation (Horn's theorem), and small cases by hand.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linprog

from muffin_analytics.errors import PlanError, SchemaError
from muffin_analytics.plan import DEFAULT_LEAD_DAYS, BalancedPlan, balanced, balanced_many, critical_intensity, yds
from muffin_analytics.synth import cohort

from .helpers import PROPERTY, frame

START = dt.date(2026, 10, 26)  # the plan covers the 1 November DST change


# -- independent oracles --------------------------------------------------------------


def brute_lambda(release, deadline, effort, cap) -> float:
    """max over windows [a, b] of (effort that must happen inside) / (capacity inside)."""
    best = 0.0
    for a in range(len(cap)):
        for b in range(a, len(cap)):
            work = sum(p for r, d, p in zip(release, deadline, effort) if r >= a and d <= b)
            free = sum(cap[a : b + 1])
            if free > 0:
                best = max(best, work / free)
            elif work > 0:
                return float("inf")
    return best


def lp_lambda(release, deadline, effort, cap) -> float:
    """min λ s.t. every task gets its effort inside its window and day loads ≤ λ·c_t (HiGHS)."""
    var = [(j, t) for j in range(len(effort)) for t in range(release[j], deadline[j] + 1) if cap[t] > 0]
    n = len(var) + 1  # last variable is λ
    c = np.zeros(n)
    c[-1] = 1.0
    a_eq = np.zeros((len(effort), n))
    for k, (j, _) in enumerate(var):
        a_eq[j, k] = 1.0
    a_ub = np.zeros((len(cap), n))
    for k, (_, t) in enumerate(var):
        a_ub[t, k] = 1.0
    a_ub[:, -1] = -np.asarray(cap, dtype=float)
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(len(cap)), A_eq=a_eq, b_eq=np.asarray(effort, dtype=float), bounds=[(0, None)] * n, method="highs")
    assert res.status == 0, res.message
    return float(res.x[-1])


def edf_at(release, deadline, effort, cap, lam) -> tuple[bool, np.ndarray]:
    """Plain day-by-day EDF with budget λ·c_t: (every deadline met?, daily loads)."""
    left = list(map(float, effort))
    load = np.zeros(len(cap))
    for t in range(len(cap)):
        budget = lam * cap[t]
        for j in sorted((j for j in range(len(left)) if release[j] <= t and left[j] > 1e-12), key=lambda j: deadline[j]):
            if deadline[j] < t or budget <= 1e-15:
                continue
            amount = min(left[j], budget)
            left[j] -= amount
            budget -= amount
            load[t] += amount
        if any(left[j] > 1e-9 * max(1.0, effort[j]) and deadline[j] == t for j in range(len(left))):
            return False, load
    return all(x <= 1e-9 * max(1.0, p) for x, p in zip(left, effort)), load


# -- random instances ------------------------------------------------------------------


@st.composite
def instances(draw, max_days: int = 12, max_tasks: int = 7):
    n_days = draw(st.integers(1, max_days))
    cap = draw(st.lists(st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.0, 3.5, 4.0, 8.0]), min_size=n_days, max_size=n_days))
    n = draw(st.integers(1, max_tasks))
    release, deadline, effort = [], [], []
    for _ in range(n):
        r = draw(st.integers(0, n_days - 1))
        d = draw(st.integers(r, n_days - 1))
        release.append(r)
        deadline.append(d)
        effort.append(draw(st.one_of(st.just(0.0), st.floats(0.05, 12.0))))
    return release, deadline, effort, cap


def as_frame(release, deadline, effort, tz: str = "America/Chicago") -> pd.DataFrame:
    """Tasks as assignments: unlock at local 08:00 on the release day, due 21:00 on the deadline day."""
    rows = []
    for j, (r, d, p) in enumerate(zip(release, deadline, effort)):
        rows.append(
            {
                "assignment_id": 100 + j,
                "title": f"Task {j}",
                "course": "TEST 101",
                "unlock_at": pd.Timestamp(dt.datetime.combine(START + dt.timedelta(days=r), dt.time(8)), tz=tz).tz_convert("UTC"),
                "due_at": pd.Timestamp(dt.datetime.combine(START + dt.timedelta(days=d), dt.time(21)), tz=tz).tz_convert("UTC"),
                "est_hours": p,
            }
        )
    return frame(rows, student="s", tz=tz)


def plan_of(release, deadline, effort, cap) -> BalancedPlan:
    capacity = {START + dt.timedelta(days=t): h for t, h in enumerate(cap)}
    return balanced(as_frame(release, deadline, effort), capacity=capacity, start=START)


def day_index(dates: pd.Series) -> np.ndarray:
    return (dates.dt.date - START).map(lambda x: x.days).to_numpy(dtype=int)


@PROPERTY
@given(instances())
def test_plan_properties(instance):
    release, deadline, effort, cap = instance
    plan = plan_of(release, deadline, effort, cap)
    window_cap = [sum(cap[r : d + 1]) for r, d in zip(release, deadline)]
    unschedulable = {100 + j for j in range(len(effort)) if window_cap[j] == 0 and effort[j] > 0}
    ok = [j for j in range(len(effort)) if 100 + j not in unschedulable]
    # Unschedulable tasks are reported, never crash, never divide by zero.
    assert set(plan.unschedulable["assignment_id"]) == unschedulable
    assert plan.feasible == (not unschedulable and plan.peak <= 1 + 1e-12)
    # The peak is λ* of the schedulable tasks.
    lam = brute_lambda([release[j] for j in ok], [deadline[j] for j in ok], [effort[j] for j in ok], cap)
    assert plan.peak == pytest.approx(lam, rel=1e-9, abs=1e-12)
    sessions = plan.sessions
    days = day_index(sessions["date"])
    # Every schedulable task gets exactly its effort; zero-effort ones get no session.
    got = sessions.groupby("assignment_id")["hours"].sum()
    for j in ok:
        if effort[j] > 0:
            assert got[100 + j] == pytest.approx(effort[j], rel=1e-9)
        else:
            assert 100 + j not in got.index
    assert (sessions["hours"] > 0).all()
    # Nothing outside [release, deadline]; nothing on a day without capacity.
    for aid, t in zip(sessions["assignment_id"], days):
        j = aid - 100
        assert release[j] <= t <= deadline[j]
        assert cap[t] > 0
    # No day above peak × capacity.
    load = np.bincount(days, weights=sessions["hours"].to_numpy(), minlength=len(cap))
    assert np.all(load <= plan.peak * np.asarray(cap) + 1e-9)
    assert np.allclose(plan.days["hours"].to_numpy()[: len(load)], load[: len(plan.days)]) or len(plan.days) == 0


@PROPERTY
@given(instances(max_days=9, max_tasks=5))
def test_peak_equals_lp_optimum(instance):
    release, deadline, effort, cap = instance
    keep = [j for j in range(len(effort)) if sum(cap[release[j] : deadline[j] + 1]) > 0 and effort[j] > 0]
    if not keep:
        return
    r, d, p = ([x[j] for j in keep] for x in (release, deadline, effort))
    plan = plan_of(r, d, p, cap)
    assert plan.peak == pytest.approx(lp_lambda(r, d, p, cap), rel=1e-7, abs=1e-9)


@PROPERTY
@given(instances(max_days=10, max_tasks=6))
def test_edf_at_lambda_meets_deadlines_and_yds_is_more_level(instance):
    # Horn (1974): EDF with budget λ*·c_t never misses a deadline.  YDS reaches the
    # same peak and is at least as level (smaller Σ load²/c).
    release, deadline, effort, cap = instance
    keep = [j for j in range(len(effort)) if sum(cap[release[j] : deadline[j] + 1]) > 0 and effort[j] > 0]
    if not keep:
        return
    r, d, p = ([x[j] for j in keep] for x in (release, deadline, effort))
    lam = brute_lambda(r, d, p, cap)
    met, edf_load = edf_at(r, d, p, cap, lam * (1 + 1e-12))
    assert met
    out = yds(np.array(r), np.array(d), np.array(p), np.array(cap))
    yds_load = np.bincount(out.s_day, weights=out.s_hours, minlength=len(cap))
    pos = np.asarray(cap) > 0
    cost = lambda x: float(np.sum(x[pos] ** 2 / np.asarray(cap)[pos]))  # noqa: E731
    assert cost(yds_load) <= cost(edf_load) + 1e-9
    assert np.all(np.diff(out.levels) <= 1e-12)  # YDS levels never increase


# -- small cases by hand ----------------------------------------------------------------


def test_hand_example_from_the_docs():
    # A: 6 h due day 1, B: 2 h due day 3, 4 h/day from day 0.  Days 0-1 must hold
    # 6 h of 8 (λ* = 0.75); the rest, 2 h over days 2-3, runs at 0.25.
    plan = plan_of([0, 0], [1, 3], [6.0, 2.0], [4.0] * 4)
    assert plan.peak == 0.75
    assert plan.critical_window == (START, START + dt.timedelta(days=1))
    assert (plan.window_hours, plan.window_capacity) == (6.0, 8.0)
    assert plan.days["hours"].tolist() == [3.0, 3.0, 1.0, 1.0]
    assert plan.windows["level"].tolist() == [0.75, 0.25]
    assert plan.feasible


def test_infeasible_plan_explains_the_window():
    # 31 h due in a 5-day window with 4 h a day: 155%.
    plan = plan_of([0, 0], [4, 3], [20.0, 11.0], [4.0] * 5)
    assert plan.peak == pytest.approx(31 / 20)
    assert not plan.feasible
    text = plan.explain()
    assert text.startswith("Oct 26–30: 31 h due, 20 h free.")
    assert "155%" in text and "free up 11 h" in text


def test_zero_capacity_days_stay_empty_with_weekday_pattern():
    df = as_frame([0, 0], [6, 6], [6.0, 4.0])
    plan = balanced(df, capacity=[2, 2, 2, 2, 2, 0, 0], start=START)  # START is a Monday
    assert START.weekday() == 0
    assert set(plan.sessions["date"].dt.day_of_week) <= {0, 1, 2, 3, 4}
    assert plan.peak == pytest.approx(10 / 10)


def test_task_whose_window_has_no_capacity_is_unschedulable():
    cap = {START: 0.0, START + dt.timedelta(days=1): 4.0}
    plan = balanced(as_frame([0, 0], [0, 1], [2.0, 1.0]), capacity=cap, start=START)
    assert plan.unschedulable["assignment_id"].tolist() == [100]
    assert "no free hours" in plan.unschedulable["reason"].iloc[0]
    assert plan.peak == 0.25 and not plan.feasible
    assert plan.sessions["assignment_id"].tolist() == [101]


def test_past_due_undated_submitted_and_unestimated_are_reported():
    df = frame(
        [
            {"assignment_id": 1, "due_at": "2026-10-20T20:00:00Z", "est_hours": 2.0},  # before start
            {"assignment_id": 2, "due_at": None, "est_hours": 2.0},
            {"assignment_id": 3, "due_at": "2026-10-28T20:00:00Z", "est_hours": 2.0, "submitted": True},
            {"assignment_id": 4, "due_at": "2026-10-28T20:00:00Z", "est_hours": None},
            {"assignment_id": 5, "due_at": "2026-10-28T20:00:00Z", "est_hours": 0.0},
            {"assignment_id": 6, "due_at": "2026-10-28T20:00:00Z", "est_hours": 3.0},
        ],
        student="s",
    )
    plan = balanced(df, capacity=4, start=START)
    codes = dict(zip(plan.dropped["assignment_id"], plan.dropped["code"]))
    assert codes == {1: "past_due", 2: "undated", 3: "submitted", 4: "no_estimate"}
    assert plan.dropped.loc[plan.dropped["assignment_id"] == 1, "reason"].iloc[0] == "due Oct 20, before the plan starts (Oct 26)"
    assert sorted(plan.tasks["assignment_id"]) == [5, 6]  # zero effort is planned, with no session
    assert plan.sessions["assignment_id"].unique().tolist() == [6]
    assert len(plan.tasks) + len(plan.dropped) == len(df)
    assert "Left out of the plan (4)" in plan.explain()
    kept = balanced(df, capacity=4, start=START, skip_submitted=False)
    assert 3 in set(kept.tasks["assignment_id"])


def test_cutoff_rule_in_plans():
    # Due 01:00 Tuesday (local): the work must be done by Monday.
    df = frame([{"assignment_id": 1, "due_at": "2026-10-27T06:00:00Z", "est_hours": 2.0}], student="s", tz="America/Chicago")
    plan = balanced(df, capacity=4, start=START)
    assert plan.sessions["date"].dt.date.tolist() == [START]
    assert plan.peak == 0.5


def test_dst_week_counts_local_days():
    # Mon Oct 26 .. Sun Nov 1 (clocks go back): seven local days of 2 h.
    df = frame([{"assignment_id": 1, "due_at": "2026-11-02T04:00:00Z", "est_hours": 7.0}], student="s", tz="America/Chicago")
    plan = balanced(df, capacity=2, start=START)
    assert plan.sessions["date"].dt.strftime("%m-%d").tolist() == ["10-26", "10-27", "10-28", "10-29", "10-30", "10-31", "11-01"]
    assert plan.peak == pytest.approx(0.5)


@pytest.mark.parametrize("kind", ["exam", "quiz"])
def test_study_for_an_exam_may_start_before_it_opens(kind):
    # Canvas opens a timed quiz or exam on the day it is sat: 5 h of study must not have to fit that day's 4 h.
    sat = {"assignment_id": 1, "due_at": "2026-11-04T20:00:00Z", "unlock_at": "2026-11-04T14:00:00Z", "est_hours": 5.0}
    plan = balanced(frame([{**sat, "kind": kind}], student="s"), capacity=4, start=START)
    assert plan.feasible and plan.peak < 1
    assert plan.sessions["date"].min().date() < dt.date(2026, 11, 4)
    essay = balanced(frame([{**sat, "kind": "essay"}], student="s"), capacity=4, start=START)
    assert essay.peak == pytest.approx(5 / 4)  # an essay's unlock date still opens its work window
    assert not essay.feasible


def test_default_start():
    df = frame(
        [
            {"assignment_id": 1, "due_at": "2026-11-02T20:00:00Z", "unlock_at": "2026-10-28T15:00:00Z", "est_hours": 1.0},
            {"assignment_id": 2, "due_at": "2026-11-05T20:00:00Z", "est_hours": 1.0},
        ],
        student="s",
    )
    assert balanced(df).days["date"].iloc[0].date() == dt.date(2026, 10, 28)  # earliest unlock
    no_unlock = df.assign(unlock_at=pd.Series(pd.NaT, index=df.index, dtype="datetime64[us, UTC]"))
    first = balanced(no_unlock).days["date"].iloc[0].date()
    assert first == dt.date(2026, 11, 2) - dt.timedelta(days=DEFAULT_LEAD_DAYS)
    # An early deadline without an unlock date is never "past due" by default.
    early = frame(
        [
            {"assignment_id": 1, "due_at": "2026-11-10T20:00:00Z", "unlock_at": "2026-11-05T15:00:00Z", "est_hours": 1.0},
            {"assignment_id": 2, "due_at": "2026-11-03T20:00:00Z", "est_hours": 1.0},
        ],
        student="s",
    )
    plan = balanced(early)
    assert plan.dropped.empty
    assert plan.days["date"].iloc[0].date() == dt.date(2026, 11, 3) - dt.timedelta(days=DEFAULT_LEAD_DAYS)


def test_empty_and_all_dropped_plans():
    df = frame([{"assignment_id": 1, "due_at": None, "est_hours": 1.0}], student="s")
    plan = balanced(df, capacity=4)
    assert plan.peak == 0.0 and plan.critical_window is None and plan.sessions.empty
    assert plan.explain().startswith("Nothing to plan.")
    empty_plan = balanced(df.iloc[:0], capacity=4)
    assert empty_plan.sessions.empty and empty_plan.dropped.empty


def test_one_student_only():
    df = frame([{"assignment_id": 1, "due_at": "2026-11-02T20:00:00Z", "est_hours": 1.0, "student": s} for s in ("a", "b")])
    with pytest.raises(PlanError, match="balanced_many"):
        balanced(df)


def test_needs_est_hours():
    df = frame([{"assignment_id": 1, "due_at": "2026-11-02T20:00:00Z"}], student="s").drop(columns="est_hours")
    with pytest.raises(SchemaError, match="est_hours"):
        balanced(df)


def test_critical_intensity_helper_matches_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(50):
        n_days = int(rng.integers(1, 10))
        cap = rng.choice([0.0, 1.0, 2.5], n_days)
        r = rng.integers(0, n_days, 4)
        d = np.minimum(n_days - 1, r + rng.integers(0, 4, 4))
        p = rng.uniform(0.1, 3, 4)
        lam, _, _ = critical_intensity(r, d, p, cap)
        assert lam == pytest.approx(brute_lambda(r.tolist(), d.tolist(), p.tolist(), cap.tolist()))


# -- many students --------------------------------------------------------------------


def test_balanced_many_equals_one_by_one():
    df = cohort(4, seed=11)
    plans = balanced_many(df, capacity=[3, 3, 3, 3, 2, 5, 5], progress=False)
    assert list(plans) == list(pd.unique(df["student"]))
    for student, plan in plans.items():
        alone = balanced(df.loc[df["student"] == student], capacity=[3, 3, 3, 3, 2, 5, 5])
        assert plan.peak == pytest.approx(alone.peak)
        pd.testing.assert_frame_equal(plan.sessions, alone.sessions)


def test_balanced_many_capacity_by_student_and_progress_bar(capsys):
    df = cohort(2, seed=12)
    students = list(pd.unique(df["student"]))
    plans = balanced_many(df, capacity=4, capacity_by_student={students[0]: 8}, progress=True)
    assert plans[students[0]].peak == pytest.approx(balanced(df.loc[df["student"] == students[0]], capacity=8).peak)
    assert "balanced plans" in capsys.readouterr().err


def test_single_student_150_assignments_places_every_hour():
    # Its speed is a figure printed by bench/analytics_plan.py (docs/performance.md), not a timed test.
    df = cohort(40, seed=13)
    counts = df.groupby("student").size()
    busiest = counts.idxmax()
    one = df.loc[df["student"] == busiest]
    extra = one.assign(assignment_id=one["assignment_id"] + 10_000_000, due_at=one["due_at"] + pd.Timedelta(days=2))
    big = pd.concat([one, extra, one.assign(assignment_id=one["assignment_id"] + 20_000_000)]).iloc[:150]
    assert len(big) == 150
    sessions = balanced(big, capacity=4).sessions
    placed = sessions.groupby("assignment_id")["hours"].sum()
    wanted = big.set_index("assignment_id")["est_hours"]
    assert placed.reindex(wanted.index, fill_value=0.0).to_numpy() == pytest.approx(wanted.to_numpy(), abs=1e-6)


def test_tiny_efforts_are_not_lost_as_float_dust():
    plan = plan_of([0, 0, 0], [2, 2, 2], [1e-14, 5.0, 3.0], [4.0] * 3)
    got = plan.sessions.groupby("assignment_id")["hours"].sum()
    assert 100 not in got.index and 100 in plan.tasks["assignment_id"].tolist()  # under a second: no session
    assert got[101] == pytest.approx(5.0) and got[102] == pytest.approx(3.0)


@pytest.mark.parametrize("tiny", [1e-300, 5e-324])
def test_a_vanishing_effort_plans_nothing_instead_of_failing(tiny):
    # 5e-324 / 4 underflows to 0: YDS used to raise PlanError ("internal error").
    alone = plan_of([0], [2], [tiny], [4.0] * 3)
    assert alone.peak == 0 and alone.sessions.empty and alone.feasible
    mixed = plan_of([0, 0], [2, 2], [tiny, 3.0], [4.0] * 3)
    assert mixed.peak == pytest.approx(0.25) and mixed.sessions["hours"].sum() == pytest.approx(3.0)
