"""Bad input gets an error naming the column (or argument) and the rows, everywhere; ids keep their type."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pandas as pd
import pytest

from muffin_analytics.crunch import deadline_clusters
from muffin_analytics.density import daily_load, due_load, weekly_load
from muffin_analytics.effort import estimate
from muffin_analytics.errors import AnalyticsError, InputError, SchemaError
from muffin_analytics.plan import balanced, balanced_many, what_if
from muffin_analytics.schema import conform
from muffin_analytics.suggest import suggestions

TZ = "America/Chicago"


def table(**changes: object) -> pd.DataFrame:
    """Three assignments of one student, conformed; *changes* then overwrite columns (unchecked)."""
    df = conform(pd.DataFrame({
        "student": ["s1"] * 3, "assignment_id": [11, 12, 13], "title": ["Essay", "Lab", "Quiz"],
        "course": ["HIST 101", "CHEM 110", "MATH 221"], "kind": ["essay", "lab", "quiz"], "tz": TZ,
        "est_hours": [4.0, 3.0, 1.5],
        "due_at": ["2026-10-09T04:59:00Z", "2026-10-12T22:00:00Z", "2026-10-14T17:00:00Z"],
    }))
    for column, values in changes.items():
        df[column] = values
    return df


def nan_student() -> pd.DataFrame:
    return table(student=pd.Series(["s1", None, "s1"], dtype="str"))


def duplicated() -> pd.DataFrame:
    df = table()
    return pd.concat([df, df.iloc[[1]]], ignore_index=True)


def hours_as_text() -> pd.DataFrame:
    return table(est_hours=pd.Series([4.0, "2h", 1.5], dtype=object))


def mixed_naive_and_aware() -> pd.DataFrame:
    return pd.DataFrame({"student": ["s1", "s1", "s1"], "assignment_id": [11, 12, 13],
                         "due_at": [pd.Timestamp("2026-10-09 23:59", tz=TZ), pd.Timestamp("2026-10-12 17:00"),
                                    "2026-10-14T17:00:00Z"]})


START = "2026-10-05"
CASES: list[tuple[str, Callable[[], object], type[AnalyticsError], str, str]] = [
    # (what, call, error, names the column or argument, names the rows)
    ("naive among aware: conform", lambda: conform(mixed_naive_and_aware()), SchemaError, "'due_at'", r"rows \[1\] \(assignment_id \[12\]\)"),
    ("naive among aware: conform(naive='raise')", lambda: conform(mixed_naive_and_aware(), naive="raise"), SchemaError, "'due_at'", r"rows \[1\]"),
    ("NaN student: daily_load", lambda: daily_load(nan_student()), SchemaError, "'student'", r"rows \[1\] \(assignment_id \[12\]\)"),
    ("NaN student: weekly_load", lambda: weekly_load(nan_student()), SchemaError, "'student'", r"rows \[1\]"),
    ("NaN student: due_load", lambda: due_load(nan_student()), SchemaError, "'student'", r"rows \[1\]"),
    ("NaN student: balanced", lambda: balanced(nan_student(), start=START), SchemaError, "'student'", r"rows \[1\]"),
    ("NaN student: balanced_many", lambda: balanced_many(nan_student(), progress=False), SchemaError, "'student'", r"rows \[1\]"),
    ("NaN student: deadline_clusters", lambda: deadline_clusters(nan_student()), SchemaError, "'student'", r"rows \[1\]"),
    ("NaN student: what_if", lambda: what_if(nan_student(), {11: "2026-10-10"}), SchemaError, "'student'", r"rows \[1\]"),
    ("duplicate rows: daily_load", lambda: daily_load(duplicated()), SchemaError, r"\(student, assignment_id\)", r"rows \[1, 3\] \(assignment_id \[12, 12\]\)"),
    ("duplicate rows: due_load", lambda: due_load(duplicated()), SchemaError, r"\(student, assignment_id\)", r"rows \[1, 3\]"),
    ("duplicate rows: balanced", lambda: balanced(duplicated(), start=START), SchemaError, r"\(student, assignment_id\)", r"rows \[1, 3\]"),
    ("duplicate rows: balanced_many", lambda: balanced_many(duplicated(), progress=False), SchemaError, r"\(student, assignment_id\)", r"rows \[1, 3\]"),
    ("duplicate rows: what_if", lambda: what_if(duplicated(), {11: "2026-10-10"}), SchemaError, r"\(student, assignment_id\)", r"rows \[1, 3\]"),
    ("est_hours='2h': daily_load", lambda: daily_load(hours_as_text()), SchemaError, "'est_hours'", r"\['2h'\]: rows \[1\] \(assignment_id \[12\]\)"),
    ("est_hours='2h': balanced", lambda: balanced(hours_as_text(), start=START), SchemaError, "'est_hours'", r"rows \[1\]"),
    ("est_hours='2h': estimate", lambda: estimate(hours_as_text()), SchemaError, "'est_hours'", r"rows \[1\]"),
    ("est_hours='2h': conform", lambda: conform(hours_as_text().astype({"due_at": "str"})), SchemaError, "'est_hours'", r"rows \[1\]"),
    ("capacity=0: balanced", lambda: balanced(table(), capacity=0, start=START), InputError, "capacity 0", r"rows \[0, 1, 2\] \(assignment_id \[11, 12, 13\]\)"),
    ("capacity=0: balanced_many", lambda: balanced_many(table(), capacity=0, progress=False), InputError, "capacity 0", r"rows \[0, 1, 2\]"),
    ("capacity=[0]*7: balanced", lambda: balanced(table(), capacity=[0] * 7, start=START), InputError, "capacity", r"rows \[0, 1, 2\]"),
    ("capacity=0: what_if", lambda: what_if(table(), {11: "2026-10-10"}, capacity=0), InputError, "capacity 0", r"rows \[0, 1, 2\]"),
    ("tz-aware start: balanced", lambda: balanced(table(), start=pd.Timestamp("2026-10-05 23:00", tz=TZ)), InputError, "start=", "local day"),
    ("tz-aware start string: balanced", lambda: balanced(table(), start="2026-10-05T23:00:00-05:00"), InputError, "start=", "local day"),
    ("tz-aware start: what_if", lambda: what_if(table(), {11: "2026-10-10"}, start=pd.Timestamp("2026-10-05", tz="UTC")), InputError, "start=", "local day"),
]


@pytest.mark.parametrize(("call", "error", "column", "rows"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_names_the_column_and_rows(call, error, column, rows):
    with pytest.raises(error) as caught:
        call()
    message = str(caught.value)
    assert re.search(column, message), message
    assert re.search(rows, message), message


def test_the_same_tables_without_the_fault_are_fine():
    # So each case above fails for its fault, not for something else in the table.
    good = table()
    daily_load(good), due_load(good), deadline_clusters(good), estimate(good)
    balanced(good, start=START), balanced_many(good, progress=False), what_if(good, {11: "2026-10-10"})
    conform(mixed_naive_and_aware().iloc[[0, 2]])
    balanced(good, start=dt.date(2026, 10, 5))


IDS = ["00123", "123", "g-QXNzaWdubWVudC0x"]  # a zero-padded number, a numeric string, a GraphQL id


def string_ids() -> pd.DataFrame:
    return table(assignment_id=pd.Series(IDS, dtype="str"))


def test_string_ids_come_back_as_the_same_strings():
    df = conform(string_ids())
    assert str(df["assignment_id"].dtype) == "str" and df["assignment_id"].tolist() == IDS
    plan = balanced(df, capacity=3, start=START)
    assert str(plan.sessions["assignment_id"].dtype) == "str"
    assert set(plan.sessions["assignment_id"]) == set(IDS)
    assert set(plan.tasks["assignment_id"]) == set(IDS)
    many = balanced_many(pd.concat([df, df.assign(student="s2")], ignore_index=True), capacity=3, start=START,
                         progress=False)
    assert all(set(p.sessions["assignment_id"]) == set(IDS) for p in many.values())
    advice = suggestions(df, plan)
    assert set(advice.sessions["assignment_id"]) == set(IDS) and str(advice.sessions["assignment_id"].dtype) == "str"
    assert set(advice.advice["assignment_id"]) <= set(IDS) and len(advice.advice)
    out = what_if(df, {"00123": "2026-10-12"}, capacity=3, start=START)
    assert out.moved["assignment_id"].tolist() == ["00123"]
    gone = balanced(df, capacity={dt.date(2026, 10, 5): 0.0}, start=START)
    assert set(gone.dropped["assignment_id"]) == set(IDS)


def test_integer_ids_stay_integers():
    plan = balanced(table(), capacity=3, start=START)
    assert str(plan.sessions["assignment_id"].dtype) == "int64" and set(plan.sessions["assignment_id"]) == {11, 12, 13}
