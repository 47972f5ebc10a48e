"""Crunch days, weeks and deadline clusters, each with a reason a student can check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from muffin_analytics import datasets, load
from muffin_analytics.crunch import CRUNCH_COLUMNS, DEFAULT_WEEKLY_BUDGET, deadline_clusters, detect
from muffin_analytics.density import daily_load
from muffin_analytics.errors import SchemaError
from muffin_analytics.synth import cohort

from .helpers import PROPERTY, frame


def load_of(hours: list[float], start: str = "2026-10-05", student: str = "s") -> pd.DataFrame:
    return pd.DataFrame({"student": student, "date": pd.date_range(start, periods=len(hours)), "hours": hours})


def test_day_over_capacity():
    out = detect(load_of([2, 2, 9, 2]), capacity=4)
    assert out[["level", "hours", "limit"]].to_numpy().tolist() == [["day", 9.0, 4.0]]
    assert out["start"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-07"]
    assert out["severity"].iloc[0] == pytest.approx(9 / 4)
    assert out["reason"].iloc[0] == "Wed Oct 7: 9 h of work vs 4 h free (2.2×)"
    assert list(out.columns) == list(CRUNCH_COLUMNS)


def test_day_on_unavailable_day():
    out = detect(load_of([1.0, 1.0]), capacity={"2026-10-05": 0, "2026-10-06": 4})
    assert out["reason"].tolist() == ["Mon Oct 5: 1 h of work on a day with no free time"]


def test_typical_day_rule_without_capacity():
    # Median of the days with >= 15 min: 2 h; 1.5 x 2 = 3 h; 3.5 h is a crunch, 2.9 h is not.
    out = detect(load_of([2, 2, 2, 3.5, 2.9, 0.1]))
    assert out["hours"].tolist() == [3.5]
    assert "1.8× your typical day (2 h)" in out["reason"].iloc[0]


def test_light_days_are_never_crunch_days_by_ratio():
    out = detect(load_of([0.5, 0.5, 0.5, 2.0]))
    assert out.empty


def test_week_over_budget():
    hours = [6.0] * 7 + [1.0] * 7  # 42 h then 7 h
    out = detect(load_of(hours), weekly_budget=30, day_ratio=10)
    weeks = out[out["level"] == "week"]
    assert weeks["hours"].tolist() == [42.0] and weeks["limit"].tolist() == [37.5]
    assert weeks["start"].dt.strftime("%m-%d").tolist() == ["10-05"] and weeks["end"].dt.strftime("%m-%d").tolist() == ["10-11"]
    assert weeks["reason"].iloc[0] == "Week of Oct 5: 42 h of work vs a 30 h weekly budget (1.4×)"


def due(*stamps: str, hours: float = 1.0, student: str = "s") -> pd.DataFrame:
    return frame(
        [{"assignment_id": i, "title": f"T{i}", "course": "C 1", "due_at": t, "est_hours": hours} for i, t in enumerate(stamps)],
        student=student,
    )


def test_three_deadlines_within_72h_inclusive():
    inside = due("2026-10-05T12:00Z", "2026-10-06T12:00Z", "2026-10-08T12:00Z")  # exactly 72 h apart
    out = deadline_clusters(inside)
    assert out["n_deadlines"].tolist() == [3]
    assert out["reason"].iloc[0].startswith("3 deadlines within 72 h (Mon Oct 5 12:00 – Thu Oct 8 12:00): T0 (C 1), T1 (C 1), T2 (C 1)")
    outside = due("2026-10-05T12:00Z", "2026-10-06T12:00Z", "2026-10-08T12:00:01Z")
    assert deadline_clusters(outside).empty


def test_hours_due_rule():
    out = deadline_clusters(due("2026-10-05T12:00Z", "2026-10-07T12:00Z", hours=8.0))  # 16 h >= 0.5 x 30
    assert out["n_deadlines"].tolist() == [2] and out["hours"].tolist() == [16.0]
    assert "16 h of work due within 72 h" in out["reason"].iloc[0]
    assert deadline_clusters(due("2026-10-05T12:00Z", "2026-10-07T12:00Z", hours=7.0)).empty


def test_overlapping_windows_do_not_chain_and_students_do_not_mix():
    a = due("2026-10-05T12:00Z", "2026-10-06T12:00Z", "2026-10-07T12:00Z", "2026-10-09T12:00Z", "2026-10-20T12:00Z", student="a")
    b = due("2026-10-05T13:00Z", "2026-10-06T13:00Z", student="b")
    out = deadline_clusters(pd.concat([a, b], ignore_index=True))
    assert out["student"].tolist() == ["a"]
    # Oct 5, 6, 7 fill the window from Oct 5; the busy window from Oct 6 (Oct 6, 7, 9) starts inside it.
    assert out["n_deadlines"].tolist() == [3]
    assert out["reason"].iloc[0] == "3 deadlines within 72 h (Mon Oct 5 12:00 – Wed Oct 7 12:00): T0 (C 1), T1 (C 1), T2 (C 1)"


def test_a_steady_term_gives_one_cluster_per_window_not_one_term_long_chain():
    # A deadline every day at noon for eight weeks: every 72 h window is busy.
    days = pd.date_range("2026-09-07T12:00Z", periods=56, freq="D")
    out = deadline_clusters(due(*[d.isoformat() for d in days]), min_count=3)
    assert out["n_deadlines"].tolist() == [4] * 14  # days 0-3, 4-7, ...: each window's four deadlines
    assert ((out["end"] - out["start"]) == pd.Timedelta(days=3)).all()
    assert out["start"].diff().dropna().eq(pd.Timedelta(days=4)).all()


def test_the_sample_semester_has_short_clusters():
    # Four courses that post something most weeks (the package's sample term, read from its Canvas feed).
    sem = datasets.sample_semester()
    df = load.read_ics(sem.calendar_feed, student=sem.student, tz=sem.time_zone).frame
    out = deadline_clusters(df, min_hours=None)
    assert len(out) > 1
    assert (out["end"] - out["start"]).max() <= pd.Timedelta(days=3)


@st.composite
def deadlines(draw):
    n = draw(st.integers(1, 15))
    minutes = draw(st.lists(st.integers(0, 14 * 24 * 60), min_size=n, max_size=n))
    students = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n))
    hours = draw(st.lists(st.floats(0, 12), min_size=n, max_size=n))
    base = pd.Timestamp("2026-10-01T00:00Z")
    return frame(
        [
            {"assignment_id": i, "student": s, "due_at": (base + pd.Timedelta(minutes=m)).isoformat(), "est_hours": h}
            for i, (m, s, h) in enumerate(zip(minutes, students, hours))
        ]
    )


@PROPERTY
@given(deadlines())
def test_clusters_are_the_busy_windows_taken_in_order_without_overlap(df):
    # Brute force: a window starts at each deadline and holds the next 72 h; it is busy with
    # 1.5 x the student's mean deadlines per sliding window (at least 3) or 15 h due. Walking the
    # deadlines in time order, a busy window is a cluster and the walk resumes after its last deadline.
    window = pd.Timedelta(hours=72)
    out = deadline_clusters(df)
    for s, g in df.groupby("student"):
        times, hours = zip(*sorted(zip(g["due_at"], g["est_hours"])))
        usual = len(times) * window / (max(times) - min(times) + window)
        need = max(3, min(len(times), math.ceil(1.5 * usual - 1e-9)))
        expected, i = [], 0
        while i < len(times):
            members = [k for k in range(len(times)) if times[i] <= times[k] <= times[i] + window]
            due_hours = sum(hours[k] for k in members)
            if len(members) >= need or due_hours >= 0.5 * DEFAULT_WEEKLY_BUDGET - 1e-9:
                expected.append((len(members), due_hours))
                i = members[-1] + 1
            else:
                i += 1
        clusters = out[out["student"] == s]
        assert clusters["n_deadlines"].tolist() == [n for n, _ in expected]
        assert clusters["hours"].to_numpy() == pytest.approx([h for _, h in expected])
        assert ((clusters["end"] - clusters["start"]) <= pd.Timedelta(days=4)).all()


def test_detect_combines_levels_with_clusters_first():
    df = due("2026-10-05T20:00Z", "2026-10-06T20:00Z", "2026-10-07T20:00Z", hours=6.0)
    load = daily_load(df.assign(tz="UTC"))
    out = detect(load, df, capacity=4)
    assert out["level"].iloc[0] == "cluster"
    assert {"cluster", "day"} <= set(out["level"])
    assert (out["severity"] > 1).all()


def test_detect_on_a_cohort_is_consistent():
    df = cohort(20, seed=3)
    out = detect(daily_load(df), df, capacity=4)
    assert set(out["level"]) <= {"day", "week", "cluster"}
    assert out["reason"].str.len().gt(10).all()
    assert (out["end"] >= out["start"]).all()
    assert set(out["student"]) <= set(df["student"])


def test_bad_input():
    with pytest.raises(SchemaError):
        detect(pd.DataFrame({"x": [1]}))
    assert detect(load_of([])).empty
    empty = due("2026-10-05T20:00Z").iloc[:0]
    assert deadline_clusters(empty).empty
    assert np.isnan(deadline_clusters(due("2026-10-05T20:00Z", "2026-10-05T21:00Z", "2026-10-05T22:00Z"), min_hours=None)["limit"].iloc[0])
