"""Benchmark: muffin_analytics.density.daily_load on a million assignment rows.

Builds a synthetic cohort (about 20,000 students, cut to exactly 1,000,000
rows), times the vectorised ``daily_load`` for both built-in profiles and,
interleaved with the plain call so both see the same machine, split by
course (goal: within 1.5x of the plain call); and compares it with the
straightforward row-by-row implementation
(``muffin_analytics.reference.daily_load_naive``: ``iterrows`` + zoneinfo),
run in the same process on a subset and extrapolated per row.  Times are
CPU seconds of this process (``time.process_time``), which other load on a
shared machine disturbs less than wall-clock time.

    .venv/bin/python bench/analytics_daily_load.py [--rows N] [--naive-rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from analytics_table import markdown_table

from muffin_analytics.density import daily_load
from muffin_analytics.reference import daily_load_naive
from muffin_analytics.synth import cohort


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        out.append(time.process_time() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--naive-rows", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    # ~50 rows per student: build enough students, then cut to the row count.
    t = time.perf_counter()
    df = cohort(int(args.rows / 48) + 1, seed=1).iloc[: args.rows].reset_index(drop=True)
    build = time.perf_counter() - t
    n_students = df["student"].nunique()
    print(f"cohort: {len(df):,} rows, {n_students:,} students, built in {build:.2f} s "
          f"(python {platform.python_version()}, {os.cpu_count()} CPUs)")

    rows = []
    for profile in ("last_minute", "even"):
        out = daily_load(df, profile)  # warm-up; also the correctness check below
        assert abs(out["hours"].sum() - df["est_hours"].sum()) < 1e-6 * df["est_hours"].sum()
        times = timed(lambda: daily_load(df, profile), args.repeat)
        rows.append((profile, statistics.median(times), min(times), len(out)))
    daily_load(df, "last_minute", by_course=True)  # warm-up
    plain, split = [], []
    for _ in range(args.repeat):  # interleaved: both calls see the same machine
        plain += timed(lambda: daily_load(df, "last_minute"), 1)
        split += timed(lambda: daily_load(df, "last_minute", by_course=True), 1)
    by_course = statistics.median(split)

    sub = df.iloc[: args.naive_rows]
    naive_t = timed(lambda: daily_load_naive(sub, "last_minute"), 1)[0]
    naive_per_row = naive_t / len(sub)
    naive_full = naive_per_row * len(df)
    # Same answer on the subset, so the comparison is like for like.
    fast_sub = daily_load(sub, "last_minute").set_index(["student", "date"])["hours"]
    slow_sub = daily_load_naive(sub, "last_minute").set_index(["student", "date"])["hours"]
    assert np.allclose(fast_sub.sort_index().to_numpy(), slow_sub.sort_index().to_numpy())

    table = [
        (f"daily_load({profile!r}), {len(df):,} rows", f"{med:.3f}", f"{best:.3f}", f"{n_out:,}")
        for profile, med, best, n_out in rows
    ]
    table.append((f"daily_load('last_minute', by_course=True), {len(df):,} rows", f"{by_course:.3f}", f"{min(split):.3f}",
                  f"{len(daily_load(df, 'last_minute', by_course=True)):,}"))
    table.append((f"naive iterrows loop, {len(sub):,} rows (measured)", f"{naive_t:.3f}", "", ""))
    table.append((f"naive iterrows loop, {len(df):,} rows (extrapolated)", f"{naive_full:.1f}", "", ""))
    print()
    print(markdown_table(("what", "median CPU s", "best CPU s", "output rows"), table))
    lm_median = rows[0][1]
    print()
    print(f"naive: {naive_per_row * 1e6:.1f} µs per row, measured on {len(sub):,} rows and extrapolated to {len(df):,}")
    print(f"speed-up of daily_load('last_minute') over the naive loop: {naive_full / lm_median:,.0f}×")
    print(f"by_course=True vs the plain call, interleaved: {by_course / statistics.median(plain):.2f}× median, "
          f"{min(split) / min(plain):.2f}× best (goal <= 1.5×)")


if __name__ == "__main__":
    main()
