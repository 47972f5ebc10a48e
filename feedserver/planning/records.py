"""Planning's records: what a plan reads and what it produces (plain dataclasses, no pandas).

Kept apart from compute.py so the page, the API and the tests can use them
without importing the analytics stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

__all__ = ["MODEL_NOTE", "DayLoad", "Estimate", "PlanItem", "PlannedWork", "Workload"]

MODEL_NOTE = ("Estimates are based on assignment type and points (reading and writing rates from the "
              "Rice/Wake Forest workload estimator); adjust any estimate and the plan learns your pace.")

@dataclass(frozen=True)
class PlanItem:
    """One stored assignment, as planning sees it."""

    canvas_assignment_id: str
    course_code: str
    title: str
    kind: str
    unlock_at: datetime | None
    due_at: datetime | None
    points: float | None
    submitted: bool
    override: float | None = None
    """The student's own estimate in hours, if they gave one."""
    description: str = ""


@dataclass(frozen=True)
class PlannedWork:
    """A session of the plan: hours on one local day for one assignment."""

    canvas_assignment_id: str
    day: date
    hours: float
    reason: str


@dataclass(frozen=True)
class Estimate:
    canvas_assignment_id: str
    course_code: str
    title: str
    due_at: datetime | None
    hours: float
    low: float
    high: float
    basis: str
    overridden: bool


@dataclass(frozen=True)
class DayLoad:
    day: date
    free: float
    """Free hours (the student's settings)."""
    planned: float
    """Hours of the balanced plan."""
    last_minute: float
    """Hours if the work were left to the last minute (the usual pattern)."""


@dataclass(frozen=True)
class Workload:
    """Everything /me and ``GET /api/me/workload`` say about the weeks ahead."""

    today: date
    time_zone: str
    sessions: tuple[PlannedWork, ...]
    estimates: tuple[Estimate, ...]
    days: tuple[DayLoad, ...]
    peak: float
    """λ*: the busiest day's share of its free hours in the best possible plan (1.0 = exactly full)."""
    critical_window: tuple[date, date] | None
    window_hours: float
    window_free: float
    feasible: bool
    explanation: str
    suggestions: tuple[str, ...]
    crunches: tuple[str, ...]
    ask_about: tuple[str, ...] = ()
    """Deadlines worth asking to move when the work cannot fit (empty when it fits)."""
    model_note: str = MODEL_NOTE
    left_out: tuple[str, ...] = field(default=())

    @property
    def planned_hours(self) -> float:
        return sum(s.hours for s in self.sessions)
