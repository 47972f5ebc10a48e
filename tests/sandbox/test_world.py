"""World mutators: bulk lists, edits, deletes, submissions."""

from __future__ import annotations

from datetime import timedelta

from feedserver.sandbox import SandboxWorld


def first_course(world: SandboxWorld, school: str = "north") -> int:
    return min(c.id for c in world.courses.values() if c.school == school)


def test_add_bulk_assignments_builds_a_long_list(world: SandboxWorld) -> None:
    course_id = first_course(world)
    before = len(world.course_assignments(course_id))
    made = world.add_bulk_assignments(course_id, 250)
    assert len(made) == 250
    assert len(world.course_assignments(course_id)) == before + 250
    assert len({a.id for a in world.assignments.values()}) == len(world.assignments)
    assert all(a.published and a.due_at for a in made)


def test_bulk_ids_stay_in_the_school_block(world: SandboxWorld) -> None:
    made = world.add_bulk_assignments(first_course(world, "south"), 3)
    assert all(2_000_000 < a.id < 3_000_000 for a in made)


def test_edit_bumps_updated_at_and_all_day(world: SandboxWorld) -> None:
    course_id = first_course(world)
    assignment = world.course_assignments(course_id)[0]
    later = world.anchor + timedelta(hours=1)
    # 23:59 in Chicago (CST after the DST change) is 05:59 UTC.
    new_due = assignment.due_at.replace(hour=5, minute=59) + timedelta(days=100)
    world.edit_assignment(assignment.id, later, due_at=new_due, name="Renamed")
    assert assignment.updated_at == later
    assert assignment.name == "Renamed"
    assert assignment.all_day
    # Midnight is not all day for an assignment (only for calendar events): Canvas checks 23:59 alone.
    world.edit_assignment(assignment.id, later, due_at=new_due + timedelta(minutes=1))
    assert not assignment.all_day and assignment.all_day_date is None


def test_delete_is_soft(world: SandboxWorld) -> None:
    course_id = first_course(world)
    assignment = world.course_assignments(course_id)[0]
    world.delete_assignment(assignment.id, world.anchor)
    assert assignment.id in world.assignments
    assert assignment not in world.course_assignments(course_id)


def test_submit_records_an_attempt(world: SandboxWorld) -> None:
    enrollment = next(e for e in world.enrollments if e.user_id == 1001)
    assignment = next(a for a in world.course_assignments(enrollment.course_id)
                      if a.due_at and a.due_at > world.anchor and a.published
                      and "online_upload" in a.submission_types)
    first = world.submit(1001, assignment.id, world.anchor)
    second = world.submit(1001, assignment.id, world.anchor + timedelta(minutes=5))
    assert second.id == first.id
    assert second.attempt == (first.attempt or 0) + 1
    assert world.submissions[(1001, assignment.id)].workflow_state == "submitted"


def test_add_students_enrolls_new_users_in_the_school(world: SandboxWorld) -> None:
    before = len(world.users)
    made = world.add_students("south", 3, courses_each=2)
    more = world.add_students("south", 1)
    assert len(world.users) == before + 4
    assert len({u.id for u in made + more}) == 4 and all(u.school == "south" for u in made + more)
    assert all(len(world.enrollments_of(u.id)) == 2 for u in made)
    assert len(world.enrollments_of(more[0].id)) == 4
    course_id = world.enrollments_of(made[0].id)[0].course_id
    assert world.courses[course_id].school == "south"
    assert world.enrollment(made[0].id, course_id) is not None
    assert len({e.id for e in world.enrollments}) == len(world.enrollments)


def test_enrollment_lookups_follow_changes_to_the_list(world: SandboxWorld) -> None:
    student = next(e.user_id for e in world.enrollments if e.type == "StudentEnrollment")
    dropped = world.enrollments_of(student)[0]
    assert world.enrollment(student, dropped.course_id) is dropped
    world.enrollments.remove(dropped)
    assert world.enrollment(student, dropped.course_id) is None
    assert dropped not in world.enrollments_of(student)
