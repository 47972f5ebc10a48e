"""The direct writer renders every feed byte for byte as the icalendar renderer did.

A feed's bytes are its ETag: if the new renderer wrote one octet differently,
every calendar app would download every feed again. So random feeds (hard
text, long lines, every zone kind, timed and all-day, reminders, calendar
items, sessions, notices, every setting) go through `render_feed` and the
icalendar-based oracle in tests/feeds/reference_render.py, and the bytes must
be equal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from feedserver.canvas.links import canvas_link
from feedserver.feeds.render import (
    FeedAssignment,
    FeedContext,
    FeedItem,
    FeedNotice,
    WorkSession,
    clean_line,
    render_feed,
    shown_link,
)
from feedserver.settings import StudentSettings
from tests.feeds.reference_render import reference_render_feed

NOW = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)
HOSTS = ("canvas.north.example.edu", "Canvas.West.Example.EDU", "lms.example.org:8443")
ZONES = ("America/Chicago", "Europe/Copenhagen", "Asia/Kolkata", "Australia/Lord_Howe", "UTC", "Etc/UTC",
         "US/Eastern", "Not/A_Zone", "")
COURSES = ("101", "202", "303")

# Characters TEXT must escape, controls it must drop, and characters several octets long.
HARD = ",;\\\n\r:\"^'\t\x00\x07\x1b\x7f\x85\u00a0\u2028é中\U0001f9c1\U0001f468\u200d\U0001f469"
hard_text = st.text(st.one_of(st.sampled_from(HARD), st.characters(codec="utf-8")), max_size=120)
long_text = st.one_of(hard_text, st.builds(lambda t, n: t * n, hard_text, st.integers(1, 20)))
escapes = st.sampled_from(["\\N", "\\n", "a,b;c", "x\\", "\r\n", "é" * 40, "\U0001f9c1" * 30, "^" * 80])
texts = st.one_of(long_text, escapes, st.just(""))
instants = st.datetimes(datetime(2025, 1, 1), datetime(2028, 6, 30)).map(lambda d: d.replace(tzinfo=UTC))
zoned = st.builds(lambda d, z: d.astimezone(ZoneInfo(z)), instants, st.sampled_from(ZONES[:5]))
any_instant = st.one_of(instants, zoned, instants.map(lambda d: d.astimezone(timezone(timedelta(hours=5, minutes=30)))))
# Canvas ids: icalendar writes X- properties unescaped and refuses a line break in them.
ids = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), min_size=1, max_size=12)
days = st.dates(date(2025, 1, 1), date(2028, 6, 30))
urls = st.one_of(st.sampled_from(["https://canvas.north.example.edu/courses/1/assignments/2?a=1,2;b",
                                  "/courses/1/quizzes/2", "javascript:alert(1)", ""]),
                 st.builds(lambda h, p: f"https://{h}/{p}", st.sampled_from(HOSTS), st.text(max_size=90)))
points = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(0, 1000).map(float))
states = st.sampled_from(["submitted", "graded", "late", "missing", "unsubmitted", "unknown", "odd,state"])

assignments = st.builds(
    FeedAssignment, canvas_assignment_id=ids, canvas_course_id=st.sampled_from(COURSES),
    course_code=texts, title=texts, kind=st.sampled_from(["essay", "quiz", "lab", "other", "new;kind"]),
    description=texts, html_url=urls, due_at=st.one_of(st.none(), any_instant), points_possible=points,
    submission_state=states, sequence=st.integers(0, 10**6), last_modified=any_instant,
    unlock_at=st.one_of(st.none(), any_instant), all_day_date=st.one_of(st.none(), days))


@st.composite
def items(draw: st.DrawFn) -> FeedItem:
    kind = draw(st.sampled_from(["event", "todo", "note", "checkpoint"]))
    all_day = draw(st.one_of(st.none(), days))
    start = None if all_day is not None else draw(any_instant)
    end = draw(st.one_of(st.none(), st.timedeltas(timedelta(hours=-1), timedelta(days=2))))
    return FeedItem(
        kind=kind, canvas_id=draw(st.sampled_from(["1", "7-reply_to_topic", "8-reply_to_entry", "9-odd_tag", "x,y"])),
        canvas_course_id=draw(st.one_of(st.none(), st.sampled_from(COURSES))), course_code=draw(texts),
        context_code=draw(st.sampled_from(["course_101", "user_5", "group_3"])), title=draw(texts),
        description=draw(texts), html_url=draw(urls), location=draw(texts), start_at=start,
        end_at=None if start is None or end is None else start + end, all_day_date=all_day,
        canvas_assignment_id=draw(st.one_of(st.none(), st.just(""), ids)), points_possible=draw(points),
        submission_state=draw(states), sequence=draw(st.integers(0, 99)), last_modified=draw(any_instant))


sessions = st.builds(
    lambda key, start, length, title, description, stamp, aid: WorkSession(
        key=key, start=start, end=start + length, title=title, description=description, last_modified=stamp,
        canvas_assignment_id=aid),
    st.text(max_size=10), st.one_of(any_instant, days), st.sampled_from([timedelta(minutes=45), timedelta(days=1)]),
    texts, texts, st.one_of(st.none(), any_instant), st.one_of(st.none(), ids))

student_settings = st.builds(
    StudentSettings, hidden_courses=st.lists(st.sampled_from(COURSES), max_size=1).map(tuple),
    submitted=st.sampled_from(["mark", "hide"]), event_style=st.sampled_from(["timed", "all_day"]),
    reminder_minutes=st.lists(st.integers(0, 60 * 24 * 10), max_size=3).map(tuple),
    hidden_event_courses=st.lists(st.sampled_from(COURSES), max_size=1).map(tuple),
    personal_events=st.booleans(), planner_notes=st.booleans())

contexts = st.builds(
    FeedContext, canvas_host=st.sampled_from(HOSTS), school_name=texts, time_zone=st.sampled_from(ZONES),
    settings=student_settings, reconnect_needed=st.booleans(),
    me_url=st.one_of(st.none(), st.just("https://muffin.example.edu/me?x=1,2;3")), student_key=st.text(max_size=8),
    notice=st.one_of(st.none(), st.builds(FeedNotice, headline=texts, text=texts, day=days)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(context=contexts, feed_assignments=st.lists(assignments, max_size=6), feed_items=st.lists(items(), max_size=5),
       feed_sessions=st.lists(sessions, max_size=3), kind=st.sampled_from(["all", "all", "sessions"]))
def test_every_feed_is_byte_for_byte_what_icalendar_wrote(
        context: FeedContext, feed_assignments: list[FeedAssignment], feed_items: list[FeedItem],
        feed_sessions: list[WorkSession], kind: str) -> None:
    ours = render_feed(context, feed_assignments, now=NOW, sessions=feed_sessions, kind=kind, items=feed_items)
    oracle = reference_render_feed(context, feed_assignments, now=NOW, sessions=feed_sessions, kind=kind,
                                   items=feed_items)
    assert ours == oracle


# Text that puts a multi-byte character, a backslash or a caret at a fold, and CR, LF, commas,
# semicolons and backslashes that TEXT escapes; the serialiser's fast path skips none of it.
EDGE_TEXTS = [
    "a" * n + edge * 12 for n in range(0, 80, 4)
    for edge in ("é", "中", "\U0001f9c1", "\\é", "^中", "\\\\\U0001f9c1", "^", ",;", "\r\n", "\r", "\n\\N")
]


@pytest.mark.parametrize("style", ["timed", "all_day"])
def test_fold_and_escape_edges_render_as_icalendar_wrote_them(style: str) -> None:
    settings = StudentSettings(event_style=style, reminder_minutes=(15, 60 * 24))
    context = FeedContext(canvas_host=HOSTS[0], school_name=EDGE_TEXTS[-1], time_zone="America/Chicago",
                          settings=settings)
    due = datetime(2026, 11, 1, 6, 59, tzinfo=UTC)  # the DST change in Chicago
    feed_assignments = [
        FeedAssignment(canvas_assignment_id=str(n), canvas_course_id=COURSES[n % 3], course_code=text[:20],
                       title=text, kind="essay", description=text * 3, html_url=f"https://{HOSTS[0]}/a/{n}",
                       due_at=due + timedelta(hours=n), points_possible=10.0, submission_state="unsubmitted",
                       sequence=n, last_modified=due, all_day_date=date(2026, 11, 2) if n % 4 == 0 else None)
        for n, text in enumerate(EDGE_TEXTS)
    ]
    ours = render_feed(context, feed_assignments, now=NOW)
    assert ours == reference_render_feed(context, feed_assignments, now=NOW)
    assert ours == Calendar.from_ical(ours).to_ical()  # icalendar's own folding, not ours



link_paths = st.text(st.sampled_from("aZ09/_.~%?=&#+-@\\ :;,\"'<>é\t\n\x00"), max_size=40)


@st.composite
def links(draw: st.DrawFn, host: str) -> str:
    """Mostly links to `host` (the case the fast path takes), with hostile variations."""
    scheme = draw(st.sampled_from(["https", "https", "http", "HTTPS", "ftp", "javascript"]))
    netloc = draw(st.sampled_from([host, host, host, host.upper(), f"{host}.evil.test", f"user@{host}", *HOSTS]))
    port = draw(st.sampled_from(["", "", ":8443", ":443", ":80", ":x"]))
    path = draw(st.one_of(link_paths, st.integers(950, 1050).map(lambda n: "a" * n)))
    return draw(st.sampled_from([f"{scheme}://{netloc}{port}/{path}", f" {scheme}://{netloc}/{path}", path]))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), host=st.sampled_from(HOSTS))
def test_a_plain_link_is_shown_exactly_when_canvas_link_keeps_it(data: st.DataObject, host: str) -> None:
    url = data.draw(links(host))
    assert shown_link(url, host) == canvas_link(clean_line(url), f"//{host}")
