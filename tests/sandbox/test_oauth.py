"""The OAuth2 provider, driven over HTTP like a real client would."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from feedserver.sandbox import ManualClock, SandboxState
from feedserver.sandbox.seed import INHERITED_CLIENT_ID, READ_ONLY_SCOPES
from feedserver.sandbox.world import DeveloperKey

from .conftest import NORTH_STUDENT, REDIRECT_URI, bearer

OAUTH_401 = "Canvas OAuth 2.0"


def query_of(location: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


async def open_consent(client: TestClient, key: DeveloperKey, **extra: str) -> str:
    params = {"client_id": key.client_id, "response_type": "code",
              "redirect_uri": REDIRECT_URI, "state": "s-123", **extra}
    resp = await client.get("/login/oauth2/auth", params=params, allow_redirects=False)
    assert resp.status == 200, await resp.text()
    html = await resp.text()
    return re.search(r'name="pending" value="([^"]+)"', html).group(1)


async def decide(client: TestClient, pending: str, action: str,
                 user_id: int = NORTH_STUDENT) -> dict[str, str]:
    resp = await client.post("/login/oauth2/confirm", allow_redirects=False,
                             data={"pending": pending, "user_id": str(user_id), "action": action})
    assert resp.status == 302
    location = resp.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    return query_of(location)


async def get_code(client: TestClient, key: DeveloperKey, **extra: str) -> str:
    answer = await decide(client, await open_consent(client, key, **extra), "authorize")
    assert answer["state"] == "s-123"
    return answer["code"]


async def exchange(client: TestClient, key: DeveloperKey, code: str, **extra: str):
    form = {"grant_type": "authorization_code", "client_id": key.client_id,
            "client_secret": key.client_secret, "redirect_uri": REDIRECT_URI, "code": code,
            **extra}
    return await client.post("/login/oauth2/token", data=form, allow_redirects=False)


async def assert_oauth_error(resp, status: int, error: str, description: str | None = None):
    assert resp.status == status
    body = await resp.json()
    assert body["error"] == error
    if description is not None:
        assert body["error_description"] == description
    return body


async def test_consent_page_names_the_app_and_offers_the_users(
        north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    resp = await north.get("/login/oauth2/auth", params={
        "client_id": key.client_id, "response_type": "code", "redirect_uri": REDIRECT_URI,
        "unique_id": "zoe.kowalski@north.example.edu"})
    html = await resp.text()
    assert f"{key.name}</strong> is requesting access to your account" in html
    assert '<select id="user_id" name="user_id">' in html
    assert '<option value="1004" selected>' in html
    assert 'value="authorize">Authorize</button>' in html and ">Cancel</button>" in html


async def test_full_code_grant(north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    resp = await exchange(north, key, await get_code(north, key))
    assert resp.status == 200
    body = await resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["canvas_region"] == "unknown"
    assert body["user"] == {"id": NORTH_STUDENT, "name": "Ava Martínez",
                            "global_id": "10000000001001", "effective_locale": "en"}
    assert body["refresh_token"] and body["access_token"] != body["refresh_token"]
    me = await north.get("/api/v1/users/self", headers=bearer(body["access_token"]))
    assert (await me.json())["id"] == NORTH_STUDENT


async def test_refresh_grant_replaces_the_access_token(
        north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    first = await (await exchange(north, key, await get_code(north, key))).json()
    form = {"grant_type": "refresh_token", "client_id": key.client_id,
            "client_secret": key.client_secret, "refresh_token": first["refresh_token"]}
    resp = await north.post("/login/oauth2/token", data=form)
    assert resp.status == 200
    second = await resp.json()
    assert "refresh_token" not in second
    assert second["access_token"] != first["access_token"]
    old = await north.get("/api/v1/users/self", headers=bearer(first["access_token"]))
    new = await north.get("/api/v1/users/self", headers=bearer(second["access_token"]))
    assert (old.status, new.status) == (401, 200)
    # The same refresh token keeps working.
    again = await north.post("/login/oauth2/token", data=form)
    assert again.status == 200


async def test_refresh_works_after_access_tokens_expire(
        north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    first = await (await exchange(north, key, await get_code(north, key))).json()
    north_state.expire_access_tokens()
    dead = await north.get("/api/v1/users/self", headers=bearer(first["access_token"]))
    assert dead.status == 401
    resp = await north.post("/login/oauth2/token", data={
        "grant_type": "refresh_token", "client_id": key.client_id,
        "client_secret": key.client_secret, "refresh_token": first["refresh_token"]})
    fresh = (await resp.json())["access_token"]
    assert (await north.get("/api/v1/users/self", headers=bearer(fresh))).status == 200


async def test_code_is_single_use(north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    code = await get_code(north, key)
    assert (await exchange(north, key, code)).status == 200
    await assert_oauth_error(await exchange(north, key, code), 400, "invalid_grant",
                             "authorization_code not found")


async def test_code_expires_after_ten_minutes(
        north: TestClient, north_state: SandboxState, clock: ManualClock) -> None:
    key = north_state.school.school_key
    code = await get_code(north, key)
    clock.advance(601)
    await assert_oauth_error(await exchange(north, key, code), 400, "invalid_grant",
                             "authorization_code not found")


async def test_unknown_code(north: TestClient, north_state: SandboxState) -> None:
    await assert_oauth_error(await exchange(north, north_state.school.school_key, "nope"),
                             400, "invalid_grant", "authorization_code not found")


async def test_code_of_another_key_is_incorrect_client(
        north: TestClient, north_state: SandboxState) -> None:
    code = await get_code(north, north_state.school.school_key)
    await assert_oauth_error(await exchange(north, north_state.school.inherited_key, code),
                             400, "invalid_grant", "incorrect client")


async def test_redirect_uri_not_registered_is_not_redirected(
        north: TestClient, north_state: SandboxState) -> None:
    resp = await north.get("/login/oauth2/auth", allow_redirects=False, params={
        "client_id": north_state.school.school_key.client_id, "response_type": "code",
        "redirect_uri": "https://evil.example.com/cb", "state": "x"})
    assert "Location" not in resp.headers
    await assert_oauth_error(resp, 400, "invalid_request",
                             "redirect_uri does not match client settings")


async def test_redirect_uri_must_match_at_token_step(
        north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    code = await get_code(north, key)
    resp = await exchange(north, key, code, redirect_uri="http://127.0.0.1:8765/other")
    await assert_oauth_error(resp, 400, "invalid_request")


async def test_unknown_client(north: TestClient) -> None:
    resp = await north.get("/login/oauth2/auth", allow_redirects=False, params={
        "client_id": "99999", "response_type": "code", "redirect_uri": REDIRECT_URI})
    await assert_oauth_error(resp, 401, "invalid_client", "unknown client")
    resp = await north.post("/login/oauth2/token", data={
        "grant_type": "authorization_code", "client_id": "99999", "client_secret": "x",
        "code": "c"})
    await assert_oauth_error(resp, 401, "invalid_client", "unknown client")
    assert resp.headers["WWW-Authenticate"] == OAUTH_401


async def test_wrong_secret(north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    code = await get_code(north, key)
    resp = await exchange(north, key, code, client_secret="wrong")
    await assert_oauth_error(resp, 401, "invalid_client", "invalid client")


async def test_http_basic_client_auth(north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    code = await get_code(north, key)
    basic = base64.b64encode(f"{key.client_id}:{key.client_secret}".encode()).decode()
    resp = await north.post("/login/oauth2/token", headers={"Authorization": f"Basic {basic}"},
                            data={"grant_type": "authorization_code", "code": code,
                                  "redirect_uri": REDIRECT_URI})
    assert resp.status == 200


async def test_unknown_refresh_token(north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    resp = await north.post("/login/oauth2/token", data={
        "grant_type": "refresh_token", "client_id": key.client_id,
        "client_secret": key.client_secret, "refresh_token": "r~nope"})
    await assert_oauth_error(resp, 400, "invalid_request", "refresh_token not found")


async def test_unsupported_grant_type(north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    resp = await north.post("/login/oauth2/token", data={
        "grant_type": "password", "client_id": key.client_id, "client_secret": key.client_secret})
    await assert_oauth_error(resp, 400, "unsupported_grant_type")


async def test_inherited_key_off_at_south_redirects_unauthorized_client(
        south: TestClient, south_state: SandboxState) -> None:
    resp = await south.get("/login/oauth2/auth", allow_redirects=False, params={
        "client_id": INHERITED_CLIENT_ID, "response_type": "code",
        "redirect_uri": REDIRECT_URI, "state": "st"})
    assert resp.status == 302
    answer = query_of(resp.headers["Location"])
    assert answer == {"error": "unauthorized_client", "state": "st",
                      "error_description": "Client does not have access to the specified "
                                           "Canvas account."}


async def test_inherited_key_on_at_north_works(north: TestClient,
                                               north_state: SandboxState) -> None:
    key = north_state.school.inherited_key
    assert (await exchange(north, key, await get_code(north, key))).status == 200


async def test_another_schools_own_key_is_unauthorized_here(
        north: TestClient, world) -> None:
    resp = await north.get("/login/oauth2/auth", allow_redirects=False, params={
        "client_id": world.schools["south"].school_key.client_id, "response_type": "code",
        "redirect_uri": REDIRECT_URI})
    assert query_of(resp.headers["Location"])["error"] == "unauthorized_client"


async def test_cancel_is_access_denied(north: TestClient, north_state: SandboxState) -> None:
    pending = await open_consent(north, north_state.school.school_key)
    answer = await decide(north, pending, "cancel")
    assert answer["error"] == "access_denied" and answer["state"] == "s-123"
    assert answer["error_description"] and "code" not in answer


async def test_returning_user_skips_consent(north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    await get_code(north, key)
    params = {"client_id": key.client_id, "response_type": "code",
              "redirect_uri": REDIRECT_URI, "state": "again"}
    resp = await north.get("/login/oauth2/auth", params=params, allow_redirects=False)
    assert resp.status == 302 and query_of(resp.headers["Location"])["code"]
    north_state.remember_consent = False
    resp = await north.get("/login/oauth2/auth", params=params, allow_redirects=False)
    assert resp.status == 200 and "requesting access" in await resp.text()


async def test_prompt_none_without_login(north: TestClient, north_state: SandboxState) -> None:
    resp = await north.get("/login/oauth2/auth", allow_redirects=False, params={
        "client_id": north_state.school.school_key.client_id, "response_type": "code",
        "redirect_uri": REDIRECT_URI, "prompt": "none"})
    assert query_of(resp.headers["Location"])["error"] == "login_required"


async def test_pkce_public_client(north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    verifier = "v" * 50
    challenge = create_s256_code_challenge(verifier)
    code = await get_code(north, key, code_challenge=challenge, code_challenge_method="S256")
    bad = await north.post("/login/oauth2/token", data={
        "grant_type": "authorization_code", "client_id": key.client_id, "code": code,
        "code_verifier": "w" * 50})
    await assert_oauth_error(bad, 400, "invalid_grant")
    good = await north.post("/login/oauth2/token", data={
        "grant_type": "authorization_code", "client_id": key.client_id, "code": code,
        "code_verifier": verifier})
    assert good.status == 200


async def test_scoped_key_rejects_scopes_it_lacks(north: TestClient,
                                                  north_state: SandboxState) -> None:
    key = north_state.school.key("10000000000002")
    resp = await north.get("/login/oauth2/auth", allow_redirects=False, params={
        "client_id": key.client_id, "response_type": "code", "redirect_uri": REDIRECT_URI,
        "scope": f"{READ_ONLY_SCOPES[0]} url:POST|/api/v1/courses"})
    answer = query_of(resp.headers["Location"])
    assert answer["error"] == "invalid_scope"
    assert "url:POST|/api/v1/courses" in answer["error_description"]


async def test_userinfo_scope_gives_identity_only(north: TestClient,
                                                  north_state: SandboxState) -> None:
    key = north_state.school.school_key
    body = await (await exchange(north, key, await get_code(north, key,
                                                            scope="/auth/userinfo"))).json()
    assert body["access_token"] is None and body["user"]["id"] == NORTH_STUDENT


async def test_delete_token_revokes_the_grant(north: TestClient,
                                              north_state: SandboxState) -> None:
    key = north_state.school.school_key
    tokens = await (await exchange(north, key, await get_code(north, key))).json()
    resp = await north.delete("/login/oauth2/token", headers=bearer(tokens["access_token"]))
    assert resp.status == 200
    assert (await north.get("/api/v1/users/self",
                            headers=bearer(tokens["access_token"]))).status == 401
    resp = await north.post("/login/oauth2/token", data={
        "grant_type": "refresh_token", "client_id": key.client_id,
        "client_secret": key.client_secret, "refresh_token": tokens["refresh_token"]})
    await assert_oauth_error(resp, 400, "invalid_request", "refresh_token not found")


async def test_delete_token_without_a_token(north: TestClient) -> None:
    assert (await north.delete("/login/oauth2/token")).status == 400


async def test_replace_tokens_drops_the_users_other_grants(
        north: TestClient, north_state: SandboxState) -> None:
    key = north_state.school.school_key
    old = north_state.grant_token(NORTH_STUDENT).access_token
    resp = await exchange(north, key, await get_code(north, key), replace_tokens="1")
    assert resp.status == 200
    assert (await north.get("/api/v1/users/self", headers=bearer(old))).status == 401
