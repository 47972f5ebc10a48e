"""One student's workload and balanced plan, computed from plain records (pure, CPU only).

Runs on a worker thread (service.py): pandas and the YDS plan take a few
milliseconds for a typical student and tens for a very large one, which must
never stall feed polls on the event loop. No database, no clock: the caller
passes `today` (the student's local date), so tests with the fixed 2026
semester get the same plan every run.

Estimates come from `muffin_analytics.effort`: a student's own effort
overrides win for those assignments and also calibrate the model (per-kind
multipliers, `effort.calibrate`) for the others, so "this one takes me 6 h"
teaches the plan the student's pace.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from muffin_analytics import crunch, density, effort, plan, suggest
from muffin_analytics.capacity import Capacity, capacity_array
from muffin_analytics.days import day_number
from muffin_analytics.errors import AnalyticsError
from muffin_analytics.schema import KINDS, conform

from ..hours import fmt_hours
from ..settings import StudentSettings
from .records import (
    MODEL_NOTE,
    DayLoad,
    Estimate,
    PlanItem,
    PlannedWork,
    Workload,
)

__all__ = [
    "MODEL_NOTE",
    "DayLoad",
    "Estimate",
    "PlanItem",
    "PlannedWork",
    "Workload",
    "compute_workload",
]

#: Days shown in the chart and the API's `days`.
CHART_DAYS = 28
#: "Start by" sentences kept.
MAX_SUGGESTIONS = 5


def _day_text(d: date) -> str:
    return f"{d:%a %b} {d.day}"


def _window_text(first: date, last: date) -> str:
    if first == last:
        return f"{first:%b} {first.day}"
    if first.month == last.month:
        return f"{first:%b} {first.day}–{last.day}"
    return f"{first:%b} {first.day}–{last:%b} {last.day}"


def _frame(items: list[PlanItem], tz: str) -> pd.DataFrame:
    # Positions are the analytics ids: Canvas ids are strings here and need not be numeric.
    return conform(pd.DataFrame({
        "student": ["me"] * len(items),
        "course": [i.course_code for i in items],
        "assignment_id": np.arange(len(items), dtype="int64"),
        "title": [i.title or "Untitled" for i in items],
        "kind": [i.kind if i.kind in KINDS else "other" for i in items],
        "unlock_at": pd.to_datetime([i.unlock_at for i in items], utc=True),
        "due_at": pd.to_datetime([i.due_at for i in items], utc=True),
        "points": pd.array([i.points for i in items], dtype="Float64").astype("float64"),
        "submitted": pd.array([i.submitted for i in items], dtype="boolean"),
        "est_hours": [np.nan] * len(items),
        "description": [i.description or "" for i in items],
        "tz": [tz] * len(items),
    }))


def _estimated(items: list[PlanItem], tz: str) -> pd.DataFrame:
    df = _frame(items, tz)
    overrides = {pos: float(i.override) for pos, i in enumerate(items) if i.override is not None}
    model = effort.EffortModel.default()
    if overrides:
        try:
            model = effort.calibrate(df, overrides, model)
        except AnalyticsError:
            pass  # only zero-estimate kinds were overridden: nothing to learn from
        df = df.assign(est_hours=df["assignment_id"].map(overrides).astype("float64"))
    return effort.estimate(df, model)


def compute_workload(items: list[PlanItem], settings: StudentSettings, today: date, time_zone: str, *,
                     detail: bool = True) -> Workload:
    """The balanced plan from `today` (local) onward, and what to tell the student about it.

    Submitted assignments and those due before `today` are left out (work done
    counts as done). Session hours of one assignment add up to its estimate.
    ``detail=False`` computes only what the feed needs (sessions, peak,
    critical window): the replan after every sync skips the sentences, the
    last-minute comparison and the crunches, which /me and the API compute
    when asked.
    """
    capacity = Capacity(list(settings.free_hours), {d: 0.0 for d in settings.days_off})
    if not items:
        return _empty(today, time_zone, capacity)
    est = _estimated(items, time_zone)
    p = plan.balanced(est, capacity=capacity, start=today.isoformat(), tz=time_zone)
    ids = [i.canvas_assignment_id for i in items]
    explanation = p.explain().split(" Left out of the plan")[0]
    if p.critical_window is None:
        explanation = "Nothing is due from today on that needs planning."
    sessions_df = p.sessions
    reason = _reason(p)
    sessions = tuple(
        PlannedWork(ids[int(aid)], pd.Timestamp(d).date(), float(h), reason)
        for aid, d, h in zip(sessions_df["assignment_id"], sessions_df["date"], sessions_df["hours"])
    )
    planned_ids = set(p.tasks["assignment_id"].tolist())
    ahead = est.loc[est["assignment_id"].isin(planned_ids)]
    sentences: tuple[str, ...] = ()
    crunches: tuple[str, ...] = ()
    last_minute: dict[date, float] = {}
    if detail and len(ahead):
        advice = suggest.suggestions(ahead, p, max_sentences=MAX_SUGGESTIONS)
        sentences = tuple(s for s in advice.sentences[1:] if "cannot be planned" not in s)
        load = density.daily_load(ahead, tz=time_zone)
        last_minute = {pd.Timestamp(d).date(): float(h) for d, h in zip(load["date"], load["hours"])}
        found = crunch.detect(load, ahead, capacity=capacity, tz=time_zone)
        if len(found):
            found = found.loc[pd.to_datetime(found["end"]).dt.date >= today].sort_values("severity", ascending=False)
            crunches = tuple(dict.fromkeys(str(r) for r in found["reason"].head(5)))
    planned: dict[date, float] = {}
    for s in sessions:
        planned[s.day] = planned.get(s.day, 0.0) + s.hours
    free = capacity_array(capacity, day_number(today.isoformat()), CHART_DAYS)
    days = tuple(
        DayLoad(today + timedelta(days=k), float(free[k]), planned.get(today + timedelta(days=k), 0.0),
                last_minute.get(today + timedelta(days=k), 0.0))
        for k in range(CHART_DAYS)
    )
    estimates = tuple(
        Estimate(ids[pos], items[pos].course_code, items[pos].title, items[pos].due_at,
                 float(row.est_hours), float(row.est_low), float(row.est_high), str(row.est_basis),
                 items[pos].override is not None)
        for pos, row in zip(est["assignment_id"].tolist(), est.itertuples(index=False))
        if not items[pos].submitted and items[pos].due_at is not None and pos in planned_ids
    )
    unsched = p.unschedulable
    left_out = tuple(
        f"'{r.title}' ({r.course}) cannot be planned: {r.reason}." for r in unsched.itertuples(index=False))
    ask = _ask_about(p, est, items) if not p.feasible else ()
    return Workload(
        today=today, time_zone=time_zone, sessions=sessions, estimates=estimates, days=days,
        peak=float(p.peak), critical_window=p.critical_window, window_hours=float(p.window_hours),
        window_free=float(p.window_capacity), feasible=bool(p.feasible), explanation=explanation,
        suggestions=sentences, crunches=crunches, ask_about=ask, left_out=left_out,
    )


def _reason(p: plan.BalancedPlan) -> str:
    """Why sessions are where they are, in the words of the critical window."""
    if p.critical_window is None:
        return ""
    first, last = p.critical_window
    window = _window_text(first, last)
    head = f"{window} has {fmt_hours(p.window_hours)} due and {fmt_hours(p.window_capacity)} free"
    if p.peak > 1 + 1e-9:
        return (f"{head}: that does not fit your free hours, even with the best plan "
                f"({p.peak:.0%} of them on the busiest days). See Homework Muffin for deadlines to ask about.")
    return f"{head}; starting now keeps every day at or under {p.peak:.0%} of your free hours."


def _ask_about(p: plan.BalancedPlan, est: pd.DataFrame, items: list[PlanItem]) -> tuple[str, ...]:
    """The biggest assignments due inside the critical window, plus the unschedulable ones."""
    names: list[str] = []
    for r in p.unschedulable.itertuples(index=False):
        names.append(f"'{r.title}' ({r.course})")
    if p.critical_window is not None and p.peak > 1 + 1e-9:
        first, last = p.critical_window
        tasks = p.tasks
        inside = tasks.loc[(tasks["work_until"].dt.date >= first) & (tasks["work_until"].dt.date <= last)]
        for r in inside.sort_values("hours", ascending=False).head(3).itertuples(index=False):
            due = items[int(r.assignment_id)].due_at
            when = f", due {_day_text(due.date())}" if due is not None else ""
            names.append(f"'{r.title}' ({r.course}{when}, about {fmt_hours(r.hours)})")
    return tuple(dict.fromkeys(names))


def _empty(today: date, tz: str, capacity: Capacity) -> Workload:
    free = capacity_array(capacity, day_number(today.isoformat()), CHART_DAYS)
    days = tuple(DayLoad(today + timedelta(days=k), float(free[k]), 0.0, 0.0) for k in range(CHART_DAYS))
    return Workload(today=today, time_zone=tz, sessions=(), estimates=(), days=days, peak=0.0,
                    critical_window=None, window_hours=0.0, window_free=0.0, feasible=True,
                    explanation="Nothing is due from today on that needs planning.", suggestions=(), crunches=())

