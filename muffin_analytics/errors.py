"""Exceptions raised by :mod:`muffin_analytics`.

Every error the package raises on purpose derives from :class:`AnalyticsError`,
so callers (the notebooks, the feed server) can catch one type and show its
message: messages name the offending column and rows so a user can act on them.

>>> import pandas as pd
>>> from muffin_analytics import AnalyticsError, density
>>> try:
...     density.daily_load(pd.DataFrame({"student": ["s"]}))
... except AnalyticsError as exc:
...     print(type(exc).__name__, exc)
SchemaError missing column(s) ['assignment_id', 'due_at', 'est_hours']; see muffin_analytics.schema (conform adds defaults)
"""

from __future__ import annotations

__all__ = [
    "AnalyticsError",
    "SchemaError",
    "InputError",
    "PlanError",
]


class AnalyticsError(Exception):
    """Base class of every error raised on purpose by ``muffin_analytics``.

    Examples
    --------
    >>> from muffin_analytics.errors import AnalyticsError, PlanError
    >>> issubclass(PlanError, AnalyticsError) and issubclass(PlanError, ValueError)
    True
    """


class SchemaError(AnalyticsError, ValueError):
    """An assignments table does not match :mod:`muffin_analytics.schema`.

    The message names the column and (up to five of) the offending rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> conform(pd.DataFrame({"student": ["s"], "assignment_id": [1], "due_at": ["2026-10-09T23:59"]}))
    Traceback (most recent call last):
    ...
    muffin_analytics.errors.SchemaError: column 'due_at' holds naive datetimes in rows [0] (assignment_id [1]); pass naive='utc' if they are UTC, or localize them (df[col].dt.tz_localize(zone)) first
    """


class InputError(AnalyticsError, ValueError):
    """An argument or an input file cannot be used (bad calendar, capacity, URL…).

    Examples
    --------
    >>> from muffin_analytics.capacity import capacity_array
    >>> capacity_array([1, 2, 3], 0, 7)
    Traceback (most recent call last):
    ...
    muffin_analytics.errors.InputError: a weekday capacity needs exactly 7 numbers (Monday first), got shape (3,)
    """


class PlanError(AnalyticsError, ValueError):
    """A plan was asked for something it cannot do (e.g. several students at once).

    Examples
    --------
    >>> from muffin_analytics.synth import cohort
    >>> from muffin_analytics.plan import balanced
    >>> balanced(cohort(2, seed=1))
    Traceback (most recent call last):
    ...
    muffin_analytics.errors.PlanError: balanced() plans one student, got 2; use balanced_many()
    """
