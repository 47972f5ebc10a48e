"""Golden feeds: the exact bytes of six representative feeds, kept in tests/feeds/golden/.

A feed's bytes are its ETag, so any change to them (in render.py, icalendar,
or the time-zone data behind VTIMEZONE) makes every subscribed calendar app
download every feed again. Here such a change fails a test and, once the
files are rewritten, shows up as a diff to review:

    MUFFIN_UPDATE_GOLDEN=1 .venv/bin/pytest tests/feeds/test_golden.py

Inputs are fixed here, not taken from a sync (whose ports and clock vary),
and `render_feed` is pure, so the same inputs give the same bytes. Every
golden file must also read back: three parsers agree on it and icalendar
writes it out again byte for byte.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from feedserver.feeds.render import (
    FeedAssignment,
    FeedContext,
    FeedItem,
    FeedNotice,
    WorkSession,
    render_feed,
    serialize,
)
from feedserver.settings import StudentSettings
from tests.feeds.parsers import parse_everywhere

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)
"""Week 11 of the tests' fixed term (Monday), a week after the US DST change of 2026-11-01."""
SYNCED = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)
"""When the assignments were last seen changing (LAST-MODIFIED and DTSTAMP)."""


def at(zone: str, *when: int) -> datetime:
    """A local wall-clock time as the UTC instant Canvas sends and the store keeps."""
    return datetime(*when, tzinfo=ZoneInfo(zone)).astimezone(UTC)


@dataclass(frozen=True)
class Course:
    host: str
    id: str
    code: str

    def assignment(self, aid: str, title: str, kind: str, due: datetime | None, *, points: float | None = None,
                   state: str = "unsubmitted", description: str = "", sequence: int = 0,
                   last_modified: datetime = SYNCED, unlock_at: datetime | None = None,
                   all_day: date | None = None) -> FeedAssignment:
        return FeedAssignment(
            canvas_assignment_id=aid, canvas_course_id=self.id, course_code=self.code, title=title, kind=kind,
            description=description, html_url=f"https://{self.host}/courses/{self.id}/assignments/{aid}",
            due_at=due, points_possible=points, submission_state=state, sequence=sequence,
            last_modified=last_modified, unlock_at=unlock_at,
            all_day_date=all_day)

    def item(self, kind: str, canvas_id: str, title: str, start: datetime | None, end: datetime | None = None, *,
             day: date | None = None, context: str = "", location: str = "", url: str = "", description: str = "",
             assignment_id: str | None = None, points: float | None = None, state: str = "unknown",
             sequence: int = 0) -> FeedItem:
        return FeedItem(kind=kind, canvas_id=canvas_id, canvas_course_id=self.id or None, course_code=self.code,
                        context_code=context or f"course_{self.id}", title=title, description=description,
                        html_url=url, location=location, start_at=start, end_at=end, all_day_date=day,
                        canvas_assignment_id=assignment_id, points_possible=points, submission_state=state,
                        sequence=sequence, last_modified=SYNCED)


@dataclass(frozen=True)
class GoldenFeed:
    name: str
    """The file is golden/<name>.ics."""
    context: FeedContext
    assignments: tuple[FeedAssignment, ...] = ()
    sessions: tuple[WorkSession, ...] = ()
    items: tuple[FeedItem, ...] = ()
    vevents: int = 0
    """How many VEVENTs the file holds: what the past window, hidden courses and hidden submitted work leave."""
    kind: str = "all"

    def render(self) -> bytes:
        return render_feed(self.context, self.assignments, now=NOW, sessions=self.sessions, kind=self.kind,
                           items=self.items)


# 1. A student signed in through Canvas OAuth, as the demo student is: every
#    submission state, points, kinds, an edited assignment, an unlock date,
#    a midnight deadline, deadlines either side of the DST change, a long
#    title and a description cut at DESCRIPTION_LIMIT; an undated and a long
#    past assignment are left out.
NORTH = "canvas.north.example.edu"
CHICAGO = "America/Chicago"
MATH, CHEM, HIST = Course(NORTH, "10101", "MATH 221"), Course(NORTH, "10103", "CHEM 110"), \
    Course(NORTH, "10107", "HIST 150")
ESSAY_BRIEF = (
    "Write 2,000–2,500 words; cite at least three primary sources (Osnabrück and Münster texts are on the "
    "course page; see \"Readings\\Week 10\").\n\n"
    + "Argue a position; summary alone earns a C. " * 30
)
OAUTH_STUDENT = GoldenFeed("oauth-student", FeedContext(
    canvas_host=NORTH, school_name="North State University", time_zone=CHICAGO,
    me_url="https://muffin.example.edu/me", student_key="4f1c9a0b7d2e6a31"), (
    MATH.assignment("5011", "Problem Set 8: Power series", "problem_set", at(CHICAGO, 2026, 11, 6, 23, 59),
                    points=20, state="graded"),
    MATH.assignment("5012", "Problem Set 9: Series, convergence; the integral test", "problem_set",
                    at(CHICAGO, 2026, 11, 13, 23, 59), points=20,
                    description="Complete problems 1–24.\nShow your work; method earns partial credit."),
    MATH.assignment("5013", "Quiz 7", "quiz", at(CHICAGO, 2026, 11, 10, 9, 0), points=10,
                    unlock_at=at(CHICAGO, 2026, 11, 9, 8, 0)),
    CHEM.assignment("6021", "Lab 6: Titration", "lab", at(CHICAGO, 2026, 10, 30, 17, 0), points=25, state="late"),
    CHEM.assignment("6022", "Pre-lab reading: buffers", "reading", at(CHICAGO, 2026, 11, 2, 8, 0), state="missing"),
    CHEM.assignment("6023", "Lab report 7", "lab", at(CHICAGO, 2026, 11, 17, 0, 0), points=30.5, state="submitted"),
    HIST.assignment("7031", "Essay 2 — The Peace of Westphalia, sovereignty and the modern state system: a "
                    "critical reading of primary sources", "essay", at(CHICAGO, 2026, 11, 20, 23, 59), points=100,
                    description=ESSAY_BRIEF, sequence=2, last_modified=datetime(2026, 11, 8, 19, 30, tzinfo=UTC)),
    HIST.assignment("7032", "Discussion: week 11", "discussion", at(CHICAGO, 2026, 11, 12, 12, 0), points=5,
                    state="submitted"),
    HIST.assignment("7033", "Reflection (no date yet)", "other", None, points=5),
    HIST.assignment("7034", "Diagnostic survey", "other", at(CHICAGO, 2026, 4, 1, 23, 59), state="submitted"),
), vevents=8)

# 2. A student connected through Canvas's own calendar feed (no OAuth): no
#    submission states or points, course codes from the SUMMARY, a school we
#    have no developer key for. Work Canvas's feed calls all day (a DATE) is
#    an all-day event on that date (issue 17; it was 23:29-23:59 local before).
LAKESHORE = "lakeshore.instructure.com"
NEW_YORK = "America/New_York"
ENG, BIO = Course(LAKESHORE, "2001", "ENG-101-02"), Course(LAKESHORE, "2002", "BIO-120-01")
CANVAS_FEED_STUDENT = GoldenFeed("canvas-feed-student", FeedContext(
    canvas_host=LAKESHORE, school_name="Lakeshore Community College", time_zone=NEW_YORK,
    me_url="https://muffin.example.edu/me", student_key="b7e0d2c4a9f11358"), (
    ENG.assignment("88101", "Narrative essay draft", "essay", at(NEW_YORK, 2026, 11, 11, 23, 59), state="unknown",
                   description="Upload a .docx or PDF. Peer review opens the next day.", all_day=date(2026, 11, 11)),
    ENG.assignment("88102", "Grammar check-in", "quiz", at(NEW_YORK, 2026, 11, 13, 10, 30), state="unknown"),
    BIO.assignment("88201", "Cell membrane worksheet", "other", at(NEW_YORK, 2026, 11, 10, 23, 59), state="unknown",
                   all_day=date(2026, 11, 10)),
    BIO.assignment("88202", "Midterm 2", "exam", at(NEW_YORK, 2026, 11, 19, 18, 0), state="unknown"),
), vevents=4)

# 3. A student with suggested work sessions on: timed sessions stacked from
#    16:00 local as planning/store.py builds them, reminders on assignments,
#    one course hidden, submitted work hidden.
SOUTH = "canvas.south.example.edu"
DENVER = "America/Denver"
STAT, PHYS, ART = Course(SOUTH, "30201", "STAT 200"), Course(SOUTH, "30202", "PHYS 150"), \
    Course(SOUTH, "30209", "ART 105")


def session(assignment: FeedAssignment, day: date, start_minutes: int, hours: float, reason: str) -> WorkSession:
    midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(DENVER))
    text = f"{hours:g} h"
    return WorkSession(
        key=f"{assignment.canvas_assignment_id}-{day:%Y%m%d}",
        start=midnight + timedelta(minutes=start_minutes),
        end=midnight + timedelta(minutes=start_minutes + round(hours * 60)),
        title=f"Work on: {assignment.title} — {assignment.course_code} ({text})",
        description=f"About {text} today toward '{assignment.title}'.\n{reason}\n"
                    "A suggestion from your Homework Muffin plan; change free hours or estimates on /me.",
        last_modified=datetime.combine(day, time(0), tzinfo=UTC),
        canvas_assignment_id=assignment.canvas_assignment_id)


PROJECT = STAT.assignment("41001", "Project: regression on campus housing data", "project",
                          at(DENVER, 2026, 11, 16, 23, 59), points=50)
PROBLEMS = PHYS.assignment("42001", "Problem set 10", "problem_set", at(DENVER, 2026, 11, 12, 9, 0), points=15)
SESSIONS_STUDENT = GoldenFeed("work-sessions", FeedContext(
    canvas_host=SOUTH, school_name="South Valley College", time_zone=DENVER,
    settings=StudentSettings(suggestions=True, reminder_minutes=(60, 1440), hidden_courses=("30209",),
                             submitted="hide"),
    me_url="https://muffin.example.edu/me", student_key="0c3d5e7f9a1b2c4d"), (
    PROJECT, PROBLEMS,
    STAT.assignment("41002", "Reading quiz 9", "quiz", at(DENVER, 2026, 11, 10, 8, 0), points=5, state="submitted"),
    ART.assignment("49001", "Sketchbook week 11", "other", at(DENVER, 2026, 11, 13, 17, 0), points=10),
), (
    session(PROBLEMS, date(2026, 11, 10), 16 * 60, 1.5, "Spread before a busy week."),
    session(PROJECT, date(2026, 11, 10), 17 * 60 + 30, 1.0, "Start early: 50 points."),
    session(PROJECT, date(2026, 11, 14), 16 * 60, 2.5, "Saturday has the most free hours."),
), vevents=5)

# 4. A student who has just subscribed, before the first sync: no events, no
#    VTIMEZONE; a school name that needs TEXT escaping.
EMPTY_FEED = GoldenFeed("empty", FeedContext(
    canvas_host="canvas.stmarys.example.edu", school_name="St. Mary's College, Notre Dame",
    time_zone="America/Indiana/Indianapolis", student_key="9e8d7c6b5a493827"))

# 5. All-day events: a deadline at local midnight belongs to the day before,
#    late evening locally is the next day in UTC, the repeated 01:30 of the
#    DST change, absolute-time reminders, and the reconnect event of a student
#    whose Canvas access was revoked.
LOS_ANGELES = "America/Los_Angeles"
WEST = "canvas.west.example.edu"
CS, WRIT = Course(WEST, "50301", "CS 61A"), Course(WEST, "50302", "WRIT 2")
ALL_DAY_STUDENT = GoldenFeed("all-day-and-time-zones", FeedContext(
    canvas_host=WEST, school_name="West Coast University", time_zone=LOS_ANGELES,
    settings=StudentSettings(event_style="all_day", reminder_minutes=(30, 1440)), reconnect_needed=True,
    me_url="https://muffin.example.edu/me", student_key="5a6b7c8d9e0f1a2b"), (
    CS.assignment("60001", "Homework 7", "problem_set", at(LOS_ANGELES, 2026, 11, 10, 0, 0), points=4),
    CS.assignment("60002", "Lab 8", "lab", at(LOS_ANGELES, 2026, 11, 12, 20, 0), points=2),
    # fold=0: the first of the two 01:30s, still PDT.
    CS.assignment("60003", "Project 3 checkpoint", "project", at(LOS_ANGELES, 2026, 11, 1, 1, 30), points=1,
                  state="missing"),
    WRIT.assignment("60101", "Portfolio reflection", "essay", at(LOS_ANGELES, 2026, 11, 18, 23, 59), points=20,
                    description="Two pages; single-spaced is fine."),
), vevents=5)

# 6. What a Canvas calendar holds besides assignments, for a student in
#    Copenhagen across the end of DST (2026-10-25): a timed course event, a
#    section's event (titled with its section, as the API sends it), a
#    zero-length event shown like a deadline, an all-day event, a group's
#    event, a personal event and a planner note (both turned on), a to-do
#    page marked done, both checkpoints of a graded discussion (one handed
#    in), one course's events hidden, and the notice of a reset feed address.
COPENHAGEN = "Europe/Copenhagen"
NORTH_SEA = "absalon.example.dk"
DB, NET = Course(NORTH_SEA, "80524", "DIS 2026"), Course(NORTH_SEA, "80788", "NET 2026")
ITEMS_STUDENT = GoldenFeed("calendar-items", FeedContext(
    canvas_host=NORTH_SEA, school_name="Øresund Universitet", time_zone=COPENHAGEN,
    settings=StudentSettings(personal_events=True, planner_notes=True, hidden_event_courses=("80788",),
                             reminder_minutes=(60,)),
    me_url="https://muffin.example.edu/me", student_key="d1e2f3a4b5c6d7e8",
    notice=FeedNotice("your Canvas calendar feed address stopped working",
                      "Canvas no longer knows the calendar feed address you connected with.\n"
                      "Copy it again from Canvas → Calendar → Calendar Feed.", date(2026, 11, 8))), (
    DB.assignment("236512", "Assignment 1: ER diagrams", "problem_set", at(COPENHAGEN, 2026, 10, 23, 15, 0),
                  points=10),
), items=(
    DB.item("event", "193001", "Lecture 7: normal forms", at(COPENHAGEN, 2026, 10, 23, 10, 15),
            at(COPENHAGEN, 2026, 10, 23, 12, 0), location="Aud. A, HCØ",
            url=f"https://{NORTH_SEA}/calendar?event_id=193001&include_contexts=course_80524"),
    DB.item("event", "193002", "Exercise class (Hold 3)", at(COPENHAGEN, 2026, 10, 26, 8, 15),
            at(COPENHAGEN, 2026, 10, 26, 10, 0), context="course_section_7713"),
    DB.item("event", "193470", "Hand-in: project report", at(COPENHAGEN, 2026, 11, 12, 23, 59),
            at(COPENHAGEN, 2026, 11, 12, 23, 59)),
    DB.item("event", "193471", "Reading week", None, None, day=date(2026, 11, 16)),
    DB.item("event", "193472", "Study group", at(COPENHAGEN, 2026, 11, 10, 17, 0), at(COPENHAGEN, 2026, 11, 10, 18, 0),
            context="group_901"),
    NET.item("event", "193480", "NET lecture (hidden course events)", at(COPENHAGEN, 2026, 11, 11, 10, 0),
             at(COPENHAGEN, 2026, 11, 11, 12, 0)),
    Course(NORTH_SEA, "", "").item("event", "193490", "Dentist", at(COPENHAGEN, 2026, 11, 13, 8, 0),
                                   at(COPENHAGEN, 2026, 11, 13, 9, 0), context="user_4242"),
    DB.item("todo", "wiki_page-77", "Read before the exercise class", at(COPENHAGEN, 2026, 10, 26, 8, 0),
            at(COPENHAGEN, 2026, 10, 26, 8, 0), state="submitted",
            url=f"https://{NORTH_SEA}/courses/80524/pages/read-before"),
    Course(NORTH_SEA, "", "").item("note", "12", "Buy a USB stick", at(COPENHAGEN, 2026, 11, 14, 9, 0),
                                   at(COPENHAGEN, 2026, 11, 14, 9, 0), context="user_4242",
                                   description="For the exam files"),
    DB.item("checkpoint", "9100-reply_to_topic", "Week 9 discussion", at(COPENHAGEN, 2026, 10, 24, 23, 59),
            at(COPENHAGEN, 2026, 10, 24, 23, 59), assignment_id="9100", points=3, state="submitted"),
    DB.item("checkpoint", "9100-reply_to_entry", "Week 9 discussion", at(COPENHAGEN, 2026, 10, 31, 23, 59),
            at(COPENHAGEN, 2026, 10, 31, 23, 59), assignment_id="9100", points=2, state="unsubmitted"),
), vevents=12)

FEEDS = (OAUTH_STUDENT, CANVAS_FEED_STUDENT, SESSIONS_STUDENT, EMPTY_FEED, ALL_DAY_STUDENT, ITEMS_STUDENT)


@pytest.mark.parametrize("feed", FEEDS, ids=[f.name for f in FEEDS])
def test_the_feed_is_byte_for_byte_its_golden_file(feed: GoldenFeed) -> None:
    body = feed.render()
    path = GOLDEN / f"{feed.name}.ics"
    if os.environ.get("MUFFIN_UPDATE_GOLDEN") and (not path.exists() or path.read_bytes() != body):
        path.write_bytes(body)
    assert path.exists(), f"no {path}; write it with MUFFIN_UPDATE_GOLDEN=1 and review it"
    expected = path.read_bytes()
    if body != expected:
        diff = difflib.unified_diff(expected.decode().splitlines(), body.decode().splitlines(),
                                    f"golden/{feed.name}.ics", "rendered now", lineterm="", n=1)
        pytest.fail(f"{feed.name}: the bytes changed, so every subscriber's ETag would change. If that is "
                    "intended, rewrite the files with MUFFIN_UPDATE_GOLDEN=1 and commit the diff.\n"
                    + "\n".join(list(diff)[:60]))


@pytest.mark.parametrize("feed", FEEDS, ids=[f.name for f in FEEDS])
def test_the_golden_file_reads_back(feed: GoldenFeed) -> None:
    body = (GOLDEN / f"{feed.name}.ics").read_bytes()
    events = parse_everywhere(body)  # icalendar, ical and vobject agree on every event
    assert serialize(Calendar.from_ical(body)) == body  # and icalendar writes it out again unchanged
    assert len(events) == feed.vevents


def test_every_golden_file_belongs_to_a_feed() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.ics")) == sorted(f.name for f in FEEDS)
