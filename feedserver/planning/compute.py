"""One student's workload and balanced plan, computed from plain records (pure, CPU only).

Runs on a worker thread (service.py): pandas and the YDS plan take a few
milliseconds for a typical student and tens for a very large one, which must
never stall feed polls on the event loop. No database, no clock: the caller
passes `today` (the student's local date), so tests with the fixed 2026
semester get the same plan every run.

Everything is calibrated to the student, shrunk toward the population while
there is little to learn from (`muffin_analytics.effort.calibrate`,
`muffin_analytics.density.lead_profile`):

- effort: the estimates they corrected set multipliers per kind and per
  course and kind; their own numbers win for those assignments;
- timing: when they handed work in (Canvas's ``submitted_at``) sets how close
  to a deadline they work, which the last-minute comparison, the chart and
  the crunches use.

Canvas assignment ids are the analytics ids as they are (strings): the
package keeps their type, so nothing maps positions back to ids.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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
    ASK_FREE_TIME,
    MAX_ESTIMATE_HOURS,
    MIN_ESTIMATE_HOURS,
    MODEL_NOTE,
    Advice,
    DayLoad,
    Estimate,
    PlanItem,
    PlannedWork,
    Timing,
    WhatIfResult,
    Workload,
)

__all__ = ["MODEL_NOTE", "WHAT_IF_DAYS", "compute_what_if", "compute_workload"]

WHAT_IF_DAYS = 366
"""A what-if's new due date lies within this many days of today (either way): the student's and the instructor's."""

#: Days shown in the chart and the API's `days`.
CHART_DAYS = 28
#: "Start by" sentences kept.
MAX_SUGGESTIONS = 5


def _window_text(first: date, last: date) -> str:
    if first == last:
        return f"{first:%b} {first.day}"
    if first.month == last.month:
        return f"{first:%b} {first.day}–{last.day}"
    return f"{first:%b} {first.day}–{last:%b} {last.day}"


def _day_text(d: date) -> str:
    return f"{d:%a %b} {d.day}"


def _frame(items: list[PlanItem], tz: str) -> pd.DataFrame:
    return conform(pd.DataFrame({
        "student": ["me"] * len(items),
        "course": [i.course_code for i in items],
        "assignment_id": pd.Series([i.canvas_assignment_id for i in items], dtype="str"),
        "title": [i.title or "Untitled" for i in items],
        "kind": [i.kind if i.kind in KINDS else "other" for i in items],
        "unlock_at": pd.to_datetime([i.unlock_at for i in items], utc=True),
        "due_at": pd.to_datetime([i.due_at for i in items], utc=True),
        "points": pd.array([i.points for i in items], dtype="Float64").astype("float64"),
        "submitted": pd.array([i.submitted for i in items], dtype="boolean"),
        "submitted_at": pd.to_datetime([i.submitted_at for i in items], utc=True),
        "est_hours": [np.nan] * len(items),
        "description": [i.description or "" for i in items],
        "tz": [tz] * len(items),
    }))


def _overrides(items: list[PlanItem]) -> dict[str, float]:
    # Out-of-bounds numbers stored before the bounds existed are ignored, never planned with.
    return {i.canvas_assignment_id: float(i.override) for i in items
            if i.override is not None and MIN_ESTIMATE_HOURS <= i.override <= MAX_ESTIMATE_HOURS}


def _estimated(items: list[PlanItem], tz: str) -> pd.DataFrame:
    df = _frame(items, tz)
    overrides = _overrides(items)
    model = effort.EffortModel.default()
    if overrides:
        try:
            model = effort.calibrate(df, overrides, model)
        except AnalyticsError:
            pass  # only zero-estimate kinds were overridden: nothing to learn from
        df = df.assign(est_hours=df["assignment_id"].map(overrides).astype("float64"))
    return effort.estimate(df, model)


def _timing(fit: density.LeadFit) -> Timing:
    return Timing(fit.describe(), fit.n, float(fit.lead_days),
                  None if fit.n == 0 else float(fit.lead_low), None if fit.n == 0 else float(fit.lead_high))


def _capacity(settings: StudentSettings) -> Capacity:
    return Capacity(list(settings.free_hours), {d: 0.0 for d in settings.days_off})


def compute_workload(items: list[PlanItem], settings: StudentSettings, today: date, time_zone: str, *,
                     detail: bool = True) -> Workload:
    """The balanced plan from `today` (local) onward, and what to tell the student about it.

    Submitted assignments and those due before `today` are left out (work done
    counts as done). Session hours of one assignment add up to its estimate.
    ``detail=False`` computes only what the feed needs (sessions, peak,
    critical window): the replan after every sync skips the sentences, the
    last-minute comparison and the crunches, which /me and the API compute
    when asked. Until the student has given their free hours
    (`StudentSettings.free_time_answered`) no verdict on whether the work
    fits is given, anywhere.
    """
    capacity = _capacity(settings)
    answered = settings.free_time_answered
    if not items:
        return _empty(today, time_zone, capacity, answered)
    est = _estimated(items, time_zone)
    p = plan.balanced(est, capacity=capacity, start=today.isoformat(), tz=time_zone)
    by_id = {i.canvas_assignment_id: i for i in items}
    explanation = p.explain().split(" Left out of the plan")[0]
    if p.critical_window is None:
        explanation = "Nothing is due from today on that needs planning."
    elif not answered:
        explanation = ASK_FREE_TIME
    sessions_df = p.sessions
    reason = _reason(p, answered)
    sessions = tuple(
        PlannedWork(str(aid), pd.Timestamp(d).date(), float(h), reason)
        for aid, d, h in zip(sessions_df["assignment_id"], sessions_df["date"], sessions_df["hours"])
    )
    planned_ids = set(p.tasks["assignment_id"].tolist())
    ahead = est.loc[est["assignment_id"].isin(planned_ids)]
    sentences: tuple[str, ...] = ()
    crunches: tuple[str, ...] = ()
    advice: tuple[Advice, ...] = ()
    next_crunch: str | None = None
    timing: Timing | None = None
    last_minute: dict[date, float] = {}
    if detail:
        fit = density.lead_profile(est, tz=time_zone)
        timing = _timing(fit)
    if detail and len(ahead):
        told = suggest.suggestions(ahead, p, profile=fit.profile, max_sentences=MAX_SUGGESTIONS)
        keep = [s for s in told.sentences[1:] if "cannot be planned" not in s]
        sentences = tuple(s for s in keep if answered or not s.startswith("Even the best plan"))
        advice = _advice(told.advice, today)
        load = density.daily_load(ahead, fit.profile, tz=time_zone)
        last_minute = {pd.Timestamp(d).date(): float(h) for d, h in zip(load["date"], load["hours"])}
        # Free hours the student did not give cannot make a crunch; their typical day and the weekly budget can.
        found = crunch.detect(load, ahead, capacity=capacity if answered else None, tz=time_zone)
        crunches, next_crunch = _crunches(found, today)
    planned: dict[date, float] = {}
    for s in sessions:
        planned[s.day] = planned.get(s.day, 0.0) + s.hours
    free = capacity_array(capacity, day_number(today.isoformat()), CHART_DAYS)
    days = tuple(
        DayLoad(today + timedelta(days=k), float(free[k]), planned.get(today + timedelta(days=k), 0.0),
                last_minute.get(today + timedelta(days=k), 0.0))
        for k in range(CHART_DAYS)
    )
    own = _overrides(items)
    estimates = tuple(
        Estimate(str(row.assignment_id), by_id[row.assignment_id].course_code, by_id[row.assignment_id].title,
                 by_id[row.assignment_id].due_at, float(row.est_hours), float(row.est_low), float(row.est_high),
                 str(row.est_basis), row.assignment_id in own)
        for row in ahead.itertuples(index=False)
    )
    left_out = tuple(
        f"'{r.title}' ({r.course}) cannot be planned: {r.reason}." for r in p.unschedulable.itertuples(index=False))
    ask = _ask_about(p, by_id) if answered and not p.feasible else ()
    return Workload(
        today=today, time_zone=time_zone, sessions=sessions, estimates=estimates, days=days,
        peak=float(p.peak), critical_window=p.critical_window, window_hours=float(p.window_hours),
        window_free=float(p.window_capacity), feasible=bool(p.feasible), explanation=explanation,
        suggestions=sentences, crunches=crunches, ask_about=ask, left_out=left_out,
        free_time_answered=answered, advice=advice, next_crunch=next_crunch, timing=timing,
    )


def _advice(table: pd.DataFrame, today: date) -> tuple[Advice, ...]:
    """"Start by" advice in the order to start: earliest first, the biggest relief first on the same day."""
    rows = table.loc[table["start"] >= today].sort_values(["start", "gain"], ascending=[True, False])
    return tuple(Advice(str(r.assignment_id), str(r.course), str(r.title), r.start, r.work_day, float(r.per_day),
                        float(r.hours), str(r.why), str(r.sentence)) for r in rows.itertuples(index=False))


def _crunches(found: pd.DataFrame, today: date) -> tuple[tuple[str, ...], str | None]:
    """The five most severe crunches ahead, and the first one in short (without a cluster's list of titles)."""
    if found.empty:
        return (), None
    ahead = found.loc[pd.to_datetime(found["end"]).dt.date >= today]
    if ahead.empty:
        return (), None
    worst = tuple(dict.fromkeys(str(r) for r in ahead.sort_values("severity", ascending=False)["reason"].head(5)))
    first = ahead.iloc[0]  # detect() sorts by start, clusters and weeks before days
    reason = str(first["reason"])
    return worst, reason.split("): ", 1)[0] + ")" if first["level"] == "cluster" else reason


def _reason(p: plan.BalancedPlan, answered: bool) -> str:
    """Why sessions are where they are, in the words of the critical window (a session event's description)."""
    if p.critical_window is None:
        return ""
    first, last = p.critical_window
    window = _window_text(first, last)
    head = f"{window} has {fmt_hours(p.window_hours)} due and {fmt_hours(p.window_capacity)} free"
    if not answered:
        return f"{window} is the busiest stretch ahead: {fmt_hours(p.window_hours)} of work is due in it."
    if p.peak > 1 + 1e-9:
        return (f"{head}: that does not fit your free hours, even with the best plan "
                f"({p.peak:.0%} of them on the busiest days). See Homework Muffin for deadlines to ask about.")
    return f"{head}; starting now keeps every day at or under {p.peak:.0%} of your free hours."


def _ask_about(p: plan.BalancedPlan, by_id: dict[str, PlanItem]) -> tuple[str, ...]:
    """The biggest assignments due inside the critical window, plus the unschedulable ones."""
    names: list[str] = []
    for r in p.unschedulable.itertuples(index=False):
        names.append(f"'{r.title}' ({r.course})")
    if p.critical_window is not None and p.peak > 1 + 1e-9:
        first, last = p.critical_window
        tasks = p.tasks
        inside = tasks.loc[(tasks["work_until"].dt.date >= first) & (tasks["work_until"].dt.date <= last)]
        for r in inside.sort_values("hours", ascending=False).head(3).itertuples(index=False):
            due = by_id[r.assignment_id].due_at
            when = f", due {_day_text(due.date())}" if due is not None else ""
            names.append(f"'{r.title}' ({r.course}{when}, about {fmt_hours(r.hours)})")
    return tuple(dict.fromkeys(names))


def _empty(today: date, tz: str, capacity: Capacity, answered: bool) -> Workload:
    free = capacity_array(capacity, day_number(today.isoformat()), CHART_DAYS)
    days = tuple(DayLoad(today + timedelta(days=k), float(free[k]), 0.0, 0.0) for k in range(CHART_DAYS))
    return Workload(today=today, time_zone=tz, sessions=(), estimates=(), days=days, peak=0.0,
                    critical_window=None, window_hours=0.0, window_free=0.0, feasible=True,
                    explanation="Nothing is due from today on that needs planning.", suggestions=(), crunches=(),
                    free_time_answered=answered)


def compute_what_if(items: list[PlanItem], settings: StudentSettings, today: date, time_zone: str,
                    canvas_assignment_id: str, new_due: date) -> WhatIfResult:
    """The student's plan from `today` if one assignment were due on `new_due` (same local time of day).

    Compares the optimal peak, the critical window and the crunch weeks
    ahead (the student's own last-minute timing, weeks over 1.25 × 30 h)
    before and after, with `muffin_analytics.plan.what_if`. Raises
    `LookupError` for an assignment the student does not have.
    """
    by_id = {i.canvas_assignment_id: i for i in items}
    if canvas_assignment_id not in by_id:
        raise LookupError(canvas_assignment_id)
    est = _estimated(items, time_zone)
    fit = density.lead_profile(est, tz=time_zone)
    midnight = datetime.combine(today, time(0), ZoneInfo(time_zone))
    ahead = ((~est["submitted"].fillna(False)) & (est["due_at"] >= pd.Timestamp(midnight))) \
        | (est["assignment_id"] == canvas_assignment_id)
    out = plan.what_if(est.loc[ahead.to_numpy()], {canvas_assignment_id: new_due}, capacity=_capacity(settings),
                       start=today.isoformat(), tz=time_zone, profile=fit.profile)
    row = out.students.iloc[0]
    this_week = pd.Timestamp(today - timedelta(days=today.weekday()))
    weeks = out.weeks.loc[out.weeks["week"] >= this_week]
    before = tuple(w.date() for w in weeks.loc[weeks["crunch_before"], "week"])
    after = tuple(w.date() for w in weeks.loc[weeks["crunch_after"], "week"])

    def window(first: object, last: object) -> tuple[date, date] | None:
        return None if pd.isna(first) else (pd.Timestamp(first).date(), pd.Timestamp(last).date())

    w0, w1 = window(row["window_before_first"], row["window_before_last"]), window(
        row["window_after_first"], row["window_after_last"])
    item = by_id[canvas_assignment_id]
    due_after = out.moved["due_after"].iloc[0].to_pydatetime()
    peaks = (float(row["peak_before"]), float(row["peak_after"]))
    affected = abs(peaks[1] - peaks[0]) > 1e-9 or w0 != w1 or before != after
    words = _what_if_words(item, due_after.astimezone(ZoneInfo(time_zone)).date(), peaks, (before, after),
                           settings.free_time_answered)
    return WhatIfResult(
        canvas_assignment_id=canvas_assignment_id, title=item.title, course_code=item.course_code,
        due_before=item.due_at, due_after=due_after, peak_before=peaks[0], peak_after=peaks[1],
        window_before=w0, window_after=w1, crunch_weeks_before=before, crunch_weeks_after=after,
        affected=bool(affected), explanation=words,
    )


def _what_if_words(item: PlanItem, due: date, peaks: tuple[float, float], weeks: tuple[tuple[date, ...], ...],
                   answered: bool) -> str:
    """"With 'Essay 2' (HIST 101) due Mon Nov 16, your busiest stretch drops from 120% to 85% of your free time." """
    name = f"'{item.title}'" + (f" ({item.course_code})" if item.course_code else "")
    told: list[str] = []
    if answered and abs(peaks[1] - peaks[0]) > 1e-9:
        way = "drops" if peaks[1] < peaks[0] else "rises"
        told.append(f"your busiest stretch {way} from {peaks[0]:.0%} to {peaks[1]:.0%} of your free time")
    if len(weeks[0]) != len(weeks[1]):
        told.append(f"crunch weeks ahead go from {len(weeks[0])} to {len(weeks[1])}")
    if not told:
        told.append("your busiest stretch and your crunch weeks stay as they are")
    return f"With {name} due {_day_text(due)}, " + " and ".join(told) + "."
