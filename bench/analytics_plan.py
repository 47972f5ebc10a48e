"""Benchmark: muffin_analytics.plan.balanced for a cohort and for one big student.

Times ``balanced_many`` on a synthetic cohort of 20,000 students' semesters
(total, per-student mean and p99 — the per-student figures are the time
inside ``balanced_many`` spent on each student), then ``balanced`` for one
student with 150 assignments (the server's case, sessions table included).

    .venv/bin/python bench/analytics_plan.py [--students N] [--capacity H]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import pandas as pd

from analytics_table import markdown_table

from muffin_analytics.plan import balanced, balanced_many
from muffin_analytics.synth import cohort


def big_student(n: int = 150) -> pd.DataFrame:
    """One student with *n* assignments: a busy synthetic student, repeated with shifted deadlines."""
    df = cohort(50, seed=13)
    one = df.loc[df["student"] == df.groupby("student").size().idxmax()]
    parts = [one.assign(assignment_id=one["assignment_id"] + k * 10_000_000, due_at=one["due_at"] + pd.Timedelta(days=k))
             for k in range(n // len(one) + 1)]
    return pd.concat(parts, ignore_index=True).iloc[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=20_000)
    ap.add_argument("--capacity", default="4", help="hours per day, or 7 comma-separated numbers (Monday first)")
    args = ap.parse_args()
    capacity = [float(x) for x in args.capacity.split(",")] if "," in args.capacity else float(args.capacity)

    df = cohort(args.students, seed=1)
    print(f"cohort: {len(df):,} rows, {df['student'].nunique():,} students "
          f"(python {platform.python_version()}, {os.cpu_count()} CPUs), capacity {args.capacity} h/day")
    timings: list[float] = []
    t = time.perf_counter()
    plans = balanced_many(df, capacity=capacity, progress=False, timings=timings)
    total = time.perf_counter() - t
    per = np.array(timings)
    peaks = np.array([p.peak for p in plans.values()])
    n_tasks = df.groupby("student").size()

    one = big_student(150)
    balanced(one, capacity=capacity).sessions  # warm-up
    single = []
    for _ in range(7):
        t = time.perf_counter()
        plan = balanced(one, capacity=capacity)
        plan.sessions  # the server needs the sessions table too
        single.append(time.perf_counter() - t)

    table = [
        (f"balanced_many, {len(plans):,} students: total", f"{total:.2f} s"),
        ("per student: mean", f"{per.mean() * 1e3:.3f} ms"),
        ("per student: median", f"{np.median(per) * 1e3:.3f} ms"),
        ("per student: p99", f"{np.quantile(per, 0.99) * 1e3:.3f} ms"),
        ("per student: max", f"{per.max() * 1e3:.3f} ms"),
        ("one student, 150 assignments: median of 7", f"{statistics.median(single) * 1e3:.3f} ms"),
        ("one student, 150 assignments: best of 7", f"{min(single) * 1e3:.3f} ms"),
    ]
    print()
    print(markdown_table(("what", "time"), table))
    print()
    print(f"assignments per student: mean {n_tasks.mean():.1f}, max {n_tasks.max()}; "
          f"peak λ*: median {np.median(peaks):.2f}, share infeasible (λ* > 1) {np.mean(peaks > 1):.1%}; "
          f"YDS rounds for the 150-assignment student: {len(plan.windows)}")


if __name__ == "__main__":
    main()
