"""The assignments table: declared dtypes, clear errors, nothing dropped silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from muffin_analytics.errors import AnalyticsError, SchemaError
from muffin_analytics.schema import COLUMNS, DROPPED_COLUMNS, KINDS, conform, dropped_rows, empty, split_dated, validate

from .helpers import frame

BASE = {"student": "s1", "course": "HIST 101", "title": "Essay", "kind": "essay"}


def good() -> pd.DataFrame:
    return frame(
        [
            {"assignment_id": 1, "due_at": "2026-10-09T23:59:00Z"},
            {"assignment_id": 2, "due_at": "2026-10-10T23:59:00Z", "points": 10.0},
        ],
        **BASE,
    )


def test_empty_has_declared_dtypes():
    df = empty()
    assert list(df.columns) == list(COLUMNS)
    assert {c: str(t) for c, t in df.dtypes.items()} == COLUMNS
    assert validate(df) is df


def test_conform_adds_defaults_and_declares_dtypes():
    df = conform(pd.DataFrame({"student": ["s"], "assignment_id": [12], "due_at": ["2026-10-09T23:59:00-05:00"]}))
    assert {c: str(df[c].dtype) for c in COLUMNS} == COLUMNS
    assert df.loc[0, "due_at"] == pd.Timestamp("2026-10-10T04:59:00Z")
    assert df.loc[0, "kind"] == "other"
    assert df["submitted"].isna().all() and np.isnan(df.loc[0, "points"]) and np.isnan(df.loc[0, "est_hours"])
    assert df["unlock_at"].isna().all()


def test_conform_reads_submitted_strings_as_nullable_boolean():
    df = frame(
        [{"assignment_id": i, "submitted": v} for i, v in enumerate(["true", "false", "unknown", None, True])],
        student="s",
        due_at="2026-10-09T23:59:00Z",
    )
    assert df["submitted"].tolist()[:2] == [True, False]
    assert df["submitted"].isna().tolist() == [False, False, True, True, False]


def test_conform_does_not_modify_input():
    raw = pd.DataFrame({"student": ["s"], "assignment_id": [1], "due_at": ["2026-10-09T23:59:00Z"]})
    before = raw.copy()
    conform(raw)
    pd.testing.assert_frame_equal(raw, before)


def test_naive_datetimes_are_an_error_unless_declared_utc():
    raw = pd.DataFrame({"student": ["s"], "assignment_id": [1], "due_at": [pd.Timestamp("2026-10-09 23:59")]})
    with pytest.raises(SchemaError, match="naive"):
        conform(raw)
    assert conform(raw, naive="utc").loc[0, "due_at"] == pd.Timestamp("2026-10-09 23:59", tz="UTC")


def test_validate_names_naive_column():
    df = good()
    df["due_at"] = df["due_at"].dt.tz_localize(None)
    with pytest.raises(SchemaError, match="'due_at' holds naive datetimes"):
        validate(df)


def test_validate_requires_utc():
    df = good()
    df["due_at"] = df["due_at"].dt.tz_convert("America/Chicago")
    with pytest.raises(SchemaError, match="UTC"):
        validate(df)


def test_missing_column_is_named():
    with pytest.raises(SchemaError, match=r"missing column\(s\) \['est_hours'\]"):
        validate(good().drop(columns="est_hours"))


def test_negative_points_name_rows():
    df = good()
    df.loc[1, "points"] = -5.0
    with pytest.raises(SchemaError, match=r"'points'.*rows \[1\] \(assignment_id \[2\]\)"):
        validate(df)


def test_negative_hours_rejected():
    df = good()
    df.loc[0, "est_hours"] = -1.0
    with pytest.raises(SchemaError, match="est_hours"):
        validate(df)


def test_unknown_kind_listed():
    df = good()
    df.loc[0, "kind"] = "homework"
    with pytest.raises(SchemaError, match=r"unknown kinds \['homework'\]"):
        validate(df)
    assert "homework" not in KINDS


def test_duplicate_ids_listed_with_both_rows():
    df = good()
    df.loc[1, "assignment_id"] = 1
    with pytest.raises(SchemaError, match=r"duplicate.*rows \[0, 1\]"):
        validate(df)
    assert validate(df, duplicates=False) is df


def test_same_id_for_two_students_is_fine():
    df = good()
    df.loc[1, "assignment_id"] = 1
    df.loc[1, "student"] = "s2"
    validate(df)


def test_submitted_must_be_nullable_boolean():
    df = good()
    df["submitted"] = df["submitted"].astype(object)
    with pytest.raises(SchemaError, match="'submitted'"):
        validate(df)


def test_text_columns_must_be_strings():
    df = good()
    df["course"] = [1, 2]
    with pytest.raises(SchemaError, match="'course'"):
        validate(df)


def test_unknown_time_zone():
    df = good().assign(tz=["America/Chicago", "Mars/Olympus"])
    with pytest.raises(SchemaError, match="Mars/Olympus"):
        validate(df)


def test_errors_share_one_base():
    with pytest.raises(AnalyticsError):
        validate(pd.DataFrame())
    with pytest.raises(ValueError):  # also a ValueError, for callers that catch those
        validate(pd.DataFrame())


def test_split_dated_reports_undated_rows():
    df = frame(
        [{"assignment_id": 1, "due_at": "2026-10-09T23:59:00Z"}, {"assignment_id": 2, "due_at": None, "title": "Reading"}],
        student="s",
    )
    dated, dropped = split_dated(df)
    assert dated["assignment_id"].tolist() == [1]
    assert list(dropped.columns) == list(DROPPED_COLUMNS)
    assert dropped[["assignment_id", "title", "code", "reason"]].to_numpy().tolist() == [[2, "Reading", "undated", "no due date"]]
    assert len(dated) + len(dropped) == len(df)


def test_dropped_rows_keeps_index_and_per_row_reasons():
    df = good()
    out = dropped_rows(df, [False, True], ["because"], code="x")
    assert out.index.tolist() == [1]
    assert out["reason"].tolist() == ["because"] and out["code"].tolist() == ["x"]
