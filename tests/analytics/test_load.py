"""Loaders: Canvas's ICS feed, our own feed, Canvas JSON, and the server database."""

from __future__ import annotations

import asyncio
import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from muffin_analytics.errors import InputError
from muffin_analytics.load import LoadResult, async_url, from_canvas, from_ics, from_store, from_store_async, read_ics
from muffin_analytics.privacy import SALT_ENV, pseudonym
from muffin_analytics.schema import COLUMNS, validate

CHI = "America/Chicago"


def by_id(df: pd.DataFrame) -> dict[int, dict]:
    return {int(r["assignment_id"]): r for r in df.to_dict("records")}


# -- Canvas's ICS feed ---------------------------------------------------------------------


def test_canvas_feed(data_dir):
    res = read_ics(data_dir / "canvas_feed.ics", tz=CHI)
    assert isinstance(res, LoadResult)
    df = validate(res.frame)
    rows = by_id(df)
    assert sorted(rows) == [1001, 1002, 1003]
    essay = rows[1001]
    assert (essay["title"], essay["course"], essay["kind"]) == ("Essay 2", "HIST 101", "essay")
    assert essay["due_at"] == pd.Timestamp("2026-10-10T04:59:00Z")  # DTSTART = DTEND
    assert "1500-word" in essay["description"]
    # Override: the UID carries the override id; the assignment id is in the URL fragment, and
    # "(Section B)" is the override's name, not part of the title (as the server reads it).
    assert rows[1002]["title"] == "Lab 4 report" and rows[1002]["course"] == "CHEM 110"
    assert rows[1002]["kind"] == "lab"
    # All-day event: due 23:59 local on its date.
    quiz = rows[1003]
    assert quiz["due_all_day"] is True
    assert quiz["due_at"] == pd.Timestamp("2026-10-12 23:59", tz=CHI).tz_convert("UTC")
    # Canvas feeds carry no submission status or points: unknown, not False / 0.
    assert df["submitted"].isna().all()
    assert df["points"].isna().all()
    assert (df["tz"] == CHI).all()
    assert str(df["due_at"].dtype) == COLUMNS["due_at"]


def test_canvas_feed_reports_calendar_events(data_dir):
    res = read_ics(data_dir / "canvas_feed.ics")
    skipped = res.skipped
    assert skipped[["ref", "code"]].to_numpy().tolist() == [["event-calendar-event-55", "not_assignment"]]
    assert res.frame.attrs["skipped"].frame.equals(skipped)


def test_canvas_feed_without_tz_reads_all_day_in_utc(data_dir):
    df = from_ics(data_dir / "canvas_feed.ics")
    assert by_id(df)[1003]["due_at"] == pd.Timestamp("2026-10-12T23:59:00Z")


# -- our own feed -------------------------------------------------------------------------


def test_muffin_feed(data_dir):
    res = read_ics((data_dir / "muffin_feed.ics").read_bytes(), student="stu1")
    df = validate(res.frame)
    rows = by_id(df)
    assert sorted(rows) == [2001, 2002, 2003, 2004]
    essay = rows[2001]
    assert (essay["course"], essay["title"], essay["kind"], essay["points"]) == ("HIST 101", "Essay 3", "essay", 100.0)
    assert essay["due_at"] == pd.Timestamp("2026-10-09T04:59:00Z")  # DTEND: the event ends at the due time
    assert essay["submitted"] is False
    lab = rows[2002]
    assert (lab["course"], lab["submitted"], lab["points"]) == ("CHEM 110", True, 20.0)
    assert lab["due_at"] == pd.Timestamp("2026-10-07T22:00:00Z")  # no DTEND: DTSTART
    ps = rows[2003]
    assert (ps["course"], ps["kind"]) == ("MATH 221", "problem_set")
    assert pd.isna(ps["submitted"])  # "unknown"
    reading = rows[2004]  # id from the URL fragment, floating time read in X-WR-TIMEZONE
    assert reading["course"] == "ENGL 105"
    assert reading["due_at"] == pd.Timestamp("2026-10-13 12:00", tz=CHI).tz_convert("UTC")
    assert (df["student"] == "stu1").all()
    assert res.skipped["code"].tolist() == ["session"]
    assert res.skipped["ref"].iloc[0].startswith("hm-session-")


def test_ics_text_and_path_are_equivalent(data_dir):
    path = data_dir / "muffin_feed.ics"
    a = from_ics(str(path))
    b = from_ics(path.read_text())
    pd.testing.assert_frame_equal(a, b)


def _event(uid: str, extra: str = "", start: str = "20261009T040000Z") -> str:
    return f"BEGIN:VEVENT\nUID:{uid}\nDTSTART:{start}\nSUMMARY:Thing\n{extra}END:VEVENT\n"


def _calendar(*events: str) -> str:
    return "BEGIN:VCALENDAR\nVERSION:2.0\n" + "".join(events) + "END:VCALENDAR\n"


@pytest.mark.parametrize(
    ("uid", "extra", "expected"),
    [
        ("hm-uni-42-a31@homework-muffin", "", 31),
        ("assignment-32@muffin.example.edu", "", 32),
        ("x@y", "URL:https://c.example.edu/calendar#assignment_33\n", 33),
        ("x@y", "X-MUFFIN-ASSIGNMENT-ID:34\n", 34),
        ("hm-uni-42-a35@homework-muffin", "X-MUFFIN-ASSIGNMENT-ID:36\n", 36),  # the explicit id wins
    ],
)
def test_tolerant_assignment_ids(uid, extra, expected):
    df = from_ics(_calendar(_event(uid, extra)))
    assert df["assignment_id"].tolist() == [expected]


def test_course_sources_in_order():
    events = [
        _event("a1@x", "X-MUFFIN-COURSE:PHYS 201\nCATEGORIES:IGNORED\n"),
        _event("a2@x", "CATEGORIES:BIOL 150,Other\n"),
    ]
    prefixed = "BEGIN:VEVENT\nUID:a3@x\nDTSTART:20261009T040000Z\nSUMMARY:CS 101: Project 2\nEND:VEVENT\n"
    essay = "BEGIN:VEVENT\nUID:a4@x\nDTSTART:20261009T040000Z\nSUMMARY:Essay 2: the French Revolution\nEND:VEVENT\n"
    df = by_id(from_ics(_calendar(*events, prefixed, essay)))
    assert [df[i]["course"] for i in (1, 2, 3, 4)] == ["PHYS 201", "BIOL 150", "CS 101", ""]
    assert df[3]["title"] == "Project 2"
    assert df[4]["title"] == "Essay 2: the French Revolution"  # not a course code: no split


def test_dtend_before_dtstart_uses_dtstart():
    df = from_ics(_calendar(_event("a1@x", "DTEND:20261009T030000Z\n")))
    assert df["due_at"].iloc[0] == pd.Timestamp("2026-10-09T04:00:00Z")


def test_repeated_assignment_is_reported_not_duplicated():
    df = from_ics(_calendar(_event("a1@x"), _event("event-assignment-1")))
    assert df["assignment_id"].tolist() == [1]
    assert df.attrs["skipped"].frame["code"].tolist() == ["duplicate"]


def test_unknown_kind_header_falls_back_to_title():
    df = from_ics(_calendar(_event("a1@x", "X-MUFFIN-KIND:homework\n").replace("Thing", "Quiz 4")))
    assert df["kind"].tolist() == ["quiz"]


def test_empty_calendar_gives_empty_table():
    df = from_ics("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n")
    assert len(df) == 0
    validate(df)
    assert df.attrs["skipped"].frame.empty


@pytest.mark.parametrize("bad", [b"", "BEGIN:VCALENDAR\nnot a line\n", "/no/such/file.ics", 42])
def test_unreadable_input(bad):
    with pytest.raises(InputError):
        from_ics(bad)


def test_bad_points():
    with pytest.raises(InputError, match="X-MUFFIN-POINTS"):
        from_ics(_calendar(_event("a1@x", "X-MUFFIN-POINTS:lots\n")))


# -- Canvas JSON ------------------------------------------------------------------------

COURSES = [
    {"id": 11, "course_code": "HIST 101", "name": "World History", "time_zone": CHI},
    {"id": 12, "name": "General Chemistry", "time_zone": "America/New_York"},
]


def test_from_canvas_assignments():
    assignments = [
        {"id": 1, "course_id": 11, "name": "Essay 2", "due_at": "2026-10-10T04:59:00Z", "points_possible": 100,
         "submission_types": ["online_upload"], "description": "<p>5 pages</p>",
         "submission": {"workflow_state": "submitted", "submitted_at": "2026-10-09T20:00:00Z"}},
        {"id": 2, "course_id": 11, "name": "Quiz 1", "due_at": "2026-10-05T04:59:00Z", "quiz_id": 9,
         "submission": {"workflow_state": "unsubmitted", "missing": True}},
        {"id": 3, "course_id": 12, "name": "Lab 1", "due_at": "2026-10-06T16:00:00Z", "points_possible": 20,
         "unlock_at": "2026-09-29T16:00:00Z", "submission": {"workflow_state": "unsubmitted"}},
        {"id": 4, "course_id": 12, "name": "Reading", "due_at": None},
        {"id": 5, "course_id": 12, "name": "Draft", "due_at": "2026-10-06T16:00:00Z", "published": False},
    ]
    df = from_canvas(assignments, COURSES, student="me")
    validate(df)
    rows = by_id(df)
    assert sorted(rows) == [1, 2, 3, 4]
    assert (rows[1]["course"], rows[1]["kind"], rows[1]["points"], rows[1]["submitted"]) == ("HIST 101", "essay", 100.0, True)
    assert rows[1]["submitted_at"] == pd.Timestamp("2026-10-09T20:00:00Z")
    assert (rows[2]["kind"], rows[2]["submitted"], rows[2]["submission_state"]) == ("quiz", False, "missing")
    assert (rows[3]["course"], rows[3]["tz"], rows[3]["submitted"]) == ("General Chemistry", "America/New_York", False)
    assert rows[3]["unlock_at"] == pd.Timestamp("2026-09-29T16:00:00Z")
    assert pd.isna(rows[4]["due_at"]) and pd.isna(rows[4]["submitted"])  # undated kept, no submission = unknown
    assert df.attrs["skipped"].frame[["ref", "code"]].to_numpy().tolist() == [["5", "unpublished"]]


def test_from_canvas_planner_items():
    items = [
        {"plannable_type": "assignment", "plannable_id": 21, "course_id": 11, "context_name": "World History",
         "plannable": {"id": 21, "title": "Problem Set 2", "due_at": "2026-10-09T04:59:00Z", "points_possible": 10},
         "submissions": {"submitted": True, "late": False}},
        {"plannable_type": "quiz", "plannable_id": 7, "course_id": 99, "context_name": "Calculus",
         "plannable": {"id": 7, "title": "Week 3", "assignment_id": 22, "due_at": "2026-10-08T04:59:00Z"},
         "submissions": {"submitted": False, "missing": True}},
        {"plannable_type": "discussion_topic", "plannable_id": 8, "course_id": 11,
         "plannable": {"id": 8, "title": "Week 4", "assignment_id": 23}, "plannable_date": "2026-10-11T04:59:00Z",
         "submissions": False},
        {"plannable_type": "announcement", "plannable_id": 9, "plannable": {"title": "Welcome"}},
        {"plannable_type": "planner_note", "plannable_id": 10, "plannable": {"title": "Buy books"}},
    ]
    df = from_canvas(items, COURSES)
    rows = by_id(df)
    assert sorted(rows) == [21, 22, 23]
    assert (rows[21]["course"], rows[21]["submitted"]) == ("HIST 101", True)
    assert (rows[22]["course"], rows[22]["kind"], rows[22]["submitted"]) == ("Calculus", "quiz", False)
    assert (rows[23]["kind"], rows[23]["due_at"]) == ("discussion", pd.Timestamp("2026-10-11T04:59:00Z"))
    assert pd.isna(rows[23]["submitted"])
    assert sorted(df.attrs["skipped"].frame["code"]) == ["not_assignment", "not_assignment"]


def test_from_canvas_mapping_by_course():
    df = from_canvas({11: [{"id": 1, "name": "Quiz 1", "due_at": "2026-10-10T04:59:00Z"}]}, COURSES)
    assert df["course"].tolist() == ["HIST 101"]


def test_from_canvas_negative_points():
    with pytest.raises(InputError, match="negative"):
        from_canvas([{"id": 1, "name": "x", "due_at": "2026-10-10T04:59:00Z", "points_possible": -1}])


def test_from_canvas_empty():
    df = from_canvas([])
    assert len(df) == 0
    validate(df)


# -- the server database -----------------------------------------------------------------


def test_async_url():
    assert async_url("sqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"
    assert async_url("postgresql://u:p@h:5432/db") == "postgresql+asyncpg://u:p@h:5432/db"
    assert async_url("postgresql+psycopg://u@h/db") == "postgresql+asyncpg://u@h/db"
    with pytest.raises(InputError):
        async_url("mysql://h/db")


AWARE = dt.datetime(2026, 10, 10, 4, 59, tzinfo=dt.UTC)  # SQLite stores it naive, PostgreSQL as timestamptz


def fill_store(conn: sa.Connection) -> None:
    """Two students of two schools, written through the server's own table definitions."""
    from feedserver.store.models import Assignment, Course, Institution, Student

    conn.execute(sa.insert(Institution), [
        {"id": 1, "slug": "uni", "name": "Uni", "canvas_host": "uni.instructure.com"},
        {"id": 2, "slug": "col", "name": "College", "canvas_host": "col.instructure.com"},
    ])
    conn.execute(sa.insert(Student), [
        {"id": 1, "institution_id": 1, "canvas_user_id": "1001", "time_zone": CHI},
        {"id": 2, "institution_id": 2, "canvas_user_id": "1001", "time_zone": ""},
    ])
    conn.execute(sa.insert(Course), [
        {"id": 1, "student_id": 1, "canvas_course_id": "11", "name": "World History", "course_code": "HIST 101"},
        {"id": 2, "student_id": 2, "canvas_course_id": "12", "name": "General Chemistry", "course_code": ""},
    ])
    row = {"content_hash": "x", "unlock_at": None, "due_at": AWARE, "points_possible": None, "published": True,
           "submission_state": "unknown", "submitted_at": None}
    conn.execute(sa.insert(Assignment), [
        {**row, "id": 1, "student_id": 1, "course_id": 1, "canvas_assignment_id": "501", "title": "Essay 2",
         "kind": "essay", "points_possible": 100.0, "submission_state": "submitted",
         "submitted_at": AWARE - dt.timedelta(hours=3)},
        {**row, "id": 2, "student_id": 1, "course_id": 1, "canvas_assignment_id": "502", "title": "Quiz 4", "kind": "",
         "unlock_at": AWARE - dt.timedelta(days=7), "due_at": AWARE + dt.timedelta(days=1), "points_possible": 10.0,
         "submission_state": "missing"},
        {**row, "id": 3, "student_id": 1, "course_id": 1, "canvas_assignment_id": "503", "title": "Draft",
         "kind": "essay", "published": False},
        {**row, "id": 4, "student_id": 2, "course_id": 2, "canvas_assignment_id": "601", "title": "Lab 1",
         "kind": "lab", "due_at": None, "points_possible": 20.0},
    ])


@pytest.fixture
def store(tmp_path) -> str:
    """A SQLite file with the server's tables, created from its models (feedserver/store/models.py)."""
    from feedserver.store.models import Base

    path = tmp_path / "muffin.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        fill_store(conn)
    engine.dispose()
    return f"sqlite:///{path}"


def test_from_store_pseudonymized(store):
    df = from_store(store, salt="pepper")
    validate(df)
    assert sorted(df["student"].unique()) == sorted([pseudonym("uni:1001", "pepper"), pseudonym("col:1001", "pepper")])
    rows = by_id(df)
    assert sorted(rows) == [501, 502, 601]
    assert rows[501]["due_at"] == pd.Timestamp("2026-10-10T04:59:00Z")  # naive read as UTC
    assert (rows[501]["submitted"], rows[501]["course"], rows[501]["tz"]) == (True, "HIST 101", CHI)
    assert (rows[502]["kind"], rows[502]["submitted"]) == ("quiz", False)  # kind classified from the title
    assert rows[502]["unlock_at"] == pd.Timestamp("2026-10-03T04:59:00Z")
    assert (rows[601]["course"], rows[601]["tz"]) == ("General Chemistry", "UTC")
    assert pd.isna(rows[601]["submitted"]) and pd.isna(rows[601]["due_at"])
    assert df.attrs["skipped"].frame[["ref", "code"]].to_numpy().tolist() == [["503", "unpublished"]]


def test_from_store_readable_when_asked(store):
    df = from_store(store, pseudonymize=False)
    assert sorted(df["student"].unique()) == ["col:1001", "uni:1001"]


def test_from_store_salt_from_env_or_random(store, monkeypatch):
    monkeypatch.setenv(SALT_ENV, "env-salt")
    assert pseudonym("uni:1001", "env-salt") in set(from_store(store)["student"])
    monkeypatch.delenv(SALT_ENV)
    a, b = from_store(store), from_store(store)
    assert set(a["student"]).isdisjoint(set(b["student"]))  # random salt per call


async def test_from_store_inside_a_running_loop(store):
    # A notebook has a running loop: the sync call must still work (worker thread).
    df = from_store(store, salt="pepper")
    assert len(df) == 3
    df2 = await from_store_async(store, salt="pepper")
    pd.testing.assert_frame_equal(df, df2)
    assert asyncio.get_running_loop() is not None


async def test_from_store_reads_the_migrated_schema(database_url):
    # The database the server's migrations build, on both engines: the tables are reflected, not copied.
    from feedserver.store.db import create_engine, migrate

    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            await conn.run_sync(fill_store)
    finally:
        await engine.dispose()
    rows = by_id(await from_store_async(database_url, pseudonymize=False))
    assert sorted(rows) == [501, 502, 601]
    assert rows[501]["due_at"] == pd.Timestamp(AWARE) and rows[501]["submitted_at"] == pd.Timestamp(AWARE) - pd.Timedelta(hours=3)
    assert (rows[502]["submitted"], rows[601]["student"], rows[601]["tz"]) == (False, "col:1001", "UTC")


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (["institutions (id INTEGER PRIMARY KEY, slug TEXT, name TEXT)", "students (id INTEGER PRIMARY KEY)"],
         "no table assignments, courses"),
        (["institutions (id INTEGER PRIMARY KEY, slug TEXT, name TEXT)", "students (id INTEGER PRIMARY KEY)",
          "courses (id INTEGER PRIMARY KEY)", "assignments (id INTEGER PRIMARY KEY)"],
         "table students of this database has no column institution_id, canvas_user_id, time_zone"),
    ],
    ids=["tables", "columns"],
)
def test_from_store_says_what_the_database_lacks(tmp_path, tables, message):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with engine.begin() as conn:
        for table in tables:
            conn.exec_driver_sql(f"CREATE TABLE {table}")
    engine.dispose()
    with pytest.raises(InputError, match=message):
        from_store(f"sqlite:///{tmp_path / 'other.sqlite3'}")
