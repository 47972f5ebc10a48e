"""Wording shared by explanations, suggestions and crunch reasons."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from .days import day_to_date

__all__ = ["fmt_day", "fmt_range", "fmt_hours", "fmt_wall_minute"]


def fmt_day(day: int | dt.date, weekday: bool = False) -> str:
    """``Oct 6`` (or ``Tue Oct 6``) from a day number or date."""
    if isinstance(day, dt.date):
        return _fmt_date(day, weekday)
    return _fmt_day_number(int(day), weekday)


@lru_cache(maxsize=4096)
def _fmt_day_number(day: int, weekday: bool) -> str:
    return _fmt_date(day_to_date(day), weekday)


def _fmt_date(d: dt.date, weekday: bool) -> str:
    text = f"{d:%b} {d.day}"
    return f"{d:%a} {text}" if weekday else text


@lru_cache(maxsize=65536)
def fmt_wall_minute(minute: int) -> str:
    """``Tue Oct 6 23:59`` from minutes since 1970-01-01 on the wall clock."""
    day, rest = divmod(minute, 1440)
    return f"{_fmt_day_number(day, True)} {rest // 60:02d}:{rest % 60:02d}"


def fmt_range(first: int | dt.date, last: int | dt.date) -> str:
    """``Oct 6–10``, ``Sep 29–Oct 3``, or ``Oct 6`` for a single day."""
    a = day_to_date(first) if not isinstance(first, dt.date) else first
    b = day_to_date(last) if not isinstance(last, dt.date) else last
    if a == b:
        return fmt_day(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a:%b} {a.day}–{b.day}"
    return f"{fmt_day(a)}–{fmt_day(b)}"


def fmt_hours(hours: float) -> str:
    """``31 h``, ``2.5 h``, ``0.25 h``: whole hours when large, else two significant digits."""
    if hours >= 10:
        return f"{hours:.0f} h"
    if hours >= 1:
        return f"{hours:.1f}".rstrip("0").rstrip(".") + " h"
    return f"{hours:.2g} h"
