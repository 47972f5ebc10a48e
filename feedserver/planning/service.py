"""Replanning a student: read inputs, compute on a worker thread, store, re-render if changed.

The computation (`compute_workload`, pandas + YDS) runs through
``loop.run_in_executor``, never on the event loop: feed polls keep being
answered while a big plan computes (tests/planning/test_service.py checks it
with a gated computation). Reads and writes are short transactions on either
side of it. If the student's data changes in between, the next sync or
settings change replans again; the stored sessions are always one complete
plan, written in one transaction together with the feed they render into.

A plan that fails (an `AnalyticsError`: data the package refuses) never
breaks a page or a sync: it is logged once, here, and the caller gets
`PlanUnavailable` (pages leave the plan out, the API answers 503) or, for a
replan, the stored sessions stay as they were.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import async_sessionmaker

from muffin_analytics.errors import AnalyticsError

from ..feeds.publish import rerender
from .compute import compute_what_if, compute_workload
from .records import WhatIfResult, Workload
from .store import PlanInputs, load_inputs, save_sessions

__all__ = ["PlanUnavailable", "Planner", "ReplanResult", "local_today"]

_LOGGER = logging.getLogger(__name__)


def local_today(now: datetime, time_zone: str) -> date:
    try:
        return now.astimezone(ZoneInfo(time_zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.astimezone(UTC).date()


class PlanUnavailable(Exception):
    """The student's plan could not be computed (already logged); show the page without it."""


@dataclass(frozen=True)
class ReplanResult:
    student_id: int
    changed: bool
    """True if the stored sessions changed (and the feeds were re-rendered)."""
    sessions: int
    workload: Workload | None


class Planner:
    """One per app (``app[planner_key]``); `clock` and `compute` are swappable for tests."""

    def __init__(self, db: async_sessionmaker, *, public_url: str | None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 compute: Callable[..., Workload] = compute_workload,
                 what_if: Callable[..., WhatIfResult] = compute_what_if) -> None:
        self.db = db
        self.public_url = public_url
        self.clock = clock
        self.compute = compute
        self.what_if_compute = what_if

    async def _inputs(self, student_id: int) -> PlanInputs | None:
        async with self.db() as session:
            return await load_inputs(session, student_id)

    async def _off_loop(self, student_id: int, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a computation on a worker thread; an AnalyticsError is logged once and becomes PlanUnavailable."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))
        except AnalyticsError as exc:
            # The message names columns and rows of the student's own table, never a token or a name.
            _LOGGER.warning("plan for student %s failed: %s: %s", student_id, type(exc).__name__, exc)
            raise PlanUnavailable(student_id) from exc

    async def workload(self, student_id: int) -> Workload | None:
        """The student's plan and summary from today on (computed on a worker thread; nothing stored).

        None for an unknown student; `PlanUnavailable` if the plan fails.
        """
        inputs = await self._inputs(student_id)
        if inputs is None:
            return None
        today = local_today(self.clock(), inputs.time_zone)
        return await self._off_loop(student_id, self.compute, inputs.items, inputs.settings, today,
                                    inputs.time_zone)

    async def what_if(self, student_id: int, canvas_assignment_id: str, new_due: date) -> WhatIfResult | None:
        """The student's plan if one assignment were due on `new_due`; None for an unknown student.

        `LookupError` for an assignment they do not have, `PlanUnavailable` if the plan fails.
        """
        inputs = await self._inputs(student_id)
        if inputs is None:
            return None
        today = local_today(self.clock(), inputs.time_zone)
        return await self._off_loop(student_id, self.what_if_compute, inputs.items, inputs.settings, today,
                                    inputs.time_zone, canvas_assignment_id, new_due)

    def today(self, time_zone: str) -> date:
        """The student's local date now (the plans' first day)."""
        return local_today(self.clock(), time_zone)

    async def replan(self, student_id: int) -> ReplanResult:
        """Recompute and store the student's sessions; re-render their feeds only if the sessions changed.

        With suggestions off nothing is computed and the stored sessions are
        cleared, so turning suggestions on later starts from a fresh plan. A
        plan that fails leaves the stored sessions (and the feed) as they were.
        """
        inputs = await self._inputs(student_id)
        if inputs is None:
            return ReplanResult(student_id, False, 0, None)
        workload = None
        planned: tuple = ()
        if inputs.settings.suggestions:
            today = local_today(self.clock(), inputs.time_zone)
            try:
                # Only what the feed needs: the page and the API compute the sentences when asked.
                workload = await self._off_loop(student_id, self.compute, inputs.items, inputs.settings, today,
                                                inputs.time_zone, detail=False)
            except PlanUnavailable:
                return ReplanResult(student_id, False, 0, None)
            planned = workload.sessions
        async with self.db.begin() as session:
            changed = await save_sessions(session, student_id, planned)
            if changed:
                await rerender(session, student_id, public_url=self.public_url, now=self.clock())
        _LOGGER.info("planned student %s: %d sessions%s", student_id, len(planned), " (changed)" if changed else "")
        return ReplanResult(student_id, changed, len(planned), workload)
