"""Calendar items in the feed: UIDs of their own, what the settings hide, times and all-day dates,
Canvas's all-day assignment dates, and the one notice event (render_feed, pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from feedserver.feeds.render import (
    FeedAssignment,
    FeedContext,
    FeedItem,
    FeedNotice,
    assignment_uid,
    item_uid,
    render_feed,
)
from feedserver.settings import StudentSettings
from tests.feeds.parsers import parse_everywhere

SYDNEY = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)
HOST = "canvas.harbour.example.edu.au"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SYDNEY).astimezone(UTC)


def item(kind: str, canvas_id: str, start: datetime | None, end: datetime | None = None, **changes: object) -> FeedItem:
    values: dict[str, object] = {
        "kind": kind, "canvas_id": canvas_id, "canvas_course_id": "50101", "course_code": "MATH 221",
        "context_code": "course_50101", "title": "Tutorial", "description": "", "html_url": "", "location": "",
        "start_at": start, "end_at": end if end is not None else start, "all_day_date": None,
        "canvas_assignment_id": None, "points_possible": None, "submission_state": "unknown", "sequence": 0,
        "last_modified": datetime(2026, 10, 1, tzinfo=UTC)}
    values.update(changes)
    return FeedItem(**values)  # type: ignore[arg-type]


def context(**settings: object) -> FeedContext:
    return FeedContext(canvas_host=HOST, school_name="Harbour University", time_zone="Australia/Sydney",
                       settings=StudentSettings(**settings), me_url="https://muffin.example.edu/me",  # type: ignore[arg-type]
                       student_key="k")


def events(items: list[FeedItem], assignments: list[FeedAssignment] = (), **settings: object) -> dict:  # type: ignore[assignment]
    return parse_everywhere(render_feed(context(**settings), assignments, now=NOW, items=items))


@given(st.sampled_from(["event", "todo", "note", "checkpoint"]), st.from_regex(r"[0-9a-z_-]{1,20}", fullmatch=True),
       st.from_regex(r"[0-9]{1,12}", fullmatch=True))
def test_an_item_uid_never_is_an_assignment_uid(kind: str, canvas_id: str, assignment_id: str) -> None:
    assert item_uid(kind, canvas_id, HOST) != assignment_uid(assignment_id, HOST)
    assert not item_uid(kind, canvas_id, HOST).startswith(("assignment-", "hm-"))


def test_events_keep_their_hours_and_dates_across_sydneys_dst_change() -> None:
    before = item("event", "1", local(2026, 10, 2, 9, 0), local(2026, 10, 2, 11, 0))  # AEST, UTC+10
    after = item("event", "2", local(2026, 10, 9, 9, 0), local(2026, 10, 9, 11, 0))  # AEDT, UTC+11
    day = item("event", "3", None, None, all_day_date=date(2026, 10, 4))  # the day the clocks change
    found = events([before, after, day])
    for event in (before, after):
        start, end, _ = found[item_uid("event", event.canvas_id, HOST)]
        assert (start, end) == (event.start_at, event.end_at) and start.tzinfo is not None
        assert start.astimezone(SYDNEY).hour == 9
    assert found[item_uid("event", "3", HOST)][:2] == (date(2026, 10, 4), date(2026, 10, 5))


def test_deadline_like_items_end_at_their_time_or_sit_on_their_day() -> None:
    due = local(2026, 11, 12, 23, 59)
    items = [item("todo", "wiki_page-7", due), item("checkpoint", "9-reply_to_topic", due, points_possible=3.0),
             item("event", "4", due)]  # an event Canvas gave no length: shown like a deadline
    timed = events(items)
    for i in items:
        start, end, _ = timed[item_uid(i.kind, i.canvas_id, HOST)]
        assert end == due and end - start == timedelta(minutes=30)
    all_day = events(items, event_style="all_day")
    assert all_day[item_uid("todo", "wiki_page-7", HOST)][:2] == (date(2026, 11, 12), date(2026, 11, 13))
    assert isinstance(all_day[item_uid("event", "4", HOST)][0], datetime)  # events keep their hours
    assert timed[item_uid("checkpoint", "9-reply_to_topic", HOST)][2] == "MATH 221: Tutorial: reply to topic"


def test_settings_decide_what_shows() -> None:
    items = [item("event", "1", local(2026, 11, 10, 9, 0), local(2026, 11, 10, 10, 0)),
             item("event", "2", local(2026, 11, 10, 9, 0), local(2026, 11, 10, 10, 0), canvas_course_id=None,
                  course_code="", context_code="user_7"),
             item("note", "3", local(2026, 11, 11, 9, 0), canvas_course_id=None, course_code="", context_code="user_7"),
             item("checkpoint", "9-reply_to_entry", local(2026, 11, 12, 9, 0), submission_state="submitted"),
             item("todo", "quiz-5", local(2026, 11, 13, 9, 0), canvas_course_id="50102", course_code="NET 2")]
    keys = {uid.split("@")[0] for uid in events(items)}
    assert keys == {"calendar-event-1", "checkpoint-9-reply_to_entry", "todo-quiz-5"}  # personal and notes: off
    keys = {uid.split("@")[0] for uid in events(items, personal_events=True, planner_notes=True,
                                                 hidden_event_courses=("50101",), hidden_courses=("50102",),
                                                 submitted="hide")}
    assert keys == {"calendar-event-2", "planner-note-3"}
    old = item("event", "6", NOW - timedelta(days=181), NOW - timedelta(days=181))
    assert not events([old])  # the feed's past window holds for items too


def test_canvas_all_day_work_is_on_its_date_whatever_the_event_style() -> None:
    due = local(2026, 11, 20, 23, 59)
    work = FeedAssignment(canvas_assignment_id="7", canvas_course_id="50101", course_code="MATH 221", title="Essay",
                          kind="essay", description="", html_url="", due_at=due, points_possible=None,
                          submission_state="unknown", sequence=0, last_modified=NOW, all_day_date=date(2026, 11, 20))
    for style in ("timed", "all_day"):
        start, end, _ = events([], [work], event_style=style)[assignment_uid("7", HOST)]
        assert (start, end) == (date(2026, 11, 20), date(2026, 11, 21))
    timed = replace(work, all_day_date=None)
    assert events([], [timed])[assignment_uid("7", HOST)][1] == due


def test_one_notice_event_last_and_the_reconnect_event_wins() -> None:
    items = [item("event", "1", local(2026, 11, 10, 9, 0), local(2026, 11, 10, 10, 0))]
    notice = FeedNotice("Canvas is not answering", "We keep trying.", date(2026, 11, 8))
    plain = render_feed(context(), [], now=NOW, items=items)
    noted = render_feed(replace(context(), notice=notice), [], now=NOW, items=items)
    assert noted.startswith(plain[:plain.index(b"END:VCALENDAR")])  # every other event byte for byte
    found = parse_everywhere(noted)
    (uid,) = [u for u in found if u.startswith("hm-notice-")]
    assert found[uid][:2] == (date(2026, 11, 8), date(2026, 11, 9))
    assert found[uid][2] == "⚠ Homework Muffin: Canvas is not answering"
    both = parse_everywhere(render_feed(replace(context(), notice=notice, reconnect_needed=True), [], now=NOW))
    assert [u.split("-")[1] for u in both] == ["reconnect"]
