"""feedserver/canvas/oauth.py against the sandbox and against deliberately broken servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from feedserver.canvas import oauth
from feedserver.canvas.errors import CanvasUnavailable, MalformedResponse, OAuthError, TokenExpired
from feedserver.config import Institution
from tests.conftest import make_config

REDIRECT = "http://127.0.0.1:8080/oauth/callback"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def north(sandbox: Any, **changes: Any) -> Institution:
    tables, env = sandbox.institution_tables()
    table = {**next(t for t in tables if t["slug"] == "north"), **changes}
    return make_config({}, [table], env).institutions[0]


def code_for(sandbox: Any, institution: Institution, redirect_uri: str = REDIRECT, challenge: str | None = None) -> str:
    state = sandbox.schools["north"].state
    return state.tokens.issue_code(client_id=institution.key.client_id, user_id=1001, redirect_uri=redirect_uri,
                                   scopes=[], purpose="Homework Muffin", code_challenge=challenge, now=state.now())


def test_authorization_url_carries_exactly_the_request(sandbox: Any) -> None:
    scoped = north(sandbox, scopes=["url:GET|/api/v1/courses", "url:GET|/api/v1/planner/items"], pkce=True)
    url = oauth.authorization_url(scoped, REDIRECT, "s" * 43, code_verifier="v" * 64)
    parts = urlsplit(url)
    query = {k: v for k, (v,) in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{scoped.canvas_url}/login/oauth2/auth"
    assert query == {
        "response_type": "code", "client_id": scoped.key.client_id, "redirect_uri": REDIRECT, "state": "s" * 43,
        "scope": "url:GET|/api/v1/courses url:GET|/api/v1/planner/items", "purpose": "Homework Muffin",
        "code_challenge": create_s256_code_challenge("v" * 64), "code_challenge_method": "S256",
    }
    assert "v" * 64 not in url


async def test_exchange_returns_the_grant_and_the_user(sandbox: Any, http: aiohttp.ClientSession) -> None:
    institution = north(sandbox)
    token = await oauth.exchange_code(http, institution, code_for(sandbox, institution), REDIRECT)
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert token["user"]["id"] == 1001 and token["refresh_token"]
    profile = await oauth.fetch_json(http, institution.canvas_url, "/api/v1/users/self/profile", token["access_token"])
    assert profile["id"] == 1001

    refreshed = await oauth.refresh_access_token(http, institution, token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"] and "refresh_token" not in refreshed
    with pytest.raises(TokenExpired):
        await oauth.fetch_json(http, institution.canvas_url, "/api/v1/users/self", token["access_token"])

    await oauth.revoke_token(http, institution.canvas_url, refreshed["access_token"])
    with pytest.raises(TokenExpired):
        await oauth.revoke_token(http, institution.canvas_url, refreshed["access_token"])
    with pytest.raises(OAuthError) as gone:
        await oauth.refresh_access_token(http, institution, token["refresh_token"])
    assert (gone.value.code, gone.value.description) == ("invalid_request", "refresh_token not found")


async def test_exchange_errors_are_oauth_errors(sandbox: Any, http: aiohttp.ClientSession) -> None:
    institution = north(sandbox)
    code = code_for(sandbox, institution)
    with pytest.raises(OAuthError) as mismatch:
        await oauth.exchange_code(http, institution, code, "http://127.0.0.1:9999/oauth/callback")
    assert mismatch.value.code == "invalid_request" and mismatch.value.status == 400

    await oauth.exchange_code(http, institution, code, REDIRECT)
    with pytest.raises(OAuthError) as reused:
        await oauth.exchange_code(http, institution, code, REDIRECT)
    assert (reused.value.code, reused.value.description) == ("invalid_grant", "authorization_code not found")

    tables, env = sandbox.institution_tables()
    wrong = make_config({}, [{**next(t for t in tables if t["slug"] == "north"), "client_secret_env": "WRONG"}],
                        {**env, "WRONG": "nope"}).institutions[0]
    with pytest.raises(OAuthError) as bad_secret:
        await oauth.exchange_code(http, wrong, code_for(sandbox, wrong), REDIRECT)
    assert (bad_secret.value.code, bad_secret.value.status) == ("invalid_client", 401)


async def test_pkce_verifier_must_match(sandbox: Any, http: aiohttp.ClientSession) -> None:
    institution = north(sandbox, pkce=True)
    code = code_for(sandbox, institution, challenge=create_s256_code_challenge("a" * 64))
    with pytest.raises(OAuthError) as wrong:
        await oauth.exchange_code(http, institution, code, REDIRECT, code_verifier="b" * 64)
    assert wrong.value.code == "invalid_grant"
    token = await oauth.exchange_code(http, institution, code, REDIRECT, code_verifier="a" * 64)
    assert token["access_token"]


async def _broken_canvas(aiohttp_server: Any, handler: Any) -> Institution:
    app = web.Application()
    app.router.add_post("/login/oauth2/token", handler)
    server = await aiohttp_server(app)
    table = {"slug": "broken", "name": "Broken U", "canvas_url": str(server.make_url("")).rstrip("/"),
             "client_id": "1", "client_secret_env": "S"}
    return make_config({}, [table], {"S": "secret"}).institutions[0]


async def test_a_redirecting_token_endpoint_is_not_followed(aiohttp_server: Any, http: aiohttp.ClientSession) -> None:
    async def old_canvas(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"{REDIRECT}?error=invalid_grant&error_description=expired")

    institution = await _broken_canvas(aiohttp_server, old_canvas)
    with pytest.raises(OAuthError) as error:
        await oauth.exchange_code(http, institution, "c", REDIRECT)
    assert (error.value.code, error.value.description, error.value.status) == ("invalid_grant", "expired", 302)


@pytest.mark.parametrize(("status", "body", "content_type", "expected"), [
    (503, "<h1>503 Service Temporarily Unavailable</h1>", "text/html", CanvasUnavailable),
    (200, "<html>login page</html>", "text/html", MalformedResponse),
    (200, '{"token_type": "Bearer"}', "application/json", MalformedResponse),
    (200, '{"access_token": "x", "token_type": "MAC"}', "application/json", MalformedResponse),
    (400, "not json", "text/plain", MalformedResponse),
])
async def test_broken_token_answers(aiohttp_server: Any, http: aiohttp.ClientSession, status: int, body: str,
                                    content_type: str, expected: type[Exception]) -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    institution = await _broken_canvas(aiohttp_server, answer)
    with pytest.raises(expected):
        await oauth.exchange_code(http, institution, "c", REDIRECT)


async def test_unreachable_canvas_is_unavailable(http: aiohttp.ClientSession, unused_tcp_port: int) -> None:
    table = {"slug": "gone", "name": "Gone U", "canvas_url": f"http://127.0.0.1:{unused_tcp_port}",
             "client_id": "1", "client_secret_env": "S"}
    institution = make_config({}, [table], {"S": "secret"}).institutions[0]
    with pytest.raises(CanvasUnavailable):
        await oauth.exchange_code(http, institution, "c", REDIRECT)
    with pytest.raises(CanvasUnavailable):
        await oauth.revoke_token(http, institution.canvas_url, "t")
