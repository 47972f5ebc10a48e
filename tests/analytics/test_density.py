"""Daily and weekly load: conservation of effort, profiles, time zones, DST, speed."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from muffin_analytics.density import (
    DEFAULT_TAU_DAYS,
    EvenProfile,
    LastMinuteProfile,
    lead_profile,
    daily_load,
    due_load,
    to_weekly,
    weekly_load,
)
from muffin_analytics.errors import InputError, SchemaError
from muffin_analytics.plan import balanced, balanced_many
from muffin_analytics.reference import capped_exponential, daily_load_naive
from muffin_analytics.schema import conform
from muffin_analytics.synth import cohort

from .helpers import PROPERTY, frame

CHI = "America/Chicago"
ZONES = [CHI, "UTC", "Asia/Kolkata", "America/Los_Angeles", "Europe/London"]


def local(text: str, zone: str = CHI) -> str:
    """ISO UTC string of a wall-clock time in *zone*."""
    ts = dt.datetime.fromisoformat(text).replace(tzinfo=zoneinfo.ZoneInfo(zone))
    return pd.Timestamp(ts).tz_convert("UTC").isoformat()


# -- random tables -------------------------------------------------------------------------

base = pd.Timestamp("2026-10-20T00:00:00Z")  # spans the 1 November DST change


@st.composite
def tables(draw, max_rows: int = 25):
    n = draw(st.integers(0, max_rows))
    rows = []
    for i in range(n):
        due_min = draw(st.integers(0, 25 * 24 * 60))
        unlock = draw(st.one_of(st.none(), st.integers(-20 * 24 * 60, 24 * 60)))
        due = base + pd.Timedelta(minutes=due_min)
        rows.append(
            {
                "student": draw(st.sampled_from(["a", "b", "c"])),
                "course": draw(st.sampled_from(["HIST 101", "CHEM 110"])),
                "kind": draw(st.sampled_from(["essay", "exam", "other"])),
                "assignment_id": i,
                "due_at": None if draw(st.integers(0, 9)) == 0 else due.isoformat(),
                "unlock_at": None if unlock is None else (due + pd.Timedelta(minutes=unlock)).isoformat(),
                "est_hours": draw(st.one_of(st.none(), st.floats(0, 40, allow_nan=False))),
            }
        )
    if not rows:
        return frame([{"student": "a", "assignment_id": 0, "due_at": None}]).iloc[:0].assign(tz=pd.Series(dtype="str"))
    df = frame(rows)
    zone_of = {s: draw(st.sampled_from(ZONES)) for s in ("a", "b", "c")}
    return df.assign(tz=df["student"].map(zone_of).astype("str"))


profiles = st.one_of(
    st.builds(LastMinuteProfile, tau_days=st.floats(0.2, 5.0), cap_hours=st.floats(0.5, 12.0),
              finish_days=st.integers(0, 4)),
    st.builds(EvenProfile, horizon_days=st.integers(1, 20)),
)


@PROPERTY
@given(tables(), profiles)
def test_hours_add_up_to_the_effort_of_dated_rows(df, profile):
    load = daily_load(df, profile)
    dated = df.loc[df["due_at"].notna() & df["est_hours"].notna()]
    expected = dated.groupby("student")["est_hours"].sum()
    got = load.groupby("student")["hours"].sum()
    for student, total in expected.items():
        assert got.get(student, 0.0) == pytest.approx(total, rel=1e-9, abs=1e-9)
    assert (load["hours"] > 0).all()
    # Dropped rows are reported: every row is either counted or listed.
    dropped = load.attrs["dropped"].frame
    assert len(dropped) == len(df) - len(dated)
    assert set(dropped["code"]) <= {"undated", "no_estimate"}


@PROPERTY
@given(tables(max_rows=12), profiles)
def test_matches_row_by_row_reference(df, profile):
    fast = daily_load(df, profile)
    slow = daily_load_naive(df, profile)
    merged = fast.merge(slow, on=["student", "date"], how="outer", suffixes=("_fast", "_slow")).fillna(0.0)
    assert np.allclose(merged["hours_fast"], merged["hours_slow"], rtol=1e-9, atol=1e-9)


@PROPERTY
@given(tables(), profiles)
def test_by_course_and_weekly_preserve_totals(df, profile):
    daily = daily_load(df, profile)
    by_course = daily_load(df, profile, by_course=True)
    assert by_course["hours"].sum() == pytest.approx(daily["hours"].sum(), rel=1e-9, abs=1e-9)
    merged = by_course.groupby(["student", "date"], as_index=False)["hours"].sum().merge(daily, on=["student", "date"])
    assert np.allclose(merged["hours_x"], merged["hours_y"])
    weekly = to_weekly(daily)
    assert weekly["hours"].sum() == pytest.approx(daily["hours"].sum(), rel=1e-9, abs=1e-9)
    assert (weekly["week"].dt.day_of_week == 0).all()


# -- the last-minute profile -----------------------------------------------------------


@PROPERTY
@given(st.floats(0.0, 60.0), st.integers(1, 20), st.floats(0.2, 5.0), st.floats(0.5, 12.0))
def test_capped_exponential_closed_form_matches_water_filling(effort, days, tau, cap):
    prof = LastMinuteProfile(tau_days=tau, cap_hours=cap)
    fast = prof.spread(effort, days)
    slow = capped_exponential(effort, days, tau, cap)
    assert np.allclose(fast, slow, rtol=1e-9, atol=1e-9)
    assert fast.sum() == pytest.approx(effort, rel=1e-9, abs=1e-12)
    if effort <= days * cap:
        assert fast.max() <= cap * (1 + 1e-9)


def test_exponential_shape_without_cap():
    x = LastMinuteProfile(tau_days=2.0, cap_hours=100.0).spread(10.0, 5)
    assert np.allclose(x[1:] / x[:-1], math.exp(-1 / 2.0))


def test_default_tau_and_fit():
    assert DEFAULT_TAU_DAYS == 1.8  # fitted to OULAD in notebooks/03_real_submission_timing.py
    leads = np.random.default_rng(0).exponential(2.5, 20_000)
    assert LastMinuteProfile.fit(leads).tau_days == pytest.approx(2.5, rel=0.05)
    with pytest.raises(InputError):
        LastMinuteProfile.fit([])
    with pytest.raises(InputError):
        LastMinuteProfile(tau_days=0)


def test_single_assignment_last_minute_by_hand():
    df = frame([{"student": "s", "assignment_id": 1, "est_hours": 10.0, "due_at": "2026-10-09T23:00:00Z", "unlock_at": "2026-10-07T00:00:00Z"}])
    load = daily_load(df, LastMinuteProfile(tau_days=1.0, cap_hours=8.0))
    w = np.exp(-np.arange(3))  # Oct 9, 8, 7
    assert load["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-07", "2026-10-08", "2026-10-09"]
    assert np.allclose(load["hours"], 10 * w[::-1] / w.sum())


def test_unlock_after_due_puts_everything_on_the_work_day():
    df = frame([{"student": "s", "assignment_id": 1, "est_hours": 3.0, "due_at": "2026-10-09T23:00:00Z", "unlock_at": "2026-10-12T00:00:00Z"}])
    for profile in ("even", "last_minute"):
        assert daily_load(df, profile)["hours"].tolist() == [3.0]


@pytest.mark.parametrize("kind", ["exam", "quiz"])
def test_study_for_an_exam_is_spread_before_it_opens(kind):
    # Canvas opens a timed quiz or exam on the day it is sat; the studying happens before.
    sat = {"student": "s", "assignment_id": 1, "est_hours": 5.0, "due_at": "2026-10-09T20:00:00Z", "unlock_at": "2026-10-09T14:00:00Z"}
    exam = daily_load(frame([{**sat, "kind": kind}]), "last_minute")
    assert exam["date"].min() < pd.Timestamp("2026-10-09") and exam["hours"].sum() == pytest.approx(5.0)
    essay = daily_load(frame([{**sat, "kind": "essay"}]), "last_minute")
    assert essay["hours"].tolist() == [5.0]  # other kinds still start when they unlock


# -- time zones and the cutoff ---------------------------------------------------------------


def test_cutoff_rule_moves_early_morning_deadlines():
    df = frame(
        [
            {"assignment_id": 1, "due_at": local("2026-10-10 00:00")},
            {"assignment_id": 2, "due_at": local("2026-10-10 04:59")},
            {"assignment_id": 3, "due_at": local("2026-10-10 05:00")},
        ],
        student="s",
        est_hours=1.0,
        tz=CHI,
    )
    load = due_load(df)
    assert load[["date", "due_count"]].assign(date=load["date"].dt.strftime("%m-%d")).to_numpy().tolist() == [["10-09", 2.0], ["10-10", 1.0]]


def test_fall_back_week_even_profile_counts_days_not_hours():
    # Seven local days from Mon Oct 26 to Sun Nov 1 (clocks go back on Nov 1) get equal shares.
    df = frame(
        [{"assignment_id": 1, "due_at": local("2026-11-01 23:00"), "unlock_at": local("2026-10-26 08:00")}],
        student="s",
        est_hours=7.0,
        tz=CHI,
    )
    load = daily_load(df, "even")
    assert load["date"].dt.strftime("%m-%d").tolist() == ["10-26", "10-27", "10-28", "10-29", "10-30", "10-31", "11-01"]
    assert np.allclose(load["hours"], 1.0)
    weekly = weekly_load(df, "even")
    assert weekly["week"].dt.strftime("%m-%d").tolist() == ["10-26"] and weekly["hours"].tolist() == pytest.approx([7.0])


def test_fall_back_night_deadlines():
    df = frame(
        [
            {"assignment_id": 1, "due_at": local("2026-11-01 00:30")},  # before the change: Oct 31
            {"assignment_id": 2, "due_at": "2026-11-01T06:30:00Z"},  # first 01:30 (CDT): Oct 31
            {"assignment_id": 3, "due_at": "2026-11-01T07:30:00Z"},  # second 01:30 (CST): Oct 31
            {"assignment_id": 4, "due_at": "2026-11-01T11:00:00Z"},  # 05:00 CST: Nov 1
        ],
        student="s",
        est_hours=1.0,
        tz=CHI,
    )
    load = due_load(df)
    assert load["date"].dt.strftime("%m-%d").tolist() == ["10-31", "11-01"]
    assert load["due_count"].tolist() == [3.0, 1.0]


def test_tz_argument_overrides_column():
    df = frame([{"assignment_id": 1, "due_at": "2026-10-10T03:00:00Z"}], student="s", est_hours=1.0, tz="UTC")
    assert due_load(df)["date"].dt.strftime("%m-%d").tolist() == ["10-09"]  # 03:00 UTC < cutoff
    assert due_load(df, tz="Asia/Tokyo")["date"].dt.strftime("%m-%d").tolist() == ["10-10"]  # 12:00 in Tokyo


# -- plan profiles ---------------------------------------------------------------------


def test_plan_profile_equals_plan_sessions():
    df = cohort(3, seed=4)
    plans = balanced_many(df, capacity=4, progress=False)
    load = daily_load(df, plans)
    sessions = pd.concat([p.sessions for p in plans.values()])
    assert load["hours"].sum() == pytest.approx(sessions["hours"].sum())
    one = next(iter(plans.values()))
    single = daily_load(df, one)
    assert single["student"].unique().tolist() == [one.student]
    assert np.allclose(single["hours"].to_numpy(), one.days.loc[one.days["hours"] > 0, "hours"].to_numpy())
    by_course = daily_load(df, plans, by_course=True)
    assert by_course["hours"].sum() == pytest.approx(load["hours"].sum())


def test_plan_profile_reports_the_plans_dropped_rows():
    df = frame(
        [{"assignment_id": 1, "due_at": "2026-10-10T20:00:00Z", "est_hours": 2.0}, {"assignment_id": 2, "due_at": None, "est_hours": 1.0}],
        student="s",
    )
    load = daily_load(df, balanced(df, capacity=4))
    assert load.attrs["dropped"].frame["code"].tolist() == ["undated"]


# -- bad input -------------------------------------------------------------------------


def test_needs_estimates_column():
    df = frame([{"assignment_id": 1, "due_at": "2026-10-10T20:00:00Z"}], student="s").drop(columns="est_hours")
    with pytest.raises(SchemaError, match="est_hours"):
        daily_load(df)


def test_naive_due_times_rejected():
    df = frame([{"assignment_id": 1, "due_at": "2026-10-10T20:00:00Z"}], student="s", est_hours=1.0)
    df["due_at"] = df["due_at"].dt.tz_localize(None)
    with pytest.raises(SchemaError, match="naive"):
        daily_load(df)


def test_unknown_profile():
    df = frame([{"assignment_id": 1, "due_at": "2026-10-10T20:00:00Z"}], student="s", est_hours=1.0)
    with pytest.raises(InputError, match="profile"):
        daily_load(df, "procrastinate")


def test_complete_fills_gaps_with_zero():
    df = frame(
        [
            {"assignment_id": 1, "due_at": "2026-10-05T20:00:00Z", "unlock_at": "2026-10-05T00:00:00Z"},
            {"assignment_id": 2, "due_at": "2026-10-09T20:00:00Z", "unlock_at": "2026-10-09T00:00:00Z"},
        ],
        student="s",
        est_hours=2.0,
    )
    full = daily_load(df, "even", complete=True)
    assert full["hours"].tolist() == [2.0, 0.0, 0.0, 0.0, 2.0]


def test_package_default_tau_can_be_changed(monkeypatch):
    import muffin_analytics.density as density

    monkeypatch.setattr(density, "DEFAULT_TAU_DAYS", 2.5)
    assert LastMinuteProfile().tau_days == 2.5
    df = frame([{"student": "s", "assignment_id": 1, "est_hours": 10.0, "due_at": "2026-10-09T23:00:00Z", "unlock_at": "2026-10-07T00:00:00Z"}])
    expected = daily_load(df, LastMinuteProfile(tau_days=2.5))["hours"].tolist()
    assert daily_load(df, "last_minute")["hours"].tolist() == expected


# -- a student's own profile ---------------------------------------------------------


def history(leads_days: list[float], tz: str = "America/Chicago") -> pd.DataFrame:
    """One student's handed-in work: weekly deadlines at 23:59 local, each submitted *lead* days before."""
    due = pd.Series(pd.date_range("2026-08-28 23:59", periods=len(leads_days), freq="7D", tz=tz).tz_convert("UTC"))
    return conform(pd.DataFrame({
        "student": "s", "assignment_id": range(len(due)), "due_at": due, "tz": tz, "est_hours": 2.0,
        "submitted_at": due - pd.to_timedelta(pd.Series(leads_days, dtype=float), unit="D"),
    }))


def test_a_student_who_always_finishes_two_days_early_gets_a_profile_that_says_so():
    fit = lead_profile(history([2.0] * 23))
    assert fit.n == 23 and fit.profile.finish_days == 2
    assert fit.profile.tau_days < 0.3  # hardly any work spills before the finishing day
    assert 2.0 <= fit.lead_low < fit.lead_days < fit.lead_high < 2.5
    assert "finish about 2.2 days before the deadline" in fit.describe()
    assert "from your last 23 submissions" in fit.describe()
    # The load follows: nothing on the last two days before a deadline, most of it on the third.
    one = history([2.0] * 23).iloc[[0]]
    load = daily_load(one, fit.profile).set_index("date")["hours"]
    assert load.idxmax() == pd.Timestamp("2026-08-26") and load.max() > 1.9 and load.sum() == pytest.approx(2.0)


def test_few_submissions_are_shrunk_toward_the_population_and_less_sure():
    population = LastMinuteProfile()
    none = lead_profile(history([]))
    assert none.profile == population and "average student" in none.describe()
    fits = {n: lead_profile(history([5.0] * n)) for n in (1, 3, 10, 40)}
    finish = [fits[n].profile.finish_days for n in (1, 3, 10, 40)]
    assert finish == sorted(finish) and finish[0] <= 1 and finish[-1] == 5
    assert population.tau_days < fits[1].lead_days < 3.5  # one submission moves it only part of the way
    assert abs(fits[40].lead_days - 5) < 0.2 < abs(fits[3].lead_days - 5)
    widths = [fits[n].lead_high - fits[n].lead_low for n in (1, 3, 10, 40)]
    assert widths == sorted(widths, reverse=True)
    assert "weighted toward the average student" in fits[3].basis and "weighted" not in fits[40].basis


def test_lead_profile_uses_only_the_last_submissions_and_counts_late_work_at_the_deadline():
    fit = lead_profile(history([6.0] * 30 + [-1.0] * 10), last=10)
    assert fit.n == 10 and fit.profile.finish_days == 0 and fit.lead_days < population_tau()
    with pytest.raises(InputError):
        lead_profile(pd.concat([history([1.0]), history([1.0]).assign(student="t")], ignore_index=True))


def population_tau() -> float:
    return LastMinuteProfile().tau_days


def test_load_tables_label_students_and_courses_with_categoricals_of_str():
    df = cohort(3, seed=2)
    plan = balanced_many(df, capacity=4, progress=False)
    for load in (daily_load(df), daily_load(df, by_course=True), daily_load(df, plan, by_course=True),
                 daily_load(df, "even", complete=True), due_load(df, by_course=True)):
        for col in ("student", "course"):
            if col in load.columns:
                assert isinstance(load[col].dtype, pd.CategoricalDtype), col
                assert str(load[col].cat.categories.dtype) == "str"
    assert due_load(df)["due_count"].dtype == "int64"
