"""The seeded calendar: what each course's Canvas calendar and planner hold besides assignments.

Per course (in the course's time zone, weeks of the seeded term):

- two sections, the course's students alternating between them, and one study
  group of the first half of them;
- an all-day course event (a reading day): ``all_day``, its `all_day_date`,
  start = end = local midnight (`CalendarEvent#populate_all_day_flag`);
- a section-specific event: a course-level parent whose start and end span its
  two section children at different times (`cache_child_event_ranges!`);
  Canvas hides the parent from students and lists each student their own
  section's child;
- a group event on the study group's calendar;
- a cancelled event (``workflow_state = "deleted"``), which no list returns;
- a page and an ungraded discussion with a to-do date, and an ungraded quiz;
- a graded discussion with two checkpoints (reply to the topic, then the
  required replies), due a week apart; the parent has no due date and its
  points are the checkpoints' sum (`Checkpoints::AssignmentAggregatorService`);
  each student's checkpoint submissions follow the seeded story's "now".

Per student: one personal calendar event and one planner note.

A separate `random.Random` per school, run after the rest of the world is
built, so the assignments, overrides and submissions of a seed are the same
with or without this module.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from .world import (
    CalendarEvent,
    Checkpoint,
    Course,
    Group,
    PlannerNote,
    PlannerTodo,
    SandboxWorld,
    School,
    Section,
    Submission,
    User,
    utc_at,
)

__all__ = ["add_calendar"]


def add_calendar(world: SandboxWorld, school: School, created: datetime) -> None:
    """Sections, groups, events, to-dos, checkpoints and notes for every course of `school`."""
    rng = random.Random(f"{world.seed}:calendar:{school.slug}")
    courses = sorted((c for c in world.courses.values() if c.school == school.slug), key=lambda c: c.id)
    for course in courses:
        students = sorted({e.user_id for e in world.enrollments if e.course_id == course.id
                           and e.type == "StudentEnrollment"})
        sections = _sections(world, school, course, students)
        group = _group(world, school, course, students)
        _course_events(world, school, course, sections, group, created)
        _todos(world, school, course, created)
        _checkpointed_discussion(world, rng, course, students, created)
    for user in sorted(world.school_users(school.slug), key=lambda u: u.id):
        if not user.login_id.startswith("teacher."):
            _personal(world, school, user, created)


def _day(world: SandboxWorld, week: int, weekday: int) -> date:
    return world.term_start + timedelta(weeks=week - 1, days=weekday)


def _sections(world: SandboxWorld, school: School, course: Course, students: list[int]) -> list[Section]:
    made = []
    for number in (1, 2):
        section = Section(world._next_id(world.sections, school.slug), course.id, f"Section 00{number}",
                          students[number - 1::2])
        world.sections[section.id] = section
        made.append(section)
    return made


def _group(world: SandboxWorld, school: School, course: Course, students: list[int]) -> Group:
    group = Group(world._next_id(world.groups, school.slug), course.id, f"{course.course_code} study group",
                  students[: max(1, len(students) // 2)])
    world.groups[group.id] = group
    return group


def _event(world: SandboxWorld, school: School, course_id: int | None, title: str, start: datetime,
           end: datetime, created: datetime, **fields: object) -> CalendarEvent:
    event = CalendarEvent(id=world._next_id(world.events, school.slug), course_id=course_id, title=title,
                          description=fields.pop("description", None), start_at=start, end_at=end,  # type: ignore[arg-type]
                          location_name=fields.pop("location_name", None), created_at=created,  # type: ignore[arg-type]
                          updated_at=created, **fields)  # type: ignore[arg-type]
    world.events[event.id] = event
    return event


def _course_events(world: SandboxWorld, school: School, course: Course, sections: list[Section], group: Group,
                   created: datetime) -> None:
    tz = course.time_zone
    reading_day = _day(world, 7, 4)
    midnight = utc_at(reading_day, 0, 0, tz)
    _event(world, school, course.id, "Reading day: no class", midnight, midnight, created,
           all_day=True, all_day_date=reading_day)
    practical = _day(world, 9, 3)
    times = [(utc_at(practical, 10, 0, tz), utc_at(practical, 12, 0, tz)),
             (utc_at(practical, 14, 0, tz), utc_at(practical, 16, 0, tz))]
    parent = _event(world, school, course.id, f"Lab practical — {course.course_code}", times[0][0], times[1][1],
                    created, description="<p>Bring your lab notebook.</p>", location_name="Lab B")
    for section, (start, end) in zip(sections, times):
        _event(world, school, course.id, parent.title, start, end, created, description=parent.description,
               location_name=parent.location_name, context_code=f"course_section_{section.id}",
               parent_event_id=parent.id)
    meeting = _day(world, 6, 2)
    _event(world, school, course.id, "Study group meeting", utc_at(meeting, 18, 0, tz), utc_at(meeting, 19, 0, tz),
           created, context_code=f"group_{group.id}", location_name="Library room 3")
    cancelled = _day(world, 12, 1)
    gone = _event(world, school, course.id, "Guest lecture", utc_at(cancelled, 11, 0, tz),
                  utc_at(cancelled, 12, 0, tz), created)
    world.delete_event(gone.id, created)


def _todos(world: SandboxWorld, school: School, course: Course, created: datetime) -> None:
    tz = course.time_zone
    for kind, title, week, weekday, hour, minute in (
        ("wiki_page", "Read before the lab practical", 8, 0, 9, 0),
        ("discussion_topic", "Introduce yourself (ungraded)", 1, 4, 23, 59),
        ("quiz", "Practice quiz (ungraded)", 10, 1, 12, 0),
    ):
        todo = PlannerTodo(world._next_id(world.todos, school.slug), course.id, kind, title,  # type: ignore[arg-type]
                           utc_at(_day(world, week, weekday), hour, minute, tz), created, created,
                           url="read-before-the-lab-practical" if kind == "wiki_page" else "")
        world.todos[todo.id] = todo


def _checkpointed_discussion(world: SandboxWorld, rng: random.Random, course: Course, students: list[int],
                             created: datetime) -> None:
    tz = course.time_zone
    topic_due = utc_at(_day(world, 6, 2), 23, 59, tz)
    replies_due = utc_at(_day(world, 7, 2), 23, 59, tz)
    assignment = world.add_assignment(
        course.id, created, name=f"Peer discussion: {course.course_code}", kind="discussion",
        description="<p>Post your answer, then reply to two classmates.</p>",
        submission_types=["discussion_topic"], points_possible=5.0,
        checkpoints=[Checkpoint("reply_to_topic", 3.0, topic_due), Checkpoint("reply_to_entry", 2.0, replies_due)])
    assignment.discussion_topic_id = assignment.id + 70_000
    for user_id in students:
        for checkpoint in assignment.checkpoints:
            assert checkpoint.due_at is not None
            sub = Submission(world._next_id({s.id: s for s in world.checkpoint_submissions.values()},
                                            course.school), assignment.id, user_id, "unsubmitted")
            if checkpoint.due_at < world.anchor and rng.random() < 0.7:
                sub.workflow_state, sub.attempt = "submitted", 1
                sub.submitted_at = checkpoint.due_at - timedelta(hours=rng.randint(1, 48))
            world.checkpoint_submissions[(user_id, assignment.id, checkpoint.tag)] = sub


def _personal(world: SandboxWorld, school: School, user: User, created: datetime) -> None:
    day = _day(world, 9, 1)
    _event(world, school, None, "Dentist", utc_at(day, 8, 0, user.time_zone), utc_at(day, 9, 0, user.time_zone),
           created, context_code=f"user_{user.id}")
    note = PlannerNote(world._next_id(world.notes, school.slug), user.id, "Buy lab goggles", "Before the practical",
                       utc_at(_day(world, 8, 0), 7, 0, user.time_zone), None, created, created)
    world.notes[note.id] = note
