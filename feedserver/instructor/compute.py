"""The course and school views, computed from the released students' rows (pure: pandas, no database).

Runs on a worker thread (service.py). Every figure is a sum or a count over
the released students of one course (whole cohorts, `cohorts.py`), rounded
before it leaves this module (docs/privacy.md):

- **hours due**: `muffin_analytics.density.due_load` (effort of each
  assignment on its work day, `muffin_analytics.effort` estimates), per
  Monday-based week, this course apart from all other courses together;
- **crunch weeks**: `muffin_analytics.crunch.detect` on each student's
  last-minute `daily_load` (a week over 1.25 × 30 h);
- **clash days**: days with a deadline of this course on which the other
  courses' hours due per student are among the term's busiest (the top
  tenth of days with any, and at least 2 h);
- **what-if**: `muffin_analytics.plan.what_if` moves one of the course's
  deadlines for every released student holding it; the heaviest week of
  last-minute work per student and the share of students with a crunch
  week, before and after, over all the released students.

Each course's deadlines are taken at their *course-wide date*: the due date
most of the released students holding the assignment have (ties: the
earliest). An extension given to one student so never moves a figure, and so
never tells whether that student contributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from muffin_analytics import crunch, density, effort, plan
from muffin_analytics.days import day_to_date, work_day
from muffin_analytics.schema import KINDS, conform

from .records import (
    AssignmentRow,
    ClashDay,
    CourseChoice,
    CourseView,
    SchoolCourse,
    SchoolView,
    SchoolWeek,
    WeekRow,
    WhatIfResult,
)

__all__ = [
    "Cohort", "build_cohort", "cohort_frame", "cohort_of", "course_view", "course_what_if", "course_wide", "school_view",
    "student_label",
]

#: Other courses' hours due per student that make a day a peak, at the least.
MIN_PEAK_HOURS = 2.0
#: ... and the share of the term's days (with any hours due) that are peaks.
PEAK_QUANTILE = 0.9
#: A course is "in crunch" in a week when at least this share of its released students is.
COURSE_CRUNCH_SHARE = 0.5
#: Courses listed as most often in crunch weeks.
TOP_COURSES = 10


def student_label(student_id: int) -> str:
    """The analytics' `student` value of a stored student (never leaves this package)."""
    return f"s{student_id}"


@dataclass(frozen=True)
class Cohort:
    """The released students of one course, their assignments as one analytics table."""

    frame: pd.DataFrame
    """Assignments table with ``est_hours``; ``course`` is the Canvas course id; this course's
    deadlines (and every other course's) at their course-wide dates."""
    course: str
    n: int


def cohort_frame(rows: Sequence[AssignmentRow]) -> pd.DataFrame:
    """The analytics table of `rows`, estimated; ``assignment_id`` numbers each Canvas assignment
    once across students (so a what-if moves it for all of them), ``canvas_assignment_id`` keeps its id."""
    keys = pd.Series([f"{r.canvas_course_id}/{r.canvas_assignment_id}" for r in rows], dtype="str")
    codes, _ = pd.factorize(keys)
    df = conform(pd.DataFrame({
        "student": pd.Series([student_label(r.student_id) for r in rows], dtype="str"),
        "course": pd.Series([r.canvas_course_id for r in rows], dtype="str"),
        "assignment_id": codes.astype("int64"),
        "title": pd.Series([r.title or "Untitled" for r in rows], dtype="str"),
        "kind": pd.Series([r.kind if r.kind in KINDS else "other" for r in rows], dtype="str"),
        "unlock_at": pd.to_datetime([r.unlock_at for r in rows], utc=True),
        "due_at": pd.to_datetime([r.due_at for r in rows], utc=True),
        "points": pd.array([r.points for r in rows], dtype="Float64").astype("float64"),
        "description": pd.Series([r.description for r in rows], dtype="str"),
        "tz": pd.Series([r.time_zone for r in rows], dtype="str"),
    }))
    # One estimate per Canvas assignment: every student holding it gets the same hours.
    first = df.drop_duplicates("assignment_id")
    hours = effort.estimate(first).set_index("assignment_id")["est_hours"]
    return df.assign(est_hours=df["assignment_id"].map(hours).astype("float64"),
                     canvas_assignment_id=pd.Series([r.canvas_assignment_id for r in rows], dtype="str"))


def course_wide(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every assignment due at the date most of its holders have (ties: the earliest)."""
    dated = frame.loc[frame["due_at"].notna(), ["assignment_id", "due_at"]]
    if dated.empty:
        return frame
    counts = dated.groupby(["assignment_id", "due_at"], sort=True).size().rename("n").reset_index()
    # Sorted by id then date, so the stable sort by count keeps the earliest among equals first.
    best = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates("assignment_id")
    common = frame["assignment_id"].map(best.set_index("assignment_id")["due_at"])
    due = common.where(frame["due_at"].notna(), frame["due_at"]).astype(frame["due_at"].dtype)
    return frame.assign(due_at=due)


def _monday(days: np.ndarray) -> np.ndarray:
    """Day numbers → the day number of their week's Monday (1970-01-01 was a Thursday)."""
    return days - (days + 3) % 7


def _weeks_index(first: int, last: int) -> list[int]:
    return list(range(int(_monday(np.array([first]))[0]), int(last) + 1, 7))


def _share(count: float, n: int) -> float:
    return round(count / n, 2) if n else 0.0


def _crunch_weeks(frame: pd.DataFrame) -> pd.DataFrame:
    """(student, week day number) of every crunch week of every student in `frame`."""
    found = crunch.detect(density.daily_load(frame))
    weeks = found.loc[found["level"] == "week"]
    return pd.DataFrame({
        "student": weeks["student"].to_numpy(dtype=object),
        "week": weeks["start"].to_numpy(dtype="datetime64[D]").astype(np.int64),
    }).drop_duplicates()


def _own_deadlines(frame: pd.DataFrame, course: str, display_tz: str) -> pd.DataFrame:
    """The course's distinct assignments with their course-wide work day in the school's zone."""
    own = frame.loc[(frame["course"] == course) & frame["due_at"].notna()].drop_duplicates("assignment_id")
    return pd.DataFrame({
        "assignment_id": own["assignment_id"].to_numpy(),
        "canvas_assignment_id": own["canvas_assignment_id"].to_numpy(dtype=object),
        "title": own["title"].to_numpy(dtype=object),
        "day": work_day(own["due_at"], display_tz),
    }).sort_values(["day", "title"], kind="stable")


def _peak_threshold(per_day: pd.Series) -> float:
    loaded = per_day[per_day > 0]
    if loaded.empty:
        return float("inf")
    return max(MIN_PEAK_HOURS, float(loaded.quantile(PEAK_QUANTILE)))


def course_view(cohort: Cohort, *, course_name: str, k: int, cohorts: int, display_tz: str) -> CourseView:
    """The week view of one course for its released students (`cohort`, already course-wide)."""
    frame, course, n = cohort.frame, cohort.course, cohort.n
    own = _own_deadlines(frame, course, display_tz)
    base = CourseView(course_name=course_name, k=k, released=n, cohorts=cohorts)
    if own.empty or not n:
        return base
    weeks = _weeks_index(int(own["day"].min()), int(own["day"].max()))
    due = density.due_load(frame, by_course=True)
    due_day = due["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    is_own = (due["course"] == course).to_numpy()
    due = due.assign(day=due_day, week=_monday(due_day), own=is_own)
    by_week = due.groupby(["week", "own"])["due_hours"].sum()
    crunches = _crunch_weeks(frame)
    crunch_count = crunches.groupby("week")["student"].nunique()
    own_count = pd.Series(_monday(own["day"].to_numpy())).value_counts()
    rows = []
    for week in weeks:
        own_h, other_h = float(by_week.get((week, True), 0.0)), float(by_week.get((week, False), 0.0))
        rows.append(WeekRow(
            week=day_to_date(week), own_hours=round(own_h), other_hours=round(other_h),
            own_per_student=round(own_h / n, 1), other_per_student=round(other_h / n, 1),
            own_deadlines=int(own_count.get(week, 0)), crunch_share=_share(float(crunch_count.get(week, 0)), n),
        ))
    in_span = crunches.loc[crunches["week"].between(weeks[0], weeks[-1])]
    return CourseView(
        course_name=course_name, k=k, released=n, cohorts=cohorts, weeks=tuple(rows),
        clashes=_clashes(due.loc[~due["own"]], own, n), crunch_share=_share(in_span["student"].nunique(), n),
        choices=tuple(CourseChoice(str(i), t, day_to_date(int(d)))
                      for i, t, d in zip(own["canvas_assignment_id"], own["title"], own["day"])),
    )


def _clashes(other: pd.DataFrame, own: pd.DataFrame, n: int) -> tuple[ClashDay, ...]:
    per_day = other.groupby("day")["due_hours"].sum() / n
    threshold = _peak_threshold(per_day)
    with_deadline = other.loc[other["due_count"] > 0].groupby("day")["student"].nunique()
    found = []
    for day, titles in own.groupby("day", sort=True)["title"]:
        hours = float(per_day.get(day, 0.0))
        if hours >= threshold:
            found.append(ClashDay(day_to_date(int(day)), tuple(titles), round(hours, 1),
                                  _share(float(with_deadline.get(day, 0)), n)))
    return tuple(found)


def build_cohort(rows: Sequence[AssignmentRow], course: str, student_ids: Sequence[int]) -> Cohort:
    """`cohort_of` the table of `rows`."""
    return cohort_of(cohort_frame(rows), course, student_ids)


def cohort_of(frame: pd.DataFrame, course: str, student_ids: Iterable[int]) -> Cohort:
    """The released students' part of `frame` (all their courses), deadlines course-wide among them."""
    labels = [student_label(s) for s in student_ids]
    part = frame.loc[frame["student"].isin(labels)].reset_index(drop=True)
    return Cohort(course_wide(part), course, len(labels))


def school_view(frame: pd.DataFrame, released: Mapping[str, Sequence[int]], names: Mapping[str, str], *,
                school_name: str, k: int, display_tz: str) -> SchoolView:
    """Deadline clustering and crunch weeks across the school's courses with whole cohorts.

    Each course's figures come from its own released students only (`released`:
    Canvas course id → student ids), exactly as its instructor's view would.
    """
    per_course = []
    for course, students in released.items():
        cohort = cohort_of(frame, course, students)
        own = _own_deadlines(cohort.frame, course, display_tz)
        if own.empty:
            continue
        crunches = _crunch_weeks(cohort.frame).groupby("week")["student"].nunique()
        due = density.due_load(cohort.frame.loc[cohort.frame["course"] == course])
        due_week = _monday(due["date"].to_numpy(dtype="datetime64[D]").astype(np.int64))
        hours = due.assign(week=due_week).groupby("week")["due_hours"].sum()
        per_course.append((course, cohort.n, own.assign(week=_monday(own["day"].to_numpy())), crunches, hours))
    if not per_course:
        return SchoolView(school_name=school_name, k=k, courses=0)
    first = min(int(o["day"].min()) for _, _, o, _, _ in per_course)
    last = max(int(o["day"].max()) for _, _, o, _, _ in per_course)
    weeks, course_weeks, crunch_weeks = [], [], {c: 0 for c, *_ in per_course}
    for week in _weeks_index(first, last):
        days: dict[int, set[str]] = {}
        deadlines = in_crunch = 0
        courses_due = set()
        for course, n, own, crunches, hours in per_course:
            this_week = own.loc[own["week"] == week]
            share = _share(float(crunches.get(week, 0)), n)
            course_weeks.append((names[course], day_to_date(week), len(this_week),
                                 round(float(hours.get(week, 0.0)) / n, 1), share))
            if share >= COURSE_CRUNCH_SHARE:
                in_crunch += 1
                crunch_weeks[course] += bool(len(this_week))
            if len(this_week):
                courses_due.add(course)
                deadlines += len(this_week)
                for day in this_week["day"]:
                    days.setdefault(int(day), set()).add(course)
        busiest = max(days.items(), key=lambda item: (len(item[1]), -item[0]), default=None)
        weeks.append(SchoolWeek(day_to_date(week), len(courses_due), deadlines,
                                day_to_date(busiest[0]) if busiest else None, len(busiest[1]) if busiest else 0,
                                in_crunch))
    sizes = {c: n for c, n, *_ in per_course}
    ranked = sorted((c for c in crunch_weeks if crunch_weeks[c]), key=lambda c: (-crunch_weeks[c], names[c]))
    return SchoolView(
        school_name=school_name, k=k, courses=len(per_course), weeks=tuple(weeks),
        crunch_courses=tuple(SchoolCourse(names[c], crunch_weeks[c], sizes[c]) for c in ranked[:TOP_COURSES]),
        course_weeks=tuple(sorted(course_weeks, key=lambda r: (r[0], r[1]))),
    )


def _weekly_totals(weeks: pd.DataFrame, column: str, n: int) -> tuple[date | None, float]:
    """The heaviest week of `weeks` (student, week, `column`) summed over students: its Monday, hours per student."""
    per_week = weeks.groupby("week")[column].sum()
    if per_week.empty or float(per_week.max()) <= 0:
        return None, 0.0
    week = per_week.idxmax()  # the first of equal weeks: the index is sorted
    return pd.Timestamp(week).date(), round(float(per_week.max()) / n, 1)


def course_what_if(cohort: Cohort, canvas_assignment_id: str, new_due: date, *, display_tz: str,
                   today: date | None = None) -> WhatIfResult:
    """What moving one of the course's deadlines (`canvas_assignment_id`) to `new_due` changes for the
    released students; each keeps the deadline's local time of day.

    Raises LookupError when the id is not one of the course's dated assignments.
    """
    frame, n = cohort.frame, cohort.n
    own = _own_deadlines(frame, cohort.course, display_tz)
    chosen = own.loc[own["canvas_assignment_id"] == canvas_assignment_id]
    if chosen.empty or not n:
        raise LookupError("not one of this course's dated assignments")
    key = chosen["assignment_id"].iloc[0]
    limit = 1.25 * crunch.DEFAULT_WEEKLY_BUDGET
    out = plan.what_if(frame, {key: new_due}, start=today)
    # Students without the assignment keep their weeks; they count in every share all the same.
    others = frame.loc[~frame["student"].isin(out.students["student"])]
    rest = density.to_weekly(density.daily_load(others)) if not others.empty else pd.DataFrame(
        {"student": pd.Series(dtype="str"), "week": pd.Series(dtype="datetime64[ns]"), "hours": pd.Series(dtype=float)})
    columns = ["student", "week", "hours_before", "hours_after"]
    weeks = pd.concat([out.weeks[columns], rest.assign(hours_before=rest["hours"], hours_after=rest["hours"])[columns]],
                      ignore_index=True)
    peak_before, hours_before = _weekly_totals(weeks, "hours_before", n)
    peak_after, hours_after = _weekly_totals(weeks, "hours_after", n)
    # Crunch weeks within the course's weeks (its deadlines, the new date included), as the page counts them.
    days = [*own["day"].astype(int), (new_due - date(1970, 1, 1)).days]
    first, last = day_to_date(int(_monday(np.array([min(days)]))[0])), day_to_date(max(days))
    span = weeks["week"].dt.tz_localize(None).between(pd.Timestamp(first), pd.Timestamp(last))
    in_crunch = weeks.loc[span].assign(before=lambda w: w["hours_before"] > limit + 1e-9,
                                       after=lambda w: w["hours_after"] > limit + 1e-9)
    by_student = in_crunch.groupby("student")[["before", "after"]].any()
    return WhatIfResult(
        title=str(chosen["title"].iloc[0]), due_before=day_to_date(int(chosen["day"].iloc[0])), due_after=new_due,
        peak_week_before=peak_before, peak_week_after=peak_after,
        peak_week_hours_before=hours_before, peak_week_hours_after=hours_after,
        crunch_share_before=_share(float(by_student["before"].sum()), n),
        crunch_share_after=_share(float(by_student["after"].sum()), n),
        share_affected=round(out.share_affected, 2),
    )
