"""Local days and the due cutoff rule, including daylight-saving nights."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pandas as pd
import pytest

from muffin_analytics.days import DUE_CUTOFF_HOUR, NO_DAY, day_number, day_to_date, local_day, resolve_tz, work_day
from muffin_analytics.errors import InputError

CHI = "America/Chicago"


def utc(local: str, zone: str = CHI, fold: int = 0) -> pd.Timestamp:
    """A wall-clock time in *zone* as a UTC Timestamp (fold picks the repeated hour)."""
    naive = dt.datetime.fromisoformat(local)
    return pd.Timestamp(naive.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=fold)).tz_convert("UTC")


def work_dates(stamps: list[pd.Timestamp], zone: str = CHI, cutoff: int = DUE_CUTOFF_HOUR) -> list[dt.date]:
    series = pd.Series(stamps, dtype="datetime64[us, UTC]")
    return [day_to_date(d) for d in work_day(series, zone, cutoff)]


def test_cutoff_is_five():
    assert DUE_CUTOFF_HOUR == 5


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-10-09 23:59", "2026-10-09"),  # evening: same day
        ("2026-10-10 00:00", "2026-10-09"),  # midnight belongs to the evening before
        ("2026-10-10 04:59", "2026-10-09"),
        ("2026-10-10 05:00", "2026-10-10"),  # exactly the cutoff: its own day
        ("2026-10-10 09:00", "2026-10-10"),
    ],
)
def test_cutoff_rule(local, expected):
    assert work_dates([utc(local)]) == [dt.date.fromisoformat(expected)]


def test_cutoff_zero_disables_rule():
    assert work_dates([utc("2026-10-10 00:30")], cutoff=0) == [dt.date(2026, 10, 10)]


def test_same_instant_different_zones():
    instant = pd.Timestamp("2026-10-10T04:30:00Z")  # 23:30 in Chicago, 05:30 in London
    assert work_dates([instant], CHI) == [dt.date(2026, 10, 9)]
    assert work_dates([instant], "Europe/London") == [dt.date(2026, 10, 10)]


def test_fall_back_night_chicago_2026_11_01():
    # Clocks go from 02:00 CDT back to 01:00 CST on Sunday 1 November 2026.
    cases = [
        (utc("2026-11-01 00:30"), dt.date(2026, 10, 31)),
        (utc("2026-11-01 01:30", fold=0), dt.date(2026, 10, 31)),  # first 01:30 (CDT)
        (utc("2026-11-01 01:30", fold=1), dt.date(2026, 10, 31)),  # second 01:30 (CST)
        (utc("2026-11-01 04:59"), dt.date(2026, 10, 31)),
        (utc("2026-11-01 05:00"), dt.date(2026, 11, 1)),
        (utc("2026-11-02 00:00"), dt.date(2026, 11, 1)),
    ]
    assert utc("2026-11-01 01:30", fold=1) - utc("2026-11-01 01:30", fold=0) == pd.Timedelta(hours=1)
    assert work_dates([c[0] for c in cases]) == [c[1] for c in cases]


def test_spring_forward_night_chicago_2026_03_08():
    # 02:00-03:00 does not exist on 8 March 2026; 04:30 CDT is still before the cutoff.
    cases = [(utc("2026-03-08 01:59"), dt.date(2026, 3, 7)), (utc("2026-03-08 04:30"), dt.date(2026, 3, 7)), (utc("2026-03-08 05:00"), dt.date(2026, 3, 8))]
    assert work_dates([c[0] for c in cases]) == [c[1] for c in cases]


def test_per_row_zones():
    instant = pd.Timestamp("2026-10-10T04:30:00Z")
    series = pd.Series([instant, instant], dtype="datetime64[us, UTC]")
    days = work_day(series, np.array([CHI, "Asia/Tokyo"], dtype=object))
    assert [day_to_date(d) for d in days] == [dt.date(2026, 10, 9), dt.date(2026, 10, 10)]


def test_missing_times_give_no_day():
    series = pd.Series([pd.NaT, pd.Timestamp("2026-10-10T12:00:00Z")], dtype="datetime64[us, UTC]")
    days = local_day(series, "UTC")
    assert days[0] == NO_DAY and day_to_date(days[1]) == dt.date(2026, 10, 10)


def test_resolve_tz_order():
    df = pd.DataFrame({"tz": [CHI, None]})
    assert resolve_tz(df, "Europe/Paris") == "Europe/Paris"
    assert resolve_tz(df).tolist() == [CHI, "UTC"]
    assert resolve_tz(pd.DataFrame({"tz": [CHI, CHI]})) == CHI
    assert resolve_tz(pd.DataFrame({"x": [1]})) == "UTC"
    with pytest.raises(InputError, match="Nowhere/City"):
        resolve_tz(df, "Nowhere/City")


def test_day_number_round_trip():
    for text in ("1970-01-01", "2026-11-01", "1969-12-31"):
        assert day_to_date(day_number(text)) == dt.date.fromisoformat(text)
    assert day_number(dt.datetime(2026, 11, 1, 23, 0)) == day_number("2026-11-01")
    with pytest.raises(InputError):
        day_number("not a date")
