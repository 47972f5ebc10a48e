"""Balanced plans: meet every deadline with the lowest possible daily peak.

Model (docs/workload-research.md §3).  Day *t* has capacity c_t ≥ 0 free hours.
Assignment *j* needs p_j hours (``est_hours``) and may be worked on from its
release day r_j = max(unlock day, plan start) to its work day d_j (the due day,
or the day before for deadlines before 05:00, see :mod:`muffin_analytics.days`).
Work may be split across days.

**Lower bound.**  For any window of days [a, b], the work that *must* happen
inside it is W(a, b) = Σ p_j over assignments with a ≤ r_j and d_j ≤ b, and the
free time is C(a, b) = Σ c_t.  No plan can keep every day's load below
λ*·c_t with

    λ* = max over windows of W(a, b) / C(a, b).

The window attaining it is the *critical window*; λ* > 1 means the work does
not fit the free hours.

**The bound is attained** (Horn 1974): earliest-deadline-first with a daily
budget λ*·c_t meets every deadline.  We go further and compute the
Yao–Demers–Shenker (1995) schedule: take the window of highest intensity,
run its assignments at exactly that intensity (EDF inside the window), remove
its days and repeat.  YDS minimises every convex cost of the daily load ratios
at once — the peak *and* Σ load² — so it is the most level plan, not just one
with the optimal peak.

Implementation: per round, the intensities of all candidate windows (starts at
release days, ends at work days) come from a 2-D cumulative sum of a
release × deadline effort matrix and a prefix sum of capacities; removed days
get capacity 0 instead of being collapsed, which leaves every other window's
intensity unchanged.  EDF then runs once per round over that round's days.

Rows are never dropped silently: undated, already submitted, unestimated,
past-due and unschedulable assignments (no free hour in their window) are
listed in :attr:`BalancedPlan.dropped` with a ``code`` and a ``reason``.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._format import fmt_day, fmt_hours, fmt_range
from .capacity import Capacity, CapacityLike, capacity_array
from .crunch import DEFAULT_WEEKLY_BUDGET
from .days import DUE_CUTOFF_HOUR, NO_DAY, day_number, day_to_date, days_to_datetime64, local_day, resolve_tz, work_day
from .density import daily_load, to_weekly
from .errors import InputError, PlanError, SchemaError
from .schema import DROPPED_COLUMNS, _rows, validate, work_unlock

__all__ = [
    "DEFAULT_LEAD_DAYS",
    "BalancedPlan",
    "MIN_EFFORT_HOURS",
    "WHAT_IF_COLUMNS",
    "WhatIf",
    "balanced",
    "balanced_many",
    "critical_intensity",
    "dropped_table",
    "what_if",
    "yds",
]

DEFAULT_LEAD_DAYS: int = 7
"""With ``start=None``, an assignment without an unlock date counts as workable this many days before its work day."""

_NEEDED = ("student", "assignment_id", "due_at", "unlock_at", "est_hours")


# --------------------------------------------------------------------------
# The algorithm, on day indices.
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Yds:
    task_round: np.ndarray  # round of each task
    day_round: np.ndarray  # round of each day, -1 if idle
    levels: np.ndarray  # intensity of each round (non-increasing)
    first: np.ndarray  # window of each round (day indices)
    last: np.ndarray
    work: np.ndarray  # W of each round's window when it was chosen
    free: np.ndarray  # C of each round's window when it was chosen
    s_task: np.ndarray  # sessions: task index, day index, hours
    s_day: np.ndarray
    s_hours: np.ndarray


def critical_intensity(release: np.ndarray, deadline: np.ndarray, effort: np.ndarray, capacity: np.ndarray) -> tuple[float, int, int]:
    """λ* and its window for tasks on day indices ``0 .. len(capacity)-1``.

    Parameters
    ----------
    release, deadline : array of int
        First and last day index on which each task may be worked (inclusive).
    effort : array of float
        Hours per task (> 0).
    capacity : array of float
        Free hours per day.

    Returns
    -------
    (float, int, int)
        λ* = max W(a, b) / C(a, b) and the first and last day index of the
        window attaining it (``inf`` if some task's window has no capacity;
        ``(0.0, -1, -1)`` for no tasks).

    Examples
    --------
    >>> import numpy as np
    >>> from muffin_analytics.plan import critical_intensity
    >>> critical_intensity(np.array([0, 0]), np.array([1, 3]), np.array([6.0, 2.0]), np.full(4, 4.0))
    (0.75, 0, 1)
    """
    release = np.asarray(release, dtype=np.int64)
    deadline = np.asarray(deadline, dtype=np.int64)
    effort = np.asarray(effort, dtype=float)
    if release.size == 0:
        return 0.0, -1, -1
    ru, ri = np.unique(release, return_inverse=True)
    du, di = np.unique(deadline, return_inverse=True)
    nr, nd = len(ru), len(du)
    m = np.bincount(ri * nd + di, weights=effort, minlength=nr * nd).reshape(nr, nd)
    w = m[::-1].cumsum(0)[::-1].cumsum(1)
    prefix = np.concatenate(([0.0], np.cumsum(capacity, dtype=float)))
    c = prefix[du + 1][None, :] - prefix[ru][:, None]
    valid = c > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        inten = np.where(valid, w / np.where(valid, c, 1.0), np.where((w > 0) & (du[None, :] >= ru[:, None]), np.inf, -np.inf))
    k = int(np.argmax(inten))
    i, j = divmod(k, nd)
    return float(inten[i, j]), int(ru[i]), int(du[j])


def yds(release: np.ndarray, deadline: np.ndarray, effort: np.ndarray, capacity: np.ndarray) -> _Yds:
    """Yao–Demers–Shenker schedule on day indices.

    Parameters
    ----------
    release, deadline : array of int
        Inclusive day-index windows; every window must contain a day of
        positive capacity (filter with the plan's *unschedulable* check).
    effort : array of float
        Hours per task, all > 0.
    capacity : array of float
        Free hours per day.

    Returns
    -------
    _Yds
        Rounds (window, intensity), the round of every task and day, and the
        sessions (task index, day index, hours).  A day of round *k* carries
        exactly ``levels[k] * capacity[day]`` hours.

    Examples
    --------
    >>> import numpy as np
    >>> from muffin_analytics.plan import yds
    >>> out = yds(np.array([0, 0]), np.array([1, 3]), np.array([6.0, 2.0]), np.full(4, 4.0))
    >>> out.levels.tolist(), out.s_hours.tolist()
    ([0.75, 0.25], [3.0, 3.0, 1.0, 1.0])
    """
    release = np.asarray(release, dtype=np.int64)
    deadline = np.asarray(deadline, dtype=np.int64)
    effort = np.asarray(effort, dtype=float)
    cap0 = np.asarray(capacity, dtype=float)
    n, n_days = len(effort), len(cap0)
    task_round = np.full(n, -1, dtype=np.int64)
    day_round = np.full(n_days, -1, dtype=np.int64)
    levels: list[float] = []
    firsts: list[int] = []
    lasts: list[int] = []
    works: list[float] = []
    frees: list[float] = []
    cap = cap0.copy()
    # Candidate windows start on a release day and end on a work day; the
    # index maps are computed once.  W (work inside each candidate window) is
    # built once by a 2-D cumulative sum, then updated as tasks leave.
    ru, ri = np.unique(release, return_inverse=True)
    du, di = np.unique(deadline, return_inverse=True)
    nr, nd = len(ru), len(du)
    du1 = du + 1
    flat = ri * nd + di
    w = _window_work(flat, effort, nr, nd)
    prefix = np.zeros(n_days + 1)
    neg_inf = np.full((nr, nd), -np.inf)
    active = np.ones(n, dtype=bool)
    remaining = n
    k = 0
    while remaining:
        np.cumsum(cap, out=prefix[1:])
        # C of each window; windows ending before they start come out <= 0.
        c = prefix[du1] - prefix[ru][:, None]
        inten = np.divide(w, c, out=neg_inf.copy(), where=c > 0)
        best = int(inten.argmax())
        i, j = divmod(best, nd)
        lam = float(inten[i, j])
        if not lam > 0 or lam == np.inf:  # pragma: no cover - guarded by the callers' checks
            raise PlanError("internal error: a task window without capacity reached YDS")
        a, b = int(ru[i]), int(du[j])
        levels.append(lam)
        firsts.append(a)
        lasts.append(b)
        works.append(float(w[i, j]))
        frees.append(float(c[i, j]))
        gone = np.flatnonzero(active & (release >= a) & (deadline <= b))
        task_round[gone] = k
        active[gone] = False
        remaining -= len(gone)
        if remaining:
            if len(gone) > 8:
                w = _window_work(flat[active], effort[active], nr, nd)
            else:
                for t in gone.tolist():
                    w[: ri[t] + 1, di[t] :] -= effort[t]
        # Removed days keep their index but lose their capacity: every other
        # window's intensity is then what it is on the collapsed timeline.
        free = cap[a : b + 1] > 0
        day_round[a : b + 1][free] = k
        cap[a : b + 1] = 0.0
        k += 1
    s_task, s_day, s_hours = _edf(release, deadline, effort, cap0, task_round, day_round, np.array(levels))
    return _Yds(
        task_round,
        day_round,
        np.array(levels),
        np.array(firsts, dtype=np.int64),
        np.array(lasts, dtype=np.int64),
        np.array(works),
        np.array(frees),
        s_task,
        s_day,
        s_hours,
    )


def _window_work(flat: np.ndarray, effort: np.ndarray, nr: int, nd: int) -> np.ndarray:
    """W[i, j] = effort of tasks with release >= ru[i] and deadline <= du[j]."""
    m = np.bincount(flat, weights=effort, minlength=nr * nd).reshape(nr, nd)
    return m[::-1].cumsum(0)[::-1].cumsum(1)


def _edf(release, deadline, effort, cap0, task_round, day_round, levels):
    """Earliest-deadline-first inside each YDS round at that round's intensity.

    Works in *capacity units*: the days of round 0, then of round 1, … laid end
    to end, each as long as its budget level × capacity.  A task becomes
    available at the position where its release day starts inside its own
    round's stretch, so one event-driven EDF pass (O(n log n), with at most
    two segments per task) serves all rounds; segments are then cut at day
    boundaries with NumPy.
    """
    days = np.flatnonzero(day_round >= 0)
    days = days[np.lexsort((days, day_round[days]))]  # by round, then date
    budget = levels[day_round[days]] * cap0[days]
    bound = np.concatenate(([0.0], np.cumsum(budget)))
    # Release position of each task: where its release day starts in its round's stretch.
    key = day_round[days] * (len(cap0) + 1) + days
    pos = np.searchsorted(key, task_round * (len(cap0) + 1) + release)
    rel_pos = bound[pos]
    order = np.lexsort((deadline, rel_pos))
    n = len(order)
    r_l = rel_pos[order].tolist()
    r_l.append(float("inf"))  # sentinel: "no further release"
    d_l = deadline[order].tolist()
    left = effort[order].tolist()
    seg_task: list[int] = []
    seg_start: list[float] = []
    seg_end: list[float] = []
    add_task, add_start, add_end = seg_task.append, seg_start.append, seg_end.append
    push, pop = heapq.heappush, heapq.heappop
    heap: list[tuple[int, int]] = []
    u = 0.0
    i = 0
    while i < n or heap:
        if not heap and r_l[i] > u:
            u = r_l[i]
        while r_l[i] <= u:
            push(heap, (d_l[i], i))
            i += 1
        j = heap[0][1]
        nxt = r_l[i]
        finish = u + left[j]
        add_task(j)
        add_start(u)
        if finish <= nxt:
            add_end(finish)
            u = finish
            pop(heap)
        else:
            add_end(nxt)
            left[j] -= nxt - u
            u = nxt
    st = np.array(seg_start)
    en = np.array(seg_end)
    tk = order[np.array(seg_task, dtype=np.int64)]
    # Cut segments at day boundaries: segment s covers days first[s]..last[s].
    n_days = len(days)
    first = np.clip(np.searchsorted(bound, st, side="right") - 1, 0, max(n_days - 1, 0))
    last = np.clip(np.searchsorted(bound, en, side="left") - 1, 0, max(n_days - 1, 0))
    last = np.maximum(last, first)
    count = last - first + 1
    piece_seg = np.repeat(np.arange(len(st)), count)
    piece_day = first[piece_seg] + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    lo = np.maximum(st[piece_seg], bound[piece_day])
    hi = np.minimum(en[piece_seg], bound[piece_day + 1])
    hours = hi - lo
    piece_task = tk[piece_seg]
    # A task can be preempted and resumed on the same day: merge its pieces.
    flat = piece_task * (len(cap0) + 1) + days[piece_day]
    uniq, inv = np.unique(flat, return_inverse=True)
    merged = np.bincount(inv, weights=hours, minlength=len(uniq))
    s_task = uniq // (len(cap0) + 1)
    s_day = uniq % (len(cap0) + 1)
    # Float dust (1e-15 h at a boundary) is not a session.  Every task keeps
    # at least its largest piece, which also absorbs any rounding difference,
    # so each task gets exactly its effort.
    if len(merged):
        order = np.lexsort((merged, s_task))  # per task, ascending size
        ends = np.ones(len(order), dtype=bool)
        ends[:-1] = s_task[order][1:] != s_task[order][:-1]
        largest = np.zeros(len(merged), dtype=bool)
        largest[order[ends]] = True
        scale = max(float(effort.max()), 1.0)
        keep = (merged > 1e-12 * scale) | largest
        s_task, s_day, merged, largest = s_task[keep], s_day[keep], merged[keep], largest[keep]
        got = np.bincount(s_task, weights=merged, minlength=len(effort))
        idx = np.flatnonzero(largest)
        merged[idx] += effort[s_task[idx]] - got[s_task[idx]]
    return s_task.astype(np.int64), s_day.astype(np.int64), merged


# --------------------------------------------------------------------------
# The plan object.
# --------------------------------------------------------------------------


class _Source:
    """Rows shared by the plans of :func:`balanced_many` (built lazily on access)."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self._order: np.ndarray | None = None

    def ids(self, pos: np.ndarray) -> pd.Series:
        """Assignment ids at *pos*, in the type they came in with (int64 or str)."""
        return self.df["assignment_id"].iloc[pos].reset_index(drop=True)

    @property
    def order(self) -> np.ndarray:
        """Rank of each row's assignment id (sorts int and str ids alike)."""
        if self._order is None:
            self._order = pd.factorize(self.df["assignment_id"], sort=True)[0]
        return self._order


class BalancedPlan:
    """The most level plan for one student.

    Attributes
    ----------
    student : str or None
    tz : str
        Zone in which dates are local days.
    peak : float
        λ*: the highest load ÷ capacity of any day in the plan (1.0 = exactly
        full).  Computed over the schedulable assignments.
    critical_window : tuple of datetime.date or None
        First and last day of the window that forces λ*.
    feasible : bool
        ``peak <= 1`` and no assignment is unschedulable.
    window_hours, window_capacity : float
        Work that must happen inside the critical window, and its free hours.

    Notes
    -----
    :attr:`sessions`, :attr:`tasks`, :attr:`days`, :attr:`windows` and
    :attr:`dropped` are DataFrames built on first access.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.plan import balanced
    >>> df = conform(pd.DataFrame({"student": ["s"] * 2, "assignment_id": [1, 2], "est_hours": [6.0, 2.0],
    ...     "due_at": ["2026-10-07T23:00:00Z", "2026-10-09T23:00:00Z"]}))
    >>> plan = balanced(df, capacity=4, start="2026-10-06")
    >>> plan
    BalancedPlan(student='s', peak=0.750, critical_window=Oct 6–7, tasks=2, dropped=0, feasible=True)
    >>> plan.days["hours"].tolist()
    [3.0, 3.0, 1.0, 1.0]
    """

    def __init__(
        self,
        *,
        student: str | None,
        tz: str,
        start_day: int,
        capacity: np.ndarray,
        source: _Source,
        task_pos: np.ndarray,
        release: np.ndarray,
        deadline: np.ndarray,
        effort: np.ndarray,
        result: _Yds | None,
        yds_tasks: np.ndarray,
        dropped: tuple[np.ndarray, list[str], list[str]],
    ):
        self.student = student
        self.tz = tz
        self.start_day = start_day
        self.capacity = capacity
        self._src = source
        self._task_pos = task_pos  # positions in source of planned tasks (incl. zero effort)
        self._release = release  # day numbers
        self._deadline = deadline
        self._effort = effort
        self._res = result
        self._yds_tasks = yds_tasks  # indices into task arrays handed to YDS
        self._dropped = dropped
        if result is not None and len(result.levels):
            self.peak = float(result.levels[0])
            self._crit = (int(result.first[0]) + start_day, int(result.last[0]) + start_day)
            self.window_hours = float(result.work[0])
            self.window_capacity = float(result.free[0])
        else:
            self.peak = 0.0
            self._crit = None
            self.window_hours = 0.0
            self.window_capacity = 0.0
        n_unsched = sum(1 for c in dropped[1] if c == "unschedulable")
        self.feasible = bool(self.peak <= 1.0 + 1e-12 and n_unsched == 0)

    # -- scalar views ---------------------------------------------------------------------
    @property
    def critical_window(self) -> tuple | None:
        if self._crit is None:
            return None
        return day_to_date(self._crit[0]), day_to_date(self._crit[1])

    def __repr__(self) -> str:
        win = fmt_range(*self._crit) if self._crit else "none"
        return (
            f"BalancedPlan(student={self.student!r}, peak={self.peak:.3f}, critical_window={win}, "
            f"tasks={len(self._task_pos)}, dropped={len(self._dropped[0])}, feasible={self.feasible})"
        )

    @staticmethod
    def _dropped_of(plans: object) -> pd.DataFrame:
        """:func:`dropped_table`, reachable from a plan (density reads plans without importing this module)."""
        return dropped_table(plans)

    # -- raw arrays (used by density and suggest without building frames) ----------------
    def _session_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(source positions, day numbers, hours) of every session."""
        if self._res is None or not len(self._res.s_hours):
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0)
        pos = self._task_pos[self._yds_tasks[self._res.s_task]]
        return pos, self._res.s_day + self.start_day, self._res.s_hours

    # -- tables ---------------------------------------------------------------------------
    @property
    def sessions(self) -> pd.DataFrame:
        """Work sessions: ``student, assignment_id, course, title, date, hours``.

        ``date`` is a naive ``datetime64`` local day; ``hours`` sum to each
        assignment's ``est_hours``.  Zero-effort assignments have no session.
        """
        if "sessions" not in self.__dict__:
            pos, day, hours = self._session_arrays()
            order = np.lexsort((self._src.order[pos], day))
            pos, day, hours = pos[order], day[order], hours[order]
            src = self._src.df
            self.__dict__["sessions"] = pd.DataFrame(
                {
                    "student": pd.Series(src["student"].to_numpy()[pos], dtype="str"),
                    "assignment_id": self._src.ids(pos),
                    "course": pd.Series(_col(src, "course")[pos], dtype="str"),
                    "title": pd.Series(_col(src, "title")[pos], dtype="str"),
                    "date": days_to_datetime64(day),
                    "hours": hours,
                }
            )
        return self.__dict__["sessions"]

    @property
    def tasks(self) -> pd.DataFrame:
        """One row per planned assignment.

        Columns ``assignment_id, course, title, hours, work_from, work_until``
        (the window, local dates), ``first_day, last_day`` (first and last
        session, ``NaT`` for zero effort), ``level`` (the intensity of the YDS
        round that placed it).
        """
        if "tasks" not in self.__dict__:
            n = len(self._task_pos)
            level = np.full(n, np.nan)
            first = np.full(n, np.iinfo(np.int64).max)
            last = np.full(n, np.iinfo(np.int64).min)
            if self._res is not None and len(self._yds_tasks):
                level[self._yds_tasks] = self._res.levels[self._res.task_round]
                idx = self._yds_tasks[self._res.s_task]
                day = self._res.s_day + self.start_day
                np.minimum.at(first, idx, day)
                np.maximum.at(last, idx, day)
            has = last > np.iinfo(np.int64).min
            first_dt = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
            last_dt = first_dt.copy()
            first_dt[has] = days_to_datetime64(first[has])
            last_dt[has] = days_to_datetime64(last[has])
            src = self._src.df
            pos = self._task_pos
            tasks = pd.DataFrame(
                {
                    "assignment_id": self._src.ids(pos),
                    "course": pd.Series(_col(src, "course")[pos], dtype="str"),
                    "title": pd.Series(_col(src, "title")[pos], dtype="str"),
                    "hours": self._effort,
                    "work_from": days_to_datetime64(self._release),
                    "work_until": days_to_datetime64(self._deadline),
                    "first_day": first_dt,
                    "last_day": last_dt,
                    "level": level,
                }
            )
            rank = self._src.order[pos]
            self.__dict__["tasks"] = tasks.iloc[np.lexsort((rank, self._deadline))].reset_index(drop=True)
        return self.__dict__["tasks"]

    @property
    def days(self) -> pd.DataFrame:
        """Every day of the plan: ``date, capacity, hours, ratio`` (hours ÷ capacity, 0 where capacity is 0)."""
        if "days" not in self.__dict__:
            n = len(self.capacity)
            hours = np.zeros(n)
            if self._res is not None and len(self._res.s_hours):
                hours = np.bincount(self._res.s_day, weights=self._res.s_hours, minlength=n)[:n]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(self.capacity > 0, hours / self.capacity, 0.0)
            self.__dict__["days"] = pd.DataFrame(
                {
                    "date": days_to_datetime64(np.arange(self.start_day, self.start_day + n)),
                    "capacity": self.capacity,
                    "hours": hours,
                    "ratio": ratio,
                }
            )
        return self.__dict__["days"]

    @property
    def windows(self) -> pd.DataFrame:
        """The YDS rounds in order: ``first, last, level, hours, capacity, n_tasks``."""
        if "windows" not in self.__dict__:
            res = self._res
            if res is None:
                empty = np.zeros(0)
                res_first = res_last = np.zeros(0, dtype=np.int64)
                levels = works = frees = empty
                counts = np.zeros(0, dtype=np.int64)
            else:
                res_first, res_last, levels, works, frees = res.first, res.last, res.levels, res.work, res.free
                counts = np.bincount(res.task_round, minlength=len(levels))
            self.__dict__["windows"] = pd.DataFrame(
                {
                    "first": days_to_datetime64(res_first + self.start_day),
                    "last": days_to_datetime64(res_last + self.start_day),
                    "level": levels,
                    "hours": works,
                    "capacity": frees,
                    "n_tasks": counts,
                }
            )
        return self.__dict__["windows"]

    @property
    def dropped(self) -> pd.DataFrame:
        """Assignments left out of the plan, with ``code`` and ``reason``.

        Codes: ``undated``, ``submitted``, ``no_estimate``, ``past_due``,
        ``unschedulable`` (no free hour between release and work day).
        """
        if "dropped" not in self.__dict__:
            self.__dict__["dropped"] = dropped_table([self])
        return self.__dict__["dropped"]

    @property
    def unschedulable(self) -> pd.DataFrame:
        """The dropped rows whose window has no free hours."""
        d = self.dropped
        return d.loc[d["code"] == "unschedulable"]

    # -- words ----------------------------------------------------------------------------
    def explain(self) -> str:
        """One or two sentences a student can check against their calendar.

        Examples
        --------
        >>> import pandas as pd
        >>> from muffin_analytics.schema import conform
        >>> from muffin_analytics.plan import balanced
        >>> df = conform(pd.DataFrame({"student": ["s"] * 2, "assignment_id": [1, 2],
        ...     "title": ["Essay", "Lab"], "est_hours": [20.0, 11.0],
        ...     "due_at": ["2026-10-10T23:00:00Z", "2026-10-09T23:00:00Z"]}))
        >>> print(balanced(df, capacity=4, start="2026-10-06").explain())
        Oct 6–10: 31 h due, 20 h free. That is 155% of your free time, so no plan fits: free up 11 h or get an extension.
        """
        parts: list[str] = []
        pos, codes, _ = self._dropped
        if self._crit is None:
            unplaced = sum(1 for c in codes if c == "unschedulable")
            parts.append(f"Nothing could be planned: {unplaced} assignment{'s' if unplaced != 1 else ''} "
                         "with no free hours before they are due." if unplaced else "Nothing to plan.")
        else:
            win = fmt_range(*self._crit)
            due, free = fmt_hours(self.window_hours), fmt_hours(self.window_capacity)
            pct = f"{self.peak:.0%}"
            if self.peak > 1.0 + 1e-12:
                short = self.window_hours - self.window_capacity
                parts.append(
                    f"{win}: {due} due, {free} free. That is {pct} of your free time, so no plan fits: "
                    f"free up {fmt_hours(short)} or get an extension."
                )
            else:
                parts.append(
                    f"{win}: {due} due, {free} free. The busiest stretch needs {pct} of your free time; "
                    f"no plan can do better, and this one never goes above it."
                )
        if len(pos):
            counts = pd.Series(codes).value_counts()
            words = {
                "undated": "without a due date",
                "submitted": "already submitted",
                "no_estimate": "without an effort estimate",
                "past_due": "due before the plan starts",
                "unschedulable": "with no free hours before they are due",
            }
            listed = ", ".join(f"{n} {words.get(c, c)}" for c, n in counts.items())
            parts.append(f"Left out of the plan ({len(pos)}): {listed}; see .dropped.")
        return " ".join(parts)


def dropped_table(plans: object) -> pd.DataFrame:
    """The ``dropped`` rows of many plans as one table (fast for thousands of plans).

    Parameters
    ----------
    plans : iterable of BalancedPlan, or a dict of them

    Returns
    -------
    pandas.DataFrame
        :data:`~muffin_analytics.schema.DROPPED_COLUMNS`.

    Examples
    --------
    >>> from muffin_analytics.synth import cohort
    >>> from muffin_analytics.plan import balanced_many, dropped_table
    >>> plans = balanced_many(cohort(5, seed=1, as_of="2026-10-15"), capacity=3, progress=False)
    >>> sorted(dropped_table(plans)["code"].unique())
    ['submitted']
    """
    items = plans.values() if isinstance(plans, Mapping) else plans
    groups: dict[int, tuple[_Source, list, list, list]] = {}
    for p in items:
        pos, codes, reasons = p._dropped
        if len(pos):
            entry = groups.setdefault(id(p._src), (p._src, [], [], []))
            entry[1].append(pos)
            entry[2].extend(codes)
            entry[3].extend(reasons)
    parts = []
    for src, pos_list, codes, reasons in groups.values():
        sub = src.df.iloc[np.concatenate(pos_list)]
        out = pd.DataFrame(index=sub.index)
        for col in DROPPED_COLUMNS[:-2]:
            out[col] = sub[col] if col in sub.columns else pd.Series(pd.NA, index=sub.index, dtype="object")
        out["code"] = pd.Series(codes, index=sub.index, dtype="str")
        out["reason"] = pd.Series(reasons, index=sub.index, dtype="str")
        parts.append(out)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in DROPPED_COLUMNS}).astype({"assignment_id": "int64"})
    return pd.concat(parts)


def _col(df: pd.DataFrame, col: str) -> np.ndarray:
    if col in df.columns:
        return df[col].to_numpy(dtype=object)
    return np.full(len(df), "", dtype=object)


# --------------------------------------------------------------------------
# Front ends.
# --------------------------------------------------------------------------


@dataclass
class _Prepared:
    """Per-row arrays of a whole table, ready to be cut per student."""

    src: _Source
    student: np.ndarray  # codes
    students: np.ndarray  # code -> label
    tz: np.ndarray  # per row zone
    release: np.ndarray  # unlock local day or NO_DAY
    deadline: np.ndarray  # work day or NO_DAY
    effort: np.ndarray
    code: np.ndarray  # "" = keep, else drop code


MIN_EFFORT_HOURS: float = 1 / 3600
"""Efforts under one second are planned like zero effort, with no session.

They hold no work a calendar could show, and at 1e-300 h or 5e-324 h the
intensities W/C underflow to 0, which no level can schedule."""


def _prepare(df: pd.DataFrame, tz: str | None, skip_submitted: bool, cutoff_hour: int) -> _Prepared:
    used = [*_NEEDED, *[c for c in ("kind", "tz") if c in df.columns]]
    if skip_submitted and "submitted" in df.columns:
        used.append("submitted")
    validate(df, columns=used)
    df = df.reset_index(drop=False) if not df.index.is_unique else df
    zones = resolve_tz(df, tz)
    zone_arr = np.full(len(df), zones, dtype=object) if isinstance(zones, str) else zones
    deadline = work_day(df["due_at"], zones, cutoff_hour)
    release = local_day(work_unlock(df), zones)
    effort = df["est_hours"].to_numpy(dtype=float)
    code = np.full(len(df), "", dtype=object)
    code[np.isnan(effort)] = "no_estimate"
    if skip_submitted and "submitted" in df.columns:
        sub = df["submitted"].fillna(False).to_numpy(dtype=bool)
        code[sub] = "submitted"
    code[df["due_at"].isna().to_numpy()] = "undated"
    codes, labels = pd.factorize(df["student"], sort=False)
    return _Prepared(_Source(df), codes, np.asarray(labels, dtype=object), zone_arr, release, deadline, effort, code)


def _no_free_time(capacity: CapacityLike) -> bool:
    """True if *capacity* is 0 or seven zeros: no free hour on any day, ever (a mistake, not a plan).

    An explicit date mapping may hold only days off: its assignments are then
    reported as unschedulable, not refused.
    """
    if isinstance(capacity, Capacity):
        return _no_free_time(capacity.base) and not any(float(v) > 0 for v in capacity.exceptions.values())
    if isinstance(capacity, (Mapping, pd.Series)):
        return False
    values = np.atleast_1d(np.asarray(capacity, dtype=float))
    return bool(values.size) and not (values > 0).any()


def _start_day(start: object) -> int:
    """The plan's first day from a date-like *start*; a tz-aware time is refused (whose day would it be?)."""
    aware = getattr(start, "tzinfo", None) is not None
    if isinstance(start, str):
        aware = re.search(r"(?:[zZ]|[+-]\d{2}:?\d{2})$", start.strip()) is not None and "T" in start
    if aware:
        raise InputError(
            f"start={start!r} is a moment in a time zone, but a plan starts on a local day: pass a date "
            "(e.g. start=ts.tz_convert(zone).date())"
        )
    return day_number(start)


def _start_of(release: np.ndarray, deadline: np.ndarray, usable: np.ndarray, start: object) -> int | None:
    if start is not None:
        return _start_day(start)
    if not usable.any():
        return None
    # The first day any assignment can be worked on; one without an unlock
    # date counts as workable DEFAULT_LEAD_DAYS before its work day, so with
    # start=None nothing is ever "past due".
    first = np.where(release == NO_DAY, deadline - DEFAULT_LEAD_DAYS, release)
    return int(first[usable].min())


@dataclass
class _Tasks:
    """One student's rows sorted into planned tasks and dropped rows (before YDS runs)."""

    pos: np.ndarray  # source positions of the rows
    code: np.ndarray  # "" = planned, else why not
    rel: np.ndarray  # first workable day of each row
    start_day: int | None
    capacity: np.ndarray  # free hours per day from start_day

    @property
    def keep(self) -> np.ndarray:
        return np.flatnonzero(self.code == "")


def _tasks_of(prep: _Prepared, pos: np.ndarray, capacity: CapacityLike, start: object) -> _Tasks:
    """Which of one student's rows a plan holds, from which day, and the capacity it fills."""
    code = prep.code[pos].copy()
    release = prep.release[pos]
    deadline = prep.deadline[pos]
    effort = prep.effort[pos]
    usable = code == ""
    start_day = _start_of(release, deadline, usable, start)
    if start_day is not None:
        past = usable & (deadline < start_day)
        code[past] = "past_due"
        usable &= ~past
    rel = np.where(release == NO_DAY, start_day if start_day is not None else 0, release)
    if start_day is not None:
        rel = np.maximum(rel, start_day)
    n_days = int(deadline[usable].max()) - start_day + 1 if usable.any() else 0
    cap = capacity_array(capacity, start_day if start_day is not None else 0, n_days)
    if usable.any():
        if _no_free_time(capacity) and (effort[usable] >= MIN_EFFORT_HOURS).any():
            rows = np.zeros(len(prep.effort), dtype=bool)
            rows[pos[usable & (effort >= MIN_EFFORT_HOURS)]] = True
            raise InputError(
                f"capacity {capacity!r} has no free hour on any day, so nothing can be planned for "
                f"{_rows(prep.src.df, rows)}; give the free hours per day (e.g. capacity=3)"
            )
        prefix = np.concatenate(([0.0], np.cumsum(cap)))
        r_idx = rel - start_day
        d_idx = deadline - start_day
        after = usable & (r_idx > d_idx)
        window_cap = np.zeros(len(pos))
        ok = usable & ~after
        window_cap[ok] = prefix[d_idx[ok] + 1] - prefix[r_idx[ok]]
        # Zero-effort tasks need no free hours, so they are never unschedulable.
        unsched = (after | (ok & (window_cap <= 0))) & (effort >= MIN_EFFORT_HOURS)
        code[unsched] = "unschedulable"
    return _Tasks(pos, code, rel, start_day, cap)


def _reasons(prep: _Prepared, t: _Tasks) -> np.ndarray:
    """Why each dropped row is not in the plan (written only for the few dropped rows)."""
    deadline = prep.deadline[t.pos]
    reasons = np.full(len(t.pos), "", dtype=object)
    for i in np.flatnonzero(t.code != ""):
        c = t.code[i]
        if c == "undated":
            reasons[i] = "no due date"
        elif c == "submitted":
            reasons[i] = "already submitted"
        elif c == "no_estimate":
            reasons[i] = "no effort estimate (run muffin_analytics.effort.estimate)"
        elif c == "past_due":
            reasons[i] = f"due {fmt_day(int(deadline[i]))}, before the plan starts ({fmt_day(t.start_day)})"
        elif c == "unschedulable":
            if t.rel[i] > deadline[i]:
                reasons[i] = f"can only start {fmt_day(int(t.rel[i]))}, after its last work day {fmt_day(int(deadline[i]))}"
            else:
                reasons[i] = f"no free hours between {fmt_day(int(t.rel[i]))} and {fmt_day(int(deadline[i]))}"
    return reasons


def _yds_input(prep: _Prepared, t: _Tasks) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Indices (into the kept tasks) of the tasks YDS schedules, and their day-index windows and efforts."""
    keep = t.keep
    t_eff = prep.effort[t.pos[keep]]
    yds_tasks = np.flatnonzero(t_eff >= MIN_EFFORT_HOURS)
    start_day = t.start_day or 0
    rel = t.rel[keep][yds_tasks] - start_day
    dl = prep.deadline[t.pos[keep]][yds_tasks] - start_day
    return yds_tasks, rel, dl, t_eff[yds_tasks]


def _plan_rows(prep: _Prepared, pos: np.ndarray, capacity: CapacityLike, start: object) -> BalancedPlan:
    """Plan the rows at positions *pos* (one student)."""
    t = _tasks_of(prep, pos, capacity, start)
    keep = t.keep
    yds_tasks, rel, dl, eff = _yds_input(prep, t)
    result = yds(rel, dl, eff, t.capacity) if len(yds_tasks) else None
    dropped_idx = np.flatnonzero(t.code != "")
    reasons = _reasons(prep, t)
    zone = prep.tz[pos[0]] if len(pos) else "UTC"
    return BalancedPlan(
        student=prep.students[prep.student[pos[0]]] if len(pos) else None,
        tz=str(zone),
        start_day=t.start_day if t.start_day is not None else 0,
        capacity=t.capacity,
        source=prep.src,
        task_pos=pos[keep],
        release=t.rel[keep].astype(np.int64),
        deadline=prep.deadline[pos[keep]].astype(np.int64),
        effort=prep.effort[pos[keep]],
        result=result,
        yds_tasks=yds_tasks,
        dropped=(pos[dropped_idx], t.code[dropped_idx].tolist(), reasons[dropped_idx].tolist()),
    )


def balanced(
    df: pd.DataFrame,
    capacity: CapacityLike = 4.0,
    start: object = None,
    tz: str | None = None,
    *,
    skip_submitted: bool = True,
    cutoff_hour: int = DUE_CUTOFF_HOUR,
) -> BalancedPlan:
    """The plan with the lowest possible peak (and the most level one) for one student.

    Parameters
    ----------
    df : pandas.DataFrame
        One student's assignments with ``est_hours``
        (:func:`muffin_analytics.effort.estimate`).
    capacity : number, 7 numbers, mapping or Capacity, default 4
        Free hours per local day (see :mod:`muffin_analytics.capacity`).
    start : date-like, optional
        First day of the plan (e.g. today).  Default: the first day any
        assignment can be worked on — its unlock day, or
        :data:`DEFAULT_LEAD_DAYS` before its work day when it has none.
        Assignments without an unlock date may be worked on from *start*.
    tz : str, optional
        IANA zone of the student; default the ``tz`` column, else UTC.
    skip_submitted : bool, default True
        Leave out rows with ``submitted == True`` (reported as dropped).
    cutoff_hour : int, default 5
        Deadlines before this local hour count toward the previous day.

    Returns
    -------
    BalancedPlan
        ``.sessions`` (``assignment_id, date, hours`` …), ``.peak`` (λ*),
        ``.critical_window``, ``.feasible``, ``.explain()``, ``.dropped``.

    Raises
    ------
    PlanError
        If *df* holds several students (use :func:`balanced_many`).

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.plan import balanced
    >>> df = conform(pd.DataFrame({"student": ["s"] * 2, "assignment_id": [1, 2],
    ...     "est_hours": [6.0, 2.0],
    ...     "due_at": ["2026-10-07T23:00:00Z", "2026-10-09T23:00:00Z"]}))
    >>> plan = balanced(df, capacity=4, start="2026-10-06")
    >>> plan.peak, plan.critical_window
    (0.75, (datetime.date(2026, 10, 6), datetime.date(2026, 10, 7)))
    >>> plan.sessions[["assignment_id", "hours"]].to_numpy().tolist()
    [[1.0, 3.0], [1.0, 3.0], [2.0, 1.0], [2.0, 1.0]]
    """
    if "student" in df.columns and df["student"].nunique(dropna=True) > 1:
        raise PlanError(f"balanced() plans one student, got {df['student'].nunique()}; use balanced_many()")
    prep = _prepare(df, tz, skip_submitted, cutoff_hour)
    if len(set(prep.tz.tolist())) > 1:
        raise PlanError("one student's rows have several time zones in column 'tz'; pass tz=")
    return _plan_rows(prep, np.arange(len(prep.effort)), capacity, start)


def balanced_many(
    df: pd.DataFrame,
    capacity: CapacityLike = 4.0,
    start: object = None,
    tz: str | None = None,
    *,
    capacity_by_student: Mapping[str, CapacityLike] | None = None,
    skip_submitted: bool = True,
    cutoff_hour: int = DUE_CUTOFF_HOUR,
    progress: bool = True,
    timings: list[float] | None = None,
) -> dict[str, BalancedPlan]:
    """:func:`balanced` for every student of a cohort.

    Parameters
    ----------
    df : pandas.DataFrame
        Assignments of many students.
    capacity : CapacityLike, default 4
        Used for students not in *capacity_by_student*.
    start, tz, skip_submitted, cutoff_hour
        As in :func:`balanced` (*start* applies to every student).
    capacity_by_student : mapping, optional
        ``student → capacity``.
    progress : bool, default True
        Show a tqdm progress bar (on stderr).
    timings : list, optional
        If given, the seconds spent planning each student are appended to it
        (for benchmarks; the shared preparation of all rows is not included).

    Returns
    -------
    dict
        ``student → BalancedPlan``, in order of first appearance.

    Examples
    --------
    >>> from muffin_analytics.synth import cohort
    >>> from muffin_analytics.plan import balanced_many
    >>> plans = balanced_many(cohort(3, seed=1), capacity=4, progress=False)
    >>> len(plans)
    3
    """
    from tqdm.auto import tqdm

    prep = _prepare(df, tz, skip_submitted, cutoff_hour)
    order = np.argsort(prep.student, kind="stable")
    bounds = np.flatnonzero(np.diff(prep.student[order])) + 1
    groups = np.split(order, bounds) if len(order) else []
    per_student = capacity_by_student or {}
    plans: dict[str, BalancedPlan] = {}
    clock = time.perf_counter
    for pos in tqdm(groups, desc="balanced plans", unit="student", disable=not progress):
        t0 = clock()
        label = prep.students[prep.student[pos[0]]]
        zones = prep.tz[pos]
        if len(zones) > 1 and (zones != zones[0]).any():
            raise PlanError(f"student {label!r} has rows in several time zones (column 'tz'); pass tz=")
        plans[label] = _plan_rows(prep, pos, per_student.get(label, capacity), start)
        if timings is not None:
            timings.append(clock() - t0)
    return plans


# --------------------------------------------------------------------------
# What if a deadline moved?
# --------------------------------------------------------------------------

WHAT_IF_COLUMNS = (
    "student", "affected", "peak_before", "peak_after", "peak_change",
    "window_before_first", "window_before_last", "window_after_first", "window_after_last",
    "crunch_weeks_before", "crunch_weeks_after", "peak_week_hours_before", "peak_week_hours_after",
)
"""Columns of :attr:`WhatIf.students`."""


@dataclass(frozen=True)
class WhatIf:
    """What moving some deadlines changes, per student and for a cohort.

    Attributes
    ----------
    students : pandas.DataFrame
        One row per student who holds a moved assignment
        (:data:`WHAT_IF_COLUMNS`): λ* before and after (``peak_*``, as in
        :attr:`BalancedPlan.peak`), the critical windows (local days,
        ``NaT`` when nothing is planned), the number of crunch weeks of the
        last-minute load (weeks over ``week_ratio`` × the weekly budget, as
        :func:`muffin_analytics.crunch.detect` counts them) and the heaviest
        week's hours; ``affected`` when any of these changed.
    weeks : pandas.DataFrame
        ``student, week, hours_before, hours_after``: the last-minute weekly
        load of those students, with ``crunch_before``/``crunch_after``.
    moved : pandas.DataFrame
        ``student, assignment_id, title, course, due_before, due_after``
        (UTC) and ``tz``, the zone the student reads them in.
    n_students : int
        Students in the table given (the denominator of
        :attr:`share_affected`).

    Examples
    --------
    >>> from muffin_analytics.synth import cohort
    >>> from muffin_analytics.plan import what_if
    >>> df = cohort(20, seed=2)
    >>> exam = df.loc[df["kind"] == "exam"].iloc[0]
    >>> w = what_if(df, {exam["assignment_id"]: exam["due_at"] + pd.Timedelta(days=3)}, capacity=3)
    >>> len(w.students) == df.loc[df["assignment_id"] == exam["assignment_id"], "student"].nunique()
    True
    >>> 0 <= w.share_affected <= len(w.students) / 20
    True
    """

    students: pd.DataFrame
    weeks: pd.DataFrame
    moved: pd.DataFrame
    n_students: int

    @property
    def share_affected(self) -> float:
        """Share of all the table's students whose peak, critical window or crunch weeks change."""
        return float(self.students["affected"].sum()) / self.n_students if self.n_students else 0.0

    def explain(self) -> str:
        """What the move does to one student's plan, in words (the first student's, for a cohort)."""
        if self.students.empty:
            return "None of the moved assignments is in this table."
        row = self.students.iloc[0]
        moved = self.moved.loc[self.moved["student"] == row["student"]].iloc[0]
        local = moved["due_after"].tz_convert(moved["tz"])
        due = f"{local:%a %b} {local.day}"
        name = f"'{moved['title']}'" + (f" ({moved['course']})" if moved["course"] else "")
        parts = [f"With {name} due {due}"]
        if row["peak_after"] < row["peak_before"] - 1e-9:
            parts.append(f"your busiest stretch drops from {row['peak_before']:.0%} to {row['peak_after']:.0%} of your free time")
        elif row["peak_after"] > row["peak_before"] + 1e-9:
            parts.append(f"your busiest stretch rises from {row['peak_before']:.0%} to {row['peak_after']:.0%} of your free time")
        else:
            parts.append(f"your busiest stretch stays at {row['peak_before']:.0%} of your free time")
        weeks = (int(row["crunch_weeks_before"]), int(row["crunch_weeks_after"]))
        if weeks[0] != weeks[1]:
            parts.append(f"crunch weeks go from {weeks[0]} to {weeks[1]}")
        return ", ".join(parts[:-1]) + (" and " if len(parts) > 2 else ", ") + parts[-1] + "." if len(parts) > 1 else parts[0] + "."


def _new_due(value: object, old: pd.Timestamp, zone: str) -> pd.Timestamp:
    """A moved deadline: a tz-aware moment as given, or a date at the old deadline's local time of day."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        value = dt.date.fromisoformat(value.strip())
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        wall = old.tz_convert(zone) if old is not pd.NaT else pd.Timestamp("2000-01-01 23:59", tz=zone)
        local = pd.Timestamp.combine(value, wall.time())
        return local.tz_localize(zone, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError(f"moves: cannot read {value!r} as a new due date") from exc
    if ts is pd.NaT or ts.tzinfo is None:
        raise InputError(f"moves: {value!r} has no time zone; give a date (same local time) or a tz-aware moment")
    return ts.tz_convert("UTC")


def _moved_table(df: pd.DataFrame, moves: Mapping[object, object], tz: str | None
                 ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    ids = df["assignment_id"]
    wanted = pd.Index(list(moves))
    unknown = wanted[~wanted.isin(ids)]
    if len(unknown):
        raise InputError(f"moves: no assignment with id {list(unknown)[:5]} in column 'assignment_id'")
    hit = ids.isin(wanted).to_numpy()
    zones = resolve_tz(df, tz)
    zone_of = np.full(len(df), zones, dtype=object) if isinstance(zones, str) else zones
    new_due = df["due_at"].copy()
    for i in np.flatnonzero(hit):
        new_due.iloc[i] = _new_due(moves[ids.iloc[i]], df["due_at"].iloc[i], str(zone_of[i]))
    return df.assign(due_at=new_due.astype(df["due_at"].dtype)), hit, zone_of


def _peaks(prep: _Prepared, groups: list[np.ndarray], capacity: CapacityLike,
           per_student: Mapping[str, CapacityLike], start: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """λ* and the critical window (day numbers, NO_DAY if none) per group: the first YDS round, no sessions."""
    peak = np.zeros(len(groups))
    first = np.full(len(groups), NO_DAY, dtype=np.int64)
    last = np.full(len(groups), NO_DAY, dtype=np.int64)
    for g, pos in enumerate(groups):
        label = prep.students[prep.student[pos[0]]]
        t = _tasks_of(prep, pos, per_student.get(label, capacity), start)
        yds_tasks, rel, dl, eff = _yds_input(prep, t)
        if len(yds_tasks):
            lam, a, b = critical_intensity(rel, dl, eff, t.capacity)
            peak[g], first[g], last[g] = lam, a + t.start_day, b + t.start_day
    return peak, first, last


def _groups(prep: _Prepared) -> list[np.ndarray]:
    order = np.argsort(prep.student, kind="stable")
    bounds = np.flatnonzero(np.diff(prep.student[order])) + 1
    return np.split(order, bounds) if len(order) else []


def what_if(
    df: pd.DataFrame,
    moves: Mapping[object, object],
    capacity: CapacityLike = 4.0,
    start: object = None,
    tz: str | None = None,
    *,
    capacity_by_student: Mapping[str, CapacityLike] | None = None,
    profile: object = "last_minute",
    weekly_budget: float = DEFAULT_WEEKLY_BUDGET,
    week_ratio: float = 1.25,
    skip_submitted: bool = True,
    cutoff_hour: int = DUE_CUTOFF_HOUR,
) -> WhatIf:
    """What moving deadlines would change: peak load, critical window, crunch weeks, students affected.

    Only the students who hold a moved assignment are recomputed, so a
    300-student course takes well under a second (``bench/analytics_what_if.py``):
    their rows are prepared once before and once after the move, λ* comes
    from the first YDS round alone (no sessions are built), and the
    last-minute weekly loads from two vectorised :func:`daily_load` calls.
    Every figure equals what :func:`balanced` and
    :func:`muffin_analytics.crunch.detect` give when run from scratch on the
    moved table (property-tested).

    Parameters
    ----------
    df : pandas.DataFrame
        Assignments of one student or a cohort, with ``est_hours``.
    moves : mapping
        ``assignment_id → new due``: a tz-aware moment, or a date (string
        ``"2026-11-16"`` or ``datetime.date``), which keeps the old
        deadline's local time of day.  Ids keep their type (int or str);
        every student holding the id has it moved.
    capacity, start, tz, capacity_by_student, skip_submitted, cutoff_hour
        As in :func:`balanced_many`.
    profile : "last_minute", "even" or a profile, default "last_minute"
        How the weekly load is spread (e.g. a student's own,
        :func:`muffin_analytics.density.lead_profile`).
    weekly_budget, week_ratio : float
        A crunch week holds more than ``week_ratio × weekly_budget`` hours.

    Returns
    -------
    WhatIf
        ``.students``, ``.weeks``, ``.moved``, ``.share_affected``, ``.explain()``.

    Raises
    ------
    InputError
        An id in *moves* that no row has, or a new due date without a zone.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.plan import what_if
    >>> df = conform(pd.DataFrame({"student": ["s"] * 2, "assignment_id": ["a1", "b2"],
    ...     "title": ["Essay", "Lab"], "est_hours": [10.0, 6.0],
    ...     "due_at": ["2026-10-09T23:00:00Z", "2026-10-09T23:00:00Z"]}))
    >>> w = what_if(df, {"a1": "2026-10-12"}, capacity=4, start="2026-10-06")
    >>> w.students[["peak_before", "peak_after", "affected"]].to_numpy().tolist()
    [[1.0, 0.5714285714285714, True]]
    >>> print(w.explain())
    With 'Essay' due Mon Oct 12, your busiest stretch drops from 100% to 57% of your free time.
    >>> w.moved["assignment_id"].tolist()
    ['a1']
    """
    used = [*_NEEDED, *[c for c in ("kind", "tz", "title", "course") if c in df.columns]]
    validate(df, columns=used)
    if weekly_budget <= 0 or week_ratio <= 0:
        raise InputError("weekly_budget and week_ratio must be positive")
    df = df.reset_index(drop=True)
    moved_df, hit, zone_of = _moved_table(df, moves, tz)
    n_students = int(df["student"].nunique())
    holders = pd.unique(df.loc[hit, "student"])
    rows = df["student"].isin(holders).to_numpy()
    before_df, after_df = df.loc[rows].reset_index(drop=True), moved_df.loc[rows].reset_index(drop=True)
    before, after = _prepare(before_df, tz, skip_submitted, cutoff_hour), _prepare(after_df, tz, skip_submitted, cutoff_hour)
    groups = _groups(before)  # same rows, same order, same students in both
    per_student = capacity_by_student or {}
    p0, f0, l0 = _peaks(before, groups, capacity, per_student, start)
    p1, f1, l1 = _peaks(after, groups, capacity, per_student, start)
    labels = pd.Series([before.students[before.student[g[0]]] for g in groups], dtype="str")
    weeks = _week_loads(before_df, after_df, profile, tz, cutoff_hour, week_ratio * weekly_budget)
    per = weeks.groupby("student", sort=False).agg(
        crunch_weeks_before=("crunch_before", "sum"), crunch_weeks_after=("crunch_after", "sum"),
        peak_week_hours_before=("hours_before", "max"), peak_week_hours_after=("hours_after", "max"),
    ).reindex(labels, fill_value=0)
    crunch_moved = weeks.assign(changed=weeks["crunch_before"] != weeks["crunch_after"]).groupby(
        "student", sort=False)["changed"].any().reindex(labels, fill_value=False).to_numpy()

    def days(d: np.ndarray) -> np.ndarray:
        out = np.full(len(d), np.datetime64("NaT"), dtype="datetime64[us]")
        have = d != NO_DAY
        out[have] = days_to_datetime64(d[have])
        return out

    affected = (np.abs(p1 - p0) > 1e-9) | (f0 != f1) | (l0 != l1) | crunch_moved
    students = pd.DataFrame({
        "student": labels, "affected": affected, "peak_before": p0, "peak_after": p1, "peak_change": p1 - p0,
        "window_before_first": days(f0), "window_before_last": days(l0),
        "window_after_first": days(f1), "window_after_last": days(l1),
        "crunch_weeks_before": per["crunch_weeks_before"].to_numpy(dtype=np.int64),
        "crunch_weeks_after": per["crunch_weeks_after"].to_numpy(dtype=np.int64),
        "peak_week_hours_before": per["peak_week_hours_before"].to_numpy(dtype=float),
        "peak_week_hours_after": per["peak_week_hours_after"].to_numpy(dtype=float),
    })
    moved = pd.DataFrame({
        "student": df.loc[hit, "student"].astype("str").to_numpy(),
        "assignment_id": df.loc[hit, "assignment_id"].reset_index(drop=True),
        "title": pd.Series(_col(df, "title")[hit], dtype="str"),
        "course": pd.Series(_col(df, "course")[hit], dtype="str"),
        "due_before": df.loc[hit, "due_at"].to_numpy(),
        "due_after": moved_df.loc[hit, "due_at"].to_numpy(),
        "tz": pd.Series(zone_of[hit], dtype="str"),
    })
    moved["due_before"] = moved["due_before"].astype(df["due_at"].dtype)
    moved["due_after"] = moved["due_after"].astype(df["due_at"].dtype)
    return WhatIf(students, weeks, moved, n_students)


def _week_loads(before: pd.DataFrame, after: pd.DataFrame, profile: object, tz: str | None, cutoff_hour: int,
                limit: float) -> pd.DataFrame:
    """Last-minute weekly load before and after, side by side, with the crunch weeks marked."""
    def weekly(frame: pd.DataFrame) -> pd.Series:
        load = to_weekly(daily_load(frame, profile, tz, cutoff_hour=cutoff_hour))
        return load.set_index(["student", "week"])["hours"]

    both = pd.concat({"hours_before": weekly(before), "hours_after": weekly(after)}, axis=1).fillna(0.0)
    both = both.sort_index().reset_index()
    both["crunch_before"] = both["hours_before"] > limit + 1e-9
    both["crunch_after"] = both["hours_after"] > limit + 1e-9
    return both
