"""Capacity: numbers, Monday-first weekday patterns, date mappings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from muffin_analytics.capacity import Capacity, capacity_array, weekday
from muffin_analytics.days import day_number
from muffin_analytics.errors import InputError


def test_weekday_matches_datetime():
    for offset in range(14):
        d = dt.date(2026, 10, 1) + dt.timedelta(days=offset)
        assert weekday(day_number(d)) == d.weekday()


def test_constant():
    assert capacity_array(4, day_number("2026-10-05"), 3).tolist() == [4.0, 4.0, 4.0]


def test_pattern_is_monday_first():
    pattern = [1, 2, 3, 4, 5, 6, 7]
    start = dt.date(2026, 10, 1)  # a Thursday
    out = capacity_array(pattern, day_number(start), 10)
    expected = [pattern[(start + dt.timedelta(days=i)).weekday()] for i in range(10)]
    assert out.tolist() == expected


def test_mapping_missing_dates_are_zero():
    out = capacity_array({"2026-10-06": 3, dt.date(2026, 10, 8): 0.5}, day_number("2026-10-05"), 5)
    assert out.tolist() == [0.0, 3.0, 0.0, 0.5, 0.0]


def test_series_by_date():
    s = pd.Series([2.0, 0.0], index=pd.to_datetime(["2026-10-05", "2026-10-06"]))
    assert capacity_array(s, day_number("2026-10-05"), 2).tolist() == [2.0, 0.0]


def test_pattern_with_exceptions():
    cap = Capacity([3, 3, 3, 3, 2, 6, 6], {"2026-10-06": 0})
    assert capacity_array(cap, day_number("2026-10-05"), 3).tolist() == [3.0, 0.0, 3.0]


@pytest.mark.parametrize("bad", [-1, [1, 2, 3], [1, 2, 3, 4, 5, 6, -7], {"2026-10-05": -2}, float("nan"), "four"])
def test_bad_capacity(bad):
    with pytest.raises(InputError):
        capacity_array(bad, day_number("2026-10-05"), 3)


def test_zero_length():
    assert capacity_array(4, 0, 0).shape == (0,)
    assert np.all(capacity_array(0, 0, 3) == 0)
