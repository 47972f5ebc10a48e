"""Who counts: whole cohorts of k, sealed in the order students joined, gone when one member leaves."""

from __future__ import annotations

from sqlalchemy import select

from feedserver.instructor.cohorts import settle
from feedserver.store.models import CohortMember, Student
from feedserver.store.models import Institution as InstitutionRow
from feedserver.typedefs import db_key
from tests.instructor.helpers import School, class_of, course_id

CALC = course_id("CALC 101")


async def released(school: School) -> tuple[int, ...]:
    _, result = await school.insights.released(school.institution, CALC)
    return result.student_ids


async def test_figures_come_only_from_whole_cohorts_in_join_order(school: School) -> None:
    await school.add(class_of(25))
    labels = sorted(school.students)
    for label in labels[:9]:
        await school.contribute(label)
    assert await released(school) == ()  # 9 < k: nothing
    view = await school.course("CALC 101")
    assert view.suppressed and view.weeks == () and view.released == 0

    await school.contribute(labels[9])
    first = await released(school)
    assert first == tuple(sorted(school.students[x] for x in labels[:10]))
    for label in labels[10:19]:
        await school.contribute(label)
    assert await released(school) == first  # nine more wait: the figures do not move
    await school.contribute(labels[19])
    assert len(await released(school)) == 20


async def test_a_leaver_takes_their_whole_cohort_out_and_the_rest_never_count_again(school: School) -> None:
    await school.add(class_of(30))
    labels = sorted(school.students)
    for label in labels[:20]:
        await school.contribute(label)
    assert len(await released(school)) == 20
    cohort_of = await _blocks(school)
    leaver = labels[3]
    mates = {s for s, b in cohort_of.items() if b == cohort_of[school.students[leaver]]} - {school.students[leaver]}

    await school.contribute(leaver, on=False)
    after = set(await released(school))
    assert len(after) == 10 and not after & (mates | {school.students[leaver]})
    # Ten newcomers form a cohort of their own; the leaver's former cohort-mates stay out.
    for label in labels[20:30]:
        await school.contribute(label)
    assert not set(await released(school)) & mates
    # The leaver comes back: a newcomer again, waiting for k others.
    await school.contribute(leaver)
    assert school.students[leaver] not in await released(school)


async def test_raising_k_hides_smaller_cohorts_and_lowering_it_shows_them_again(school: School) -> None:
    await school.add(class_of(12))
    for label in sorted(school.students)[:10]:
        await school.contribute(label)
    ids = await released(school)
    db = school.app[db_key]
    async with db() as session:
        institution_id = await session.scalar(select(InstitutionRow.id))
    order = b"k" * 32
    assert (await settle(db, institution_id, CALC, k=12, now=school.insights.clock(), order_secret=order)).cohorts == 0
    assert (await settle(db, institution_id, CALC, k=10, now=school.insights.clock(),
                         order_secret=order)).student_ids == ids


async def test_a_student_who_leaves_the_course_or_disconnects_leaves_no_row(school: School) -> None:
    await school.add(class_of(10))
    for label in school.students:
        await school.contribute(label)
    assert len(await released(school)) == 10
    gone = school.students["stu00004"]
    async with school.app[db_key].begin() as session:
        await session.delete(await session.get(Student, gone))
    assert await released(school) == ()
    assert gone not in await _blocks(school)


async def _blocks(school: School) -> dict[int, int | None]:
    async with school.app[db_key]() as session:
        rows = (await session.scalars(select(CohortMember).where(CohortMember.canvas_course_id == CALC))).all()
    return {r.student_id: r.block for r in rows}
