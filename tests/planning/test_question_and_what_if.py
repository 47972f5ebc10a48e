"""The free-time question before any verdict, the overview's three things to start, and the what-if API."""

from __future__ import annotations

import re
from datetime import date, timedelta

from aiohttp.test_utils import TestClient

from feedserver.settings import StudentSettings
from feedserver.store.models import Student
from feedserver.typedefs import db_key
from tests.auth.helpers import csrf_of
from tests.planning.helpers import planned_student
from tests.planning.test_api_and_page import schema_validator
from tests.sync.conftest import Sleeps
from tests.sync.helpers import PinnedClock


async def settings_of(muffin: TestClient, student_id: int) -> StudentSettings:
    async with muffin.app[db_key]() as session:
        return StudentSettings.from_json((await session.get(Student, student_id)).settings)


async def test_turning_suggestions_on_asks_for_free_time_first(
        muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> None:
    student = await planned_student(muffin, clock, sleeps)
    overview = await (await muffin.get("/me")).text()
    assert 'href="/me/free-time"' in overview and 'id="start-first"' not in overview
    for page in ("/me", "/me/plan"):  # the default 3 h a day are not the student's: no verdict
        text = await (await muffin.get(page)).text()
        assert "does not fit" not in text and "no plan fits" not in text
    question = await (await muffin.get("/me/free-time")).text()
    assert 'name="weekday"' in question and 'name="weekend"' in question and 'name="work_time"' in question
    csrf = await csrf_of(muffin, "/me/free-time")
    refused = await muffin.post("/me/free-time", data={"csrf_token": csrf, "weekday": "x", "weekend": "5",
                                                       "work_time": "evening"}, allow_redirects=False)
    assert refused.status == 400 and not (await settings_of(muffin, student.student_id)).suggestions
    answered = await muffin.post("/me/free-time", allow_redirects=False, data={
        "csrf_token": csrf, "weekday": "2.5", "weekend": "5", "work_time": "evening"})
    assert (answered.status, answered.headers["Location"]) == (303, "/me")
    settings = await settings_of(muffin, student.student_id)
    assert settings.suggestions and settings.free_time_answered and settings.session_start_hour == 19
    assert settings.free_hours == (2.5,) * 5 + (5.0,) * 2
    assert await student.stored()  # on: the sessions are in the calendar
    overview = await (await muffin.get("/me")).text()
    items = re.findall(r"<li data-assignment-id=.*?</li>", overview.split('id="start-first"', 1)[1], flags=re.DOTALL)
    assert len(items) == 3 and all('class="why"' in i for i in items)
    per_day = await muffin.post("/me/free-time", allow_redirects=False, data={
        "csrf_token": csrf, "weekday": "1", "weekend": "1", "per_day": "on", "work_time": "any",
        **{f"free_{d}": str(h) for d, h in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), range(7))}})
    assert per_day.status == 303
    settings = await settings_of(muffin, student.student_id)
    assert settings.free_hours == (0, 1, 2, 3, 4, 5, 6) and settings.session_start_hour == -1


async def test_the_api_can_answer_the_question_by_giving_free_hours(
        muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> None:
    student = await planned_student(muffin, clock, sleeps)
    await student.set_settings(suggestions=True)
    doc = await student.workload()
    assert doc["free_time_answered"] is False and "Tell us how much free time" in doc["explanation"]
    await student.set_settings(free_hours=[1] * 7)  # too little for the semester's work: now it can be said
    doc = await student.workload()
    assert doc["free_time_answered"] is True and doc["feasible"] is False and "no plan fits" in doc["explanation"]
    assert doc["start_first"] and all(a["why"] and a["start"] >= doc["today"] for a in doc["start_first"])
    refused = await muffin.patch("/api/me/settings", json={"free_time_answered": False}, headers=student.origin)
    assert refused.status == 400 and (await refused.json())["field"] == "free_time_answered"
    settings = await (await muffin.get("/api/me/settings")).json()
    schema_validator(muffin, "Settings").validate(settings)


async def test_what_if_an_assignment_were_due_later(muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> None:
    student = await planned_student(muffin, clock, sleeps)
    await student.set_settings(suggestions=True, free_hours=[2] * 7)
    doc = await student.workload()
    crit = doc["critical_window"]
    inside = [e for e in doc["estimates"] if e["due_at"] and e["due_at"][:10] <= crit["last"]]
    biggest = max(inside, key=lambda e: e["hours"])
    later = (date.fromisoformat(crit["last"]) + timedelta(days=14)).isoformat()
    path = f"/api/me/assignments/{biggest['assignment_id']}/what-if"
    answer = await muffin.get(path, params={"due": later})
    assert answer.status == 200, await answer.text()
    assert answer.headers["Cache-Control"] == "no-store"
    result = await answer.json()
    schema_validator(muffin, "WhatIf").validate(result)
    assert result["peak_before"] == round(doc["peak"], 4) and result["peak_after"] <= result["peak_before"]
    assert result["due_after"][:10] in (later, (date.fromisoformat(later) + timedelta(days=1)).isoformat())
    assert result["explanation"].startswith(f"With '{biggest['title']}'")
    assert (await student.workload())["peak"] == doc["peak"]  # nothing stored
    for query, field in (({}, "due"), ({"due": "soon"}, "due"), ({"due": "9999-12-31"}, "due"),
                         ({"due": "0001-01-01"}, "due"), ({"due": later, "x": "1"}, "x")):
        bad = await muffin.get(path, params=query)
        assert bad.status == 400 and (await bad.json())["field"] == field, query
    missing = await muffin.get("/api/me/assignments/999999/what-if", params={"due": later})
    assert missing.status == 404 and (await missing.json())["code"] == "assignment-not-found"
