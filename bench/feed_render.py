"""Benchmark: time to render (and gzip) a 300-assignment feed.

Renders the synthetic busy student (bench/feed_common.py) in the timed style
and the all-day style with two reminders, then times gzip of the result, the
work publish.rerender does once per change (polls serve the stored bytes).
The CPU column (this process's CPU time) leaves out the time other processes
held the CPU, though not their slowing of a shared core.

With `--baseline TREE` (a checkout or `git archive` of an older commit) the
render rows are timed against that tree's `render_feed` too, in this process,
the two alternating, so load on a shared machine hits both alike; the bytes
must be equal (TREE's render_feed is given this tree's inputs):

    .venv/bin/python bench/feed_render.py [--assignments 300] [--repeat 25] [--baseline TREE]
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table, synthetic_assignments, synthetic_context

from feedserver.feeds.publish import gzip_body
from feedserver.feeds.render import render_feed
from feedserver.settings import StudentSettings

NOW = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)


def timed(fn, repeat: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """Median and worst wall-clock ms, and median CPU ms, of `repeat` calls."""
    fn()  # warm-up (imports, zoneinfo caches)
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
    return statistics.median(wall) * 1000, max(wall) * 1000, statistics.median(cpu) * 1000


def baseline_render(tree: str) -> Callable[..., bytes]:
    """`render_feed` of the feedserver package in `tree`, imported beside this tree's."""
    ours = {name: sys.modules.pop(name) for name in list(sys.modules)
            if name == "feedserver" or name.startswith("feedserver.")}
    sys.path.insert(0, tree)
    try:
        render = importlib.import_module("feedserver.feeds.render").render_feed
    finally:
        sys.path.remove(tree)
        for name in [n for n in sys.modules if n == "feedserver" or n.startswith("feedserver.")]:
            del sys.modules[name]
        sys.modules.update(ours)
    return render  # type: ignore[no-any-return]


def alternating(ours, theirs, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall-clock ms of `ours` and `theirs`, called in turn `repeat` times each."""
    ours(), theirs()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, into in ((ours, samples[0]), (theirs, samples[1])):
            t = time.perf_counter()
            fn()
            into.append(time.perf_counter() - t)
    return statistics.median(samples[0]) * 1000, statistics.median(samples[1]) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--assignments", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=25)
    ap.add_argument("--baseline", metavar="TREE", help="also time the render_feed of this older tree")
    args = ap.parse_args()
    theirs = baseline_render(args.baseline) if args.baseline else None
    items = synthetic_assignments(args.assignments)
    timed_ctx = synthetic_context()
    all_day_ctx = synthetic_context(settings=StudentSettings(event_style="all_day", reminder_minutes=(60, 1440)))
    body = render_feed(timed_ctx, items, now=NOW)
    rows = []
    for label, ctx in (("timed", timed_ctx), ("all-day + 2 reminders", all_day_ctx)):
        median, worst, cpu = timed(lambda ctx=ctx: render_feed(ctx, items, now=NOW), args.repeat)
        size = len(render_feed(ctx, items, now=NOW))
        rows.append([f"render, {label}", f"{median:.1f}", f"{worst:.1f}", f"{cpu:.1f}", f"{size / 1024:.0f} KiB"])
    if theirs is not None:
        for label, ctx in (("timed", timed_ctx), ("all-day + 2 reminders", all_day_ctx)):
            if theirs(ctx, items, now=NOW) != render_feed(ctx, items, now=NOW):
                raise SystemExit(f"{args.baseline} renders other bytes ({label})")
            median, before = alternating(lambda ctx=ctx: render_feed(ctx, items, now=NOW),
                                         lambda ctx=ctx: theirs(ctx, items, now=NOW), args.repeat)
            rows.append([f"render, {label}: baseline", f"{before:.1f}", "", "",
                         f"this tree {median:.1f} ms, {before / median:.2f}× faster"])
    median, worst, cpu = timed(lambda: gzip_body(body), args.repeat)
    rows.append(["gzip the timed feed", f"{median:.1f}", f"{worst:.1f}", f"{cpu:.1f}",
                 f"{len(gzip_body(body)) / 1024:.0f} KiB"])
    print(f"{args.assignments} assignments, {args.repeat} runs each "
          f"(python {platform.python_version()}, {os.cpu_count()} CPUs)")
    print(f"load average {os.getloadavg()[0]:.1f}")
    print_table(["step", "median ms", "max ms", "median CPU ms", "output"], rows)


if __name__ == "__main__":
    main()
