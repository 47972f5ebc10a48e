"""Benchmark: time to render (and gzip) a 300-assignment feed.

Renders the synthetic busy student (bench/feed_common.py) in the timed style
and the all-day style with two reminders, then times gzip of the result, the
one-off work a poll that misses the in-process cache does.

    .venv/bin/python bench/feed_render.py [--assignments 300] [--repeat 25]
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table, synthetic_assignments, synthetic_context

from feedserver.feeds.render import render_feed
from feedserver.settings import StudentSettings

NOW = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)


def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    fn()  # warm-up (imports, zoneinfo caches)
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000, max(samples) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--assignments", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=25)
    args = ap.parse_args()
    items = synthetic_assignments(args.assignments)
    timed_ctx = synthetic_context()
    all_day_ctx = synthetic_context(settings=StudentSettings(event_style="all_day", reminder_minutes=(60, 1440)))
    body = render_feed(timed_ctx, items, now=NOW)
    rows = []
    for label, ctx in (("timed", timed_ctx), ("all-day + 2 reminders", all_day_ctx)):
        median, worst = timed(lambda ctx=ctx: render_feed(ctx, items, now=NOW), args.repeat)
        size = len(render_feed(ctx, items, now=NOW))
        rows.append([f"render, {label}", f"{median:.1f}", f"{worst:.1f}", f"{size / 1024:.0f} KiB"])
    median, worst = timed(lambda: gzip.compress(body, compresslevel=6, mtime=0), args.repeat)
    rows.append(["gzip the timed feed", f"{median:.1f}", f"{worst:.1f}",
                 f"{len(gzip.compress(body, 6, mtime=0)) / 1024:.0f} KiB"])
    print(f"{args.assignments} assignments, {args.repeat} runs each "
          f"(python {platform.python_version()}, {os.cpu_count()} CPUs)")
    print_table(["step", "median ms", "max ms", "output"], rows)


if __name__ == "__main__":
    main()
