"""Slow, obviously-correct versions of the fast code: test oracles and benchmark baselines.

:func:`daily_load_naive` is what :func:`muffin_analytics.density.daily_load`
computes, written the straightforward way — one row at a time with
``iterrows``, ``zoneinfo`` conversions and an iterative water-filling for the
capped exponential instead of the closed form.  The tests compare the two on
random tables; ``bench/analytics_daily_load.py`` times the speed-up.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import defaultdict

import pandas as pd

from .days import DUE_CUTOFF_HOUR
from .density import EvenProfile, LastMinuteProfile

__all__ = ["capped_exponential", "daily_load_naive"]


def capped_exponential(effort: float, days: int, tau: float, cap: float) -> list[float]:
    """Hours on each day of a window (work day first) by iterative water-filling.

    Distribute *effort* ∝ exp(−k/τ); any day over *cap* is fixed at the cap
    and the rest redistributed over the uncapped days, until none exceeds it.
    If even the cap on every day is not enough, spread evenly.

    Examples
    --------
    >>> from muffin_analytics.reference import capped_exponential
    >>> capped_exponential(20.0, 3, 1.0, 8.0)
    [8.0, 8.0, 4.0]
    """
    days = max(int(days), 1)
    if effort > days * cap * (1 + 1e-12):
        return [effort / days] * days
    weights = [math.exp(-k / tau) for k in range(days)]
    fixed: dict[int, float] = {}
    while True:
        free = [k for k in range(days) if k not in fixed]
        rest = effort - sum(fixed.values())
        total = sum(weights[k] for k in free)
        alloc = {k: rest * weights[k] / total for k in free}
        over = [k for k, v in alloc.items() if v > cap * (1 + 1e-12)]
        if not over:
            out = {**fixed, **alloc}
            return [out[k] for k in range(days)]
        for k in over:
            fixed[k] = cap


def _local(ts: pd.Timestamp, zone: str) -> dt.datetime:
    return ts.to_pydatetime().astimezone(zoneinfo.ZoneInfo(zone))


def daily_load_naive(
    df: pd.DataFrame,
    profile: object = "last_minute",
    tz: str | None = None,
    cutoff_hour: int = DUE_CUTOFF_HOUR,
) -> pd.DataFrame:
    """Row-by-row :func:`~muffin_analytics.density.daily_load` (students only, no course split).

    Returns
    -------
    pandas.DataFrame
        ``student, date, hours`` for days with positive hours, sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.reference import daily_load_naive
    >>> df = conform(pd.DataFrame({"student": ["s"], "assignment_id": [1], "est_hours": [6.0],
    ...     "due_at": ["2026-10-09T23:00:00Z"], "unlock_at": ["2026-10-07T00:00:00Z"]}))
    >>> daily_load_naive(df, "even")["hours"].tolist()
    [2.0, 2.0, 2.0]
    """
    prof = {"last_minute": LastMinuteProfile(), "even": EvenProfile()}.get(profile, profile) if isinstance(profile, str) else profile
    totals: dict[tuple[str, dt.date], float] = defaultdict(float)
    for _, row in df.iterrows():
        if pd.isna(row["due_at"]) or pd.isna(row["est_hours"]):
            continue
        zone = tz or (row["tz"] if "tz" in df.columns and isinstance(row["tz"], str) else "UTC")
        due = _local(row["due_at"], zone)
        work = due.date() - dt.timedelta(days=1) if due.time() < dt.time(cutoff_hour) else due.date()
        horizon = prof.horizon
        # An exam's or a quiz's unlock opens the sitting; studying starts before it.
        opens_sitting = "kind" in df.columns and row["kind"] in ("exam", "quiz")
        if "unlock_at" in df.columns and not pd.isna(row["unlock_at"]) and not opens_sitting:
            first = _local(row["unlock_at"], zone).date()
        else:
            first = work - dt.timedelta(days=horizon - 1)
        first = min(first, work)
        if isinstance(prof, LastMinuteProfile):
            first = max(first, work - dt.timedelta(days=horizon - 1))
        end = work
        if isinstance(prof, LastMinuteProfile):
            end = max(work - dt.timedelta(days=prof.finish_days), first)
        length = (end - first).days + 1
        if isinstance(prof, LastMinuteProfile):
            hours = capped_exponential(float(row["est_hours"]), length, prof.tau_days, prof.cap_hours)
        else:
            hours = [float(row["est_hours"]) / length] * length
        for k, h in enumerate(hours):
            if h > 0:
                totals[(str(row["student"]), end - dt.timedelta(days=k))] += h
    rows = sorted(totals.items())
    return pd.DataFrame(
        {
            "student": pd.Series([k[0] for k, _ in rows], dtype="str"),
            "date": pd.to_datetime(pd.Series([k[1] for k, _ in rows], dtype="object")).astype("datetime64[us]"),
            "hours": pd.Series([v for _, v in rows], dtype="float64"),
        }
    )
