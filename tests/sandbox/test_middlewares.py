"""Wire-level details: lowercase header names, the request log, JSON 404s."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from feedserver.sandbox import SandboxState, SandboxWorld

from .conftest import NORTH_STUDENT, bearer


def names(resp) -> list[bytes]:
    return [name for name, _ in resp.raw_headers]


async def test_api_header_names_are_lowercase_on_the_wire(north: TestClient, token: str) -> None:
    resp = await north.get("/api/v1/courses", headers=bearer(token))
    wire = names(resp)
    assert {b"link", b"x-request-cost", b"x-rate-limit-remaining", b"content-type"} <= set(wire)
    assert all(name == name.lower() for name in wire)


async def test_other_responses_are_lowercase_too(north: TestClient, world: SandboxWorld) -> None:
    for path in ("/api/v1/users/self", "/login/oauth2/auth?client_id=1",
                 f"/feeds/calendars/user_{world.users[NORTH_STUDENT].feed_uuid}.ics"):
        resp = await north.get(path)
        assert all(name == name.lower() for name in names(resp)), path


async def test_log_redacts_access_token(north: TestClient, north_state: SandboxState,
                                        token: str) -> None:
    await north.get("/api/v1/users/self", params={"access_token": token, "x": "1"})
    record = north_state.request_log[-1]
    assert token not in record.query and "access_token=[REDACTED]" in record.query
    assert (record.method, record.path, record.user_id, record.status) == (
        "GET", "/api/v1/users/self", NORTH_STUDENT, 200)


async def test_control_routes_are_not_logged(north: TestClient,
                                             north_state: SandboxState) -> None:
    await north.get("/__sandbox/faults")
    assert north_state.request_log == []


async def test_unknown_api_path_is_canvas_json_404(north: TestClient, token: str) -> None:
    resp = await north.get("/api/v1/nothing/here", headers=bearer(token))
    assert resp.status == 404
    assert await resp.json() == {"errors": [{"message": "The specified resource does not exist."}]}
