"""Crunch detection: overloaded days and weeks, and bunched deadlines.

Rules (docs/workload-research.md §6):

* **crunch day** — a day's load L_t exceeds the free hours h_t (when a
  capacity is given), or exceeds ``day_ratio`` (1.5) × the student's median
  daily load, the median taken over days with at least 15 minutes of work
  (the last-minute profile leaves minutes-long tails that would drag a plain
  non-zero median down) and the rule applied only to days of at least
  ``min_day_hours`` (3 h) — a 1.5-hour day is nobody's crunch;
* **crunch week** — a week's load exceeds ``week_ratio`` (1.25) × the weekly
  budget B (default 30 h: 2 h of study per credit per week for 15 credits,
  the US credit-hour rule, 34 CFR 600.2);
* **deadline cluster** — some 72-hour window holds an unusual number of
  deadlines for this student (at least 1.5 × their mean per 72 hours over
  the term, and at least 3; :func:`deadline_clusters`) or ≥ 0.5·B hours
  of estimated work due;
  overlapping windows merge into one cluster.  A fixed count would not do:
  with four courses that each post something weekly, every 72 hours hold
  three deadlines and the windows chain into one term-long "cluster".

Each row carries a ``reason`` a student can check ("Tue Oct 6: 9.5 h of work
vs 4 h free (2.4×)") and a ``severity`` (load ÷ limit; > 1 is a crunch).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._format import fmt_day, fmt_hours, fmt_wall_minute
from .capacity import CapacityLike, capacity_array
from .days import DUE_CUTOFF_HOUR, days_to_datetime64, local_wall, resolve_tz
from .errors import InputError, SchemaError
from .schema import validate

__all__ = ["DEFAULT_WEEKLY_BUDGET", "MIN_CLUSTER_COUNT", "CLUSTER_RATIO", "CRUNCH_COLUMNS", "detect", "deadline_clusters"]

DEFAULT_WEEKLY_BUDGET: float = 30.0
"""B: study hours per week outside class (2 h per credit × 15 credits)."""

MIN_CLUSTER_COUNT: int = 3
"""Fewest deadlines that can make a cluster."""

CLUSTER_RATIO: float = 1.5
"""A cluster holds at least this many times the student's usual deadlines per window."""

CRUNCH_COLUMNS = ("student", "level", "start", "end", "hours", "limit", "severity", "n_deadlines", "reason")
"""Columns of :func:`detect`'s result."""

_US_PER_DAY = 86_400_000_000


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "student": pd.Series(dtype="str"),
            "level": pd.Series(dtype="str"),
            "start": pd.Series(dtype="datetime64[us]"),
            "end": pd.Series(dtype="datetime64[us]"),
            "hours": pd.Series(dtype="float64"),
            "limit": pd.Series(dtype="float64"),
            "severity": pd.Series(dtype="float64"),
            "n_deadlines": pd.Series(dtype="Int64"),
            "reason": pd.Series(dtype="str"),
        }
    )


def _day_numbers(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy(dtype="datetime64[D]").astype(np.int64)


_MIN_SESSION_HOURS = 0.25


def _crunch_days(load: pd.DataFrame, capacity: CapacityLike | None, day_ratio: float, min_day_hours: float) -> pd.DataFrame:
    if load.empty:
        return _empty()
    daily = load.groupby(["student", "date"], sort=True, as_index=False)["hours"].sum()
    day = _day_numbers(daily["date"])
    hours = daily["hours"].to_numpy(dtype=float)
    positive = daily.loc[hours >= _MIN_SESSION_HOURS]
    median = positive.groupby("student")["hours"].median()
    typical = daily["student"].map(median).to_numpy(dtype=float)
    ratio_limit = day_ratio * typical
    if capacity is not None:
        first = int(day.min())
        cap = capacity_array(capacity, first, int(day.max()) - first + 1)[day - first]
    else:
        cap = np.full(len(day), np.inf)
    over_cap = hours > cap + 1e-9
    over_typ = (hours > ratio_limit + 1e-9) & (hours >= min_day_hours)
    hit = over_cap | over_typ
    if not hit.any():
        return _empty()
    # Report the binding rule: free hours when exceeded, else the typical day.
    limit = np.where(over_cap, cap, ratio_limit)
    with np.errstate(divide="ignore", invalid="ignore"):
        severity = np.where(limit > 0, hours / limit, np.inf)
    reasons = []
    for i in np.flatnonzero(hit):
        when = fmt_day(int(day[i]), weekday=True)
        if over_cap[i]:
            if cap[i] > 0:
                reasons.append(f"{when}: {fmt_hours(hours[i])} of work vs {fmt_hours(cap[i])} free ({severity[i]:.1f}×)")
            else:
                reasons.append(f"{when}: {fmt_hours(hours[i])} of work on a day with no free time")
        else:
            reasons.append(
                f"{when}: {fmt_hours(hours[i])} of work, {hours[i] / typical[i]:.1f}× your typical day ({fmt_hours(typical[i])})"
            )
    sel = hit
    return pd.DataFrame(
        {
            "student": daily.loc[sel, "student"].astype("str").to_numpy(),
            "level": "day",
            "start": daily.loc[sel, "date"].to_numpy(),
            "end": daily.loc[sel, "date"].to_numpy(),
            "hours": hours[sel],
            "limit": limit[sel],
            "severity": severity[sel],
            "n_deadlines": pd.array([pd.NA] * int(sel.sum()), dtype="Int64"),
            "reason": pd.Series(reasons, dtype="str"),
        }
    )


def _crunch_weeks(load: pd.DataFrame, budget: float, week_ratio: float) -> pd.DataFrame:
    if load.empty:
        return _empty()
    dates = load["date"]
    week = (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).astype("datetime64[us]")
    weekly = load.assign(week=week).groupby(["student", "week"], sort=True, as_index=False)["hours"].sum()
    limit = week_ratio * budget
    hit = weekly["hours"].to_numpy() > limit + 1e-9
    if not hit.any():
        return _empty()
    w = weekly.loc[hit]
    reasons = [
        f"Week of {fmt_day(int(d))}: {fmt_hours(h)} of work vs a {fmt_hours(budget)} weekly budget ({h / budget:.1f}×)"
        for d, h in zip(_day_numbers(w["week"]), w["hours"])
    ]
    return pd.DataFrame(
        {
            "student": w["student"].astype("str").to_numpy(),
            "level": "week",
            "start": w["week"].to_numpy(),
            "end": (w["week"] + pd.Timedelta(days=6)).to_numpy(),
            "hours": w["hours"].to_numpy(),
            "limit": limit,
            "severity": w["hours"].to_numpy() / limit,
            "n_deadlines": pd.array([pd.NA] * len(w), dtype="Int64"),
            "reason": pd.Series(reasons, dtype="str"),
        }
    )


def _cluster_counts(codes: np.ndarray, secs: np.ndarray, window_hours: float, n_students: int) -> np.ndarray:
    """Per student: deadlines in one window that make a cluster (1.5 × the usual, at least 3).

    *codes* are sorted by student.  The usual count is the mean number of
    deadlines in a window sliding over the student's term: a window starting
    anywhere from one window before their first deadline to their last
    deadline holds on average n · window ÷ (span + window) of their n
    deadlines.
    """
    n = np.bincount(codes, minlength=n_students).astype(float)
    first = np.full(n_students, np.iinfo(np.int64).max)
    last = np.full(n_students, np.iinfo(np.int64).min)
    np.minimum.at(first, codes, secs)
    np.maximum.at(last, codes, secs)
    window = window_hours * 3600
    usual = n * window / ((last - first).astype(float) + window)
    # All of a student's deadlines in one window is a cluster, however few the window then "usually" holds.
    need = np.minimum(np.ceil(CLUSTER_RATIO * usual - 1e-9), n)
    return np.maximum(MIN_CLUSTER_COUNT, need).astype(np.int64)


def deadline_clusters(
    df: pd.DataFrame,
    *,
    window_hours: float = 72.0,
    min_count: int | None = None,
    min_hours: float | None = 0.5 * DEFAULT_WEEKLY_BUDGET,
    tz: str | None = None,
    cutoff_hour: int = DUE_CUTOFF_HOUR,
) -> pd.DataFrame:
    """Bunched deadlines: windows of *window_hours* with many deadlines or hours due.

    A window starts at each deadline and holds every deadline of that
    student up to *window_hours* later; it is *busy* when it holds
    *min_count* deadlines or *min_hours* hours.  Clusters are busy windows,
    taken in time order without overlap: the first busy window is a cluster,
    and the next cluster is the first busy window that starts after its last
    deadline.  Each cluster therefore spans at most *window_hours*, as its
    reason says, and a term of steady deadlines gives one short cluster per
    bunch, never one term-long chain.  A deadline of a busy window that
    starts inside an earlier cluster belongs to that window only; it is
    reported if a later busy window holds it.

    Parameters
    ----------
    df : pandas.DataFrame
        Assignments (``student``, ``due_at``; ``est_hours``, ``title``,
        ``course`` used when present).  Undated rows are ignored.
    window_hours : float, default 72
    min_count : int, optional
        Deadlines in one window that make a cluster.  Default: per student,
        :data:`CLUSTER_RATIO` (1.5) × the mean number of their deadlines in a
        window sliding over their term (n · window ÷ (span + window), span =
        first to last deadline), rounded up, at most n and at least
        :data:`MIN_CLUSTER_COUNT` (3).
    min_hours : float or None, default 15 (0.5 × B)
        Estimated hours due in one window that make a cluster.
    tz : str, optional
        Zone for the times in the reasons (default ``tz`` column, else UTC).
    cutoff_hour : int, default 5
        ``start``/``end`` are work days: deadlines before this hour count
        toward the previous day.

    Returns
    -------
    pandas.DataFrame
        :data:`CRUNCH_COLUMNS` with ``level == "cluster"``, one row per
        cluster; ``start``/``end`` are the work days of its first and last
        deadline; ``n_deadlines`` and ``hours`` count the deadlines of its
        window.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.crunch import deadline_clusters
    >>> df = conform(pd.DataFrame({"student": ["s"] * 4, "assignment_id": [1, 2, 3, 4],
    ...     "title": ["A", "B", "C", "D"], "est_hours": [1.0] * 4,
    ...     "due_at": ["2026-10-05T12:00Z", "2026-10-06T12:00Z", "2026-10-08T11:00Z", "2026-10-20T12:00Z"]}))
    >>> out = deadline_clusters(df)
    >>> out[["n_deadlines", "hours"]].to_numpy().tolist()
    [[3, 3.0]]
    """
    used = ["student", "due_at", *[c for c in ("assignment_id", "est_hours", "title", "course", "tz") if c in df.columns]]
    validate(df, columns=used)
    if window_hours <= 0 or (min_count is not None and min_count < 1):
        raise InputError("window_hours must be > 0 and min_count >= 1")
    sub = df.loc[df["due_at"].notna()]
    if sub.empty:
        return _empty()
    codes, labels = pd.factorize(sub["student"], sort=True)
    due_us = sub["due_at"].to_numpy(dtype="datetime64[us]").astype(np.int64)
    order = np.lexsort((due_us, codes))
    codes, due_us = codes[order], due_us[order]
    rows = sub.iloc[order]
    hours = rows["est_hours"].fillna(0.0).to_numpy(dtype=float) if "est_hours" in rows.columns else np.zeros(len(rows))
    # Seconds fit beside the student code in one int64 key: one searchsorted
    # finds every window's last deadline without crossing students.
    secs = due_us // 1_000_000
    base = secs.min()
    key = codes.astype(np.int64) * (int(secs.max() - base) + int(window_hours * 3600) + 1) + (secs - base)
    end = np.searchsorted(key, key + int(window_hours * 3600), side="right") - 1
    count = end - np.arange(len(key)) + 1
    prefix = np.concatenate(([0.0], np.cumsum(hours)))
    due_hours = prefix[end + 1] - prefix[np.arange(len(key))]
    threshold = _cluster_counts(codes, secs, window_hours, len(labels)) if min_count is None else np.full(len(labels), min_count)
    flagged = count >= threshold[codes]
    if min_hours is not None:
        flagged |= due_hours >= min_hours - 1e-9
    idx = np.flatnonzero(flagged)
    if not len(idx):
        return _empty()
    # Busy windows in time order, skipping those that start inside the cluster
    # just taken: merging them would chain a steady term into one cluster.
    firsts = []
    at = 0
    while at < len(idx):
        firsts.append(idx[at])
        at = int(np.searchsorted(idx, end[idx[at]], side="right"))
    cluster_first = np.asarray(firsts, dtype=np.intp)
    cluster_last = end[cluster_first]
    zones = resolve_tz(rows, tz)
    wall = local_wall(rows["due_at"], zones)
    work_day = (wall.astype(np.int64) - cutoff_hour * 3_600_000_000) // _US_PER_DAY
    titles = rows["title"].astype("str").to_numpy(dtype=object) if "title" in rows.columns else np.full(len(rows), "?", dtype=object)
    courses = rows["course"].astype("str").to_numpy(dtype=object) if "course" in rows.columns else np.full(len(rows), "", dtype=object)
    minute = (wall.astype(np.int64) // 60_000_000).tolist()
    reasons, n_dead, tot_hours, severity = [], [], [], []
    for a, b in zip(cluster_first.tolist(), cluster_last.tolist()):
        n = b - a + 1
        h = float(due_hours[a])
        names = [f"{titles[i]} ({courses[i]})" if courses[i] else str(titles[i]) for i in range(a, min(b + 1, a + 4))]
        more = f" and {n - 4} more" if n > 4 else ""
        span = f"{fmt_wall_minute(minute[a])} – {fmt_wall_minute(minute[b])}"
        why = []
        need = int(threshold[codes[a]])
        if n >= need:
            why.append(f"{n} deadlines within {window_hours:g} h")
        if min_hours is not None and h >= min_hours - 1e-9:
            why.append(f"{fmt_hours(h)} of work due within {window_hours:g} h")
        reasons.append(f"{' and '.join(why).capitalize()} ({span}): {', '.join(names)}{more}")
        n_dead.append(n)
        tot_hours.append(h)
        sev = n / need
        if min_hours:
            sev = max(sev, h / min_hours)
        severity.append(sev)
    return pd.DataFrame(
        {
            "student": pd.Series(np.asarray(labels, dtype=object)[codes[cluster_first]], dtype="str"),
            "level": "cluster",
            "start": days_to_datetime64(work_day[cluster_first]),
            "end": days_to_datetime64(work_day[cluster_last]),
            "hours": tot_hours,
            "limit": float(min_hours) if min_hours is not None else np.nan,
            "severity": severity,
            "n_deadlines": pd.array(n_dead, dtype="Int64"),
            "reason": pd.Series(reasons, dtype="str"),
        }
    )


def detect(
    load: pd.DataFrame,
    assignments: pd.DataFrame | None = None,
    *,
    capacity: CapacityLike | None = None,
    weekly_budget: float = DEFAULT_WEEKLY_BUDGET,
    day_ratio: float = 1.5,
    min_day_hours: float = 3.0,
    week_ratio: float = 1.25,
    cluster_hours: float = 72.0,
    cluster_count: int | None = None,
    cluster_share: float = 0.5,
    tz: str | None = None,
) -> pd.DataFrame:
    """Crunch days, crunch weeks and deadline clusters, each with a reason.

    Parameters
    ----------
    load : pandas.DataFrame
        A :func:`muffin_analytics.density.daily_load` table (per course rows
        are summed per day).
    assignments : pandas.DataFrame, optional
        The assignments behind *load*; needed for deadline clusters.
    capacity : number, 7 numbers or mapping, optional
        Free hours per day; without it only the typical-day rule applies.
    weekly_budget : float, default 30
        B in hours per week.
    day_ratio, week_ratio : float
        Multipliers of the typical day and of B.
    min_day_hours : float, default 3
        The typical-day rule ignores lighter days.
    cluster_hours, cluster_count, cluster_share : float, int or None, float
        Cluster rule: ``cluster_count`` deadlines (default: 1.5 × the
        student's usual number, at least 3; see :func:`deadline_clusters`) or
        ``cluster_share × B`` hours due within ``cluster_hours``.
    tz : str, optional
        For cluster reasons; default the ``tz`` column.

    Returns
    -------
    pandas.DataFrame
        :data:`CRUNCH_COLUMNS`; ``level`` is ``"day"``, ``"week"`` or
        ``"cluster"``; sorted by student, start, level.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.crunch import detect
    >>> load = pd.DataFrame({"student": ["s"] * 3, "hours": [2.0, 2.0, 9.0],
    ...     "date": pd.to_datetime(["2026-10-05", "2026-10-06", "2026-10-07"])})
    >>> detect(load, capacity=4)["reason"].tolist()
    ['Wed Oct 7: 9 h of work vs 4 h free (2.2×)']
    """
    missing = [c for c in ("student", "date", "hours") if c not in load.columns]
    if missing:
        raise SchemaError(f"detect needs a daily_load table; missing column(s) {missing}")
    if weekly_budget <= 0 or day_ratio <= 0 or week_ratio <= 0:
        raise InputError("weekly_budget, day_ratio and week_ratio must be positive")
    parts = [_crunch_days(load, capacity, day_ratio, min_day_hours), _crunch_weeks(load, weekly_budget, week_ratio)]
    if assignments is not None:
        parts.append(
            deadline_clusters(
                assignments,
                window_hours=cluster_hours,
                min_count=cluster_count,
                min_hours=cluster_share * weekly_budget,
                tz=tz,
            )
        )
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    order = {"cluster": 0, "week": 1, "day": 2}
    out = out.assign(_o=out["level"].map(order)).sort_values(["student", "start", "_o"], kind="stable").drop(columns="_o")
    return out.reset_index(drop=True)
