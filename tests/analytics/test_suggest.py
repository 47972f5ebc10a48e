"""Suggestions: sentences whose numbers can be checked against the plan, and sessions."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from muffin_analytics.density import daily_load
from muffin_analytics.plan import balanced
from muffin_analytics.suggest import Suggestions, suggestions
from muffin_analytics.synth import cohort

from .helpers import frame


def two_tasks() -> pd.DataFrame:
    # Essay: 8 h due Fri Oct 9 23:59 Chicago; quiz 1 h due the same evening.
    return frame(
        [
            {"assignment_id": 1, "title": "Essay 2", "course": "HIST 101", "est_hours": 8.0},
            {"assignment_id": 2, "title": "Quiz 3", "course": "MATH 221", "est_hours": 1.0},
        ],
        student="s",
        due_at="2026-10-10T04:59:00Z",
        tz="America/Chicago",
    )


def test_start_by_sentence_matches_the_plan():
    df = two_tasks()
    plan = balanced(df, capacity=4, start="2026-10-05")
    out = suggestions(df, plan)
    assert isinstance(out, Suggestions)
    start = [s for s in out.sentences if s.startswith("Start 'Essay 2' (HIST 101)")]
    assert len(start) == 1
    essay = plan.sessions[plan.sessions["assignment_id"] == 1]
    first = essay["date"].min()
    assert f"by {first:%b} {first.day}," in start[0]
    protected = plan.days.set_index("date")["hours"][pd.Timestamp("2026-10-09")]
    limit = float(re.search(r"to keep Oct 9 under ([\d.]+) h", start[0]).group(1))
    assert protected < limit <= protected + 0.5
    lm = daily_load(df, tz="America/Chicago").set_index("date")["hours"][pd.Timestamp("2026-10-09")]
    assert f"(last-minute: {lm:.1f} h)" in start[0]


def test_first_sentence_is_the_critical_window():
    df = two_tasks()
    plan = balanced(df, capacity=4, start="2026-10-05")
    out = suggestions(df, plan)
    assert out.sentences[0].startswith("Oct 5–9: 9 h due, 20 h free.")
    assert any(s.startswith("Left to the last minute, your busiest day would be Fri Oct 9") for s in out.sentences)


def test_sessions_for_a_calendar():
    df = two_tasks()
    plan = balanced(df, capacity=4, start="2026-10-05")
    sessions = suggestions(df, plan).sessions
    assert {"assignment_id", "date", "hours", "summary"} <= set(sessions.columns)
    assert sessions.groupby("assignment_id")["hours"].sum().to_dict() == pytest.approx({1: 8.0, 2: 1.0})
    assert sessions["summary"].iloc[0].startswith("Work on Essay 2 (HIST 101):")


def test_unschedulable_is_told_and_undated_is_not():
    df = frame(
        [
            {"assignment_id": 1, "title": "Lab 3", "course": "CHEM 110", "due_at": "2026-10-10T20:00:00Z", "est_hours": 2.0},
            {"assignment_id": 2, "title": "Reading", "course": "HIST 101", "due_at": None, "est_hours": 1.0},
        ],
        student="s",
    )
    plan = balanced(df, capacity={dt.date(2026, 10, 10): 0.0}, start="2026-10-10")
    text = " ".join(suggestions(df, plan).sentences)
    assert "'Lab 3' (CHEM 110) cannot be planned: no free hours between Oct 10 and Oct 10" in text
    assert "Reading" not in text  # undated: in plan.dropped, never a suggestion


def test_infeasible_plan_says_so():
    df = frame([{"assignment_id": 1, "title": "Project", "course": "CS 101", "due_at": "2026-10-07T20:00:00Z", "est_hours": 20.0}], student="s")
    plan = balanced(df, capacity=4, start="2026-10-05")
    text = suggestions(df, plan).sentences
    assert any("167%" in s for s in text)


def test_cohort_student_without_df():
    df = cohort(1, seed=5)
    plan = balanced(df, capacity=4)
    out = suggestions(None, plan, max_sentences=3)
    starts = [s for s in out.sentences if s.startswith("Start ")]
    assert 0 < len(starts) <= 3
    assert out.sessions["hours"].sum() == pytest.approx(df["est_hours"].sum())
