"""render_feed: pure data in, RFC 5545 bytes out, read by three parsers."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from feedserver.feeds import render
from feedserver.feeds.render import (
    DESCRIPTION_LIMIT,
    FeedAssignment,
    FeedContext,
    WorkSession,
    assignment_uid,
    clean_line,
    course_color,
    render_feed,
)
from feedserver.settings import StudentSettings
from tests.feeds.parsers import parse_everywhere

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)
HOST = "canvas.north.example.edu"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHICAGO).astimezone(UTC)


def assignment(aid: str = "101", **changes: object) -> FeedAssignment:
    values: dict[str, object] = {
        "canvas_assignment_id": aid, "canvas_course_id": "10101", "course_code": "MATH 221",
        "title": "Problem Set 9: Series, convergence; the integral test", "kind": "problem_set",
        "description": "Complete problems 1–24.", "html_url": f"https://{HOST}/courses/10101/assignments/{aid}",
        "due_at": local(2026, 11, 6, 23, 59), "points_possible": 20.0, "submission_state": "unsubmitted",
        "sequence": 0, "last_modified": datetime(2026, 10, 1, 12, 0, tzinfo=UTC)}
    values.update(changes)
    return FeedAssignment(**values)  # type: ignore[arg-type]


def context(**changes: object) -> FeedContext:
    values: dict[str, object] = {"canvas_host": HOST, "school_name": "North State University",
                                 "time_zone": "America/Chicago", "me_url": "https://muffin.example.edu/me",
                                 "student_key": "abc123"}
    values.update(changes)
    return FeedContext(**values)  # type: ignore[arg-type]


def feed(items: list[FeedAssignment], **ctx: object) -> bytes:
    return render_feed(context(**ctx), items, now=NOW)


def vevents(body: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_dst_change_keeps_local_due_times_and_every_parser_agrees() -> None:
    before = assignment("1", due_at=local(2026, 10, 31, 23, 59))  # CDT, UTC-5
    after = assignment("2", due_at=local(2026, 11, 2, 23, 59))  # CST, UTC-6
    body = feed([before, after])
    events = parse_everywhere(body)
    for item in (before, after):
        start, end, _ = events[assignment_uid(item.canvas_assignment_id, HOST)]
        assert end == item.due_at and end.astimezone(CHICAGO).strftime("%H:%M") == "23:59"
        assert end - start == timedelta(minutes=30)
    assert b"DTEND;TZID=America/Chicago:20261031T235900" in body
    assert b"DTEND;TZID=America/Chicago:20261102T235900" in body
    assert before.due_at.utcoffset() == after.due_at.utcoffset()  # both UTC inputs...
    assert (before.due_at.hour, after.due_at.hour) == (4, 5)  # ...one hour apart in UTC, same wall clock
    calendar = Calendar.from_ical(body)
    assert calendar["X-WR-TIMEZONE"] == "America/Chicago"
    assert [tz.tz_name for tz in calendar.timezones] == ["America/Chicago"]
    assert calendar.get_missing_tzids() == set()


def test_calendar_properties_for_subscribing_apps() -> None:
    body = feed([assignment()])
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"] == render.PRODID
    assert calendar["NAME"] == calendar["X-WR-CALNAME"] == "Homework Muffin (North State University)"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body and b"X-PUBLISHED-TTL:PT1H\r\n" in body
    assert b"METHOD" not in body  # DTSTAMP then means "last revised", which is what we put there
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert body.endswith(b"END:VCALENDAR\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    assert not re.search(rb"\r\n[A-Z-]+(;[^:\r\n]*)?:\r\n", body)  # no empty property anywhere


def test_an_event_carries_everything_a_student_and_the_analytics_need() -> None:
    event = vevents(feed([assignment()]))[f"assignment-101@{HOST}"]
    assert event["SUMMARY"] == "MATH 221: Problem Set 9: Series, convergence; the integral test"
    assert event["URL"] == f"https://{HOST}/courses/10101/assignments/101"
    assert event.categories == ["MATH 221"]
    assert event["COLOR"] == course_color("10101")
    description = str(event["DESCRIPTION"])
    assert description.startswith("Problem set · 20 points · Not submitted yet\n")
    assert f"Open in Canvas: https://{HOST}/courses/10101/assignments/101" in description
    assert description.endswith("\n\nComplete problems 1–24.")
    assert event["SEQUENCE"] == 0
    assert event.DTSTAMP == event.last_modified == datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    assert {k: str(event[k]) for k in event if k.startswith("X-MUFFIN-")} == {
        "X-MUFFIN-ASSIGNMENT-ID": "101", "X-MUFFIN-COURSE": "MATH 221", "X-MUFFIN-KIND": "problem_set",
        "X-MUFFIN-POINTS": "20", "X-MUFFIN-SUBMITTED": "false"}


def test_the_analytics_package_reads_the_feed() -> None:
    from muffin_analytics.load import read_ics

    items = [assignment("1"), assignment("2", kind="quiz", points_possible=None, submission_state="graded",
                                         course_code="CHEM 110", canvas_course_id="10103")]
    frame = read_ics(feed(items)).frame.sort_values("assignment_id")
    assert frame["assignment_id"].tolist() == [1, 2]
    assert frame["course"].tolist() == ["MATH 221", "CHEM 110"]
    assert frame["kind"].tolist() == ["problem_set", "quiz"]
    assert frame["submitted"].tolist() == [False, True]
    assert frame["due_at"].tolist() == [items[0].due_at, items[1].due_at]


def test_uid_depends_only_on_host_and_assignment_id() -> None:
    first = assignment()
    edited = replace(first, title="Renamed", due_at=local(2026, 11, 9, 9, 0), sequence=3, course_code="MATH 222",
                     submission_state="submitted", last_modified=NOW)
    uids = {*vevents(feed([first])), *vevents(feed([edited], settings=StudentSettings(event_style="all_day")))}
    assert uids == {f"assignment-101@{HOST}"}
    assert assignment_uid("101", "Canvas.North.Example.EDU") == f"assignment-101@{HOST}"


def test_an_edit_moves_sequence_and_last_modified_and_keeps_the_rest_stable() -> None:
    body = feed([assignment()])
    assert feed([assignment()]) == body  # deterministic: same data, same bytes (so the same ETag)
    edited = vevents(feed([assignment(title="Problem Set 9 (revised)", sequence=1, last_modified=NOW)]))
    event = edited[f"assignment-101@{HOST}"]
    assert event["SEQUENCE"] == 1 and event.last_modified == event.DTSTAMP == NOW


def test_all_day_events_sit_on_the_due_date_with_an_exclusive_end() -> None:
    items = [assignment("1", due_at=local(2026, 11, 6, 17, 0)),
             assignment("2", due_at=local(2026, 11, 10, 0, 0))]  # midnight: the work is due the evening before
    events = parse_everywhere(feed(items, settings=StudentSettings(event_style="all_day")))
    assert events[f"assignment-1@{HOST}"][:2] == (date(2026, 11, 6), date(2026, 11, 7))
    assert events[f"assignment-2@{HOST}"][:2] == (date(2026, 11, 9), date(2026, 11, 10))


def test_submitted_work_is_marked_or_hidden() -> None:
    items = [assignment("1", submission_state="submitted"), assignment("2", submission_state="graded"),
             assignment("3", submission_state="late"), assignment("4", submission_state="missing"),
             assignment("5")]
    marked = {uid: str(e["SUMMARY"]) for uid, e in vevents(feed(items)).items()}
    assert [marked[f"assignment-{i}@{HOST}"].startswith("✓ MATH 221: ") for i in range(1, 6)] == \
        [True, True, True, False, False]
    assert vevents(feed(items))[f"assignment-3@{HOST}"]["X-MUFFIN-SUBMITTED"] == "true"
    hidden = vevents(feed(items, settings=StudentSettings(submitted="hide")))
    assert set(hidden) == {f"assignment-4@{HOST}", f"assignment-5@{HOST}"}


def test_undated_hidden_course_and_long_past_assignments_are_left_out() -> None:
    items = [assignment("1"), assignment("2", due_at=None),
             assignment("3", canvas_course_id="10102", course_code="ENGL 105"),
             assignment("4", due_at=NOW - timedelta(days=181))]
    shown = vevents(feed(items, settings=StudentSettings(hidden_courses=("10102",))))
    assert set(shown) == {f"assignment-1@{HOST}"}


def test_descriptions_are_capped_and_empty_ones_leave_only_the_facts() -> None:
    long = vevents(feed([assignment(description="x" * 5000)]))[f"assignment-101@{HOST}"]
    text = str(long["DESCRIPTION"]).split("\n\n", 1)[1]
    assert len(text) == DESCRIPTION_LIMIT and text.endswith("…")
    bare = vevents(feed([assignment(description="", points_possible=None, html_url="", course_code="")]))
    event = bare[f"assignment-101@{HOST}"]
    assert str(event["DESCRIPTION"]).startswith("Problem set · Not submitted yet\nDue Fri 06 Nov 2026, 23:59")
    assert "URL" not in event and "CATEGORIES" not in event and "X-MUFFIN-POINTS" not in event
    assert event["SUMMARY"] == "Problem Set 9: Series, convergence; the integral test"


def test_reminders_become_alarms_before_the_due_time() -> None:
    item = assignment()
    timed = vevents(feed([item], settings=StudentSettings(reminder_minutes=(60, 1440))))[f"assignment-101@{HOST}"]
    triggers = sorted((a["TRIGGER"].dt, a["TRIGGER"].params.get("RELATED")) for a in timed.walk("VALARM"))
    assert triggers == [(-timedelta(days=1), "END"), (-timedelta(hours=1), "END")]
    all_day = vevents(feed([item], settings=StudentSettings(event_style="all_day", reminder_minutes=(60,))))
    (alarm,) = all_day[f"assignment-101@{HOST}"].walk("VALARM")
    assert alarm["TRIGGER"].dt == item.due_at - timedelta(hours=1)  # absolute: the event's end is midnight
    assert alarm["ACTION"] == "DISPLAY" and str(alarm["DESCRIPTION"])
    parse_everywhere(feed([item], settings=StudentSettings(event_style="all_day", reminder_minutes=(60,))))


def test_colors_are_stable_css_names_per_course() -> None:
    colors = {course_color(str(i)) for i in range(10100, 10140)}
    assert len(colors) > 8 and all(c.isalpha() and c.islower() for c in colors)
    assert course_color("10101") == course_color("10101")


def test_reconnect_needed_adds_one_event_and_leaves_the_rest_byte_identical() -> None:
    items = [assignment("1"), assignment("2", due_at=local(2026, 11, 2, 9, 0))]
    normal = feed(items)
    reconnect = feed(items, reconnect_needed=True)
    events = parse_everywhere(reconnect)
    uid = f"hm-reconnect-abc123@{HOST}"
    assert set(events) == {uid, *vevents(normal)}
    start, end, summary = events[uid]
    assert summary == "Reconnect Homework Muffin" and (start, end) == (date(2026, 11, 9), date(2026, 11, 10))
    assert vevents(reconnect)[uid]["URL"] == "https://muffin.example.edu/me"
    block = re.search(rb"BEGIN:VEVENT\r\n(?:(?!END:VEVENT).)*hm-reconnect.*?END:VEVENT\r\n", reconnect, re.DOTALL)
    assert block is not None and reconnect.replace(block.group(0), b"") == normal
    assert feed(items, reconnect_needed=True) == reconnect  # the UID and the day stay put


def test_sessions_extension_point() -> None:
    session = WorkSession(key="101-2026-11-04", start=local(2026, 11, 4, 16, 0), end=local(2026, 11, 4, 17, 30),
                          title="Work on Problem Set 9", canvas_assignment_id="101")
    both = parse_everywhere(render_feed(context(), [assignment()], now=NOW, sessions=[session]))
    assert set(both) == {f"assignment-101@{HOST}", f"hm-session-101-2026-11-04@{HOST}"}
    only = parse_everywhere(render_feed(context(), [assignment()], now=NOW, sessions=[session], kind="sessions"))
    assert set(only) == {f"hm-session-101-2026-11-04@{HOST}"}
    assert Calendar.from_ical(render_feed(context(), [], now=NOW, kind="sessions"))["X-WR-CALNAME"].startswith(
        "Homework Muffin — work sessions")


def test_an_empty_calendar_is_valid_everywhere() -> None:
    body = render_feed(context(), [], now=NOW)
    assert parse_everywhere(body) == {}
    assert b"BEGIN:VCALENDAR" in body and b"X-WR-TIMEZONE:America/Chicago" in body


def test_an_unknown_time_zone_falls_back_to_utc() -> None:
    body = feed([assignment()], time_zone="Mars/Olympus_Mons")
    assert b"X-WR-TIMEZONE:UTC" in body
    assert parse_everywhere(body)[f"assignment-101@{HOST}"][1] == assignment().due_at


def test_control_characters_are_dropped() -> None:
    item = assignment(title="Lab\x1b 3\x00\r\n(redo)", course_code="CHEM\x7f 110\n", description="line\r\nnext\x0c")
    event = vevents(feed([item]))[f"assignment-101@{HOST}"]
    assert event["SUMMARY"] == "CHEM 110: Lab 3 (redo)"
    assert str(event["DESCRIPTION"]).endswith("\n\nline\nnext")
    assert vevents(feed([assignment(title="\x1b")]))[f"assignment-101@{HOST}"]["SUMMARY"] == \
        "MATH 221: Untitled assignment"


@settings(max_examples=60, deadline=None)
@given(title=st.text(min_size=1, max_size=300), description=st.text(max_size=1500), code=st.text(max_size=20),
       minutes=st.integers(0, 60 * 24 * 200))
def test_any_text_round_trips_through_every_parser(title: str, description: str, code: str, minutes: int) -> None:
    item = assignment(title=title, description=description, course_code=code,
                      due_at=datetime(2026, 8, 31, tzinfo=UTC) + timedelta(minutes=minutes))
    body = feed([item])
    events = parse_everywhere(body)
    shown_code, shown_title = clean_line(code), clean_line(title) or "Untitled assignment"
    expected = f"{shown_code}: {shown_title}" if shown_code else shown_title
    assert events[f"assignment-101@{HOST}"][2] == expected
    assert events[f"assignment-101@{HOST}"][1] == item.due_at
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_our_folding_is_byte_for_byte_icalendars(text: str) -> None:
    calendar = Calendar.from_ical(feed([assignment(title=text or "x", description=text)]))
    assert render.serialize(calendar) == calendar.to_ical()


@settings(max_examples=300, deadline=None)
@given(st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)))
def test_dates_in_descriptions_read_as_strftime_wrote_them(moment: datetime) -> None:
    assert render.day_text(moment.date()) == f"{moment:%a %d %b %Y}"
    assert render.time_text(moment) == f"{moment:%a %d %b %Y, %H:%M}"
