"""``GET /api/me/workload``, ``PUT .../estimate``, and the /me section with its forms."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import jsonschema
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from feedserver.api.openapi import openapi_document
from feedserver.settings import StudentSettings
from feedserver.store.models import Course, Student
from feedserver.typedefs import config_key, db_key
from tests.auth.helpers import csrf_of
from tests.planning.helpers import planned_student
from tests.sync.conftest import Sleeps
from tests.sync.helpers import PinnedClock


def schema_validator(client: TestClient, name: str) -> jsonschema.Draft202012Validator:
    document = openapi_document(client.app[config_key].server)
    # Refs point at "#/components/schemas/...": keep the components next to the schema so they resolve.
    return jsonschema.Draft202012Validator({**document["components"]["schemas"][name],
                                            "components": document["components"]})


async def test_workload_document(muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> None:
    student = await planned_student(muffin, clock, sleeps)
    doc = await student.workload()
    schema_validator(muffin, "Workload").validate(doc)
    assert doc["suggestions_on"] is False and doc["sessions"]  # the plan is shown even before it is in the feed
    assert doc["today"] == "2026-11-09"
    assert "assignment type and points" in doc["model"]
    assert doc["peak_words"] and doc["explanation"]
    for estimate in doc["estimates"]:
        assert estimate["low"] <= estimate["hours"] <= estimate["high"]
    assert len(doc["days"]) == 28
    assert (await student.stored()) == []  # suggestions off: nothing stored
    response = await muffin.get("/api/me/workload")
    assert response.headers["Cache-Control"] == "no-store"


async def test_estimate_errors(muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> None:
    student = await planned_student(muffin, clock, sleeps)
    put = muffin.put
    missing = await put("/api/me/assignments/999999/estimate", json={"hours": 2}, headers=student.origin)
    assert missing.status == 404 and (await missing.json())["code"] == "assignment-not-found"
    aid = (await student.workload())["estimates"][0]["assignment_id"]
    for body, field in (({"hours": 0}, "hours"), ({"hours": "x"}, "hours"), ({"hours": True}, "hours"),
                        ({"hours": 0.2}, "hours"), ({"hours": 200.5}, "hours"),
                        ({"hours": 1, "extra": 1}, "extra"), ({}, "hours")):
        bad = await put(f"/api/me/assignments/{aid}/estimate", json=body, headers=student.origin)
        assert bad.status == 400, body
        assert (await bad.json())["field"] == field
    refused = await put(f"/api/me/assignments/{aid}/estimate", json={"hours": 2},
                        headers={"Origin": "https://evil.example"})
    assert refused.status == 403
    ok = await put(f"/api/me/assignments/{aid}/estimate", json={"hours": 2.5}, headers=student.origin)
    assert ok.status == 200
    estimates = {e["assignment_id"]: e for e in (await student.workload())["estimates"]}
    assert estimates[aid]["hours"] == 2.5 and estimates[aid]["overridden"] is True
    cleared = await put(f"/api/me/assignments/{aid}/estimate", json={"hours": None}, headers=student.origin)
    assert cleared.status == 200
    estimates = {e["assignment_id"]: e for e in (await student.workload())["estimates"]}
    assert estimates[aid]["overridden"] is False


async def test_the_plan_page_shows_the_chart_and_the_forms_change_the_plan(
        muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> None:
    student = await planned_student(muffin, clock, sleeps)
    assert "<svg" not in await (await muffin.get("/me")).text()  # the overview stays short
    page = await (await muffin.get("/me/plan")).text()
    svg = re.search(r"<svg .*?</svg>", page, flags=re.DOTALL)
    assert svg, "no chart on /me/plan"
    tree = ElementTree.fromstring(svg.group(0))
    ns = "{http://www.w3.org/2000/svg}"
    assert tree.find(f"{ns}title") is not None and tree.find(f"{ns}desc") is not None
    assert tree.findall(f".//{ns}rect")
    assert 'id="workload-table"' in page
    assert "assignment type and points" in await (await muffin.get("/me/estimates")).text()
    assert "sessions-feed" not in await (await muffin.get("/me/settings")).text()
    csrf = await csrf_of(muffin)
    form = {"csrf_token": csrf, "suggestions": "on", "free_mon": "2", "free_tue": "2", "free_wed": "2",
            "free_thu": "2", "free_fri": "2", "free_sat": "5", "free_sun": "0", "days_off": "2026-11-11",
            "session_hours": "1", "session_start_hour": "all_day"}
    saved = await muffin.post("/me/suggestions", data=form, allow_redirects=False)
    assert saved.status == 303, await saved.text()
    assert saved.headers["Location"] == "/me/settings#suggestion-settings-title"
    async with muffin.app[db_key]() as session:
        settings = StudentSettings.from_json((await session.get(Student, student.student_id)).settings)
    assert settings.suggestions and settings.free_hours == (2, 2, 2, 2, 2, 5, 0)
    assert settings.days_off == ("2026-11-11",) and settings.session_start_hour == -1
    days = {s.day.isoformat() for s in await student.stored()}
    assert days and "2026-11-11" not in days and "2026-11-15" not in days  # a day off, and a Sunday with 0 h
    body = (await student.feed()).decode()
    assert "DTSTART;VALUE=DATE:" in body and "hm-session-" in body  # all-day items
    page = await (await muffin.get("/me/settings")).text()
    assert 'id="sessions-feed"' in page and "-sessions.ics" in page
    aid = (await student.workload())["estimates"][0]["assignment_id"]
    estimate = await muffin.post("/me/estimates", data={"csrf_token": csrf, "assignment_id": aid, "hours": "7"},
                                 allow_redirects=False)
    assert estimate.status == 303 and estimate.headers["Location"] == "/me/estimates#estimates-title"
    assert sum(s.hours for s in await student.stored() if s.canvas_assignment_id == aid) == 7
    bad = await muffin.post("/me/suggestions", data={**form, "free_mon": "x"}, allow_redirects=False)
    assert bad.status == 400



async def test_hiding_a_course_on_me_takes_its_sessions_out_of_the_plan_at_once(
        muffin: TestClient, clock: PinnedClock, sleeps: Sleeps) -> None:
    student = await planned_student(muffin, clock, sleeps)
    await student.set_settings(suggestions=True)
    assignments = await student.assignments()
    planned_courses = {assignments[s.canvas_assignment_id].course_id for s in await student.stored()}
    assert len(planned_courses) >= 2
    async with muffin.app[db_key]() as session:
        courses = {c.id: c.canvas_course_id for c in (await session.scalars(
            select(Course).where(Course.student_id == student.student_id))).all()}
    hidden_id = min(planned_courses)
    listed = [("course", canvas_id) for course_id, canvas_id in courses.items() if course_id != hidden_id]
    saved = await muffin.post("/me/feed-settings", allow_redirects=False, data=[
        ("csrf_token", await csrf_of(muffin)), ("courses_listed", "1"), *listed])
    assert saved.status == 303, await saved.text()
    left = {assignments[s.canvas_assignment_id].course_id for s in await student.stored()}
    assert left and hidden_id not in left  # no sync in between: the form replanned
