"""Canvas's calendar feed → coursework: both UID forms, course codes, all-day dates, no status."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from feedserver.canvasfeed.errors import NotACalendar
from feedserver.canvasfeed.parse import assignment_id_of, parse_canvas_feed
from feedserver.sandbox.ics_feed import render_feed
from tests.canvasfeed.helpers import BEFORE_TERM

BASE = "https://canvas.state.edu"
FEED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:icalendar-ruby
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Ana Lee Calendar (Canvas)
BEGIN:VEVENT
CLASS:PUBLIC
DTSTART:20260915T045900Z
DTEND:20260915T045900Z
DTSTAMP:20260901T120000Z
SUMMARY:Essay 1 [ENG-101]
DESCRIPTION:Write 1\\,000 words.
X-ALT-DESC;FMTTYPE=text/html:<p>Write 1,000 words.</p>
UID:event-assignment-501
SEQUENCE:0
URL:{base}/calendar?include_contexts=course_31&month=09&year=2026#assignment_501
END:VEVENT
BEGIN:VEVENT
DTSTART:20260920T170000Z
DTEND:20260920T170000Z
DTSTAMP:20260901T120000Z
SUMMARY:Lab [draft] 2 (Extension for Ana) [BIO-2]
UID:event-assignment-override-77
URL:{base}/calendar?include_contexts=course_32&month=09&year=2026#assignment_502
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20261002
DTSTAMP:20260901T120000Z
SUMMARY:Reading log [ENG-101]
UID:event-assignment-503
URL:{base}/calendar?include_contexts=course_31&month=10&year=2026#assignment_503
END:VEVENT
BEGIN:VEVENT
DTSTART:20260921T170000Z
DTEND:20260921T180000Z
DTSTAMP:20260901T120000Z
SUMMARY:Office hours [ENG-101]
UID:event-calendar-event-9
URL:{base}/calendar?include_contexts=course_31&month=09&year=2026#calendar_event_9
END:VEVENT
BEGIN:VEVENT
DTSTART:20260922T170000Z
DTSTAMP:20260901T120000Z
SUMMARY:Override without a fragment [BIO-2]
UID:event-assignment-override-78
URL:{base}/calendar?include_contexts=course_32&month=09&year=2026
END:VEVENT
END:VCALENDAR
""".replace("{base}", BASE).replace("\n", "\r\n").encode()


def test_assignments_courses_and_dates_are_mapped() -> None:
    work = parse_canvas_feed(FEED, canvas_base=BASE, time_zone="America/Chicago")
    by_id = {a.id: a for a in work.assignments}
    assert sorted(by_id) == ["501", "502", "503"]  # the calendar event and the fragment-less override are skipped
    assert [(c.id, c.course_code) for c in work.courses] == [("31", "ENG-101"), ("32", "BIO-2")]
    essay, lab, reading = by_id["501"], by_id["502"], by_id["503"]
    assert (essay.name, essay.course_id, essay.due_at) == ("Essay 1", "31", datetime(2026, 9, 15, 4, 59, tzinfo=UTC))
    assert essay.description_html == "<p>Write 1,000 words.</p>"
    assert essay.html_url == f"{BASE}/courses/31/assignments/501"
    # The override's own title is Canvas's addition, not the assignment's name; brackets inside stay.
    assert (lab.name, lab.course_id) == ("Lab [draft] 2", "32")
    # All-day: Canvas's date, kept as a date; the instant is 23:59 on that day where the student lives.
    assert reading.all_day_date == date(2026, 10, 2) and essay.all_day_date is None
    assert reading.due_at is not None
    assert reading.due_at.astimezone(UTC) == datetime(2026, 10, 3, 4, 59, tzinfo=UTC)
    (office_hours,) = work.items  # the course calendar event, under its own id
    assert (office_hours.kind, office_hours.canvas_id, office_hours.course_id) == ("event", "9", "31")
    assert (office_hours.start_at, office_hours.end_at) == (datetime(2026, 9, 21, 17, 0, tzinfo=UTC),
                                                            datetime(2026, 9, 21, 18, 0, tzinfo=UTC))
    assert office_hours.title == "Office hours" and work.complete == {"event"}
    # The feed has neither status nor points: unknown, not "not submitted".
    assert {(a.submission_state, a.points_possible) for a in work.assignments} == {("unknown", None)}


@pytest.mark.parametrize(("uid", "url", "expected"), [
    ("event-assignment-12", "", "12"),
    ("event-assignment-override-5", "https://x/calendar?include_contexts=course_1#assignment_12", "12"),
    ("event-assignment-override-5", "https://x/calendar?include_contexts=course_1#calendar_event_12", None),
    ("event-calendar-event-12", "https://x/calendar#assignment_12", None),
    ("event-assignment-12x", "", None),
])
def test_assignment_ids_of_both_uid_forms(uid: str, url: str, expected: str | None) -> None:
    assert assignment_id_of(uid, url) == expected


@pytest.mark.parametrize("body", [b"", b"<html></html>", b"BEGIN:VEVENT\r\nEND:VEVENT\r\n", b"BEGIN:VCALENDAR\r\n"])
def test_what_is_not_a_calendar_is_refused(body: bytes) -> None:
    with pytest.raises(NotACalendar):
        parse_canvas_feed(body, canvas_base=BASE)


def test_every_assignment_of_the_sandbox_feed_is_found(sandbox: object) -> None:
    """Canvas-shaped feeds from the sandbox world: each assignment event maps to a real assignment."""
    world = sandbox.world  # type: ignore[attr-defined]
    found_override = False
    for user in [u for u in world.users.values() if u.school == "north"][:15]:
        courses = sorted({world.courses[e.course_id].id: world.courses[e.course_id]
                          for e in world.enrollments_of(user.id)}.values(), key=lambda c: c.id)
        body = render_feed(world, user.name, courses, user.id, BASE, BEFORE_TERM)
        found_override |= b"event-assignment-override-" in body
        work = parse_canvas_feed(body, canvas_base=BASE)
        assignment_events = body.count(b"UID:event-assignment-")
        assert len(work.assignments) == assignment_events
        for a in work.assignments:
            real = world.assignments[int(a.id)]
            assert str(real.course_id) == a.course_id
            assert a.name == real.name
        assert len(work.items) == body.count(b"UID:event-calendar-event-")
        for item in work.items:
            event = world.events[int(item.canvas_id)]
            # A section's or a group's event finds its course through the code in its SUMMARY.
            assert item.course_id == (str(event.course_id) if event.course_id is not None else None)
            assert item.context_code == event.code and item.title == event.title
            assert (item.all_day_date, item.start_at) == ((event.all_day_date, None) if event.all_day
                                                          else (None, event.start_at))
    assert found_override, "the seeded world should exercise override UIDs"


def test_a_date_no_calendar_can_show_leaves_that_assignment_undated() -> None:
    typo = FEED.replace(b"DTSTART:20260915T045900Z", b"DTSTART:99991231T235900Z").replace(
        b"DTSTART;VALUE=DATE:20261002", b"DTSTART;VALUE=DATE:99991231")
    by_id = {a.id: a for a in parse_canvas_feed(typo, canvas_base=BASE, time_zone="Asia/Tokyo").assignments}
    assert (by_id["501"].due_at, by_id["503"].due_at) == (None, None)  # kept, undated
    assert by_id["502"].due_at == datetime(2026, 9, 20, 17, 0, tzinfo=UTC)


def test_a_date_with_a_time_part_is_still_the_date_canvas_meant() -> None:
    """The 2019 form of an all-day assignment (tests/data/canvas_feeds, the UCI feed)."""
    old = FEED.replace(b"DTSTART;VALUE=DATE:20261002", b"DTSTART;VALUE=DATE:20261002T000000\r\n"
                                                       b"DTEND;VALUE=DATE:20261002T000000")
    reading = {a.id: a for a in parse_canvas_feed(old, canvas_base=BASE, time_zone="Europe/Copenhagen").assignments}["503"]
    assert reading.all_day_date == date(2026, 10, 2)
    assert reading.due_at == datetime(2026, 10, 2, 21, 59, tzinfo=UTC)  # 23:59 in Copenhagen (CEST)
