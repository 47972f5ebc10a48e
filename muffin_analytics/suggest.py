"""Suggestions: a balanced plan told as a few sentences, plus calendar sessions.

The sentences follow docs/workload-research.md §6 and Ariely & Wertenbroch (2002):
concrete, self-imposed start dates help.  Each "start by" sentence names the
assignment, the first day of its work in the balanced plan, the daily amount,
and the day it protects — the work day that would be heaviest if the work
were left to the last minute:

    Start 'Essay 2' (HIST 101) by Oct 3, about 2 h a day, to keep Oct 9
    under 4 h (last-minute: 9.5 h).

Every number in a sentence is read off the plan or the last-minute load, so a
student can check it against the sessions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._format import fmt_day, fmt_hours, fmt_range
from .density import LastMinuteProfile, daily_load
from .plan import BalancedPlan

__all__ = ["Suggestions", "suggestions"]


@dataclass
class Suggestions:
    """What to tell the student.

    Attributes
    ----------
    sentences : list of str
        Most useful first: the critical window, the peak comparison, then
        "start by" advice in date order, then what was left out.
    sessions : pandas.DataFrame
        ``student, assignment_id, course, title, date, hours, summary`` —
        one row per assignment per day, for a calendar.
    """

    sentences: list[str]
    sessions: pd.DataFrame


def _half_up(x: float) -> float:
    """Smallest multiple of 0.5 h strictly above *x* ("under 4 h" must be true)."""
    return (math.floor(x / 0.5 + 1e-9) + 1) * 0.5


def _busiest(load: dict[int, float]) -> int:
    """Earliest day with the highest load (float ties resolved to the earliest)."""
    top = max(load.values())
    return min(d for d, h in load.items() if h >= top - 1e-9)


def suggestions(
    df: pd.DataFrame | None,
    plan: BalancedPlan,
    *,
    profile: LastMinuteProfile | None = None,
    max_sentences: int = 8,
) -> Suggestions:
    """Human sentences and machine-readable work sessions for one student's plan.

    Parameters
    ----------
    df : pandas.DataFrame or None
        The student's assignments (as given to
        :func:`muffin_analytics.plan.balanced`), used for the last-minute
        comparison; ``None`` leaves the comparison out.
    plan : BalancedPlan
    profile : LastMinuteProfile, optional
        How the student would otherwise work; default
        :class:`~muffin_analytics.density.LastMinuteProfile`.
    max_sentences : int, default 8
        Cap on "start by" sentences (the ones with the biggest effect are kept).

    Returns
    -------
    Suggestions

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.plan import balanced
    >>> from muffin_analytics.suggest import suggestions
    >>> df = conform(pd.DataFrame({"student": ["s"] * 2, "assignment_id": [1, 2],
    ...     "title": ["Essay 2", "Quiz 3"], "course": ["HIST 101", "MATH 221"],
    ...     "est_hours": [8.0, 1.0],
    ...     "due_at": ["2026-10-10T04:59:00Z", "2026-10-10T04:59:00Z"],
    ...     "tz": ["America/Chicago"] * 2}))
    >>> plan = balanced(df, capacity=4, start="2026-10-05")
    >>> s = suggestions(df, plan)
    >>> print(s.sentences[1])
    Left to the last minute, your busiest day would be Fri Oct 9 with 3.8 h; with this plan it is Mon Oct 5 with 1.8 h.
    >>> print(s.sentences[2])
    Start 'Essay 2' (HIST 101) by Oct 5, about 1.8 h a day, to keep Oct 9 under 2 h (last-minute: 3.8 h).
    >>> float(s.sessions["hours"].sum())
    9.0
    """
    sessions = plan.sessions.copy()
    sessions["summary"] = pd.Series(
        [f"Work on {t} ({c}): {fmt_hours(h)}" if c else f"Work on {t}: {fmt_hours(h)}" for t, c, h in zip(sessions["title"], sessions["course"], sessions["hours"])],
        index=sessions.index,
        dtype="str",
    )
    sentences: list[str] = []
    days = plan.days
    balanced_by_day = dict(zip(days["date"].to_numpy(dtype="datetime64[D]").astype(np.int64).tolist(), days["hours"].tolist()))
    lm_by_day: dict[int, float] = {}
    if df is not None and len(plan.tasks):
        sub = df
        if "student" in df.columns and plan.student is not None:
            sub = df.loc[df["student"] == plan.student]
        ids = set(plan.tasks["assignment_id"].tolist())
        sub = sub.loc[sub["assignment_id"].isin(ids)]
        if len(sub):
            lm = daily_load(sub, profile or LastMinuteProfile(), tz=plan.tz)
            lm_by_day = dict(zip(lm["date"].to_numpy(dtype="datetime64[D]").astype(np.int64).tolist(), lm["hours"].tolist()))
    sentences.append(plan.explain().split(" Left out of the plan")[0])
    if lm_by_day and balanced_by_day:
        lm_day = _busiest(lm_by_day)
        b_day = _busiest(balanced_by_day)
        sentences.append(
            f"Left to the last minute, your busiest day would be {fmt_day(lm_day, weekday=True)} with "
            f"{fmt_hours(lm_by_day[lm_day])}; with this plan it is {fmt_day(b_day, weekday=True)} with "
            f"{fmt_hours(balanced_by_day[b_day])}."
        )
    advice: list[tuple[float, int, str]] = []
    tasks = plan.tasks
    for row in tasks.itertuples(index=False):
        if not row.hours > 0 or pd.isna(row.first_day):
            continue
        first = int(np.datetime64(row.first_day, "D").astype(np.int64))
        last = int(np.datetime64(row.last_day, "D").astype(np.int64))
        due = int(np.datetime64(row.work_until, "D").astype(np.int64))
        if first >= due:
            continue  # done on its work day anyway: nothing to start early
        own = sessions.loc[sessions["assignment_id"] == row.assignment_id, "hours"]
        per_day = float(own.median()) if len(own) else row.hours
        protected = balanced_by_day.get(due, 0.0)
        last_minute = lm_by_day.get(due)
        name = f"'{row.title}' ({row.course})" if row.course else f"'{row.title}'"
        text = f"Start {name} by {fmt_day(first)}, about {fmt_hours(per_day)} a day, to keep {fmt_day(due)} under {fmt_hours(_half_up(protected))}"
        text += f" (last-minute: {fmt_hours(last_minute)})." if last_minute is not None else "."
        if last < due:
            text = text[:-1] + f"; finish by {fmt_day(last)}."
        gain = (last_minute - protected) if last_minute is not None else row.hours
        advice.append((gain, first, text))
    advice.sort(key=lambda t: -t[0])
    kept = sorted(advice[:max_sentences], key=lambda t: t[1])
    sentences.extend(t[2] for t in kept)
    dropped = plan.dropped
    for row in dropped.itertuples(index=False):
        name = f"'{row.title}' ({row.course})" if isinstance(row.course, str) and row.course else f"'{row.title}'"
        if row.code == "unschedulable":
            sentences.append(f"{name} cannot be planned: {row.reason}. Ask for an extension or free up time.")
        elif row.code == "undated":
            sentences.append(f"{name} has no due date, so it is not in the plan.")
        elif row.code == "no_estimate":
            sentences.append(f"{name} has no effort estimate, so it is not in the plan.")
        elif row.code == "past_due":
            sentences.append(f"{name} is not in the plan: {row.reason}.")
    if plan.critical_window is not None and plan.peak > 1 + 1e-12:
        sentences.append(
            f"Even the best plan needs {plan.peak:.0%} of your free time during "
            f"{fmt_range(*plan.critical_window)}: look for extra hours there first."
        )
    return Suggestions(sentences=sentences, sessions=sessions)
