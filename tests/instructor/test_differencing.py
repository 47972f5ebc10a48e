"""The differencing attack: compare the views of a course (and of the school) just before and just after one
student joins, or leaves, and try to read that student's hours off the difference. It must fail: every
difference is the sum over a whole cohort of k students or nothing (docs/privacy.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedserver.instructor.export import school_csv
from feedserver.instructor.records import CourseView
from muffin_analytics import density, effort
from muffin_analytics.schema import conform
from tests.instructor.helpers import School, class_of, course_id

K = 10


def by_week(view: CourseView) -> pd.DataFrame:
    """What the instructor sees, per week: total hours due in this course and in the others, crunch count."""
    return pd.DataFrame({"own": [w.own_hours for w in view.weeks], "other": [w.other_hours for w in view.weeks],
                         "crunch": [round(w.crunch_share * view.released) for w in view.weeks]},
                        index=pd.Index([w.week for w in view.weeks], name="week"), dtype="float64")


def difference(after: CourseView, before: CourseView) -> pd.DataFrame:
    return by_week(after).sub(by_week(before), fill_value=0.0)


def own_weeks(frame: pd.DataFrame, label: str) -> pd.Series:
    """One student's true hours due per week in their other courses (what the attacker is after)."""
    due = density.due_load(effort.estimate(conform(frame.loc[frame["student"] == label])), by_course=True)
    due = due.loc[due["course"] != "CALC 101"]
    day = due["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    weeks = (day - (day + 3) % 7).astype("datetime64[D]")
    return due.assign(week=pd.to_datetime(weeks).date).groupby("week")["due_hours"].sum()


def recovers(diff: pd.DataFrame, truth: pd.Series) -> bool:
    """Whether the difference gives the student's other-course hours, week by week (to the rounding)."""
    shown = diff["other"].reindex(truth.index, fill_value=0.0)
    return bool(truth.sum() > 0 and np.allclose(shown.to_numpy(), truth.round().to_numpy(), atol=1.0)
                and diff["other"].abs().sum() <= truth.sum() + len(diff))


async def test_one_student_joining_or_leaving_moves_nothing_or_a_whole_cohort(school: School) -> None:
    frame = class_of(3 * K)
    await school.add(frame)
    labels = sorted(school.students)
    assert len({tuple(own_weeks(frame, label).round(3).items()) for label in labels}) > K  # hours are personal
    views, released = [await school.course("CALC 101")], [0]
    for label in labels[:2 * K + 3]:
        await school.contribute(label)
        views.append(await school.course("CALC 101"))
        released.append(views[-1].released)

    for i, label in enumerate(labels[:2 * K + 3], start=1):
        diff = difference(views[i], views[i - 1])
        grew = released[i] - released[i - 1]
        assert grew in (0, K)  # a joiner waits, or completes a cohort of k
        if grew == 0:
            assert (diff == 0).all().all(), f"joining {label} moved a figure"
        assert not recovers(diff, own_weeks(frame, label)), f"{label}'s hours can be read off the difference"

    # A leaver takes their whole cohort out: the difference is again k students' worth.
    leaver = labels[4]
    before = views[-1]
    await school.contribute(leaver, on=False)
    after = await school.course("CALC 101")
    assert before.released - after.released == K
    assert not recovers(difference(before, after), own_weeks(frame, leaver))


async def test_the_school_view_and_its_csv_do_not_move_for_one_joiner(school: School) -> None:
    await school.add(class_of(2 * K))
    labels = sorted(school.students)
    for label in labels[:K]:
        await school.contribute(label)
    first = await school.school()
    assert school_csv(first).count("\r\n") > 1  # a whole cohort: figures
    for label in labels[K:2 * K - 1]:
        await school.contribute(label)
        now = await school.school()
        assert now == first and school_csv(now) == school_csv(first)
    await school.contribute(labels[2 * K - 1])
    _, released = await school.insights.released(school.institution, course_id("CALC 101"))
    assert released.count == 2 * K  # the second cohort is whole: both count now
