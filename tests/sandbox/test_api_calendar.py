"""Planner items, calendar events and upcoming events."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from feedserver.sandbox import SandboxState, SandboxWorld

from .conftest import NORTH_STUDENT, bearer


async def get_json(client: TestClient, path: str, token: str):
    resp = await client.get(path, headers=bearer(token))
    assert resp.status == 200, await resp.text()
    return await resp.json()


def my_courses(world: SandboxWorld) -> list[int]:
    return sorted({e.course_id for e in world.enrollments_of(NORTH_STUDENT)})


async def test_planner_items_shape_and_window(north: TestClient, token: str) -> None:
    items = await get_json(north, "/api/v1/planner/items?start_date=2026-11-09"
                                  "&end_date=2026-11-16&per_page=100", token)
    assert items
    dates = [i["plannable_date"] for i in items]
    assert dates == sorted(dates)
    assert all("2026-11-09" <= d[:10] <= "2026-11-16" for d in dates)
    kinds = {i["plannable_type"] for i in items}
    assert {"assignment", "quiz", "discussion_topic", "calendar_event"} <= kinds
    for item in items:
        assert set(item) >= {"plannable_type", "plannable_id", "plannable", "plannable_date",
                             "course_id", "context_name", "html_url", "submissions",
                             "planner_override"}
        assert set(item["plannable"]) >= {"id", "title"}
        if item["plannable_type"] == "calendar_event":
            assert item["submissions"] is False
        else:
            assert set(item["submissions"]) >= {"submitted", "late", "missing", "graded"}
            assert set(item["plannable"]) >= {"due_at", "points_possible"}


async def test_planner_context_codes_and_filter(north: TestClient, token: str,
                                                world: SandboxWorld) -> None:
    course = my_courses(world)[0]
    items = await get_json(north, f"/api/v1/planner/items?context_codes[]=course_{course}"
                                  "&per_page=100&filter=incomplete_items", token)
    assert items and {i["course_id"] for i in items} == {course}
    assert not any(i["submissions"] and i["submissions"]["submitted"] for i in items)


async def test_bad_date_is_400(north: TestClient, token: str) -> None:
    resp = await north.get("/api/v1/planner/items?start_date=soon", headers=bearer(token))
    assert resp.status == 400


async def test_calendar_events_need_context_codes(north: TestClient, token: str) -> None:
    assert await get_json(north, "/api/v1/calendar_events?type=assignment&all_events=1",
                          token) == []


async def test_calendar_events_drop_context_codes_after_ten(
        north: TestClient, token: str, world: SandboxWorld) -> None:
    first, second = my_courses(world)[:2]
    filler = "&".join(f"context_codes[]=course_{first}" for _ in range(10))  # a repeated code counts too
    base = "/api/v1/calendar_events?type=assignment&all_events=1&per_page=100"
    dropped = await get_json(north, f"{base}&{filler}&context_codes[]=course_{second}", token)
    kept = await get_json(north, f"{base}&context_codes[]=course_{second}&{filler}", token)
    assert {e["context_code"] for e in dropped} == {f"course_{first}"}
    assert {e["context_code"] for e in kept} == {f"course_{first}", f"course_{second}"}


async def test_one_context_code_the_user_cannot_see_refuses_the_whole_request(
        north: TestClient, token: str, world: SandboxWorld) -> None:
    course = my_courses(world)[0]
    for path in ("/api/v1/calendar_events", "/api/v1/planner/items"):
        resp = await north.get(f"{path}?context_codes[]=course_{course}&context_codes[]=course_999999",
                               headers=bearer(token))
        assert resp.status == 401 and "WWW-Authenticate" not in resp.headers


async def test_calendar_assignment_events_in_range(north: TestClient, token: str,
                                                   world: SandboxWorld) -> None:
    codes = "&".join(f"context_codes[]=course_{c}" for c in my_courses(world))
    events = await get_json(north, f"/api/v1/calendar_events?type=assignment&{codes}"
                                   "&start_date=2026-11-09&end_date=2026-11-15&per_page=100", token)
    assert events
    assert all(e["id"].startswith("assignment_") and e["assignment"]["id"] for e in events)
    assert all("2026-11-09" <= e["start_at"][:10] <= "2026-11-16" for e in events)
    plain = await get_json(north, f"/api/v1/calendar_events?{codes}&all_events=true"
                                  "&per_page=100", token)
    assert plain and all(e["type"] == "event" for e in plain)


async def test_upcoming_events(north: TestClient, north_state: SandboxState,
                               token: str) -> None:
    events = await get_json(north, "/api/v1/users/self/upcoming_events", token)
    now = north_state.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert events and all(e["start_at"] >= now for e in events)
    assert {e["type"] for e in events} <= {"assignment", "event"}
