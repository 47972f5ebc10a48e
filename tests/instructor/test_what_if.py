"""The instructor's what-if: moving one of the course's deadlines, computed with muffin_analytics.plan.what_if,
equals every figure recomputed from scratch on the moved table; and the form behind it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from feedserver.instructor.compute import Cohort, course_what_if
from feedserver.instructor.grants import Grant
from muffin_analytics import crunch, density, plan
from tests.instructor.helpers import School, class_of, course_id

TZ = "America/Chicago"
CALC = course_id("CALC 101")
LIMIT = 1.25 * crunch.DEFAULT_WEEKLY_BUDGET


def moved(frame: pd.DataFrame, canvas_assignment_id: str, new_due: date) -> pd.DataFrame:
    """`frame` with the assignment due on `new_due` at each holder's own local time of day."""
    def move(ts: pd.Timestamp, tz: str) -> pd.Timestamp:
        local = ts.tz_convert(tz)
        return pd.Timestamp(datetime.combine(new_due, local.time()), tz=tz).tz_convert("UTC")
    hit = frame["canvas_assignment_id"] == canvas_assignment_id
    due = frame["due_at"].copy()
    due[hit] = [move(ts, tz) for ts, tz in zip(frame.loc[hit, "due_at"], frame.loc[hit, "tz"])]
    return frame.assign(due_at=due)


def from_scratch(frame: pd.DataFrame, n: int, span: tuple[date, date]) -> tuple[date, float, float]:
    """Heaviest week (Monday, hours per student) and the share of students with a crunch week in `span`,
    from daily_load and crunch.detect on the whole table."""
    load = density.daily_load(frame)
    weekly = density.to_weekly(load).groupby("week")["hours"].sum()
    weeks = crunch.detect(load)
    weeks = weeks.loc[(weeks["level"] == "week") & weeks["start"].dt.date.between(*span)]
    return weekly.idxmax().date(), round(float(weekly.max()) / n, 1), round(weeks["student"].nunique() / n, 2)


def peaks(frame: pd.DataFrame, today: date) -> dict[str, float]:
    return {s: plan.balanced(rows, start=today).peak for s, rows in frame.groupby("student")}


@pytest.mark.parametrize("shift", [-9, 3, 12])
async def test_the_what_if_equals_the_figures_recomputed_from_scratch(school: School, shift: int) -> None:
    await school.add(class_of(30))
    for label in school.students:
        await school.contribute(label)
    _, cohort, _ = await school.insights.course_cohort(school.institution, CALC)
    assert isinstance(cohort, Cohort) and cohort.n == 30
    midterm = cohort.frame.loc[(cohort.frame["course"] == CALC) & (cohort.frame["title"] == "Midterm")]
    aid = str(midterm["canvas_assignment_id"].iloc[0])
    old = midterm["due_at"].iloc[0].tz_convert(TZ).date()
    new_due, today = old + timedelta(days=shift), date(2026, 9, 1)

    result = course_what_if(cohort, aid, new_due, display_tz=TZ, today=today)

    after = moved(cohort.frame, aid, new_due)
    own = cohort.frame.loc[cohort.frame["course"] == CALC, "due_at"].dt.tz_convert(TZ).dt.date
    first, last = min(*own, new_due), max(*own, new_due)
    span = (first - timedelta(days=first.weekday()), last)
    assert (result.peak_week_before, result.peak_week_hours_before, result.crunch_share_before) == \
        from_scratch(cohort.frame, 30, span)
    assert (result.peak_week_after, result.peak_week_hours_after, result.crunch_share_after) == \
        from_scratch(after, 30, span)
    before_peaks, after_peaks = peaks(cohort.frame, today), peaks(after, today)
    changed = sum(abs(after_peaks[s] - before_peaks[s]) > 1e-9 for s in before_peaks)
    assert result.share_affected >= round(changed / 30, 2) > 0  # the plans of students who hold it move
    assert (result.title, result.due_before, result.due_after) == ("Midterm", old, new_due)


async def test_crunch_shares_before_and_after_equal_crunch_detect_from_scratch(school: School) -> None:
    """Five essays due with Problem Set 2 make a crunch week for everyone; moving one is seen as from scratch."""
    frame = class_of(12)
    ps2 = frame.loc[frame["title"] == "Problem Set 2"]
    essays = [ps2.assign(assignment_id=900 + i, title=f"Lab report {i}", kind="essay") for i in range(5)]
    await school.add(pd.concat([frame, *essays], ignore_index=True))
    for label in school.students:
        await school.contribute(label)
    _, cohort, _ = await school.insights.course_cohort(school.institution, CALC)
    assert cohort is not None
    row = cohort.frame.loc[(cohort.frame["course"] == CALC) & (cohort.frame["title"] == "Lab report 0")].iloc[0]
    old = row["due_at"].tz_convert(TZ).date()
    aid, new_due = str(row["canvas_assignment_id"]), old + timedelta(days=9)
    result = course_what_if(cohort, aid, new_due, display_tz=TZ)
    own = cohort.frame.loc[cohort.frame["course"] == CALC, "due_at"].dt.tz_convert(TZ).dt.date
    first, last = min(own), max(*own, new_due)
    span = (first - timedelta(days=first.weekday()), last)
    assert cohort.n == 10  # one whole cohort; two wait for more
    assert result.crunch_share_before == from_scratch(cohort.frame, 10, span)[2] == 1.0
    assert result.crunch_share_after == from_scratch(moved(cohort.frame, aid, new_due), 10, span)[2]
    assert result.peak_week_hours_after < result.peak_week_hours_before and result.share_affected == 1.0


def test_an_assignment_of_another_course_is_refused() -> None:
    frame = class_of(2)
    with pytest.raises(LookupError):
        course_what_if(Cohort(frame.iloc[:0], CALC, 0), "100", date(2026, 10, 1), display_tz=TZ)


async def test_the_form_shows_the_change_to_the_holder_of_the_course_grant_only(school: School) -> None:
    await school.add(class_of(10))
    for label in school.students:
        await school.contribute(label)
    client = school.client
    grants = school.insights.grants
    course_grant = grants.seal(Grant("north", CALC, "CALC 101"))
    view = await school.course("CALC 101")
    midterm = next(c for c in view.choices if c.title == "Midterm")
    new_due = (midterm.due + timedelta(days=4)).isoformat()

    answer = await client.post("/instructor/what-if", data={"grant": course_grant, "assignment":
                                                            midterm.canvas_assignment_id, "due": new_due})
    page = await answer.text()
    assert answer.status == 200, page
    assert 'id="what-if-result"' in page and "instead of" in page
    assert re.search(rf'<option value="{midterm.canvas_assignment_id}" selected>', page)
    assert answer.headers["Cache-Control"].startswith("no-store")

    refused = [
        {"grant": grants.seal(Grant("north", None)), "assignment": midterm.canvas_assignment_id, "due": new_due},
        {"grant": "forged", "assignment": midterm.canvas_assignment_id, "due": new_due},
    ]
    for form in refused:
        assert (await client.post("/instructor/what-if", data=form)).status == 403
    for assignment, due in ((midterm.canvas_assignment_id, "next week"), ("999999", new_due),
                            (midterm.canvas_assignment_id, "2030-01-01")):
        form = {"grant": course_grant, "assignment": assignment, "due": due}
        assert (await client.post("/instructor/what-if", data=form)).status == 400
