"""Effort: the sourced rate table, the per-kind rules, ranges, calibration, kinds."""

from __future__ import annotations

import re

import math
import shutil
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from muffin_analytics.effort import EffortModel, calibrate, classify_kind, classify_kinds, estimate, parse_lengths
from muffin_analytics.errors import InputError, SchemaError
from muffin_analytics.rates import load_rates, rates_dict

from .helpers import frame


def one(title: str, kind: str, **extra) -> pd.DataFrame:
    return frame([{"assignment_id": 1, "title": title, "kind": kind, **extra}], student="s", due_at="2026-10-09T23:59:00Z")


# -- the rate table --------------------------------------------------------------------


def test_every_rate_has_a_source_and_unit():
    table = load_rates()
    assert table["source"].str.len().gt(5).all()
    assert table["unit"].notna().all()
    assert (table["value"] > 0).all()


def test_reading_rates_are_speed_over_words_per_page():
    # docs/workload-research.md §1: cells are reading speed / words per page, with "some" ~0.7x and
    # "many" ~0.5x the base speed (500/250/130 wpm for survey/understand/engage).
    rates = rates_dict()
    base = {"survey": 500, "understand": 250, "engage": 130}
    factor = {"none": 1.0, "some": 0.7, "many": 0.5}
    for purpose, wpm in base.items():
        for wpp in (450, 600, 750):
            for concepts, f in factor.items():
                implied = wpm * f * 60 / wpp
                got = rates[f"reading.{purpose}.{wpp}.{concepts}"]
                assert got == pytest.approx(implied, rel=0.12, abs=1.0), (purpose, wpp, concepts)


def test_writing_rates_double_for_single_spacing():
    rates = rates_dict()
    for genre in ("reflection", "argument", "research"):
        for drafting in ("none", "minimal", "extensive"):
            assert rates[f"writing.{genre}.500.{drafting}"] == 2 * rates[f"writing.{genre}.250.{drafting}"]


def test_edited_table_changes_estimates(tmp_path):
    src = resources.files("muffin_analytics").joinpath("data", "rates.csv")
    path = tmp_path / "rates.csv"
    with resources.as_file(src) as real:
        shutil.copy(real, path)
    table = pd.read_csv(path)
    table.loc[table["rate"] == "exam.study_hours", "value"] = 9
    table.to_csv(path, index=False)
    df = one("Midterm", "exam")
    assert estimate(df, EffortModel.default(path))["est_hours"].iloc[0] == 9.0


def test_bad_table_is_refused(tmp_path):
    path = tmp_path / "rates.csv"
    pd.DataFrame({"rate": ["a"], "value": [-1], "unit": ["h"], "source": ["x"]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="positive"):
        load_rates(path)


# -- lengths ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "col", "value"),
    [
        ("Read pp. 45–92", "range_pages", 48),
        ("Read pages 10-19", "range_pages", 10),
        ("read p. 3 - 4", "range_pages", 2),
        ("1500-word essay", "words", 1500),
        ("Essay (1,500 words)", "words", 1500),
        ("5 pages", "pages", 5),
        ("a 5-page paper", "pages", 5),
        ("3-minute video post", "minutes", 3),
    ],
)
def test_parse_lengths(text, col, value):
    assert parse_lengths(pd.Series([text]))[col].iloc[0] == value


def test_parse_lengths_reads_html_description():
    out = parse_lengths(pd.Series(["Week 3"]), pd.Series(["<p>Read <b>pp. 1&ndash;</b></p><p>pp. 12-21</p>"]))
    assert out["range_pages"].iloc[0] == 10


# -- rules (expected values computed by hand from the table) -------------------------


def test_reading_by_pages_with_concept_range():
    out = estimate(one("Read pp. 45–92", "reading")).iloc[0]
    assert out["est_hours"] == pytest.approx(48 / 18)  # understand, 600 w/p, some new concepts
    assert out["est_low"] == pytest.approx(48 / 25)  # no new concepts
    assert out["est_high"] == pytest.approx(48 / 13)  # many new concepts
    assert "48 pages" in out["est_basis"]


def test_essay_words_to_pages():
    out = estimate(one("1500-word essay", "essay")).iloc[0]
    assert out["est_hours"] == pytest.approx(1500 / 250 * 2.0)  # argument, minimal drafting
    assert (out["est_low"], out["est_high"]) == pytest.approx((6 * 1.5, 6 * 2.5))


def test_essay_pages():
    assert estimate(one("Paper 2 (5 pages)", "essay"))["est_hours"].iloc[0] == pytest.approx(10.0)


def test_defaults_by_kind():
    df = frame(
        [
            {"assignment_id": 1, "title": "Discussion week 3", "kind": "discussion"},
            {"assignment_id": 2, "title": "Quiz 2", "kind": "quiz"},
            {"assignment_id": 3, "title": "Quiz 3", "kind": "quiz", "time_limit": 90.0},
            {"assignment_id": 4, "title": "Midterm", "kind": "exam"},
            {"assignment_id": 5, "title": "Final", "kind": "exam", "submission_types": "online_quiz"},
            {"assignment_id": 6, "title": "Essay", "kind": "essay"},
            {"assignment_id": 7, "title": "Read chapter 4", "kind": "reading"},
            {"assignment_id": 8, "title": "Post a 500-word reply", "kind": "discussion"},
        ],
        student="s",
        due_at="2026-10-09T23:59:00Z",
    )
    got = estimate(df)["est_hours"].tolist()
    expected = [1.0, 1.0 + 0.5, 1.0 + 1.5, 5.0, 5.0 + 1.0, 4 * 2.0, 30 / 18, 2.0]
    assert got == pytest.approx(expected)


def test_budget_kinds_scale_with_points_within_clip():
    df = frame(
        [
            {"assignment_id": 1, "title": "PS", "kind": "problem_set", "points": 10.0},
            {"assignment_id": 2, "title": "PS", "kind": "problem_set", "points": 40.0},
            {"assignment_id": 3, "title": "PS", "kind": "problem_set", "points": 2.5},
            {"assignment_id": 4, "title": "PS", "kind": "problem_set", "points": 1000.0},
            {"assignment_id": 5, "title": "PS", "kind": "problem_set"},
            {"assignment_id": 6, "title": "Project", "kind": "project", "points": 25.0},
        ],
        student="s",
        due_at="2026-10-09T23:59:00Z",
    )
    got = estimate(df)["est_hours"].tolist()
    assert got == pytest.approx([3.0, 3.0 * math.sqrt(4), 3.0 * 0.5, 3.0 * 2.0, 3.0, 10.0 * 0.5])


def test_default_range_is_half_to_double():
    out = estimate(one("Quiz 2", "quiz")).iloc[0]
    assert (out["est_low"], out["est_high"]) == pytest.approx((0.75, 3.0))


def test_user_override_wins_unless_overwritten():
    df = one("Quiz 2", "quiz").assign(est_hours=[4.0])
    kept = estimate(df).iloc[0]
    assert (kept["est_hours"], kept["est_basis"]) == (4.0, "given")
    assert estimate(df, overwrite=True)["est_hours"].iloc[0] == pytest.approx(1.5)


def test_estimate_does_not_modify_input():
    df = one("Quiz 2", "quiz")
    before = df.copy()
    estimate(df)
    pd.testing.assert_frame_equal(df, before)


def test_unknown_kind_is_an_error():
    df = one("x", "other")
    df.loc[0, "kind"] = "homework"
    with pytest.raises(SchemaError, match="homework"):
        estimate(df)


# -- calibration ---------------------------------------------------------------------


def test_calibrate_per_kind_is_the_geometric_mean_ratio_shrunk_toward_one():
    df = frame(
        [
            {"assignment_id": 1, "title": "Quiz 1", "kind": "quiz"},
            {"assignment_id": 2, "title": "Quiz 2", "kind": "quiz"},
            {"assignment_id": 3, "title": "Quiz 3", "kind": "quiz"},
            {"assignment_id": 4, "title": "Midterm", "kind": "exam"},
        ],
        student="s",
        due_at="2026-10-09T23:59:00Z",
    )
    # Quiz estimate 1.5 h: ratios 1, 2, 10.  Exam 5 h observed 2.5 -> 0.5.
    observed = {1: 1.5, 2: 3.0, 3: 15.0, 4: 2.5}
    plain = calibrate(df, observed, prior_strength=0)
    assert plain.multiplier("quiz") == pytest.approx(20 ** (1 / 3))
    assert plain.multiplier("exam") == pytest.approx(0.5)
    shrunk = calibrate(df, observed)  # three pseudo-observations at x1
    assert shrunk.multiplier("quiz") == pytest.approx(20 ** (1 / 6))
    assert shrunk.multiplier("exam") == pytest.approx(0.5 ** (1 / 4))
    assert shrunk.multiplier("essay") == 1.0
    out = estimate(df, shrunk)
    assert out["est_hours"].tolist() == pytest.approx([*[1.5 * 20 ** (1 / 6)] * 3, 5 * 0.5 ** (1 / 4)])
    assert "from 3 of your corrected estimates" in out["est_basis"].iloc[0]


def test_calibration_moves_toward_the_students_pace_as_corrections_accumulate():
    quizzes = frame([{"assignment_id": i, "title": f"Quiz {i}", "kind": "quiz"} for i in range(40)],
                    student="s", course="CHEM 110", due_at="2026-10-09T23:59:00Z")
    # This student always needs twice the model's 1.5 h.
    fits = [calibrate(quizzes, {i: 3.0 for i in range(n)}) for n in (1, 3, 10, 40)]
    values = [m.multiplier("quiz") for m in fits]
    assert 1 < values[0] < values[1] < values[2] < values[3] < 2
    assert values[0] < 1.2 and values[3] > 1.85
    widths = [float(re.search(r"([\d.]+)–([\d.]+)×", m.notes[("", "quiz")]).group(2))
              - float(re.search(r"([\d.]+)–([\d.]+)×", m.notes[("", "quiz")]).group(1)) for m in fits]
    assert widths == sorted(widths, reverse=True) and widths[-1] < widths[0] / 2  # surer with more data


def test_calibration_per_course_and_kind():
    rows = [{"assignment_id": i, "title": f"Essay {i}", "kind": "essay", "course": c}
            for i, c in enumerate(["HIST 101"] * 6 + ["ENGL 200"] * 6 + ["PHIL 101"])]
    df = frame(rows, student="s", due_at="2026-10-09T23:59:00Z")
    base = estimate(df)["est_hours"].to_numpy()
    observed = {i: base[i] * (2.0 if i < 6 else 0.5) for i in range(12)}  # slow in history, fast in English
    model = calibrate(df, observed)
    hist, engl, phil = (model.multiplier("essay", c) for c in ("HIST 101", "ENGL 200", "PHIL 101"))
    assert 1.3 < hist < 2.0 and 0.5 < engl < 0.8 and phil == model.multiplier("essay") == pytest.approx(1.0)
    out = estimate(df, model)
    assert "in HIST 101" in out["est_basis"].iloc[0] and "in ENGL 200" in out["est_basis"].iloc[6]


def test_calibrate_twice_is_absolute_not_compounded():
    df = one("Quiz 1", "quiz")
    m1 = calibrate(df, {1: 3.0})
    m2 = calibrate(df, {1: 3.0}, m1)
    assert m2.multiplier("quiz") == pytest.approx(m1.multiplier("quiz"))
    assert calibrate(df, {1: 3.0}, prior_strength=0).multiplier("quiz") == pytest.approx(2.0)


def test_calibrate_accepts_column_and_series():
    df = one("Quiz 1", "quiz").assign(logged=[0.75])
    assert calibrate(df, "logged", prior_strength=0).multiplier("quiz") == pytest.approx(0.5)
    assert calibrate(df, pd.Series([0.75], index=df.index), prior_strength=0).multiplier("quiz") == pytest.approx(0.5)


def test_calibrate_without_observations_is_an_error():
    with pytest.raises(InputError):
        calibrate(one("Quiz 1", "quiz"), {99: 1.0})


# -- kinds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "types", "description", "kind"),
    [
        ("Essay 2: the French Revolution", None, None, "essay"),
        ("Problem Set 4", None, None, "problem_set"),
        ("HW 3", None, None, "problem_set"),
        ("Quiz 5", None, None, "quiz"),
        ("Week 3 check", ["online_quiz"], None, "quiz"),
        ("Midterm Exam", ["online_quiz"], None, "exam"),
        ("Final Exam", None, None, "exam"),
        ("Discussion: week 4", None, None, "discussion"),
        ("Week 4", "discussion_topic", None, "discussion"),
        ("Lab 3 report", None, None, "lab"),
        ("Read pp. 45-92", None, None, "reading"),
        ("Chapter 7", None, None, "reading"),
        ("Final Project", None, None, "project"),
        ("Week 3", None, "<p>Read pp. 45-92</p>", "reading"),
        ("Attendance", None, None, "other"),
    ],
)
def test_classify_kind(title, types, description, kind):
    assert classify_kind(title, types, description) == kind


def test_classify_kinds_vectorised_matches_scalar():
    titles = pd.Series(["Quiz 1", "Essay 1", "Lab 2", "Something"])
    assert classify_kinds(titles).tolist() == [classify_kind(t) for t in titles]


def test_estimate_vectorised_on_many_rows():
    n = 20_000
    df = one("Read pp. 1-36", "reading").iloc[np.zeros(n, dtype=int)].reset_index(drop=True)
    df["assignment_id"] = np.arange(n)
    assert estimate(df)["est_hours"].eq(2.0).all()
