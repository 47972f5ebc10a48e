"""Planning's records: what a plan reads and what it produces (plain dataclasses, no pandas).

Kept apart from compute.py so the page, the API and the tests can use them
without importing the analytics stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

__all__ = ["ASK_FREE_TIME", "MAX_ESTIMATE_HOURS", "MIN_ESTIMATE_HOURS", "MODEL_NOTE", "Advice", "DayLoad", "Estimate", "PlanItem",
           "PlannedWork", "Timing", "WhatIfResult", "Workload"]

MODEL_NOTE = ("Estimates are based on assignment type and points (reading and writing rates from the "
              "Rice/Wake Forest workload estimator); adjust any estimate and the plan learns your pace.")

ASK_FREE_TIME = "Tell us how much free time you have, and the plan can say whether your work fits in it."
"""Said instead of any verdict until the student has given their free hours."""

MIN_ESTIMATE_HOURS = 0.25
"""A student's own estimate: at least a quarter of an hour (the form's step)..."""
MAX_ESTIMATE_HOURS = 200.0
"""...and at most 200 hours. Stored values outside these bounds (from before they existed) are ignored."""


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
    submitted_at: datetime | None = None
    """When Canvas says the student handed it in (their timing profile learns from it)."""


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
    """Hours if the work were left to the last minute (the student's own timing)."""


@dataclass(frozen=True)
class Advice:
    """One thing to start, and why, in one sentence."""

    canvas_assignment_id: str
    course_code: str
    title: str
    start: date
    """First day of its work in the plan (never before today)."""
    work_day: date
    """The day it protects: its last day of work (the due day, or the day before a deadline before 05:00)."""
    per_day: float
    hours: float
    why: str
    sentence: str


@dataclass(frozen=True)
class Timing:
    """How long before a deadline the student finishes, as the plan assumes it."""

    sentence: str
    """E.g. "You usually finish about 1.2 days before the deadline (0.9–1.6 days), from your last 23 submissions."""
    submissions: int
    lead_days: float
    lead_low: float | None
    lead_high: float | None


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
    free_time_answered: bool = True
    """False: free hours are the defaults, not the student's, so no "does not fit" verdict is given."""
    advice: tuple[Advice, ...] = ()
    """"Start by" advice in the order to start (earliest first); the overview shows the first three."""
    next_crunch: str | None = None
    """The first crunch from today on, in words, or None."""
    timing: Timing | None = None

    @property
    def planned_hours(self) -> float:
        return sum(s.hours for s in self.sessions)


@dataclass(frozen=True)
class WhatIfResult:
    """What moving one deadline would change in the student's own plan."""

    canvas_assignment_id: str
    title: str
    course_code: str
    due_before: datetime | None
    due_after: datetime
    peak_before: float
    peak_after: float
    window_before: tuple[date, date] | None
    window_after: tuple[date, date] | None
    crunch_weeks_before: tuple[date, ...]
    crunch_weeks_after: tuple[date, ...]
    affected: bool
    explanation: str
