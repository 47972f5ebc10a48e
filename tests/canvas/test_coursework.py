"""Courses and assignments as the sync reads them: the sandbox semester, strict parsing."""

from __future__ import annotations

from typing import Any

import pytest

from feedserver.canvas.coursework import (
    fetch_coursework,
    parse_assignment,
    parse_course,
)
from feedserver.canvas.errors import MalformedResponse
from feedserver.sandbox.student_view import (
    effective_dates,
    submission_status,
    visible_assignments,
)
from tests.canvas.conftest import STUDENT, Canvas

BASE = "https://c"


async def test_the_semester_of_a_student_with_overrides(canvas: Canvas) -> None:
    world, now = canvas.state.world, canvas.state.now()
    client = canvas.client()
    coursework = await fetch_coursework(client, now=now)

    assert sorted(int(c.id) for c in coursework.courses) == canvas.course_ids()
    paths = [r.path.removeprefix("/api/v1/") for r in canvas.state.request_log if r.path.startswith("/api/v1/")]
    assert client.requests == len(paths)
    # One page per course at per_page=100, its checkpoints' submissions, the groups, one batch of
    # calendar events (under 10 codes), the planner's pages.
    assert sorted(p for p in paths if p != "planner/items") == sorted(
        ["courses", "users/self/groups", "calendar_events"]
        + [f"courses/{c.id}/{what}" for c in coursework.courses for what in ("assignments", "students/submissions")])
    assert coursework.complete == {"event", "todo", "note", "checkpoint"}
    expected = {a.id: a for course in canvas.course_ids() for a in visible_assignments(world, STUDENT, course)}
    got = {int(a.id): a for a in coursework.assignments}
    assert got.keys() == expected.keys()
    overridden = 0
    for assignment_id, source in expected.items():
        dates = effective_dates(world, source, STUDENT)
        parsed = got[assignment_id]
        assert parsed.due_at == dates.due_at  # the student's own date, override applied by Canvas
        overridden += dates.override is not None and dates.due_at != source.due_at
        status = submission_status(world, source, STUDENT, dates.due_at, now)
        if status.graded or status.excused:
            assert parsed.submission_state == "graded"
        elif status.submitted:
            assert parsed.submission_state == ("late" if status.late else "submitted")
        elif status.missing:
            assert parsed.submission_state == "missing"
        else:
            assert parsed.submission_state == "unsubmitted"
        assert parsed.is_quiz == (source.quiz_id is not None)
        assert parsed.html_url.endswith(f"/assignments/{assignment_id}")
    assert overridden > 0


def good_assignment(**changes: Any) -> dict[str, Any]:
    return {"id": "12", "course_id": "3", "name": "Essay", "due_at": "2026-11-01T04:59:00Z", "published": True,
            "submission_types": ["online_upload"], "points_possible": 10, "html_url": "https://c/x", **changes}


@pytest.mark.parametrize("bad", [
    "not an object",
    good_assignment(id=None),
    good_assignment(due_at="next Tuesday"),
    good_assignment(due_at="2026-11-01T04:59:00"),  # no zone: Canvas always sends UTC
    good_assignment(submission_types="online_upload"),
    good_assignment(points_possible="ten"),
    good_assignment(points_possible=[10]),
    good_assignment(submission=["graded"]),
])
def test_what_canvas_does_not_promise_is_malformed(bad: Any) -> None:
    with pytest.raises(MalformedResponse):
        parse_assignment(bad, "3", canvas_url=BASE)


def test_parsing_keeps_ids_as_text_and_reads_utc() -> None:
    parsed = parse_assignment(good_assignment(id=12, quiz_id=5), "3", canvas_url=BASE)
    assert parsed.id == "12" and parsed.is_quiz
    assert parsed.due_at is not None and parsed.due_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert parse_assignment(good_assignment(published=False), "3", canvas_url=BASE).published is False
    assert parse_course({"id": 7, "name": "Chemistry", "course_code": ""}).course_code == "Chemistry"
    with pytest.raises(MalformedResponse):
        parse_course({"name": "no id"})


def test_a_date_no_calendar_can_show_leaves_only_that_field_empty() -> None:
    # A teacher's typo Canvas accepts: year 10000 east of UTC, so no calendar can show it.
    parsed = parse_assignment(good_assignment(due_at="9999-12-31T23:59:00Z", unlock_at="0001-01-01T00:00:00Z",
                                              lock_at="2026-11-08T04:59:00Z"), "3", canvas_url=BASE)
    assert (parsed.due_at, parsed.unlock_at) == (None, None)
    assert parsed.lock_at is not None and parsed.name == "Essay"


@pytest.mark.parametrize(("given", "kept"), [
    ("https://c/courses/3/assignments/12", "https://c/courses/3/assignments/12"),
    ("javascript:alert(document.cookie)", ""),
    ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", ""),
    ("https://evil.example/courses/3/assignments/12", ""),
    ("http://c/courses/3/assignments/12", ""),  # Canvas is https: http is another origin
])
def test_only_web_links_on_the_students_canvas_are_kept(given: str, kept: str) -> None:
    assert parse_assignment(good_assignment(html_url=given), "3", canvas_url=BASE).html_url == kept
