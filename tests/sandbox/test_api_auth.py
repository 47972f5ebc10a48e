"""Canvas's 401s: missing, dead and out-of-scope tokens."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from feedserver.sandbox import ManualClock, SandboxState
from feedserver.sandbox.seed import READ_ONLY_SCOPES

from .conftest import NORTH_STUDENT, bearer

DEAD = {"errors": [{"message": "Invalid access token."}]}


async def test_missing_token(north: TestClient) -> None:
    resp = await north.get("/api/v1/users/self")
    assert resp.status == 401
    assert "WWW-Authenticate" not in resp.headers
    assert await resp.json() == {"errors": [{"message": "user authorization required"}],
                                 "status": "unauthenticated"}


async def test_unknown_token(north: TestClient) -> None:
    resp = await north.get("/api/v1/users/self", headers=bearer("a~forged"))
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'
    assert await resp.json() == DEAD


async def test_token_expires_after_its_lifetime(
        north: TestClient, north_state: SandboxState, clock: ManualClock) -> None:
    north_state.token_lifetime = 60
    token = north_state.grant_token(NORTH_STUDENT).access_token
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 200
    clock.advance(61)
    resp = await north.get("/api/v1/users/self", headers=bearer(token))
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'
    assert await resp.json() == DEAD


async def test_expire_access_tokens_now(north: TestClient, north_state: SandboxState,
                                        token: str) -> None:
    north_state.expire_access_tokens()
    resp = await north.get("/api/v1/courses", headers=bearer(token))
    assert resp.status == 401 and await resp.json() == DEAD


async def test_revoked_user_tokens_stop_working(north: TestClient, north_state: SandboxState,
                                                token: str) -> None:
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 200
    assert north_state.revoke_user_tokens(NORTH_STUDENT) == 1
    resp = await north.get("/api/v1/users/self", headers=bearer(token))
    assert resp.status == 401 and "WWW-Authenticate" in resp.headers


async def test_key_switched_off_kills_its_tokens(north: TestClient, north_state: SandboxState,
                                                 token: str) -> None:
    north_state.school.school_key.enabled = False
    assert (await north.get("/api/v1/users/self", headers=bearer(token))).status == 401


async def test_access_token_query_parameter(north: TestClient, token: str) -> None:
    resp = await north.get("/api/v1/users/self", params={"access_token": token})
    assert resp.status == 200


async def test_token_of_another_school_is_unknown(south: TestClient, token: str) -> None:
    assert (await south.get("/api/v1/users/self", headers=bearer(token))).status == 401


async def test_scoped_token_outside_its_scopes(north: TestClient,
                                               north_state: SandboxState) -> None:
    scoped = north_state.grant_token(NORTH_STUDENT, "10000000000002",
                                     scopes=[READ_ONLY_SCOPES[0]]).access_token
    assert (await north.get("/api/v1/users/self", headers=bearer(scoped))).status == 200
    resp = await north.get("/api/v1/courses", headers=bearer(scoped))
    assert resp.status == 401
    assert "WWW-Authenticate" not in resp.headers  # alive, just not allowed
    assert await resp.json() == {"errors": [{"message": "Insufficient scopes on access token."}]}


async def test_scoped_key_without_include_permission_drops_include(
        north: TestClient, north_state: SandboxState, token: str) -> None:
    scoped = north_state.grant_token(NORTH_STUDENT, "10000000000002").access_token
    course = (await (await north.get("/api/v1/courses", headers=bearer(token))).json())[0]["id"]
    path = f"/api/v1/courses/{course}/assignments?include[]=submission&per_page=100"
    full = await (await north.get(path, headers=bearer(token))).json()
    slim = await (await north.get(path, headers=bearer(scoped))).json()
    assert any("submission" in a for a in full)
    assert not any("submission" in a for a in slim)
