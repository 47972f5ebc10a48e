"""Replanning after each sync, by composing the sync service's per-source functions.

`SyncService` syncs each `Student.source` with the function in its table of
sources (app.py builds it: the Canvas API and the calendar feed); wrapping
each one keeps sync free of any knowledge of planning.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..sync.job import SourceSync, StudentRef, SyncDeps, SyncOutcome
from .service import Planner

__all__ = ["PLANNING_FIELDS", "with_planning"]

#: Settings whose change needs a new plan (hidden courses leave the plan with the feed).
PLANNING_FIELDS = frozenset({"suggestions", "free_hours", "days_off", "session_hours", "session_start_hour",
                             "hidden_courses"})


def with_planning(sources: Mapping[str, SourceSync], planner: Planner) -> dict[str, SourceSync]:
    """`sources` with a replan after every successful sync."""
    return {name: _then_plan(sync, planner) for name, sync in sources.items()}


def _then_plan(sync: SourceSync, planner: Planner) -> SourceSync:
    async def synced_then_planned(deps: SyncDeps, student: StudentRef, worker: str | None) -> SyncOutcome:
        outcome = await sync(deps, student, worker)
        if outcome.outcome == "ok":
            # A plan the data cannot support is logged by the planner and leaves the sessions as they were.
            await planner.replan(student.id)
        return outcome

    return synced_then_planned
