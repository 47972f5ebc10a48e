"""Synthetic cohorts: valid, realistic, reproducible, and fast enough for benchmarks."""

from __future__ import annotations


import numpy as np
import pandas as pd

from muffin_analytics.density import DEFAULT_TAU_DAYS, LastMinuteProfile
from muffin_analytics.schema import KINDS, validate
from muffin_analytics.synth import CATALOGUE, cohort, sections


def test_valid_and_shaped():
    df = validate(cohort(200, seed=1))
    per_student = df.groupby("student")
    assert per_student["course"].nunique().between(4, 6).all()
    assert 35 <= per_student.size().mean() <= 65  # about 50 rows a student
    assert set(df["kind"]) <= set(KINDS) and len(set(df["kind"])) >= 7
    assert df["est_hours"].gt(0).all()
    assert df["due_at"].notna().all()
    assert set(df["course"]) <= {c[0] for c in CATALOGUE}
    assert df["tz"].value_counts(normalize=True)["America/Chicago"] > 0.8


def test_reproducible():
    pd.testing.assert_frame_equal(cohort(30, seed=7), cohort(30, seed=7))
    assert not cohort(30, seed=7).equals(cohort(30, seed=8))


def test_deadlines_bunch_in_midterm_and_finals_weeks():
    t = sections(3, seed=0, start="2026-08-24")
    week = ((t["due_at"] - pd.Timestamp("2026-08-24", tz="America/Chicago")).dt.days // 7 + 1)
    exams = t[t["kind"] == "exam"]
    exam_weeks = week[exams.index].value_counts()
    assert exam_weeks.get(16, 0) > exam_weeks.drop(16, errors="ignore").max() / 2
    assert exam_weeks.loc[[7, 8]].sum() > 0


def test_due_time_habits_include_midnight_and_morning():
    t = sections(3, seed=0)
    local = t["due_at"].dt.tz_convert("America/Chicago")
    hours = set(local.dt.strftime("%H:%M"))
    assert {"23:59", "00:00", "09:00"} <= hours


def test_as_of_draws_submissions_with_fittable_tau():
    df = cohort(300, seed=2, as_of="2026-12-31")
    assert df["submitted"].notna().all()
    states = df["submission_state"].value_counts(normalize=True)
    assert 0.03 < states["missing"] < 0.07 and 0.04 < states["late"] < 0.09
    lead = (df["due_at"] - df["submitted_at"]).dt.total_seconds() / 86_400
    tau = LastMinuteProfile.fit(lead[df["submission_state"] == "submitted"]).tau_days
    assert abs(tau - DEFAULT_TAU_DAYS) < 0.15


def test_two_thousand_students_give_about_fifty_rows_each():
    # The time for 20,000 students is printed by bench/analytics_daily_load.py, not asserted here.
    df = cohort(2_000, seed=1)
    assert 90_000 <= len(df) <= 110_000
    assert np.isfinite(df["est_hours"]).all()
