"""Suggestions: a balanced plan told as a few sentences, plus calendar sessions.

The sentences follow docs/workload-research.md §6 and Ariely & Wertenbroch (2002):
concrete, self-imposed start dates help.  Each "start by" sentence names the
assignment, the first day of its work in the balanced plan, the daily amount,
and the day it protects — the work day that would be heaviest if the work
were left to the last minute:

    Start 'Essay 2' (HIST 101) by Oct 3, about 2 h a day, to keep Oct 9
    under 4 h (last-minute: 9.5 h).

Every number in a sentence is read off the plan or the last-minute load, so a
student can check it against the sessions.  The same advice comes as a table
(:attr:`Suggestions.advice`) with a one-sentence *why* per assignment, for
pages that list the assignments themselves.  Work that is done, past or
undated is never a suggestion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._format import fmt_day, fmt_hours, fmt_range
from .days import day_to_date
from .density import LastMinuteProfile, daily_load
from .plan import BalancedPlan

__all__ = ["ADVICE_COLUMNS", "Suggestions", "suggestions"]


ADVICE_COLUMNS = ("assignment_id", "course", "title", "start", "finish", "work_day", "per_day", "hours",
                  "planned", "last_minute", "gain", "sentence", "why")
"""Columns of :attr:`Suggestions.advice`."""


@dataclass
class Suggestions:
    """What to tell the student.

    Attributes
    ----------
    sentences : list of str
        Most useful first: the critical window, the peak comparison, then
        "start by" advice in date order, then what cannot be planned and
        needs the student (no free hours before it is due, no estimate).
        Work that is done, past or undated is never a suggestion; it is in
        the plan's ``dropped`` table.
    sessions : pandas.DataFrame
        ``student, assignment_id, course, title, date, hours, summary`` —
        one row per assignment per day, for a calendar.
    advice : pandas.DataFrame
        One row per assignment worth starting before its work day, in the
        order to start them (:data:`ADVICE_COLUMNS`; the sentences tell only
        the ``max_sentences`` with the biggest ``gain``): ``start``/``finish`` (first and last
        session), ``work_day`` (the day it protects, its work day),
        ``per_day`` (median session, hours), ``hours`` (its effort),
        ``planned`` (the balanced load of the work day), ``last_minute``
        (that day's last-minute load, ``NaN`` without one), ``gain``
        (hours the plan takes off that day), ``sentence``, and ``why``: the
        same reason in one sentence, for a list that names the assignment
        itself.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.plan import balanced
    >>> from muffin_analytics.suggest import suggestions
    >>> df = conform(pd.DataFrame({"student": ["s"], "assignment_id": ["e2"], "title": ["Essay 2"],
    ...     "est_hours": [6.0], "due_at": ["2026-10-09T23:00:00Z"]}))
    >>> s = suggestions(df, balanced(df, capacity=3, start="2026-10-05"))
    >>> s.advice[["assignment_id", "start", "work_day"]].to_numpy().tolist()
    [['e2', datetime.date(2026, 10, 5), datetime.date(2026, 10, 9)]]
    """

    sentences: list[str]
    sessions: pd.DataFrame
    advice: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(ADVICE_COLUMNS)))


def _half_up(x: float) -> float:
    """Smallest multiple of 0.5 h strictly above *x* ("under 4 h" must be true)."""
    return (math.floor(x / 0.5 + 1e-9) + 1) * 0.5


def _busiest(load: dict[int, float]) -> int:
    """Earliest day with the highest load (float ties resolved to the earliest)."""
    top = max(load.values())
    return min(d for d, h in load.items() if h >= top - 1e-9)


def _day(value: object) -> int:
    return int(np.datetime64(value, "D").astype(np.int64))


def _by_day(frame: pd.DataFrame) -> dict[int, float]:
    return dict(zip(frame["date"].to_numpy(dtype="datetime64[D]").astype(np.int64).tolist(), frame["hours"].tolist()))


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
        :class:`~muffin_analytics.density.LastMinuteProfile` (a student's
        own comes from :func:`muffin_analytics.calibration.lead_profile`).
    max_sentences : int, default 8
        Cap on "start by" sentences (the ones with the biggest effect are kept).

    Returns
    -------
    Suggestions
        ``.sentences``, ``.sessions`` and ``.advice``; assignment ids keep
        the type they had in *df* (int or str).

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
    >>> print(s.advice["why"].iloc[0])
    Left to the last minute, Fri Oct 9 would hold 3.8 h; starting on Mon Oct 5 keeps it under 2 h.
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
    balanced_by_day = _by_day(plan.days)
    lm_by_day: dict[int, float] = {}
    if df is not None and len(plan.tasks):
        sub = df
        if "student" in df.columns and plan.student is not None:
            sub = df.loc[df["student"] == plan.student]
        sub = sub.loc[sub["assignment_id"].isin(plan.tasks["assignment_id"])]
        if len(sub):
            lm_by_day = _by_day(daily_load(sub, profile or LastMinuteProfile(), tz=plan.tz))
    sentences.append(plan.explain().split(" Left out of the plan")[0])
    if lm_by_day and balanced_by_day:
        lm_day = _busiest(lm_by_day)
        b_day = _busiest(balanced_by_day)
        sentences.append(
            f"Left to the last minute, your busiest day would be {fmt_day(lm_day, weekday=True)} with "
            f"{fmt_hours(lm_by_day[lm_day])}; with this plan it is {fmt_day(b_day, weekday=True)} with "
            f"{fmt_hours(balanced_by_day[b_day])}."
        )
    rows: list[dict[str, object]] = []
    per_day_of = sessions.groupby("assignment_id", sort=False)["hours"].median().to_dict() if len(sessions) else {}
    for row in plan.tasks.itertuples(index=False):
        if not row.hours > 0 or pd.isna(row.first_day):
            continue
        first, last, due = _day(row.first_day), _day(row.last_day), _day(row.work_until)
        if first >= due:
            continue  # done on its work day anyway: nothing to start early
        per_day = float(per_day_of.get(row.assignment_id, row.hours))
        protected = balanced_by_day.get(due, 0.0)
        last_minute = lm_by_day.get(due)
        limit = fmt_hours(_half_up(protected))
        name = f"'{row.title}' ({row.course})" if row.course else f"'{row.title}'"
        text = f"Start {name} by {fmt_day(first)}, about {fmt_hours(per_day)} a day, to keep {fmt_day(due)} under {limit}"
        text += f" (last-minute: {fmt_hours(last_minute)})." if last_minute is not None else "."
        if last < due:
            text = text[:-1] + f"; finish by {fmt_day(last)}."
        if last_minute is not None:
            why = (f"Left to the last minute, {fmt_day(due, weekday=True)} would hold {fmt_hours(last_minute)}; "
                   f"starting on {fmt_day(first, weekday=True)} keeps it under {limit}.")
        else:
            why = (f"It needs about {fmt_hours(row.hours)} before {fmt_day(due, weekday=True)}; from "
                   f"{fmt_day(first, weekday=True)} that is {fmt_hours(per_day)} a day.")
        rows.append({
            "assignment_id": row.assignment_id, "course": row.course, "title": row.title,
            "start": day_to_date(first), "finish": day_to_date(last), "work_day": day_to_date(due),
            "per_day": per_day, "hours": float(row.hours), "planned": protected,
            "last_minute": np.nan if last_minute is None else last_minute,
            "gain": (last_minute - protected) if last_minute is not None else float(row.hours),
            "sentence": text, "why": why,
        })
    # The ones that lower their day most are kept, then told in date order.
    kept = sorted(sorted(rows, key=lambda r: -r["gain"])[:max_sentences], key=lambda r: r["start"])
    sentences.extend(str(r["sentence"]) for r in kept)
    advice = pd.DataFrame(sorted(rows, key=lambda r: (r["start"], -r["gain"])), columns=list(ADVICE_COLUMNS))
    if len(advice):
        advice["assignment_id"] = advice["assignment_id"].astype(plan.tasks["assignment_id"].dtype)
    for row in plan.dropped.itertuples(index=False):
        name = f"'{row.title}' ({row.course})" if isinstance(row.course, str) and row.course else f"'{row.title}'"
        if row.code == "unschedulable":
            sentences.append(f"{name} cannot be planned: {row.reason}. Ask for an extension or free up time.")
        elif row.code == "no_estimate":
            sentences.append(f"{name} has no effort estimate, so it is not in the plan.")
    if plan.critical_window is not None and plan.peak > 1 + 1e-12:
        sentences.append(
            f"Even the best plan needs {plan.peak:.0%} of your free time during "
            f"{fmt_range(*plan.critical_window)}: look for extra hours there first."
        )
    return Suggestions(sentences=sentences, sessions=sessions, advice=advice)
