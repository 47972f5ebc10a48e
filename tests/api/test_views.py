"""The JSON API on a real socket, signed in through the sandbox (both engines)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from sqlalchemy import select

from feedserver.feeds.tokens import resolve_feed_token
from feedserver.settings import MAX_HIDDEN_COURSES, StudentSettings
from feedserver.store.models import RenderedFeed, Student
from feedserver.store.students import set_status
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.api.conftest import ALLOWED_ORIGIN, NORTH_STUDENT, signed_in

ORIGIN = {"Origin": ALLOWED_ORIGIN}


async def schema_check(client: Any, name: str, data: Any) -> None:
    """`data` must match components/schemas/`name` of the served OpenAPI document."""
    document = await (await client.get("/api/openapi.json")).json()
    jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": document["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(data)


async def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    body = await response.json(content_type=None)
    assert (response.status, body.get("code")) == (status, code), body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert body["type"].endswith("/" + code) and body["status"] == status and body["title"]
    await schema_check_static(body)
    return body


async def schema_check_static(body: dict[str, Any]) -> None:
    from feedserver.api.openapi import _schemas

    jsonschema.validate(body, _schemas()["Problem"])


async def sync_now(client: Any, student_id: int) -> None:
    outcome = await client.app[sync_service_key].sync_student(student_id)
    assert outcome.outcome == "ok", outcome


async def test_institutions_are_public(api: Any) -> None:
    response = await api.get("/api/institutions")
    body = await response.json()
    assert response.status == 200 and response.headers["Cache-Control"] == "public, max-age=300"
    assert [i["slug"] for i in body["institutions"]] == ["north", "south"]
    assert body["institutions"][0]["login_url"] == "/login?institution=north"
    assert body["institutions"][0]["canvas_host"].startswith("127.0.0.1:")
    await schema_check(api, "Institutions", body)
    await problem(await api.get("/api/institutions?x=1"), 400, "invalid-field")


async def test_me_needs_a_session(api: Any) -> None:
    for path in ("/api/me", "/api/me/settings", "/api/me/assignments", "/api/me/feed"):
        await problem(await api.get(path), 401, "not-signed-in")
    await problem(await api.post("/api/me/sync", headers=ORIGIN), 401, "not-signed-in")


async def test_me(api: Any, sandbox: Any) -> None:
    student_id = await signed_in(api, "north", NORTH_STUDENT)
    response = await api.get("/api/me")
    me = await response.json()
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Origin" in response.headers["Vary"]
    user = sandbox.world.users[NORTH_STUDENT]
    assert me["user"] == {"name": user.name, "canvas_user_id": str(NORTH_STUDENT), "time_zone": user.time_zone}
    assert me["institution"] == {"slug": "north", "name": sandbox.world.schools["north"].name,
                                 "canvas_url": sandbox.schools["north"].url}
    assert (me["status"], me["source"], me["last_sync_at"]) == ("active", "oauth", None)
    token = me["feed"]["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert await resolve_feed_token(api.app[db_key], token) == (student_id, "all")
    assert me["feed"]["webcal_url"] == "webcal://" + me["feed"]["url"].split("://", 1)[1]
    await schema_check(api, "Me", me)

    await sync_now(api, student_id)
    synced = await (await api.get("/api/me")).json()
    assert synced["last_sync_at"].endswith("Z")
    await problem(await api.get("/api/me?debug=1"), 400, "invalid-field")


async def test_settings_read_and_patch(api: Any) -> None:
    student_id = await signed_in(api, "north", NORTH_STUDENT)
    current = await (await api.get("/api/me/settings")).json()
    assert current == StudentSettings().to_json()
    await schema_check(api, "Settings", current)

    response = await api.patch("/api/me/settings", json={"submitted": "hide", "reminder_minutes": [60, 15, 60]},
                               headers=ORIGIN)
    changed = await response.json()
    assert response.status == 200, changed
    assert (changed["submitted"], changed["reminder_minutes"], changed["event_style"]) == ("hide", [15, 60], "timed")
    assert await (await api.get("/api/me/settings")).json() == changed
    async with api.app[db_key]() as session:
        assert (await session.get(Student, student_id)).settings["submitted"] == "hide"
        rendered = (await session.scalars(select(RenderedFeed).where(RenderedFeed.student_id == student_id))).all()
    assert rendered, "a settings change re-renders the feed"

    body = await problem(await api.patch("/api/me/settings", json={"session_hours": 99}, headers=ORIGIN),
                         400, "invalid-field")
    assert body["field"] == "session_hours" and "0.25 and 8" in body["detail"]
    body = await problem(await api.patch("/api/me/settings", json={"colour": "red"}, headers=ORIGIN),
                         400, "invalid-field")
    assert body["field"] == "colour"
    await problem(await api.patch("/api/me/settings", json=["submitted"], headers=ORIGIN), 400, "invalid-body")
    await problem(await api.patch("/api/me/settings", data=b"{nope", headers={**ORIGIN, "Content-Type":
                                                                               "application/json"}),
                  400, "invalid-body")
    await problem(await api.patch("/api/me/settings", data=b'{"session_hours": NaN}',
                                  headers={**ORIGIN, "Content-Type": "application/json"}), 400, "invalid-body")
    await problem(await api.patch("/api/me/settings", data="submitted=hide", headers={
        **ORIGIN, "Content-Type": "application/x-www-form-urlencoded"}), 415, "unsupported-media-type")
    assert (await (await api.get("/api/me/settings")).json()) == changed, "refused patches changed nothing"


async def test_assignments_from_the_store_with_filters(api: Any, sandbox: Any) -> None:
    student_id = await signed_in(api, "north", NORTH_STUDENT)
    empty = await (await api.get("/api/me/assignments")).json()
    assert empty == {"assignments": [], "count": 0}
    await sync_now(api, student_id)

    response = await api.get("/api/me/assignments")
    everything = await response.json()
    items = everything["assignments"]
    assert response.status == 200 and everything["count"] == len(items) > 20
    await schema_check(api, "AssignmentList", everything)
    dated = [a for a in items if a["due_at"]]
    undated = [a for a in items if not a["due_at"]]
    assert items == dated + undated and [a["due_at"] for a in dated] == sorted(a["due_at"] for a in dated)
    courses = {a["course"]["id"] for a in items}
    assert courses == {"10101", "10102", "10103", "10105"}

    async def ids(**params: str) -> set[str]:
        answer = await api.get("/api/me/assignments", params=params)
        assert answer.status == 200, await answer.text()
        return {a["id"] for a in (await answer.json())["assignments"]}

    assert await ids(course="10101") == {a["id"] for a in items if a["course"]["id"] == "10101"}
    assert await ids(course="10101,10102") == {a["id"] for a in items if a["course"]["id"] in ("10101", "10102")}
    quiz_or_exam = {a["id"] for a in items if a["kind"] in ("quiz", "exam")}
    assert quiz_or_exam and await ids(kind="quiz,exam") == quiz_or_exam
    submitted = {a["id"] for a in items if a["submission_state"] == "submitted"}
    assert await ids(status="submitted") == submitted
    assert await ids(undated="true") == {a["id"] for a in undated}
    assert await ids(undated="false") == {a["id"] for a in dated}

    zone = ZoneInfo(sandbox.world.users[NORTH_STUDENT].time_zone)
    first = date.fromisoformat("2026-10-01")
    last = date.fromisoformat("2026-10-14")

    def local_day(stamp: str) -> date:
        from datetime import datetime

        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(zone).date()

    in_range = {a["id"] for a in dated if first <= local_day(a["due_at"]) <= last}
    assert in_range and await ids(**{"from": "2026-10-01", "to": "2026-10-14"}) == in_range

    for params, field in (({"from": "2026-13-01"}, "from"), ({"to": "20261001"}, "to"), ({"kind": "nap"}, "kind"),
                          ({"status": "done"}, "status"), ({"course": "MATH"}, "course"),
                          ({"undated": "yes"}, "undated"), ({"sort": "due"}, "sort"),
                          ({"from": "2026-10-02", "to": "2026-10-01"}, "to")):
        body = await problem(await api.get("/api/me/assignments", params=params), 400, "invalid-field")
        assert body["field"] == field, params


async def test_feed_and_rotation(api: Any) -> None:
    student_id = await signed_in(api, "north", NORTH_STUDENT)
    feed = await (await api.get("/api/me/feed")).json()
    await schema_check(api, "Feed", feed)
    old_token = feed["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert feed["kind"] == "all"
    assert (await api.get(f"/feeds/{old_token}.ics")).status == 200

    response = await api.post("/api/me/feed/rotate", headers=ORIGIN)
    rotated = await response.json()
    assert response.status == 200 and rotated["url"] != feed["url"]
    new_token = rotated["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert await resolve_feed_token(api.app[db_key], old_token) is None
    assert await resolve_feed_token(api.app[db_key], new_token) == (student_id, "all")
    assert (await api.get(f"/feeds/{old_token}.ics")).status == 404
    assert (await api.get(f"/feeds/{new_token}.ics")).status == 200
    assert (await (await api.get("/api/me/feed")).json()) == rotated

    sessions = await (await api.get("/api/me/feed", params={"kind": "sessions"})).json()
    assert sessions["kind"] == "sessions" and sessions["url"].endswith("-sessions.ics")
    for kind in ("secret", ""):
        await problem(await api.get("/api/me/feed", params={"kind": kind}), 400, "invalid-field")
    await problem(await api.get("/api/me/feed?kind=all&kind=sessions"), 400, "invalid-field")


async def test_sync_request_is_rate_limited(api: Any, sandbox: Any) -> None:
    student_id = await signed_in(api, "north", NORTH_STUDENT)
    await set_status(api.app[db_key], student_id, "reconnect_needed")
    await problem(await api.post("/api/me/sync", headers=ORIGIN), 409, "reconnect-needed")
    await set_status(api.app[db_key], student_id, "active")

    response = await api.post("/api/me/sync", headers=ORIGIN)
    assert response.status == 202 and await response.json() == {"status": "queued"}
    again = await api.post("/api/me/sync", headers=ORIGIN)
    await problem(again, 429, "sync-too-soon")
    assert 1 <= int(again.headers["Retry-After"]) <= 60


@pytest.mark.parametrize("path", ["/api/me/feed/rotate", "/api/me/sync"])
async def test_cross_site_posts_are_refused(api: Any, path: str) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    before = await (await api.get("/api/me/feed")).json()
    await problem(await api.post(path), 403, "csrf-failed")
    await problem(await api.post(path, headers={"Origin": "https://evil.example"}), 403, "csrf-failed")
    await problem(await api.post(path, headers={"Origin": "null"}), 403, "csrf-failed")
    assert await (await api.get("/api/me/feed")).json() == before


async def test_bodies_no_parser_should_take_are_400_problems(api: Any) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    json_headers = {**ORIGIN, "Content-Type": "application/json"}
    deep = b"[" * 100_000 + b"]" * 100_000
    deep_but_small = b"[" * 30_000 + b"]" * 30_000  # under the size limit: the depth limit refuses it
    digits = b"9" * 400
    for method, path in (("PATCH", "/api/me/settings"), ("PUT", "/api/me/assignments/1/estimate")):
        for body in (deep, deep_but_small, b'{"a":' * 100_000 + b"1" + b"}" * 100_000, b'{"hours": ' + digits + b"}",
                     b'{"hours": 1e' + digits + b"}", b'{"hours": "\\u0000"}', b'{"hours": "\\ud800"}',
                     b'{"hours": "\xff"}', b'{"hours": ' + b" " * 70_000 + b"1}"):
            response = await api.request(method, path, data=body, headers=json_headers)
            assert await problem(response, 400, "invalid-body"), (path, body[:20])


async def test_date_filters_outside_every_time_zone_are_400_problems(api: Any) -> None:
    student_id = await signed_in(api, "north", NORTH_STUDENT)
    async with api.app[db_key].begin() as session:
        (await session.get(Student, student_id)).time_zone = "Asia/Tokyo"  # east of UTC
    for params, field in (({"to": "9999-12-31"}, "to"), ({"from": "0001-01-01"}, "from"),
                          ({"from": "0001-01-01", "to": "9999-12-31"}, "from")):
        body = await problem(await api.get("/api/me/assignments", params=params), 400, "invalid-field")
        assert body["field"] == field and "0001-01-02 to 9999-12-30" in body["detail"], params
    widest = await api.get("/api/me/assignments", params={"from": "0001-01-02", "to": "9999-12-30"})
    assert widest.status == 200, await widest.text()


async def test_settings_lists_have_length_limits(api: Any) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    courses = [str(10_000 + n) for n in range(MAX_HIDDEN_COURSES + 1)]
    body = await problem(await api.patch("/api/me/settings", json={"hidden_courses": courses}, headers=ORIGIN),
                         400, "invalid-field")
    assert body["field"] == "hidden_courses" and str(MAX_HIDDEN_COURSES) in body["detail"]
    for wrong in (["1 OR 1=1"], [True], [None], ["1" * 21], [-1], [1.5]):
        await problem(await api.patch("/api/me/settings", json={"hidden_courses": wrong}, headers=ORIGIN),
                      400, "invalid-field")
    accepted = await api.patch("/api/me/settings", json={"hidden_courses": [*courses[:-3], 12, 13.0]},
                               headers=ORIGIN)
    assert accepted.status == 200
    assert (await accepted.json())["hidden_courses"][-2:] == ["12", "13"]
    # JSON Schema reads 3.0 as an integer; so do the settings.
    whole = await api.patch("/api/me/settings", json={"session_start_hour": 9.0, "reminder_minutes": [15.0]},
                            headers=ORIGIN)
    assert (await whole.json())["session_start_hour"] == 9 and (await whole.json())["reminder_minutes"] == [15]


async def test_free_hours_are_kept_to_the_minute(api: Any) -> None:
    # 1e-300 free hours once made the workload overflow a division (hours / capacity): it is a day off.
    student_id = await signed_in(api, "north", NORTH_STUDENT)
    await sync_now(api, student_id)
    tiny = [1e-300, 5e-324, 2.504, 3, 3, 4, 4]
    changed = await api.patch("/api/me/settings", json={"free_hours": tiny}, headers=ORIGIN)
    assert (await changed.json())["free_hours"] == [0.0, 0.0, 2.5, 3.0, 3.0, 4.0, 4.0]
    workload = await api.get("/api/me/workload")
    assert workload.status == 200, await workload.text()
