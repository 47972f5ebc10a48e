"""Shared pieces of the feed and sync benchmarks: a synthetic busy student, a table printer.

Not a benchmark itself. The synthetic student has 300 dated assignments in
6 courses over a 15-week term that spans the US DST change, with
Canvas-sized descriptions, so render times and feed sizes are realistic.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker

from feedserver.canvas.text import html_to_text
from feedserver.feeds.publish import rerender
from feedserver.feeds.render import FeedAssignment, FeedContext
from feedserver.settings import StudentSettings
from feedserver.store.models import Assignment, Course
from feedserver.store.students import upsert_student

TERM_START = datetime(2026, 8, 31, 14, 0, tzinfo=UTC)
KINDS = ("problem_set", "quiz", "essay", "reading", "lab", "discussion", "exam")
_DESCRIPTION = ("<p>Complete the exercises on <em>{topic}</em>. Show all work; scan handwritten pages into "
                "<strong>one</strong> PDF.</p><ul><li>Double-spaced</li><li>Cite sources</li></ul>") * 4


def synthetic_assignments(n: int = 300, seed: int = 1) -> list[FeedAssignment]:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        course = i % 6
        due = TERM_START + timedelta(days=rng.randrange(105), hours=rng.choice((0, 3, 9, 10)))
        items.append(FeedAssignment(
            canvas_assignment_id=str(1_000_000 + i), canvas_course_id=str(10_100 + course),
            course_code=f"COURSE {100 + course}", title=f"Assignment {i}: topic, part {i % 7}; review",
            kind=KINDS[i % len(KINDS)], description=html_to_text(_DESCRIPTION.format(topic=f"topic {i}"), 4000),
            html_url=f"https://canvas.example.edu/courses/{10_100 + course}/assignments/{1_000_000 + i}",
            due_at=due, points_possible=float(rng.choice((5, 10, 20, 100))),
            submission_state=rng.choice(("submitted", "graded", "unsubmitted", "missing", "late")),
            sequence=rng.randrange(3), last_modified=TERM_START - timedelta(days=3)))
    return items


def synthetic_context(**changes: object) -> FeedContext:
    values: dict[str, object] = {"canvas_host": "canvas.example.edu", "school_name": "Example State University",
                                 "time_zone": "America/Chicago", "settings": StudentSettings(), "student_key": "bench"}
    values.update(changes)
    return FeedContext(**values)  # type: ignore[arg-type]


async def seed_student(db: async_sessionmaker, institution_slug: str, n: int = 300) -> int:
    """A student with `n` stored assignments and a rendered feed; their id."""
    student_id = await upsert_student(db, institution_slug, "4242", "Bench Student", time_zone="America/Chicago")
    async with db.begin() as session:
        courses: dict[str, Course] = {}
        for item in synthetic_assignments(n):
            course = courses.get(item.canvas_course_id)
            if course is None:
                course = Course(student_id=student_id, canvas_course_id=item.canvas_course_id,
                                name=item.course_code, course_code=item.course_code)
                session.add(course)
                await session.flush()
                courses[item.canvas_course_id] = course
            session.add(Assignment(
                student_id=student_id, course_id=course.id, canvas_assignment_id=item.canvas_assignment_id,
                title=item.title, kind=item.kind, description=item.description, html_url=item.html_url,
                due_at=item.due_at, points_possible=item.points_possible, published=True,
                submission_state=item.submission_state, content_hash="x", sequence=item.sequence,
                last_modified=item.last_modified))
        await session.flush()
        await rerender(session, student_id, public_url="http://127.0.0.1", now=TERM_START + timedelta(days=70))
    return student_id


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table (docs/performance.md takes it as is)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    line = lambda row: "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |"
    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))
