"""Visibility, overrides, locks and late/missing as Canvas computes them."""

from __future__ import annotations

from datetime import timedelta

from feedserver.sandbox import SandboxWorld
from feedserver.sandbox.student_view import (
    effective_dates,
    lock_state,
    submission_status,
    visible_to,
)


def test_unpublished_is_hidden_from_students_but_not_teachers(world: SandboxWorld) -> None:
    hidden = next(a for a in world.assignments.values() if not a.published)
    enrolled = [e for e in world.enrollments if e.course_id == hidden.course_id]
    students = [e.user_id for e in enrolled if e.type == "StudentEnrollment"]
    teacher = next(e.user_id for e in enrolled if e.type == "TeacherEnrollment")
    assert students and not any(visible_to(world, hidden, s) for s in students)
    assert visible_to(world, hidden, teacher)


def test_not_enrolled_sees_nothing(world: SandboxWorld) -> None:
    assignment = next(iter(world.assignments.values()))
    outsider = next(u.id for u in world.users.values()
                    if world.enrollment(u.id, assignment.course_id) is None)
    assert not visible_to(world, assignment, outsider)


def test_override_applies_to_its_student_only(world: SandboxWorld) -> None:
    override = next(iter(world.overrides.values()))
    assignment = world.assignments[override.assignment_id]
    student = override.student_ids[0]
    classmate = next(e.user_id for e in world.enrollments
                     if e.course_id == assignment.course_id and e.user_id != student
                     and e.type == "StudentEnrollment")
    assert effective_dates(world, assignment, student).due_at == override.due_at
    assert effective_dates(world, assignment, student).override is override
    assert effective_dates(world, assignment, classmate).due_at == assignment.due_at


def test_latest_of_two_overrides_wins(world: SandboxWorld) -> None:
    override = next(iter(world.overrides.values()))
    later = override.due_at + timedelta(days=5)
    world.overrides[999] = type(override)(999, override.assignment_id, list(override.student_ids),
                                          "Extension", later)
    assignment = world.assignments[override.assignment_id]
    assert effective_dates(world, assignment, override.student_ids[0]).due_at == later


def test_lock_explanations(world: SandboxWorld) -> None:
    quiz = next(a for a in world.assignments.values()
                if a.kind == "quiz" and a.unlock_at and a.unlock_at > world.anchor)
    dates = effective_dates(world, quiz, -1)
    locked = lock_state(quiz, dates, world.anchor, "America/Chicago")
    assert locked.locked and locked.explanation.startswith("This assignment is locked until ")
    opened = lock_state(quiz, dates, quiz.unlock_at + timedelta(seconds=1), "America/Chicago")
    assert not opened.locked


def test_missing_and_late_follow_the_due_date(world: SandboxWorld) -> None:
    sub = next(s for s in world.submissions.values()
               if s.workflow_state == "unsubmitted" and not s.excused
               and (d := world.assignments[s.assignment_id].due_at) and d < world.anchor
               and "online_upload" in world.assignments[s.assignment_id].submission_types
               and effective_dates(world, world.assignments[s.assignment_id], s.user_id).override
               is None)
    assignment = world.assignments[sub.assignment_id]
    status = submission_status(world, assignment, sub.user_id, assignment.due_at, world.anchor)
    assert status.missing and not status.late
    world.submit(sub.user_id, assignment.id, world.anchor)
    status = submission_status(world, assignment, sub.user_id, assignment.due_at, world.anchor)
    assert status.late and not status.missing and status.seconds_late > 0
