"""Calendar events, planner to-dos and notes, and checkpoints: Canvas's JSON shapes
(tests/data/canvas_api, built from canvas-lms's serializers) and the sandbox's rules."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from feedserver.canvas.calendar import list_calendar_events, parse_calendar_event
from feedserver.canvas.coursework import checkpoint_items, parse_assignment
from feedserver.canvas.errors import MalformedResponse
from feedserver.canvas.planner import parse_planner_item
from tests.canvas.conftest import Canvas

SHAPES = Path(__file__).resolve().parents[1] / "data" / "canvas_api"
CANVAS = "https://canvas.example.edu"


def shape(name: str) -> Any:
    return json.loads((SHAPES / f"{name}.json").read_text(encoding="utf-8"))


def test_a_course_event_a_section_child_and_an_all_day_event() -> None:
    course = parse_calendar_event(shape("calendar_event_course"), canvas_url=CANVAS, groups={})
    assert course is not None and (course.kind, course.course_id, course.all_day_date) == ("event", "123", None)
    assert course.start_at is not None and course.end_at is not None and course.end_at >= course.start_at
    child = parse_calendar_event(shape("calendar_event_section_child"), canvas_url=CANVAS, groups={})
    assert child is not None
    # The section's event is the course's: its course comes from effective_context_code.
    assert (child.canvas_id, child.course_id, child.context_code) == ("301", "123", "course_section_77")
    assert child.title == "Lab 4 (Section 002)" and child.location == "Lab B"
    all_day = parse_calendar_event(shape("calendar_event_all_day"), canvas_url=CANVAS, groups={})
    # Its date is Canvas's all_day_date, not the UTC date of local midnight (the day before, in Copenhagen).
    assert all_day is not None and (all_day.all_day_date, all_day.start_at) == (date(2025, 5, 8), None)


def test_a_hidden_section_parent_and_a_deleted_event_are_not_shown() -> None:
    assert parse_calendar_event(shape("calendar_event_section_parent_as_student"), canvas_url=CANVAS,
                                groups={}) is None
    assert parse_calendar_event(shape("calendar_event_deleted"), canvas_url=CANVAS, groups={}) is None


def test_a_group_event_belongs_to_the_groups_course_and_a_personal_one_to_nobody() -> None:
    event = shape("calendar_event_course") | {"context_code": "group_9", "id": 5}
    parsed = parse_calendar_event(event, canvas_url=CANVAS, groups={"9": "123"})
    assert parsed is not None and (parsed.course_id, parsed.context_code) == ("123", "group_9")
    mine = parse_calendar_event(shape("calendar_event_course") | {"context_code": "user_42"}, canvas_url=CANVAS,
                                groups={})
    assert mine is not None and mine.course_id is None and mine.personal


@pytest.mark.parametrize("bad", [{"id": None}, {"start_at": "tomorrow"}, {"all_day": True, "all_day_date": "x"}])
def test_what_canvas_does_not_promise_is_malformed(bad: dict[str, Any]) -> None:
    with pytest.raises(MalformedResponse):
        parse_calendar_event(shape("calendar_event_course") | bad, canvas_url=CANVAS, groups={})


def test_the_planner_gives_to_dos_and_notes_and_nothing_the_other_calls_have() -> None:
    items = [parse_planner_item(i, canvas_url=CANVAS) for i in shape("planner_items")]
    # Assignment, graded quiz (an assignment behind it) and calendar event: read elsewhere.
    assert [i is None for i in items] == [True, True, False, False, True, False]
    discussion, page, note = (i for i in items if i is not None)
    assert (discussion.kind, discussion.canvas_id, discussion.course_id) == ("todo", "discussion_topic-501", "123")
    assert discussion.start_at == datetime(2025, 1, 29, 6, 59, tzinfo=UTC)
    assert page.html_url == f"{CANVAS}/courses/123/pages/read-before-lab-2"  # a path, resolved on Canvas
    assert (note.kind, note.canvas_id, note.context_code, note.course_id) == ("note", "1", "user_42", None)
    assert note.description_html == "before Tuesday"


def test_a_to_do_marked_done_in_the_planner_counts_as_done() -> None:
    item = shape("planner_items")[3] | {"planner_override": {"marked_complete": True}}
    parsed = parse_planner_item(item, canvas_url=CANVAS)
    assert parsed is not None and parsed.submission_state == "submitted"


def test_both_checkpoints_of_a_graded_discussion_with_their_own_states() -> None:
    assignment = parse_assignment(shape("assignment_discussion_checkpoints"), "123", canvas_url=CANVAS)
    assert assignment.due_at is None and [c.tag for c in assignment.checkpoints] == ["reply_to_topic",
                                                                                     "reply_to_entry"]
    topic, replies = checkpoint_items(assignment, {("9100", "reply_to_topic"): "submitted"})
    assert (topic.canvas_id, topic.submission_state, topic.points_possible) == ("9100-reply_to_topic", "submitted", 3)
    assert (replies.canvas_id, replies.submission_state) == ("9100-reply_to_entry", "unknown")
    assert replies.start_at == datetime(2025, 2, 10, 6, 59, 59, tzinfo=UTC)
    assert topic.canvas_assignment_id == "9100" and topic.html_url == f"{CANVAS}/courses/123/assignments/9100"
    plain = parse_assignment(shape("assignment"), "123", canvas_url=CANVAS)
    assert plain.checkpoints == () and checkpoint_items(plain, {}) == []


async def test_context_codes_go_in_batches_of_ten_and_an_unreadable_one_is_left_out(canvas: Canvas) -> None:
    world = canvas.state.world
    mine = [f"course_{c}" for c in canvas.course_ids()]
    codes = mine * 3 + ["course_999999"]  # 13 codes, one the student cannot read
    start, end = world.term_start - timedelta(days=1), world.anchor + timedelta(days=60)
    client = canvas.client()
    found = await list_calendar_events(client, codes, datetime.combine(start, datetime.min.time(), UTC), end)
    requests = [r for r in canvas.state.request_log if r.path == "/api/v1/calendar_events"]
    # Batch 1 (10 codes) answers; batch 2 (3 codes) is a 401, split in halves until the one code is found.
    assert [(r.status, r.query.count("context_codes")) for r in requests] == [
        (200, 10), (401, 3), (200, 1), (401, 2), (200, 1), (401, 1)]
    assert {e.get("effective_context_code") or e["context_code"] for e in found} >= set(mine)
    assert client.requests == len(requests)
