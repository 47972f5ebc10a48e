"""Local calendar days, and the rule that decides on which day work is due.

Everything downstream (load curves, plans, crunch days) counts in *local days*
of the student: a due time stored in UTC is first read on the student's wall
clock.  Days are handled internally as integer day numbers (days since
1970-01-01 on the wall clock), which keeps the hot paths vectorised.

**The due cutoff rule.**  An assignment due between 00:00 and 05:00 local time
(strictly before :data:`DUE_CUTOFF_HOUR`) counts toward the *previous* day's
work: nobody starts an essay at 01:00 for a 02:00 deadline; it is the evening
before that gets squeezed.  A deadline at exactly 05:00 counts on its own day.
The rule is applied to wall-clock time, so it is unaffected by daylight saving
changes (a deadline at 00:30 on the night the clocks go back still belongs to
the previous evening).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = [
    "DUE_CUTOFF_HOUR",
    "NO_DAY",
    "resolve_tz",
    "local_wall",
    "local_day",
    "work_day",
    "day_number",
    "days_to_datetime64",
    "day_to_date",
]

DUE_CUTOFF_HOUR: int = 5
"""Deadlines before this local hour count toward the previous day's work."""

NO_DAY: int = np.iinfo(np.int64).min
"""Day number used for missing datetimes (``NaT``)."""

_US_PER_DAY = 86_400_000_000
_US_PER_HOUR = 3_600_000_000
_EPOCH = dt.date(1970, 1, 1)


def _check_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {name!r}") from exc
    return name


def resolve_tz(df: pd.DataFrame, tz: str | None = None) -> str | np.ndarray:
    """Decide in which time zone each row's times are read.

    Parameters
    ----------
    df : pandas.DataFrame
        Assignments table, possibly with a ``tz`` column.
    tz : str, optional
        An IANA zone that overrides the column.

    Returns
    -------
    str or numpy.ndarray of str
        *tz* if given; else the ``tz`` column (missing entries read as
        ``"UTC"``); else ``"UTC"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.days import resolve_tz
    >>> resolve_tz(pd.DataFrame({"tz": ["America/Chicago", None]})).tolist()
    ['America/Chicago', 'UTC']
    """
    if tz is not None:
        return _check_zone(str(tz))
    if "tz" in df.columns:
        zones = df["tz"].fillna("UTC").astype("str").to_numpy(dtype=object)
        for name in pd.unique(zones):
            _check_zone(str(name))
        if len(zones) and (zones == zones[0]).all():
            return str(zones[0])
        return zones
    return "UTC"


def local_wall(ts: pd.Series, tz: str | np.ndarray) -> np.ndarray:
    """Wall-clock times of UTC instants, as naive ``datetime64[us]``.

    Parameters
    ----------
    ts : pandas.Series
        tz-aware datetimes.
    tz : str or array of str
        One zone, or one per element.

    Returns
    -------
    numpy.ndarray
        ``datetime64[us]``, ``NaT`` where *ts* is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.days import local_wall
    >>> ts = pd.Series(pd.to_datetime(["2026-11-01T05:30:00Z"]))
    >>> str(local_wall(ts, "America/Chicago")[0])
    '2026-11-01T00:30:00.000000'
    """
    ts = pd.Series(ts)
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        raise InputError("local_wall needs tz-aware datetimes")
    if isinstance(tz, str):
        return ts.dt.tz_convert(tz).dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    zones = np.asarray(tz, dtype=object)
    out = np.empty(len(ts), dtype="datetime64[us]")
    for name in pd.unique(zones):
        mask = zones == name
        out[mask] = ts[mask].dt.tz_convert(str(name)).dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    return out


def _days(wall: np.ndarray, shift_hours: int) -> np.ndarray:
    raw = wall.astype("int64")
    missing = np.isnat(wall)
    days = (raw - shift_hours * _US_PER_HOUR) // _US_PER_DAY
    days[missing] = NO_DAY
    return days


def local_day(ts: pd.Series, tz: str | np.ndarray) -> np.ndarray:
    """Local calendar day numbers (days since 1970-01-01) of UTC instants.

    Parameters
    ----------
    ts : pandas.Series
        tz-aware datetimes (e.g. ``unlock_at``).
    tz : str or array of str
        Zone(s) to read them in.

    Returns
    -------
    numpy.ndarray of int64
        Day numbers; :data:`NO_DAY` where *ts* is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.days import local_day, day_to_date
    >>> ts = pd.Series(pd.to_datetime(["2026-10-07T03:00:00Z"]))
    >>> day_to_date(local_day(ts, "America/Chicago")[0])
    datetime.date(2026, 10, 6)
    """
    return _days(local_wall(ts, tz), 0)


def work_day(due_at: pd.Series, tz: str | np.ndarray, cutoff_hour: int = DUE_CUTOFF_HOUR) -> np.ndarray:
    """The last local day on which work for each deadline can happen.

    Applies the cutoff rule: a deadline before *cutoff_hour* local time counts
    toward the previous day.

    Parameters
    ----------
    due_at : pandas.Series
        tz-aware deadlines.
    tz : str or array of str
        Zone(s) of the student.
    cutoff_hour : int, default :data:`DUE_CUTOFF_HOUR`
        0 disables the rule.

    Returns
    -------
    numpy.ndarray of int64
        Day numbers; :data:`NO_DAY` for undated rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.days import work_day, day_to_date
    >>> due = pd.Series(pd.to_datetime(["2026-10-09T06:00:00Z"]))  # 01:00 in Chicago
    >>> day_to_date(work_day(due, "America/Chicago")[0])
    datetime.date(2026, 10, 8)
    """
    if not 0 <= cutoff_hour < 24:
        raise InputError(f"cutoff_hour must be in 0..23, got {cutoff_hour}")
    return _days(local_wall(due_at, tz), cutoff_hour)


def day_number(value: object) -> int:
    """Day number of a date-like value (``date``, ``datetime``, string, Timestamp).

    A datetime's own wall-clock date is used; no time zone conversion happens.

    Examples
    --------
    >>> from muffin_analytics.days import day_number
    >>> day_number("1970-01-03")
    2
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError(f"cannot read {value!r} as a date") from exc
    if ts is pd.NaT:
        raise InputError("a date is required, got NaT")
    return (ts.date() - _EPOCH).days


def days_to_datetime64(days: np.ndarray) -> np.ndarray:
    """Day numbers → naive ``datetime64[us]`` at local midnight (column ``date``).

    Examples
    --------
    >>> from muffin_analytics.days import days_to_datetime64
    >>> days_to_datetime64([0, 20_366]).astype(str).tolist()
    ['1970-01-01T00:00:00.000000', '2025-10-05T00:00:00.000000']
    """
    return (np.asarray(days, dtype="int64") * _US_PER_DAY).view("datetime64[us]")


def day_to_date(day: int) -> dt.date:
    """Day number → :class:`datetime.date`.

    Examples
    --------
    >>> from muffin_analytics.days import day_to_date
    >>> day_to_date(20_366)
    datetime.date(2025, 10, 5)
    """
    return _EPOCH + dt.timedelta(days=int(day))
