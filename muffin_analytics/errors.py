"""Exceptions raised by :mod:`muffin_analytics`.

Every error the package raises on purpose derives from :class:`AnalyticsError`,
so callers (the notebooks, the feed server) can catch one type and show its
message: messages name the offending column and rows so a user can act on them.
"""

from __future__ import annotations

__all__ = [
    "AnalyticsError",
    "SchemaError",
    "InputError",
    "PlanError",
]


class AnalyticsError(Exception):
    """Base class of every error raised on purpose by ``muffin_analytics``."""


class SchemaError(AnalyticsError, ValueError):
    """An assignments table does not match :mod:`muffin_analytics.schema`.

    The message names the column and (up to five of) the offending rows.
    """


class InputError(AnalyticsError, ValueError):
    """An argument or an input file cannot be used (bad calendar, capacity, URL…)."""


class PlanError(AnalyticsError, ValueError):
    """A plan was asked for something it cannot do (e.g. several students at once)."""
