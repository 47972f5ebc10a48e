"""Free hours per day: the capacity a plan may fill.

A capacity is given in hours per local day, in one of three forms:

* a number — the same every day (``4`` = four free hours a day);
* seven numbers — a weekday pattern, **Monday first**
  (``[3, 3, 3, 3, 2, 6, 6]``);
* a mapping ``date → hours`` (or a Series indexed by date) — an explicit
  calendar.  Dates that are not in the mapping have **0** free hours, so a
  mapping should cover the whole planning period; combine a pattern with
  exceptions through :class:`Capacity`.

0 means unavailable; negative or non-finite hours are an error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Union

import numpy as np
import pandas as pd

from .days import day_number
from .errors import InputError

__all__ = ["Capacity", "CapacityLike", "capacity_array", "weekday"]


@dataclasses.dataclass(frozen=True)
class Capacity:
    """A weekly pattern (or constant) with per-date exceptions.

    Parameters
    ----------
    base : float or sequence of 7 floats
        Hours per day, or per weekday Monday first.
    exceptions : Mapping
        ``date → hours`` overriding *base* (e.g. ``{"2026-11-26": 0}`` for a
        holiday).

    Examples
    --------
    >>> from muffin_analytics.capacity import Capacity, capacity_array
    >>> from muffin_analytics.days import day_number
    >>> cap = Capacity(4, {"2026-11-26": 0})
    >>> capacity_array(cap, day_number("2026-11-25"), 3).tolist()
    [4.0, 0.0, 4.0]
    """

    base: float | Sequence[float] = 4.0
    exceptions: Mapping[object, float] = dataclasses.field(default_factory=dict)


CapacityLike = Union[float, int, Sequence[float], Mapping[object, float], pd.Series, Capacity]
"""Anything :func:`capacity_array` accepts."""


def weekday(days: np.ndarray | int) -> np.ndarray | int:
    """Weekday (Monday = 0) of day numbers; 1970-01-01 was a Thursday.

    Examples
    --------
    >>> from muffin_analytics.capacity import weekday
    >>> from muffin_analytics.days import day_number
    >>> weekday(0), weekday(day_number("2026-10-05"))  # a Thursday, a Monday
    (3, 0)
    """
    return (np.asarray(days) + 3) % 7 if not isinstance(days, int) else (days + 3) % 7


def _check(values: np.ndarray, what: str) -> np.ndarray:
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise InputError(f"capacity {what} must be finite hours >= 0")
    return values


def capacity_array(capacity: CapacityLike, first_day: int, n_days: int) -> np.ndarray:
    """Hours per day for *n_days* consecutive days starting at *first_day*.

    Parameters
    ----------
    capacity : number, 7 numbers, mapping, Series or Capacity
        See the module docstring.
    first_day : int
        Day number (:func:`muffin_analytics.days.day_number`) of the first day.
    n_days : int
        Length of the period.

    Returns
    -------
    numpy.ndarray of float64

    Raises
    ------
    InputError
        Negative, non-finite or malformed capacities.

    Examples
    --------
    >>> from muffin_analytics.capacity import capacity_array
    >>> from muffin_analytics.days import day_number
    >>> capacity_array([1, 2, 3, 4, 5, 6, 7], day_number("2026-10-04"), 3).tolist()  # Sun, Mon, Tue
    [7.0, 1.0, 2.0]
    """
    n_days = max(int(n_days), 0)
    if isinstance(capacity, Capacity):
        out = capacity_array(capacity.base, first_day, n_days)
        for key, hours in capacity.exceptions.items():
            d = day_number(key) - first_day
            if 0 <= d < n_days:
                out[d] = _check(np.array([float(hours)]), "exceptions")[0]
        return out
    if isinstance(capacity, pd.Series):
        capacity = {k: float(v) for k, v in capacity.items()}
    if isinstance(capacity, Mapping):
        out = np.zeros(n_days)
        values = _check(np.array([float(v) for v in capacity.values()], dtype=float), "values")
        for key, hours in zip(capacity.keys(), values):
            d = day_number(key) - first_day
            if 0 <= d < n_days:
                out[d] = hours
        return out
    if isinstance(capacity, (int, float, np.integer, np.floating)) and not isinstance(capacity, bool):
        return np.full(n_days, _check(np.array([float(capacity)]), "")[0])
    try:
        pattern = np.asarray(capacity, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"cannot read capacity {capacity!r}: a number, 7 numbers (Monday first) or a date mapping") from exc
    if pattern.shape != (7,):
        raise InputError(f"a weekday capacity needs exactly 7 numbers (Monday first), got shape {pattern.shape}")
    _check(pattern, "pattern")
    return pattern[weekday(np.arange(first_day, first_day + n_days))]
