"""Replanning a student: read inputs, compute on a worker thread, store, re-render if changed.

The computation (`compute_workload`, pandas + YDS) runs through
``loop.run_in_executor``, never on the event loop: feed polls keep being
answered while a big plan computes (tests/planning/test_service.py checks it
with a gated computation). Reads and writes are short transactions on either
side of it. If the student's data changes in between, the next sync or
settings change replans again; the stored sessions are always one complete
plan, written in one transaction together with the feed they render into.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import async_sessionmaker

from ..feeds.publish import rerender
from .compute import Workload, compute_workload
from .store import load_inputs, save_sessions

__all__ = ["Planner", "ReplanResult", "local_today"]

_LOGGER = logging.getLogger(__name__)


def local_today(now: datetime, time_zone: str) -> date:
    try:
        return now.astimezone(ZoneInfo(time_zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.astimezone(UTC).date()


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
                 compute: Callable[..., Workload] = compute_workload) -> None:
        self.db = db
        self.public_url = public_url
        self.clock = clock
        self.compute = compute

    async def workload(self, student_id: int) -> Workload | None:
        """The student's plan and summary from today on (computed on a worker thread; nothing stored)."""
        async with self.db() as session:
            inputs = await load_inputs(session, student_id)
        if inputs is None:
            return None
        today = local_today(self.clock(), inputs.time_zone)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.compute, inputs.items, inputs.settings, today,
                                          inputs.time_zone)

    async def replan(self, student_id: int) -> ReplanResult:
        """Recompute and store the student's sessions; re-render their feeds only if the sessions changed.

        With suggestions off nothing is computed and the stored sessions are
        cleared, so turning suggestions on later starts from a fresh plan.
        """
        async with self.db() as session:
            inputs = await load_inputs(session, student_id)
        if inputs is None:
            return ReplanResult(student_id, False, 0, None)
        workload = None
        planned: tuple = ()
        if inputs.settings.suggestions:
            today = local_today(self.clock(), inputs.time_zone)
            loop = asyncio.get_running_loop()
            # Only what the feed needs: the page and the API compute the sentences when asked.
            compute = functools.partial(self.compute, inputs.items, inputs.settings, today, inputs.time_zone,
                                        detail=False)
            workload = await loop.run_in_executor(None, compute)
            planned = workload.sessions
        async with self.db.begin() as session:
            changed = await save_sessions(session, student_id, planned)
            if changed:
                await rerender(session, student_id, public_url=self.public_url, now=self.clock())
        _LOGGER.info("planned student %s: %d sessions%s", student_id, len(planned), " (changed)" if changed else "")
        return ReplanResult(student_id, changed, len(planned), workload)
