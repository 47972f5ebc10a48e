"""Workload density: hours of work per student per local day (and week).

Every assignment's effort (``est_hours``) is spread over the days on which it
is worked, according to a *profile*:

``"last_minute"`` (:class:`LastMinuteProfile`)
    How most students actually work (docs/workload-research.md §2: 42.5% start and submit
    on the due date; median submission one day early): x_t ∝ exp(−(d − t)/τ)
    for the days t ≤ d of the work window, τ = :data:`DEFAULT_TAU_DAYS`
    (1.8 days, fitted to Open University submission times); no
    more than ``cap_hours`` on one assignment per day, the excess spilling to
    earlier days.  Fit τ to submission data with :meth:`LastMinuteProfile.fit`.
``"even"`` (:class:`EvenProfile`)
    The same hours every day of the window (the AVR baseline).
a :class:`~muffin_analytics.plan.BalancedPlan` or a dict of them
    The plan's sessions, as they are.

The work window of an assignment runs from its unlock day (or ``horizon_days``
before its work day when it has none) to its *work day* — the local due day,
or the day before for deadlines before 05:00 (:mod:`muffin_analytics.days`).
Due times are read in the student's zone (``tz`` argument, else ``tz``
column, else UTC).

Whatever the profile, the hours of a student's days add up to the total
``est_hours`` of their dated assignments.  Undated rows and rows without an
estimate cannot be placed: they are listed in ``result.attrs["dropped"].frame``
(a :func:`muffin_analytics.schema.dropped_rows` table wrapped in a
:class:`~muffin_analytics.schema.RowReport`), never lost silently.

All of it is vectorised: a million assignments take about two seconds of
CPU, and splitting by course costs well under half as much again
(``bench/analytics_daily_load.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .days import DUE_CUTOFF_HOUR, NO_DAY, days_to_datetime64, local_day, resolve_tz, work_day
from .errors import InputError
from .schema import RowReport, dropped_rows, empty, validate, work_unlock

__all__ = [
    "DEFAULT_TAU_DAYS",
    "DEFAULT_CAP_HOURS",
    "DEFAULT_HORIZON_DAYS",
    "PRIOR_SUBMISSIONS",
    "HISTORY_SUBMISSIONS",
    "LastMinuteProfile",
    "LeadFit",
    "lead_profile",
    "EvenProfile",
    "daily_load",
    "weekly_load",
    "to_weekly",
    "due_load",
]

DEFAULT_TAU_DAYS: float = 1.8
"""τ of the last-minute profile in days.

Calibrated with :meth:`LastMinuteProfile.fit` on 97,088 Open University TMA
submissions (OULAD; ``notebooks/03_real_submission_timing.py``: 1.78 days,
late submissions counted at the deadline).  The first guess (docs/workload-research.md §2) was
1 day.  Assigning a new value changes every profile made afterwards."""

DEFAULT_CAP_HOURS: float = 8.0
"""Most hours spent on one assignment in one day by the last-minute profile."""

DEFAULT_HORIZON_DAYS: int = 14
"""Work window, in days, of assignments without an unlock date."""


@dataclass(frozen=True)
class LastMinuteProfile:
    """Exponential last-minute work: x_t ∝ exp(−(d − t)/τ), capped per day.

    Parameters
    ----------
    tau_days : float
        Decay in days (default :data:`DEFAULT_TAU_DAYS`); the work day gets
        a share 1 − exp(−1/τ) of an uncapped assignment with a long window
        (63% for τ = 1, 43% for τ = 1.8).
    cap_hours : float
        Most hours on one assignment in one day; the excess spills to earlier
        days of the window.  If the window is too short for the effort even
        at the cap, the effort is spread evenly over the window instead.
    horizon_days : int, optional
        Longest window; weights further back are dropped and the rest
        renormalised.  Default ``max(14, ceil(8 τ))``.
    finish_days : int, default 0
        Whole days before the work day on which the work ends (a student
        who finishes two days early: 2); the exponential runs back from
        there.  In a window shorter than that, the work is done on its
        first day.  :func:`lead_profile` fits it to a student's history.

    Examples
    --------
    >>> from muffin_analytics.density import LastMinuteProfile
    >>> p = LastMinuteProfile(tau_days=1.0, cap_hours=8.0)
    >>> p.spread(10.0, 3).round(3).tolist()  # work day first
    [6.652, 2.447, 0.9]
    >>> p.spread(20.0, 3).tolist()  # the cap pushes work to earlier days
    [8.0, 8.0, 4.0]
    >>> LastMinuteProfile(tau_days=1.0, finish_days=2).spread(10.0, 4).round(3).tolist()
    [0.0, 0.0, 7.311, 2.689]
    """

    # Defaults are read when a profile is made, so assigning the module
    # constants (e.g. a τ fitted in a notebook) changes "last_minute" too.
    tau_days: float = field(default_factory=lambda: DEFAULT_TAU_DAYS)
    cap_hours: float = field(default_factory=lambda: DEFAULT_CAP_HOURS)
    horizon_days: int | None = None
    finish_days: int = 0

    def __post_init__(self) -> None:
        if not (self.tau_days > 0 and math.isfinite(self.tau_days)):
            raise InputError(f"tau_days must be a positive number, got {self.tau_days}")
        if isinstance(self.finish_days, bool) or not isinstance(self.finish_days, (int, np.integer)) or self.finish_days < 0:
            raise InputError(f"finish_days must be a whole number of days >= 0, got {self.finish_days!r}")
        if not self.cap_hours > 0:
            raise InputError(f"cap_hours must be positive, got {self.cap_hours}")
        if self.horizon_days is not None and self.horizon_days < 1:
            raise InputError(f"horizon_days must be >= 1, got {self.horizon_days}")

    @property
    def horizon(self) -> int:
        """Window length used when the assignment has no unlock date (and the maximum)."""
        return int(self.horizon_days or max(DEFAULT_HORIZON_DAYS, math.ceil(8 * self.tau_days)))

    @classmethod
    def fit(cls, lead_days: object, **kwargs: object) -> LastMinuteProfile:
        """Fit τ to how long before the deadline students submitted.

        The maximum-likelihood τ of an exponential is the mean lead; late
        submissions (negative leads) count as lead 0.

        Parameters
        ----------
        lead_days : array-like of float
            ``(due_at - submitted_at)`` in days.
        **kwargs
            Other fields (``cap_hours``, ``horizon_days``).

        Examples
        --------
        >>> from muffin_analytics.density import LastMinuteProfile
        >>> LastMinuteProfile.fit([0.5, 1.0, 1.5, -0.2]).tau_days
        0.75
        """
        leads = np.asarray(pd.to_numeric(pd.Series(lead_days), errors="coerce").dropna(), dtype=float)
        if leads.size == 0:
            raise InputError("no lead times to fit")
        tau = float(np.clip(leads, 0.0, None).mean())
        return cls(tau_days=max(tau, 1e-3), **kwargs)  # type: ignore[arg-type]

    def spread(self, effort: float, window_days: int) -> np.ndarray:
        """Hours on each day of one assignment's window, work day first."""
        window = max(int(window_days), 1)
        skip = min(int(self.finish_days), window - 1)
        sp = _last_minute(np.array([float(effort)]), np.array([window - skip]), self)
        return np.array([0.0] * skip + [sp.day(k)[0] for k in range(window - skip)])


PRIOR_SUBMISSIONS: float = 3.0
"""How many submissions the population profile counts for in :func:`lead_profile`."""

HISTORY_SUBMISSIONS: int = 40
""":func:`lead_profile` learns from a student's most recent submissions, at most this many."""


def _gamma_quantile(shape: float, p: float) -> float:
    """Quantile of Gamma(shape, rate 1) (Wilson–Hilferty; within 1 % for shape >= 3)."""
    z = {0.05: -1.6448536269514722, 0.95: 1.6448536269514722}[p]
    c = 1.0 / (9.0 * shape)
    return shape * (1.0 - c + z * math.sqrt(c)) ** 3


@dataclass(frozen=True)
class LeadFit:
    """A student's own last-minute profile, how sure it is, and what it rests on.

    Attributes
    ----------
    profile : LastMinuteProfile
        Ready for :func:`daily_load` and :func:`muffin_analytics.suggest.suggestions`.
    n : int
        Submissions it was fitted to.
    lead_days, lead_low, lead_high : float
        Mean whole days before the work day the work ends (``finish_days`` +
        τ) and a 90 % interval.
    basis : str
        "from your last 23 submissions", or what stands in for them.

    Examples
    --------
    >>> from muffin_analytics.density import LeadFit, LastMinuteProfile
    >>> fit = LeadFit(LastMinuteProfile(tau_days=0.5, finish_days=2), 23, 2.5, 2.3, 2.8, "from your last 23 submissions")
    >>> print(fit.describe())
    You usually finish about 2.5 days before the deadline (2.3–2.8 days), from your last 23 submissions.
    """

    profile: LastMinuteProfile
    n: int
    lead_days: float
    lead_low: float
    lead_high: float
    basis: str

    def describe(self) -> str:
        """One sentence for the student."""
        if self.n == 0:
            return (f"Until you have handed work in, plans assume the average student's timing: work ends "
                    f"about {self.lead_days:.1f} days before the deadline.")
        return (f"You usually finish about {self.lead_days:.1f} days before the deadline "
                f"({self.lead_low:.1f}–{self.lead_high:.1f} days), {self.basis}.")


def lead_profile(
    df: pd.DataFrame,
    *,
    prior: LastMinuteProfile | None = None,
    strength: float = PRIOR_SUBMISSIONS,
    last: int = HISTORY_SUBMISSIONS,
    as_of: object = None,
    tz: str | None = None,
    cutoff_hour: int = DUE_CUTOFF_HOUR,
) -> LeadFit:
    """Fit one student's last-minute profile to when they handed work in, shrunk toward the population's.

    A lead is the number of whole local days between the day a submission
    was made and the assignment's work day (both with the cutoff rule; late
    work counts as 0).  The profile is a shifted exponential:

    * ``finish_days`` = the student's lower-quartile lead, pulled toward the
      prior's by *strength* pseudo-submissions and rounded:
      (n·q + k·f₀) ÷ (n + k);
    * τ = mean lead beyond ``finish_days`` with the same pseudo-submissions
      at the prior's τ: (k·τ₀ + Σ(lead − finish)⁺) ÷ (k + n), the posterior
      mean of a conjugate (gamma) prior on 1/τ, whose quantiles give the 90 %
      interval.

    With no history the profile is the prior; with a few submissions it
    moves part of the way; with dozens it is the student's own.

    Parameters
    ----------
    df : pandas.DataFrame
        One student's assignments with ``due_at`` and ``submitted_at``
        (rows without both are ignored).
    prior : LastMinuteProfile, optional
        The population's profile; default ``LastMinuteProfile()``.
    strength : float, default :data:`PRIOR_SUBMISSIONS`
        k, how many submissions the prior counts for.
    last : int, default :data:`HISTORY_SUBMISSIONS`
        Only the most recent *last* submissions are used.
    as_of : datetime-like, optional
        Ignore submissions after this moment (tz-aware).
    tz : str, optional
        The student's zone; default the ``tz`` column, else UTC.
    cutoff_hour : int, default 5

    Returns
    -------
    LeadFit

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.density import lead_profile
    >>> due = pd.date_range("2026-09-04 22:00", periods=23, freq="7D", tz="UTC")
    >>> df = conform(pd.DataFrame({"student": "s", "assignment_id": range(23), "due_at": due,
    ...     "submitted_at": due - pd.Timedelta(days=2)}))  # always two days early
    >>> fit = lead_profile(df)
    >>> fit.profile.finish_days, round(fit.profile.tau_days, 2)
    (2, 0.21)
    >>> print(fit.describe())
    You usually finish about 2.2 days before the deadline (2.1–2.3 days), from your last 23 submissions.
    >>> lead_profile(df.iloc[:0]).profile == LastMinuteProfile()
    True
    """
    prior = prior or LastMinuteProfile()
    if strength < 0 or last < 1:
        raise InputError("strength must be >= 0 and last >= 1")
    used = ["student", "due_at", "submitted_at", *[c for c in ("assignment_id", "tz") if c in df.columns]]
    validate(df, columns=used)
    if df["student"].nunique() > 1:
        raise InputError(f"lead_profile fits one student, got {df['student'].nunique()}")
    done = df.loc[df["due_at"].notna() & df["submitted_at"].notna()]
    if as_of is not None:
        done = done.loc[done["submitted_at"] <= pd.Timestamp(as_of)]
    done = done.sort_values("submitted_at").iloc[-last:] if len(done) else done
    zones = resolve_tz(done, tz)
    leads = np.clip(work_day(done["due_at"], zones, cutoff_hour) - work_day(done["submitted_at"], zones, cutoff_hour),
                    0, None).astype(float)
    n, k = len(leads), float(strength)
    quartile = float(np.floor(np.quantile(leads, 0.25))) if n else 0.0
    finish = int(round((n * quartile + k * prior.finish_days) / (n + k))) if n + k > 0 else 0
    beyond = float(np.clip(leads - finish, 0, None).sum())
    scale = k * prior.tau_days + beyond
    tau = scale / (k + n) if k + n > 0 else prior.tau_days
    if n == 0:
        basis = "the average student's (none of your submissions to learn from yet)"
    elif n < 10:
        basis = f"from your last {n} submission{'s' if n > 1 else ''}, weighted toward the average student while there are few"
    else:
        basis = f"from your last {n} submissions"
    if n == 0:
        return LeadFit(prior, 0, prior.finish_days + prior.tau_days, float("nan"), float("nan"), basis)
    shape = k + n + 1  # gamma posterior of 1/τ: prior shape k + 1, plus one per submission
    low, high = scale / _gamma_quantile(shape, 0.95), scale / _gamma_quantile(shape, 0.05)
    profile = LastMinuteProfile(tau_days=max(tau, 1e-3), cap_hours=prior.cap_hours, horizon_days=prior.horizon_days,
                                finish_days=finish)
    return LeadFit(profile, n, finish + tau, finish + low, finish + high, basis)


@dataclass(frozen=True)
class EvenProfile:
    """The same hours on every day of the work window (AVR).

    Parameters
    ----------
    horizon_days : int
        Window of assignments without an unlock date.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.density import EvenProfile, daily_load
    >>> df = conform(pd.DataFrame({"student": ["s"], "assignment_id": [1], "est_hours": [4.0],
    ...     "due_at": ["2026-10-09T23:00:00Z"]}))
    >>> daily_load(df, EvenProfile(horizon_days=4))["hours"].tolist()
    [1.0, 1.0, 1.0, 1.0]
    """

    horizon_days: int = field(default_factory=lambda: DEFAULT_HORIZON_DAYS)

    def __post_init__(self) -> None:
        if self.horizon_days < 1:
            raise InputError(f"horizon_days must be >= 1, got {self.horizon_days}")

    @property
    def horizon(self) -> int:
        """Window length of assignments without an unlock date."""
        return int(self.horizon_days)


@dataclass(frozen=True)
class _Spread:
    """Closed form of the capped exponential for many tasks at once."""

    q: float
    cap: float
    m: np.ndarray  # days (nearest the deadline) at the cap
    scale: np.ndarray  # x_k = scale * q**k beyond them
    fits: np.ndarray  # False: window too short even at the cap -> even spread
    even: np.ndarray
    length: np.ndarray

    def day(self, k: int, upto: int | None = None) -> np.ndarray:
        """Hours of every task (or of the first *upto*) on the k-th day before its work day."""
        cut = slice(None, upto)
        xk = np.where(k < self.m[cut], self.cap, self.scale[cut] * self.q**k)
        xk = np.where(self.fits[cut], xk, self.even[cut])
        return np.where(k < self.length[cut], xk, 0.0)


def _last_minute(effort: np.ndarray, length: np.ndarray, prof: LastMinuteProfile) -> _Spread:
    q = math.exp(-1.0 / prof.tau_days)
    cap = prof.cap_hours
    n = len(effort)
    length = np.maximum(length, 1)
    # With the m days nearest the deadline at the cap, the rest is
    # scale * q**k with scale = (E - m cap) / S_m, S_m = sum_{k=m}^{L-1} q^k.
    # The right m is the smallest at which day m itself stays under the cap.
    q_len = q ** length.astype(float)
    fits = effort <= length * cap * (1 + 1e-12)
    m = np.zeros(n, dtype=np.int64)
    scale = np.zeros(n)
    undecided = fits.copy()
    mm = 0
    while undecided.any():
        qm = q**mm
        with np.errstate(divide="ignore", invalid="ignore"):
            c = (effort - mm * cap) / ((qm - q_len) / (1.0 - q))
        ok = undecided & (mm < length) & (c * qm <= cap * (1 + 1e-12))
        m[ok] = mm
        scale[ok] = c[ok]
        undecided &= ~ok
        # Rounding can leave E == L * cap undecided at m = L: spread it evenly.
        stuck = undecided & (mm + 1 >= length)
        fits &= ~stuck
        undecided &= ~stuck
        mm += 1
    return _Spread(q, cap, m, scale, fits, effort / length, length)


def _last_minute_grid(effort: np.ndarray, length: np.ndarray, end_idx: np.ndarray, prof: LastMinuteProfile,
                      size: int) -> np.ndarray:
    """Sum every task's capped exponential into a grid of *size* cells, its last day at *end_idx*.

    Tasks are sorted by window length (longest first), so the tasks still
    open k days back are a prefix.  Every (task, day) pair is written once
    into two flat buffers, and one bincount sums them: one pass over the
    grid, however many days back the windows reach (the grid is large when
    loads are split by course).
    """
    order = np.argsort(-length, kind="stable")
    length, end_idx = length[order], end_idx[order]
    sp = _last_minute(effort[order], length, prof)
    open_at = len(length) - np.searchsorted(length[::-1], np.arange(int(length.max())), side="right")
    starts = np.concatenate(([0], np.cumsum(open_at)))
    idx = np.empty(int(starts[-1]), dtype=np.int32 if size < 2**31 else np.int64)
    weights = np.empty(int(starts[-1]))
    for k, c in enumerate(open_at.tolist()):
        np.subtract(end_idx[:c], k, out=idx[starts[k]:starts[k + 1]], casting="unsafe")
        weights[starts[k]:starts[k + 1]] = sp.day(k, c)
    return np.bincount(idx, weights=weights, minlength=size)


def _profile(profile: object) -> object:
    if isinstance(profile, str):
        if profile == "last_minute":
            return LastMinuteProfile()
        if profile == "even":
            return EvenProfile()
        raise InputError(f"unknown profile {profile!r}: 'last_minute', 'even', a BalancedPlan or a dict of plans")
    return profile


def _keys(df: pd.DataFrame, by_course: bool) -> tuple[np.ndarray, pd.DataFrame]:
    """Group code per row and the labels of each group."""
    s_codes, s_labels = pd.factorize(df["student"], sort=True)
    students = pd.Index(s_labels, dtype="str")
    if not by_course:
        return s_codes, pd.DataFrame({"student": pd.Categorical.from_codes(np.arange(len(students)), students)})
    c_codes, c_labels = pd.factorize(df["course"].fillna(""), sort=True)
    pair = s_codes.astype(np.int64) * max(len(c_labels), 1) + c_codes
    g_codes, g_uniques = pd.factorize(pair, sort=True)
    g_uniques = np.asarray(g_uniques, dtype=np.int64)
    nc = max(len(c_labels), 1)
    labels = pd.DataFrame(
        {
            "student": pd.Categorical.from_codes(g_uniques // nc, students),
            "course": pd.Categorical.from_codes(g_uniques % nc, pd.Index(c_labels, dtype="str")),
        }
    )
    return g_codes, labels


def _frame(labels: pd.DataFrame, group: np.ndarray, day: np.ndarray, hours: np.ndarray) -> pd.DataFrame:
    # Arrays, not Series, and no copy: a DataFrame of Series aligns and copies each (10x slower on 1M rows).
    out: dict[str, object] = {col: labels[col].array.take(group) for col in labels.columns}
    out["date"] = days_to_datetime64(day)
    out["hours"] = hours
    return pd.DataFrame(out, copy=False)


def _check(df: pd.DataFrame, by_course: bool = False) -> None:
    used = ["student", "assignment_id", "due_at", "est_hours"]
    used += [c for c in ("unlock_at", "kind", "tz") if c in df.columns]
    if by_course:
        used.append("course")
    validate(df, columns=used)


def _excluded(df: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    undated = df["due_at"].isna().to_numpy()
    hours = df["est_hours"].to_numpy(dtype=float)
    no_est = np.isnan(hours) & ~undated
    dropped = pd.concat(
        [
            dropped_rows(df, undated, "no due date", code="undated"),
            dropped_rows(df, no_est, "no effort estimate (run muffin_analytics.effort.estimate)", code="no_estimate"),
        ]
    )
    return ~(undated | no_est), dropped


def _plans_load(plans: Mapping[object, object], by_course: bool) -> pd.DataFrame:
    students, courses, days, hours = [], [], [], []
    for plan in plans.values():
        pos, day, h = plan._session_arrays()  # type: ignore[attr-defined]
        src = plan._src.df  # type: ignore[attr-defined]
        students.append(src["student"].to_numpy(dtype=object)[pos])
        courses.append((src["course"].to_numpy(dtype=object) if "course" in src.columns else np.full(len(src), "", dtype=object))[pos])
        days.append(day)
        hours.append(h)
    if not hours:
        cols = ["student", "course", "date", "hours"] if by_course else ["student", "date", "hours"]
        empty = pd.DataFrame({c: pd.Series(dtype="str") for c in cols[:-2]} | {"date": pd.Series(dtype="datetime64[us]"), "hours": pd.Series(dtype="float64")})
        return _as_labels(empty[cols])
    frame = pd.DataFrame(
        {
            "student": pd.Series(np.concatenate(students), dtype="str"),
            "course": pd.Series(np.concatenate(courses), dtype="str"),
            "day": np.concatenate(days),
            "hours": np.concatenate(hours),
        }
    )
    keys = ["student", "course", "day"] if by_course else ["student", "day"]
    out = frame.groupby(keys, sort=True, as_index=False)["hours"].sum()
    out.insert(len(keys) - 1, "date", days_to_datetime64(out.pop("day").to_numpy()))
    return _as_labels(out)


def _as_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """``student`` and ``course`` as categoricals of str, as every load table has them."""
    for col in ("student", "course"):
        if col in frame.columns and not isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = pd.Categorical(frame[col].astype("str"))
    return frame


def daily_load(
    df: pd.DataFrame,
    profile: object = "last_minute",
    tz: str | None = None,
    *,
    by_course: bool = False,
    complete: bool = False,
    cutoff_hour: int = DUE_CUTOFF_HOUR,
) -> pd.DataFrame:
    """Hours of work per student (and course) per local day.

    Parameters
    ----------
    df : pandas.DataFrame
        Assignments table with ``est_hours``.  Ignored for plan profiles
        except to report nothing; the plans carry their own rows.
    profile : "last_minute", "even", LastMinuteProfile, EvenProfile, BalancedPlan or dict of plans
        How effort is spread over each work window (module docstring).
    tz : str, optional
        Zone in which due times are read; default the ``tz`` column, else UTC.
    by_course : bool, default False
        One row per student, course and day.
    complete : bool, default False
        Also list the days without load between a student's first and last
        loaded day (``hours`` = 0).
    cutoff_hour : int, default 5
        Deadlines before this local hour count toward the previous day.

    Returns
    -------
    pandas.DataFrame
        Columns ``student`` [, ``course``] (categoricals of str: a million
        rows share a few thousand labels, and building them as strings was
        most of the cost of ``by_course=True``), ``date`` (naive datetime64
        local day), ``hours``; sorted.  ``attrs["dropped"]`` lists the rows that
        could not be placed (no due date, no estimate) as a
        :class:`~muffin_analytics.schema.RowReport`: read ``.frame``.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.density import daily_load
    >>> df = conform(pd.DataFrame({"student": ["s"], "assignment_id": [1],
    ...     "est_hours": [6.0], "due_at": ["2026-10-09T23:00:00Z"],
    ...     "unlock_at": ["2026-10-07T00:00:00Z"]}))
    >>> daily_load(df, "even")["hours"].tolist()
    [2.0, 2.0, 2.0]
    """
    prof = _profile(profile)
    if isinstance(prof, Mapping) or hasattr(prof, "_session_arrays"):
        plans = prof if isinstance(prof, Mapping) else {getattr(prof, "student", None): prof}
        out = _plans_load(plans, by_course)
        first = next(iter(plans.values()), None)
        dropped = first._dropped_of(plans) if first is not None else dropped_rows(empty(), None, "")
        out.attrs["dropped"] = RowReport(dropped)
        return _complete(out, by_course) if complete else out
    if not isinstance(prof, (LastMinuteProfile, EvenProfile)):
        raise InputError(f"unknown profile {profile!r}")
    _check(df, by_course)
    keep, dropped = _excluded(df)
    sub = df.loc[keep] if not keep.all() else df
    zones = resolve_tz(sub, tz)
    due = work_day(sub["due_at"], zones, cutoff_hour)
    effort = sub["est_hours"].to_numpy(dtype=float)
    horizon = prof.horizon
    if "unlock_at" in sub.columns:
        unlock = local_day(work_unlock(sub), zones)
        first = np.where(unlock == NO_DAY, due - horizon + 1, unlock)
    else:
        first = due - horizon + 1
    # An unlock after the work day leaves one day: the work day itself.
    first = np.minimum(first, due)
    end = due
    if isinstance(prof, LastMinuteProfile):
        first = np.maximum(first, due - horizon + 1)
        # A student who finishes early ends the work finish_days before the work day (not before the window opens).
        end = np.maximum(due - prof.finish_days, first)
    length = (end - first + 1).astype(np.int64)
    group, labels = _keys(sub, by_course)
    n_groups = len(labels)
    if len(sub) == 0:
        out = _frame(labels, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        out.attrs["dropped"] = RowReport(dropped)
        return out
    # Ragged day grid: each group owns the days from its earliest window start
    # to its last work day (+1 slot for the difference trick below).
    g_first = np.full(n_groups, np.iinfo(np.int64).max)
    g_last = np.full(n_groups, np.iinfo(np.int64).min)
    np.minimum.at(g_first, group, first)
    np.maximum.at(g_last, group, due)
    span = g_last - g_first + 2
    offset = np.concatenate(([0], np.cumsum(span)))
    size = int(offset[-1])
    base = offset[group] - g_first[group]
    if isinstance(prof, EvenProfile):
        rate = effort / length
        start_idx = base + first
        stop_idx = base + due + 1
        diff = np.bincount(start_idx, weights=rate, minlength=size) - np.bincount(stop_idx, weights=rate, minlength=size)
        cover = np.bincount(start_idx, minlength=size) - np.bincount(stop_idx, minlength=size)
        grid = np.cumsum(diff)
        # Cancelled sums leave float dust where no window is open; clear it.
        grid[np.cumsum(cover) == 0] = 0.0
    else:
        grid = _last_minute_grid(effort, length, base + end, prof, size)
    if complete:
        mask = np.ones(size, dtype=bool)
        mask[offset[1:] - 1] = False  # each group's extra slot
    else:
        mask = grid > 0
    # Group and day of the kept cells only; a group's cells are contiguous, so both are repeats.
    cells = np.flatnonzero(mask)
    kept = np.add.reduceat(mask, offset[:-1], dtype=np.int64) if n_groups else np.zeros(0, dtype=np.int64)
    cell_group = np.repeat(np.arange(n_groups), kept)
    cell_day = cells + np.repeat(g_first - offset[:-1], kept)
    out = _frame(labels, cell_group, cell_day, grid[cells])
    out.attrs["dropped"] = RowReport(dropped)
    return out


def _complete(load: pd.DataFrame, by_course: bool) -> pd.DataFrame:
    keys = ["student", "course"] if by_course else ["student"]
    parts = []
    for key, g in load.groupby(keys, sort=True):
        days = pd.date_range(g["date"].min(), g["date"].max(), freq="D", unit="us")
        filled = g.set_index("date")["hours"].reindex(days, fill_value=0.0)
        part = pd.DataFrame({"date": days, "hours": filled.to_numpy()})
        for col, val in zip(keys, key if isinstance(key, tuple) else (key,)):
            part.insert(keys.index(col), col, pd.Series([val] * len(part), dtype="str"))
        parts.append(part)
    out = _as_labels(pd.concat(parts, ignore_index=True)) if parts else load
    if "dropped" in load.attrs:
        out.attrs["dropped"] = load.attrs["dropped"]
    return out


def to_weekly(load: pd.DataFrame, week_start: int = 0) -> pd.DataFrame:
    """Sum a :func:`daily_load` table by week.

    Parameters
    ----------
    load : pandas.DataFrame
        Output of :func:`daily_load`.
    week_start : int, default 0
        First day of the week, Monday = 0 … Sunday = 6.

    Returns
    -------
    pandas.DataFrame
        ``student`` [, ``course``], ``week`` (first day of the week), ``hours``.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.density import to_weekly
    >>> load = pd.DataFrame({"student": ["s"] * 3, "hours": [1.0, 2.0, 4.0],
    ...     "date": pd.to_datetime(["2026-10-04", "2026-10-05", "2026-10-06"])})  # Sun, Mon, Tue
    >>> to_weekly(load)["hours"].tolist(), to_weekly(load, week_start=6)["hours"].tolist()
    ([1.0, 6.0], [7.0])
    """
    if not 0 <= week_start <= 6:
        raise InputError("week_start must be 0 (Monday) … 6 (Sunday)")
    keys = [c for c in ("student", "course") if c in load.columns]
    dates = load["date"]
    shift = (dates.dt.day_of_week - week_start) % 7
    week = (dates - pd.to_timedelta(shift, unit="D")).astype("datetime64[us]")
    out = load.assign(week=week).groupby([*keys, "week"], sort=True, as_index=False)["hours"].sum()
    if "dropped" in load.attrs:
        out.attrs["dropped"] = load.attrs["dropped"]
    return out


def weekly_load(
    df: pd.DataFrame,
    profile: object = "last_minute",
    tz: str | None = None,
    *,
    by_course: bool = False,
    week_start: int = 0,
    cutoff_hour: int = DUE_CUTOFF_HOUR,
) -> pd.DataFrame:
    """Hours per student (and course) per week: :func:`daily_load` summed by :func:`to_weekly`.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.density import weekly_load
    >>> df = conform(pd.DataFrame({"student": ["s"], "assignment_id": [1],
    ...     "est_hours": [6.0], "due_at": ["2026-10-05T23:00:00Z"],
    ...     "unlock_at": ["2026-10-03T00:00:00Z"]}))
    >>> weekly_load(df, "even")[["week", "hours"]].to_numpy().tolist()  # Sat+Sun, then Mon
    [[Timestamp('2026-09-28 00:00:00'), 4.0], [Timestamp('2026-10-05 00:00:00'), 2.0]]
    """
    return to_weekly(daily_load(df, profile, tz, by_course=by_course, cutoff_hour=cutoff_hour), week_start)


def due_load(df: pd.DataFrame, tz: str | None = None, *, by_course: bool = False, cutoff_hour: int = DUE_CUTOFF_HOUR) -> pd.DataFrame:
    """Deadlines per student per work day: how many, and how many hours they carry.

    Returns
    -------
    pandas.DataFrame
        ``student`` [, ``course``], ``date`` (work day, cutoff rule applied),
        ``due_count`` (int64), ``due_hours`` (``NaN`` estimates count as 0 hours).
        ``attrs["dropped"]`` lists undated rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.density import due_load
    >>> df = conform(pd.DataFrame({"student": ["s", "s"], "assignment_id": [1, 2],
    ...     "est_hours": [6.0, 1.0],
    ...     "due_at": ["2026-10-09T23:00:00Z", "2026-10-10T03:00:00Z"]}))  # UTC
    >>> out = due_load(df)  # 03:00 counts on the 9th
    >>> out["due_count"].tolist(), out["due_hours"].tolist()
    ([2], [7.0])
    """
    _check(df, by_course)
    undated = df["due_at"].isna().to_numpy()
    sub = df.loc[~undated]
    zones = resolve_tz(sub, tz)
    day = work_day(sub["due_at"], zones, cutoff_hour)
    group, labels = _keys(sub, by_course)
    hours = sub["est_hours"].fillna(0.0).to_numpy(dtype=float)
    frame = pd.DataFrame({"g": group, "day": day, "n": np.ones(len(sub), dtype=np.int64), "h": hours})
    agg = frame.groupby(["g", "day"], sort=True, as_index=False).agg(due_count=("n", "sum"), due_hours=("h", "sum"))
    out = _frame(labels, agg["g"].to_numpy(), agg["day"].to_numpy(), agg["due_hours"].to_numpy())
    out = out.rename(columns={"hours": "due_hours"})
    out.insert(len(out.columns) - 1, "due_count", agg["due_count"].to_numpy())
    out.attrs["dropped"] = RowReport(dropped_rows(df, undated, "no due date", code="undated"))
    return out
