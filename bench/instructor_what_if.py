"""Benchmark: the instructor's what-if for a 300-student course (goal: under a second).

A synthetic cohort (`muffin_analytics.synth.cohort`, big enough that its
busiest course has N students) stands for the N released students of that
course, all their other courses included, as
`feedserver.instructor.compute` receives them on its worker thread. Times
`course_what_if` (moving the course's exam by three days) against the week view
of the same course (`course_view`, the page the instructor already waits for),
median and best of 7, and building the table from stored rows once.

    .venv/bin/python bench/instructor_what_if.py [--students N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

import pandas as pd

from analytics_table import markdown_table

from feedserver.instructor.compute import cohort_frame, cohort_of, course_view, course_what_if
from feedserver.instructor.records import AssignmentRow
from muffin_analytics.synth import cohort

TZ = "America/Chicago"


def stored_rows(df: pd.DataFrame) -> list[AssignmentRow]:
    """The synthetic cohort as the rows `instructor.data` reads (student labels become ids)."""
    ids = {label: i for i, label in enumerate(sorted(df["student"].unique()), start=1)}
    return [AssignmentRow(student_id=ids[r.student], canvas_course_id=str(r.course), course_name=str(r.course),
                          canvas_assignment_id=str(r.assignment_id), title=str(r.title), kind=str(r.kind),
                          unlock_at=None if pd.isna(r.unlock_at) else r.unlock_at.to_pydatetime(),
                          due_at=None if pd.isna(r.due_at) else r.due_at.to_pydatetime(),
                          points=None if pd.isna(r.points) else float(r.points), description="",
                          time_zone=str(r.tz)) for r in df.itertuples()]


def timed(fn: Callable[[], object], runs: int = 7) -> tuple[float, float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=300)
    args = ap.parse_args()
    df = cohort(args.students * 3, seed=3)  # about a third of the students take the busiest course
    course = str(df.groupby("course")["student"].nunique().idxmax())
    takers = sorted(df.loc[df["course"] == course, "student"].unique())[:args.students]
    rows = stored_rows(df.loc[df["student"].isin(takers)])
    t = time.perf_counter()
    frame = cohort_frame(rows)
    built = time.perf_counter() - t
    released = cohort_of(frame, course, sorted({r.student_id for r in rows}))
    view = course_view(released, course_name=course, k=10, cohorts=released.n // 10, display_tz=TZ)
    exam = next((c for c in view.choices if "xam" in c.title), view.choices[len(view.choices) // 2])
    print(f"course {course}: {released.n} students, {len(released.frame):,} rows of all their courses, "
          f"moving {exam.title!r} by 3 days (python {platform.python_version()}, {os.cpu_count()} CPUs)")
    week = timed(lambda: course_view(released, course_name=course, k=10, cohorts=1, display_tz=TZ))
    what_if = timed(lambda: course_what_if(released, exam.canvas_assignment_id, exam.due + timedelta(days=3),
                                           display_tz=TZ))
    print(markdown_table(["what", "median", "best of 7"], [
        ["week view (`course_view`), baseline", f"{week[0] * 1000:.0f} ms", f"{week[1] * 1000:.0f} ms"],
        ["what-if (`course_what_if`)", f"{what_if[0] * 1000:.0f} ms", f"{what_if[1] * 1000:.0f} ms"],
        ["table from stored rows (`cohort_frame`), once", f"{built * 1000:.0f} ms", ""],
    ]))
    print(f"what-if / week view: {what_if[0] / week[0]:.2f}×; goal < 1 s: {'met' if what_if[0] < 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
