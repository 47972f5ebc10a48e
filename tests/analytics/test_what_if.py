"""what_if: every figure equals the plan and the crunch weeks recomputed from scratch on the moved table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muffin_analytics.crunch import detect
from muffin_analytics.density import daily_load
from muffin_analytics.errors import InputError
from muffin_analytics.plan import WHAT_IF_COLUMNS, balanced, what_if
from muffin_analytics.schema import conform
from muffin_analytics.synth import cohort

from .helpers import PROPERTY

# Each example plans every student twice from scratch and runs crunch.detect twice: fewer examples.
FROM_SCRATCH = settings(PROPERTY, max_examples=25)

TZ = "America/Chicago"
TERM = dt.date(2026, 9, 7)  # a Monday
BUDGET = 6.0  # a small weekly budget, so that crunch weeks come and go


@st.composite
def semesters(draw):
    """1–3 students sharing a course's assignment ids (each holds a subset), and one move."""
    n_ids = draw(st.integers(1, 10))
    rows = []
    for s in range(draw(st.integers(1, 3))):
        held = draw(st.lists(st.integers(0, n_ids - 1), min_size=1, max_size=n_ids, unique=True))
        for aid in held:
            due = draw(st.integers(0, 35))
            back = draw(st.one_of(st.none(), st.integers(0, 10)))
            rows.append({
                "student": f"s{s}", "assignment_id": aid, "title": f"A{aid}", "course": "C 1",
                "kind": draw(st.sampled_from(["essay", "exam", "problem_set"])),
                "due_at": pd.Timestamp(dt.datetime.combine(TERM + dt.timedelta(days=due), dt.time(draw(st.sampled_from([2, 12, 23])), 59)), tz=TZ),
                "unlock_at": None if back is None else pd.Timestamp(dt.datetime.combine(TERM + dt.timedelta(days=due - back), dt.time(8)), tz=TZ),
                "est_hours": draw(st.one_of(st.just(0.0), st.floats(0.25, 14.0))),
                "submitted": draw(st.sampled_from([False, False, False, True])),
            })
    df = conform(pd.DataFrame(rows).assign(tz=TZ))
    aid = draw(st.sampled_from(sorted(df["assignment_id"].unique().tolist())))
    shift = draw(st.integers(-6, 8))
    old = df.loc[df["assignment_id"] == aid, "due_at"].iloc[0]
    new_due = old + pd.Timedelta(days=shift, hours=draw(st.sampled_from([0, 5])))
    capacity = draw(st.sampled_from([3.0, [2, 2, 2, 2, 1, 5, 5], [4, 0, 4, 0, 4, 6, 0]]))
    start = draw(st.sampled_from([None, TERM + dt.timedelta(days=3)]))
    return df, {aid: new_due}, capacity, start


def crunch_weeks(df: pd.DataFrame) -> int:
    if df.empty:
        return 0
    found = detect(daily_load(df, tz=TZ), weekly_budget=BUDGET)
    return int((found["level"] == "week").sum())


@FROM_SCRATCH
@given(semesters())
def test_what_if_equals_the_plan_recomputed_from_scratch(case):
    df, moves, capacity, start = case
    (aid, new_due), = moves.items()
    out = what_if(df, moves, capacity=capacity, start=start, weekly_budget=BUDGET)
    moved = df.assign(due_at=df["due_at"].where(df["assignment_id"] != aid, new_due))
    holders = sorted(df.loc[df["assignment_id"] == aid, "student"].unique())
    assert out.students["student"].tolist() == holders
    assert list(out.students.columns) == list(WHAT_IF_COLUMNS)
    for row in out.students.itertuples(index=False):
        own, own_moved = df[df["student"] == row.student], moved[moved["student"] == row.student]
        before = balanced(own, capacity=capacity, start=start)
        after = balanced(own_moved, capacity=capacity, start=start)
        assert row.peak_before == pytest.approx(before.peak, rel=1e-12, abs=1e-12)
        assert row.peak_after == pytest.approx(after.peak, rel=1e-12, abs=1e-12)
        for (first, last), win in (((row.window_before_first, row.window_before_last), before.critical_window),
                                   ((row.window_after_first, row.window_after_last), after.critical_window)):
            assert (None if pd.isna(first) else (first.date(), last.date())) == win
        assert row.crunch_weeks_before == crunch_weeks(own)
        assert row.crunch_weeks_after == crunch_weeks(own_moved)
        changed = (abs(after.peak - before.peak) > 1e-9 or after.critical_window != before.critical_window
                   or not np.array_equal(*(out.weeks.loc[out.weeks["student"] == row.student, c].to_numpy()
                                           for c in ("crunch_before", "crunch_after"))))
        assert row.affected == changed
    assert out.share_affected == pytest.approx(out.students["affected"].sum() / df["student"].nunique())
    assert (out.moved["due_after"] == new_due.tz_convert("UTC")).all()


def test_a_date_keeps_the_local_time_of_day_and_ids_keep_their_type():
    df = conform(pd.DataFrame({
        "student": ["s"] * 3, "assignment_id": ["00123", "g-QXNzaWdubWVudC0x", "77"], "title": ["A", "B", "C"],
        "est_hours": [6.0, 9.0, 2.0], "tz": TZ,
        "due_at": ["2026-10-09T04:59:00Z", "2026-10-09T04:59:00Z", "2026-10-12T04:59:00Z"]}))  # 23:59 Chicago
    out = what_if(df, {"g-QXNzaWdubWVudC0x": "2026-10-12"}, capacity=3, start="2026-10-05")
    assert out.moved["assignment_id"].tolist() == ["g-QXNzaWdubWVudC0x"]
    assert out.moved["due_after"].iloc[0] == pd.Timestamp("2026-10-13T04:59:00Z")  # Mon 23:59 in Chicago
    assert out.students["peak_after"].iloc[0] < out.students["peak_before"].iloc[0]
    assert "due Mon Oct 12" in out.explain() and "drops from" in out.explain()
    with pytest.raises(InputError, match=r"no assignment with id \['nope'\]"):
        what_if(df, {"nope": "2026-10-12"})
    with pytest.raises(InputError, match="no time zone"):
        what_if(df, {"77": "2026-10-12T23:59:00"})


def test_a_cohort_counts_the_share_of_students_affected():
    df = cohort(60, seed=4)
    course = df["course"].value_counts().index[0]
    target = df.loc[df["course"] == course].sort_values("est_hours").iloc[-1]
    out = what_if(df, {target["assignment_id"]: target["due_at"] - pd.Timedelta(days=10)}, capacity=3,
                  weekly_budget=12)
    holders = df.loc[df["assignment_id"] == target["assignment_id"], "student"].nunique()
    assert len(out.students) == holders < 60 and out.n_students == 60
    assert 0 < out.share_affected <= holders / 60
    changed = out.students.loc[out.students["affected"]]
    assert (changed["crunch_weeks_before"] != changed["crunch_weeks_after"]).any()
