"""Feed settings: `update_settings` for the API, and the form on /me."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from icalendar import Calendar
from sqlalchemy import select

from feedserver.feeds.preferences import update_settings
from feedserver.settings import SettingsError, StudentSettings, check_time_zone
from feedserver.store.models import Course, Student
from feedserver.sync.scheduler import SyncService
from feedserver.typedefs import config_key, db_key
from tests.auth.helpers import csrf_of, sign_in
from tests.sync.helpers import connect, events, stored_feed


def course_codes(body: bytes) -> set[str]:
    return {str(e["X-MUFFIN-COURSE"]) for e in Calendar.from_ical(body).walk("VEVENT")}


async def test_settings_change_the_stored_feed_in_the_same_step(muffin: TestClient, sandbox: Any,
                                                               service: SyncService) -> None:
    student = await connect(muffin, sandbox, "north", 1003)
    await service.sync_student(student.student_id)
    db = muffin.app[db_key]
    async with db() as session:
        courses = (await session.scalars(select(Course).where(Course.student_id == student.student_id))).all()
    hidden = courses[0]
    before = await stored_feed(muffin, student.student_id)
    assert hidden.course_code in course_codes(before)

    settings = await update_settings(db, student.student_id, {"hidden_courses": [hidden.canvas_course_id],
                                                               "submitted": "hide", "reminder_minutes": [60]},
                                     public_url=muffin.app[config_key].server.public_url)
    assert settings == StudentSettings(hidden_courses=(hidden.canvas_course_id,), submitted="hide",
                                       reminder_minutes=(60,))
    after = await stored_feed(muffin, student.student_id)
    assert hidden.course_code not in course_codes(after)
    deadlines = [e for e in Calendar.from_ical(after).walk("VEVENT") if e["X-MUFFIN-KIND"] != "calendar_event"]
    assert deadlines and all(str(e["X-MUFFIN-SUBMITTED"]) != "true" for e in deadlines if "X-MUFFIN-SUBMITTED" in e)
    assert all(len(e.walk("VALARM")) == 1 for e in deadlines)
    async with db() as session:
        assert (await session.get(Student, student.student_id)).settings["submitted"] == "hide"


async def test_invalid_settings_change_nothing(muffin: TestClient, sandbox: Any, service: SyncService) -> None:
    student = await connect(muffin, sandbox, "north", 1003)
    await service.sync_student(student.student_id)
    before = await stored_feed(muffin, student.student_id)
    for patch in ({"submitted": "shout"}, {"event_style": "floating"}, {"reminder_minutes": [1, 2, 3, 4]},
                  {"colour": "red"}, {"submitted": "hide", "hidden_courses": "all"}):
        with pytest.raises(SettingsError):
            await update_settings(muffin.app[db_key], student.student_id, patch)
    assert await stored_feed(muffin, student.student_id) == before
    async with muffin.app[db_key]() as session:
        assert (await session.get(Student, student.student_id)).settings == {}


async def test_unknown_student(muffin: TestClient) -> None:
    with pytest.raises(LookupError):
        await update_settings(muffin.app[db_key], 999, {"submitted": "hide"})


async def signed_in_and_synced(muffin: TestClient, service: SyncService) -> int:
    login = await sign_in(muffin, "north", user_id=1001)
    assert login.status == 302, login.text
    async with muffin.app[db_key]() as session:
        student_id = (await session.scalars(select(Student.id))).one()
    assert (await service.sync_student(student_id)).outcome == "ok"
    return student_id


async def test_me_shows_feed_settings_and_undated_work(muffin: TestClient, sandbox: Any,
                                                       service: SyncService) -> None:
    await signed_in_and_synced(muffin, service)
    page = await (await muffin.get("/me/settings")).text()
    assert 'action="/me/feed-settings"' in page
    for course_id in sorted(e.course_id for e in sandbox.world.enrollments_of(1001)):
        assert f'name="course" value="{course_id}"' in page
        assert re.search(rf'value="{course_id}"\s+checked', page)
    assert re.search(r'value="mark"\s+checked', page) and re.search(r'value="timed"\s+checked', page)
    undated = [a.name for a in sandbox.world.assignments.values()
               if a.due_at is None and a.published and sandbox.world.enrollment(1001, a.course_id)]
    assert undated and 'id="undated-title"' in page
    for name in undated:
        assert name.replace("&", "&amp;") in page
    assert "<script>" not in page.split('id="feed-settings-title"', 1)[1]  # CSP: no inline scripts
    overview = await (await muffin.get("/me")).text()  # a notice says so, and links to the list
    assert f"{len(undated)} assignment" in overview and 'href="/me/settings#undated-title"' in overview


async def test_the_form_saves_settings_and_rerenders(muffin: TestClient, sandbox: Any,
                                                     service: SyncService) -> None:
    student_id = await signed_in_and_synced(muffin, service)
    token = await csrf_of(muffin)
    courses = sorted(str(e.course_id) for e in sandbox.world.enrollments_of(1001))
    resp = await muffin.post("/me/feed-settings", allow_redirects=False, data=[
        ("csrf_token", token), ("courses_listed", "1"), *[("course", c) for c in courses[1:]],
        ("submitted", "hide"), ("event_style", "all_day"), ("reminders_listed", "1"), ("reminder", "1440")])
    assert resp.status == 303 and resp.headers["Location"].startswith("/me")
    async with muffin.app[db_key]() as session:
        saved = StudentSettings.from_json((await session.get(Student, student_id)).settings)
    assert saved == StudentSettings(hidden_courses=(courses[0],), submitted="hide", event_style="all_day",
                                    reminder_minutes=(1440,))
    body = await stored_feed(muffin, student_id)
    deadlines = [e for e in events(body).values() if str(e["X-MUFFIN-KIND"]) != "calendar_event"]
    assert deadlines and all(not isinstance(e.DTSTART, datetime) for e in deadlines)  # all day
    meetings = [e for e in events(body).values() if str(e["X-MUFFIN-KIND"]) == "calendar_event"]
    assert any(isinstance(e.DTSTART, datetime) for e in meetings)  # events keep their hours
    page = await (await muffin.get("/me/settings")).text()
    assert not re.search(rf'name="course" value="{courses[0]}"\s+checked', page)
    assert re.search(r'value="hide"\s+checked', page) and re.search(r'value="1440"\s+checked', page)


async def test_the_form_needs_csrf_a_session_and_valid_values(muffin: TestClient, service: SyncService) -> None:
    anonymous = await muffin.post("/me/feed-settings", allow_redirects=False, data={"submitted": "hide"})
    assert anonymous.status == 302 and anonymous.headers["Location"] == "/"
    student_id = await signed_in_and_synced(muffin, service)
    forged = await muffin.post("/me/feed-settings", allow_redirects=False, data={"submitted": "hide"})
    assert forged.status == 403
    token = await csrf_of(muffin)
    bad = await muffin.post("/me/feed-settings", allow_redirects=False,
                            data={"csrf_token": token, "reminders_listed": "1", "reminder": "soon"})
    assert bad.status == 400 and "not saved" in await bad.text()
    too_many = await muffin.post("/me/feed-settings", allow_redirects=False, data=[
        ("csrf_token", token), ("reminders_listed", "1"), *[("reminder", str(m)) for m in (15, 60, 1440, 2880)]])
    assert too_many.status == 400
    async with muffin.app[db_key]() as session:
        assert (await session.get(Student, student_id)).settings == {}


async def test_calendar_item_settings_from_the_form_and_a_sync_when_more_is_wanted(
        muffin: TestClient, sandbox: Any, service: SyncService) -> None:
    student_id = await signed_in_and_synced(muffin, service)
    courses = sorted(str(e.course_id) for e in sandbox.world.enrollments_of(1001))
    page = await (await muffin.get("/me/settings")).text()  # the feed settings live on the settings page
    assert all(re.search(rf'name="events_course" value="{c}"\s+checked', page) for c in courses)
    assert not re.search(r'name="personal_events"\s+checked', page) and not re.search(r'name="planner_notes"\s+checked',
                                                                                     page)  # off by default
    async with muffin.app[db_key]() as session:
        student = await session.get(Student, student_id)
        student.next_sync_at = datetime.now(UTC) + timedelta(days=7)
        await session.commit()
    resp = await muffin.post("/me/feed-settings", allow_redirects=False, data=[
        ("csrf_token", await csrf_of(muffin)), ("event_courses_listed", "1"),
        *[("events_course", c) for c in courses[1:]], ("extras_listed", "1"), ("planner_notes", "on")])
    assert resp.status == 303
    async with muffin.app[db_key]() as session:
        student = await session.get(Student, student_id)
    saved = StudentSettings.from_json(student.settings)
    assert (saved.hidden_event_courses, saved.planner_notes, saved.personal_events) == ((courses[0],), True, False)
    assert student.next_sync_at <= datetime.now(UTC)  # notes come with the next sync: it is due now
    body = await stored_feed(muffin, student_id)
    shown = {str(e.get("X-MUFFIN-COURSE")) for e in events(body).values()
             if str(e["X-MUFFIN-KIND"]) == "calendar_event"}
    async with muffin.app[db_key]() as session:
        hidden_code = await session.scalar(select(Course.course_code).where(Course.canvas_course_id == courses[0]))
    assert shown and hidden_code not in shown  # its events left; its assignments stayed
    assert hidden_code in {str(e.get("X-MUFFIN-COURSE")) for e in events(body).values()}


def test_settings_and_time_zones_are_validated_in_one_place() -> None:
    merged = StudentSettings().merged({"hidden_event_courses": [101, "102"], "personal_events": True})
    assert (merged.hidden_event_courses, merged.personal_events, merged.planner_notes) == (("101", "102"), True, False)
    for patch in ({"personal_events": "yes"}, {"planner_notes": 1}, {"hidden_event_courses": "all"}):
        with pytest.raises(SettingsError):
            StudentSettings().merged(patch)
    assert check_time_zone("Australia/Sydney") == "Australia/Sydney" and check_time_zone("UTC") == "UTC"
    for bad in ("Mars/Base", "", None, "../../etc/passwd", "posix/Europe/Copenhagen"):
        with pytest.raises(SettingsError):
            check_time_zone(bad)
