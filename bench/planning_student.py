"""Benchmark: the server's whole planning step for one student with 150 assignments.

Times `feedserver.planning.compute.compute_workload` as the replan after each
sync or settings change runs it on a worker thread (estimates with an
override that calibrates, the balanced plan from "today", the sessions), and
with ``detail=True`` as /me and ``GET /api/me/workload`` run it (plus the
suggestions, the last-minute comparison and the crunches). Baseline in the
same process: the bare `muffin_analytics.plan.balanced` call on the same
table. Goal: replan < 200 ms.

    .venv/bin/python bench/planning_student.py [--assignments N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import pandas as pd
from analytics_table import markdown_table

from feedserver.planning.compute import _estimated, compute_workload
from feedserver.planning.records import PlanItem
from feedserver.settings import StudentSettings
from muffin_analytics.plan import balanced
from muffin_analytics.synth import cohort

TODAY = date(2026, 10, 5)
ZONE = "America/Chicago"


def items(n: int) -> list[PlanItem]:
    """A busy synthetic student's semester, repeated with shifted deadlines up to *n* assignments."""
    df = cohort(50, seed=13, start="2026-08-24")
    one = df.loc[df["student"] == df.groupby("student").size().idxmax()]
    out: list[PlanItem] = []
    k = 0
    while len(out) < n:
        for row in one.itertuples(index=False):
            if len(out) == n:
                break
            due = None if pd.isna(row.due_at) else (row.due_at + pd.Timedelta(days=k)).to_pydatetime()
            unlock = None if pd.isna(row.unlock_at) else row.unlock_at.to_pydatetime()
            out.append(PlanItem(str(len(out)), str(row.course), str(row.title), str(row.kind), unlock, due,
                                None if pd.isna(row.points) else float(row.points), False,
                                6.0 if len(out) == 3 else None))
        k += 1
    return out


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--assignments", type=int, default=150)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    records = items(args.assignments)
    settings = StudentSettings(days_off=tuple((TODAY + timedelta(days=d)).isoformat() for d in (10, 11)))
    table = _estimated(records, ZONE)
    base = timed(lambda: balanced(table, capacity=list(settings.free_hours), start=TODAY.isoformat(), tz=ZONE),
                 args.repeat)
    replan = timed(lambda: compute_workload(records, settings, TODAY, ZONE, detail=False), args.repeat)
    full = timed(lambda: compute_workload(records, settings, TODAY, ZONE), args.repeat)
    w = compute_workload(records, settings, TODAY, ZONE)
    rows = [
        ["plan.balanced only (baseline)", f"{statistics.median(base):.1f}", f"{max(base):.1f}", "1.0×"],
        ["replan after a sync (detail=False)", f"{statistics.median(replan):.1f}", f"{max(replan):.1f}",
         f"{statistics.median(replan) / statistics.median(base):.1f}×"],
        ["/me and API summary (detail=True)", f"{statistics.median(full):.1f}", f"{max(full):.1f}",
         f"{statistics.median(full) / statistics.median(base):.1f}×"],
    ]
    print(f"{args.assignments} assignments, {len(w.sessions)} sessions, peak {w.peak:.2f}; "
          f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; {args.repeat} runs")
    print(markdown_table(["step", "median ms", "max ms", "vs baseline"], rows))
    verdict = "meets" if statistics.median(replan) < 200 else "MISSES"
    print(f"goal < 200 ms per student's replan: {verdict}")


if __name__ == "__main__":
    main()
