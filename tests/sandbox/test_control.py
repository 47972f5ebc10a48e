"""Steering a sandbox over HTTP, as the demo does from another process."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from feedserver.sandbox import SandboxState

from .conftest import NORTH_STUDENT, bearer


async def test_set_and_reset_faults(north: TestClient, token: str) -> None:
    resp = await north.post("/__sandbox/faults", json={"server_errors": 1})
    assert (await resp.json())["server_errors"] == 1
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 500
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 200
    await north.post("/__sandbox/faults", json={"rate_limit_storm": True})
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 403
    await north.delete("/__sandbox/faults")
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 200


async def test_bad_fault_is_rejected(north: TestClient, north_state: SandboxState) -> None:
    resp = await north.post("/__sandbox/faults", json={"server_errors": -1})
    assert resp.status == 400
    assert (await north.post("/__sandbox/faults", data="[]")).status == 400
    assert north_state.faults.server_errors == 0


async def test_request_counts(north: TestClient, token: str) -> None:
    for _ in range(3):
        await north.get("/api/v1/users/self", headers=bearer(token))
    await north.get("/api/v1/users/self")
    body = await (await north.get("/__sandbox/requests?log=1")).json()
    assert body["by_user"] == {str(NORTH_STUDENT): 3, "anonymous": 1}
    assert body["total"] == 4
    assert body["log"][0]["path"] == "/api/v1/users/self"
    await north.delete("/__sandbox/requests")
    assert (await (await north.get("/__sandbox/requests")).json())["total"] == 0


async def test_settings(north: TestClient, north_state: SandboxState) -> None:
    resp = await north.post("/__sandbox/settings", json={
        "token_lifetime": 5, "throttle_status": 429, "throttle": {"request_cost": 2}})
    assert resp.status == 200
    assert (north_state.token_lifetime, north_state.throttle_status) == (5, 429)
    assert north_state.throttle.request_cost == 2
    bad = await north.post("/__sandbox/settings", json={"throttle_status": 418,
                                                        "token_lifetime": 1})
    assert bad.status == 400 and north_state.token_lifetime == 5


async def test_expire_and_revoke(north: TestClient, north_state: SandboxState) -> None:
    token = north_state.grant_token(NORTH_STUDENT).access_token
    await north.post("/__sandbox/tokens/expire")
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 401
    token = north_state.grant_token(NORTH_STUDENT).access_token
    resp = await north.post(f"/__sandbox/users/{NORTH_STUDENT}/revoke")
    assert (await resp.json())["revoked"] == 2
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 401


async def test_the_far_future_switch_changes_what_every_view_reports(north: TestClient, token: str,
                                                                     north_state: SandboxState) -> None:
    world = north_state.world
    course = world.enrollments_of(NORTH_STUDENT)[0].course_id
    target = next(a for a in world.course_assignments(course) if a.published and a.due_at is not None)
    path = f"/api/v1/courses/{course}/assignments/{target.id}"
    assert (await north.post("/__sandbox/far-future", json={"assignment_id": "x"})).status == 400
    assert (await north.post("/__sandbox/far-future", json={"assignment_id": 1})).status == 404
    assert (await north.post("/__sandbox/far-future", json={"assignment_id": target.id})).status == 200
    assert (await (await north.get(path, headers=bearer(token))).json())["due_at"] == "9999-12-31T23:59:00Z"
    await north.post("/__sandbox/far-future", json={"assignment_id": target.id, "on": False})
    assert (await (await north.get(path, headers=bearer(token))).json())["due_at"] != "9999-12-31T23:59:00Z"
