"""The instructor and school views' records: what is read, and every figure that may be shown.

Plain dataclasses, no pandas. The figure records hold only aggregates of
whole cohorts, already rounded (docs/privacy.md): nothing here names or
counts a single student.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = [
    "AssignmentRow",
    "ClashDay",
    "CourseChoice",
    "CourseView",
    "SchoolCourse",
    "SchoolView",
    "SchoolWeek",
    "WeekRow",
    "WhatIfResult",
]


@dataclass(frozen=True)
class AssignmentRow:
    """One stored assignment of a released student (read in `data.py`, never shown as such)."""

    student_id: int
    canvas_course_id: str
    course_name: str
    canvas_assignment_id: str
    title: str
    kind: str
    unlock_at: datetime | None
    due_at: datetime | None
    points: float | None
    description: str
    time_zone: str


@dataclass(frozen=True)
class WeekRow:
    """One week (Monday) of a course's view: hours of work due, summed over the released students."""

    week: date
    own_hours: int
    """Hours due in this course (whole hours)."""
    other_hours: int
    """Hours due in all the students' other courses together (whole hours)."""
    own_per_student: float
    other_per_student: float
    own_deadlines: int
    """This course's assignments due this week, at their course-wide dates."""
    crunch_share: float
    """Share of the released students for whom this is a crunch week (0–1, whole percent)."""


@dataclass(frozen=True)
class ClashDay:
    """A day on which this course has a deadline and the students' other courses peak."""

    day: date
    titles: tuple[str, ...]
    """This course's assignments due that day."""
    other_per_student: float
    """Hours due that day in other courses, per released student."""
    share_with_other_deadline: float
    """Share of the released students with another course's deadline that day."""


@dataclass(frozen=True)
class CourseChoice:
    """One of the course's own assignments, for the what-if form."""

    canvas_assignment_id: str
    title: str
    due: date


@dataclass(frozen=True)
class CourseView:
    course_name: str
    k: int
    released: int
    """Students the figures are built from: whole cohorts only (0 when suppressed)."""
    cohorts: int
    weeks: tuple[WeekRow, ...] = ()
    clashes: tuple[ClashDay, ...] = ()
    crunch_share: float = 0.0
    """Share of the released students with at least one crunch week in these weeks."""
    choices: tuple[CourseChoice, ...] = ()

    @property
    def suppressed(self) -> bool:
        """Fewer than k contributing students in whole cohorts: nothing may be shown."""
        return self.cohorts == 0

    @property
    def peak_week(self) -> WeekRow | None:
        """The week with the most hours due per student, all courses together."""
        return max(self.weeks, key=lambda w: (w.own_per_student + w.other_per_student, -w.week.toordinal()),
                   default=None)


@dataclass(frozen=True)
class WhatIfResult:
    """What moving one of the course's deadlines changes for its released students."""

    title: str
    due_before: date
    due_after: date
    peak_week_before: date | None
    peak_week_after: date | None
    peak_week_hours_before: float
    """Hours of work (last-minute pattern) per student in the heaviest week, before the move."""
    peak_week_hours_after: float
    crunch_share_before: float
    """Share of the released students with at least one crunch week."""
    crunch_share_after: float
    share_affected: float
    """Share of the released students whose busiest stretch, critical window or crunch weeks change."""


@dataclass(frozen=True)
class SchoolWeek:
    week: date
    courses_with_deadlines: int
    deadlines: int
    busiest_day: date | None
    courses_on_busiest_day: int
    courses_in_crunch: int
    """Courses at least half of whose released students are in a crunch week."""


@dataclass(frozen=True)
class SchoolCourse:
    name: str
    weeks_in_crunch: int
    """Weeks in which the course had a deadline while at least half its released students were in crunch."""
    released: int


@dataclass(frozen=True)
class SchoolView:
    school_name: str
    k: int
    courses: int
    """Courses with at least one whole cohort (the rest are suppressed)."""
    weeks: tuple[SchoolWeek, ...] = ()
    crunch_courses: tuple[SchoolCourse, ...] = ()
    course_weeks: tuple[tuple[str, date, int, float, float], ...] = ()
    """(course name, week, deadlines, hours due per student, crunch share): the CSV's rows."""
