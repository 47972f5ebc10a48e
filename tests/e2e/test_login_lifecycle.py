"""After sign-in: transparent refresh, revoked grants, disconnect, and logs without secrets.

Real sockets against the Canvas sandbox, on SQLite and PostgreSQL. Time moves
by replacing the TokenStore's clock and expiring tokens at the sandbox, never
by sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from feedserver.app import create_app
from feedserver.canvas.errors import ReconnectNeeded, TokenExpired, error_for_response
from feedserver.feeds.tokens import resolve_feed_token
from feedserver.logs import RouteAccessLogger
from feedserver.sandbox import SANDBOX_KEY, create_sandbox_app
from feedserver.store.models import (
    Assignment,
    CanvasToken,
    Course,
    FeedToken,
    RenderedFeed,
    Student,
)
from feedserver.auth.appkeys import token_store_key
from feedserver.typedefs import db_key
from tests.auth.helpers import count, csrf_of, session_cookie, sign_in, token_requests
from tests.conftest import make_config

NORTH_STUDENT = 1001

async def student_id_of(muffin: Any) -> int:
    async with muffin.app[db_key]() as session:
        return (await session.scalars(select(Student.id))).one()

async def canvas_status(muffin: Any, sandbox_url: str, token: str) -> tuple[int, Exception | None]:
    """What the sandbox's API says to `token`, and the error our hierarchy makes of it."""
    async with muffin.session.get(f"{sandbox_url}/api/v1/users/self",
                                  headers={"Authorization": f"Bearer {token}"}) as response:
        body = await response.text()
        return response.status, error_for_response(response.status, response.headers, body, what="GET self")

def an_hour_later() -> datetime:
    return datetime.now(UTC) + timedelta(hours=1)

async def test_expired_token_is_refreshed_once_for_20_concurrent_callers(muffin: Any, sandbox: Any) -> None:
    await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    student_id = await student_id_of(muffin)
    store = muffin.app[token_store_key]
    north = sandbox.schools["north"]
    old = await store.access_token(student_id)

    north.state.expire_access_tokens()
    later = an_hour_later()
    store.clock = lambda: later
    north.state.clear_request_log()
    tokens = await asyncio.gather(*(store.access_token(student_id) for _ in range(20)))

    assert len(set(tokens)) == 1 and tokens[0] != old
    assert token_requests(north.state) == 1
    assert (await canvas_status(muffin, north.url, tokens[0]))[0] == 200
    status, error = await canvas_status(muffin, north.url, old)
    assert status == 401 and isinstance(error, TokenExpired)
    async with muffin.app[db_key]() as session:
        row = await session.get(CanvasToken, student_id)
    assert row.expires_at == later + timedelta(hours=1)

async def test_a_401_triggers_one_refresh_for_20_concurrent_callers(muffin: Any, sandbox: Any) -> None:
    await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    student_id = await student_id_of(muffin)
    store = muffin.app[token_store_key]
    north = sandbox.schools["north"]
    old = await store.access_token(student_id)
    north.state.expire_access_tokens()  # Canvas says dead; our clock still says fine

    assert await store.access_token(student_id) == old
    status, error = await canvas_status(muffin, north.url, old)
    assert status == 401 and isinstance(error, TokenExpired)
    north.state.clear_request_log()
    tokens = await asyncio.gather(*(store.refresh(student_id, rejected=old) for _ in range(20)),
                                  *(store.access_token(student_id) for _ in range(5)))
    fresh = tokens[0]
    assert fresh != old and all(t == fresh for t in tokens[:20])
    assert token_requests(north.state) == 1
    assert (await canvas_status(muffin, north.url, fresh))[0] == 200

async def _seed_feed(muffin: Any, student_id: int) -> None:
    """Rows a sync and the feed renderer would have written."""
    async with muffin.app[db_key].begin() as session:
        course = Course(student_id=student_id, canvas_course_id="1", name="Biology", course_code="BIO 101")
        session.add(course)
        await session.flush()
        session.add(Assignment(student_id=student_id, course_id=course.id, canvas_assignment_id="7",
                               title="Lab report", content_hash="x" * 64))
        session.add(RenderedFeed(student_id=student_id, kind="all", body=b"BEGIN:VCALENDAR", etag='"e1"'))

async def test_revoked_grant_means_reconnect_with_the_old_feed_intact(muffin: Any, sandbox: Any) -> None:
    await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    student_id = await student_id_of(muffin)
    await _seed_feed(muffin, student_id)
    me = await (await muffin.get("/me")).text()
    feed_token = me.split('id="feed-url" value="', 1)[1].split('"', 1)[0].rsplit("/", 1)[1][:-4]
    assert "Reconnect Homework Muffin" not in me

    north = sandbox.schools["north"]
    north.state.revoke_user_tokens(NORTH_STUDENT)  # the student removed us in Canvas
    store = muffin.app[token_store_key]
    later = an_hour_later()
    store.clock = lambda: later
    north.state.clear_request_log()
    with pytest.raises(ReconnectNeeded):
        await store.access_token(student_id)
    with pytest.raises(ReconnectNeeded):
        await store.access_token(student_id)
    assert token_requests(north.state) == 1, "a known-dead grant must not be retried"

    async with muffin.app[db_key]() as session:
        assert (await session.get(Student, student_id)).status == "reconnect_needed"
        assert (await session.scalars(select(Assignment.title))).all() == ["Lab report"]
        # Re-rendered at once from the stored rows, with the one event that says what to do.
        assert b"SUMMARY:Reconnect Homework Muffin" in (await session.get(RenderedFeed, (student_id, "all"))).body
    assert await resolve_feed_token(muffin.app[db_key], feed_token) == (student_id, "all")

    page = await (await muffin.get("/me")).text()
    assert "Reconnect Homework Muffin" in page
    assert 'href="/login?institution=north&amp;return_to=/me"' in page
    # The web app and the embed widget say it too, before any sync has failed.
    problem = (await (await muffin.get("/api/me")).json())["problem"]
    assert (problem["kind"], problem["since"]) == ("reconnect_needed", f"{later:%Y-%m-%dT%H:%M:%SZ}")
    assert "Sign in with Canvas again" in problem["action"]
    assert "Reconnect Homework Muffin" in await (await muffin.get("/embed/feed")).text()

    again = await sign_in(muffin, "north", user_id=NORTH_STUDENT, return_to="/me")
    assert again.location == "/me"
    async with muffin.app[db_key]() as session:
        assert (await session.get(Student, student_id)).status == "active"
    assert "Reconnect Homework Muffin" not in await (await muffin.get("/me")).text()
    assert (await (await muffin.get("/api/me")).json())["problem"] is None
    assert (await canvas_status(muffin, north.url, await store.access_token(student_id)))[0] == 200

async def _assert_all_gone(muffin: Any, feed_token: str) -> None:
    for model in (Student, CanvasToken, FeedToken, Course, Assignment, RenderedFeed):
        assert await count(muffin, model) == 0, model.__name__
    assert await resolve_feed_token(muffin.app[db_key], feed_token) is None
    assert (await muffin.get(f"/feeds/{feed_token}.ics")).status == 404
    assert (await muffin.get("/me", allow_redirects=False)).headers["Location"] == "/"

async def _signed_in_with_feed(muffin: Any) -> tuple[int, str, str]:
    await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    student_id = await student_id_of(muffin)
    await _seed_feed(muffin, student_id)
    me = await (await muffin.get("/me")).text()
    feed_token = me.split('id="feed-url" value="', 1)[1].split('"', 1)[0].rsplit("/", 1)[1][:-4]
    return student_id, feed_token, await muffin.app[token_store_key].access_token(student_id)

async def test_disconnect_button_revokes_at_canvas_and_deletes_everything(muffin: Any, sandbox: Any) -> None:
    _, feed_token, access = await _signed_in_with_feed(muffin)
    north = sandbox.schools["north"]

    refused = await muffin.post("/disconnect", data={"csrf_token": "wrong"}, allow_redirects=False)
    assert refused.status == 403 and await count(muffin, Student) == 1
    done = await muffin.post("/disconnect", data={"csrf_token": await csrf_of(muffin)}, allow_redirects=False)
    assert (done.status, done.headers["Location"]) == (303, "/disconnected")

    assert north.state.tokens.grants == {}
    status, error = await canvas_status(muffin, north.url, access)
    assert status == 401 and isinstance(error, TokenExpired)
    await _assert_all_gone(muffin, feed_token)
    assert "You are disconnected" in await (await muffin.get("/disconnected")).text()

async def test_disconnect_with_an_expired_token_refreshes_to_revoke(muffin: Any, sandbox: Any) -> None:
    _, feed_token, _ = await _signed_in_with_feed(muffin)
    north = sandbox.schools["north"]
    north.state.expire_access_tokens()
    later = an_hour_later()
    muffin.app[token_store_key].clock = lambda: later
    done = await muffin.post("/disconnect", data={"csrf_token": await csrf_of(muffin)}, allow_redirects=False)
    assert done.status == 303
    assert north.state.tokens.grants == {}
    await _assert_all_gone(muffin, feed_token)

async def test_disconnect_completes_when_canvas_is_unreachable(muffin: Any, sandbox: Any,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    _, feed_token, _ = await _signed_in_with_feed(muffin)
    await sandbox.schools["north"].server.close()
    with caplog.at_level(logging.WARNING, logger="feedserver.auth.tokens"):
        done = await muffin.post("/disconnect", data={"csrf_token": await csrf_of(muffin)},
                                 allow_redirects=False)
    assert done.status == 303
    assert any("could not revoke" in r.getMessage() for r in caplog.records)
    await _assert_all_gone(muffin, feed_token)

async def test_delete_api_me(muffin: Any, sandbox: Any) -> None:
    anonymous = await muffin.delete("/api/me")
    assert anonymous.status == 401
    assert (await anonymous.json())["code"] == "not-signed-in"

    _, feed_token, access = await _signed_in_with_feed(muffin)
    origin = str(muffin.make_url("")).rstrip("/")
    for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
        refused = await muffin.delete("/api/me", headers=headers)
        assert refused.status == 403, headers
        assert refused.content_type == "application/problem+json"
        assert (await refused.json())["code"] == "csrf-failed"
    assert await count(muffin, Student) == 1

    done = await muffin.delete("/api/me", headers={"Origin": origin})
    assert done.status == 204
    assert sandbox.schools["north"].state.tokens.grants == {}
    await _assert_all_gone(muffin, feed_token)
    assert (await muffin.delete("/api/me", headers={"Origin": origin})).status == 401

async def test_logs_of_login_refresh_and_disconnect_hold_no_secret(sandbox: Any, database_url: str,
                                                                   muffin_port: int, aiohttp_client: Any,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    # Both servers as in production: ours logs route names; this Canvas logs nothing of its own.
    north = sandbox.world.schools["north"]
    canvas = TestServer(create_sandbox_app(sandbox.world, school="north"), host="127.0.0.1")
    await canvas.start_server(access_log=None)
    try:
        env = {"NORTH_SECRET": north.school_key.client_secret}
        config = make_config({"public_url": f"http://127.0.0.1:{muffin_port}", "database": database_url,
                              "background_sync": False},
                             [{"slug": "north", "name": north.name, "canvas_url": str(canvas.make_url("")).rstrip("/"),
                               "client_id": north.school_key.client_id, "client_secret_env": "NORTH_SECRET",
                               "pkce": True}], env)
        server = TestServer(create_app(config), host="127.0.0.1", port=muffin_port)
        await server.start_server(access_log_class=RouteAccessLogger)
        muffin = await aiohttp_client(server)
        caplog.set_level(logging.DEBUG)
        state = canvas.app[SANDBOX_KEY]
        secrets = {north.school_key.client_secret}

        login = await sign_in(muffin, "north", user_id=NORTH_STUDENT)
        secrets |= {login.callback_query["code"], login.callback_query["state"], login.query["code_challenge"]}
        secrets.add(session_cookie(muffin) or "no cookie")
        student_id = await student_id_of(muffin)
        store = muffin.app[token_store_key]
        grant = next(iter(state.tokens.grants.values()))
        secrets |= {grant.access_token, grant.refresh_token}
        me = await (await muffin.get("/me")).text()
        secrets.add(me.split('id="feed-url" value="', 1)[1].split('"', 1)[0].rsplit("/", 1)[1][:-4])
        csrf = await csrf_of(muffin)
        secrets.add(csrf)

        state.expire_access_tokens()
        later = an_hour_later()
        store.clock = lambda: later
        secrets.add(await store.access_token(student_id))
        secrets.add(session_cookie(muffin) or "no cookie")
        assert (await muffin.post("/disconnect", data={"csrf_token": csrf}, allow_redirects=False)).status == 303
    finally:
        await canvas.close()

    assert len(caplog.records) > 5
    assert any(r.name == "aiohttp.access" for r in caplog.records), "the access log was not captured"
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + (record.exc_text or "")
        for secret in secrets:
            assert secret not in text, f"a secret appears in a record of {record.name} ({record.funcName})"
    assert all(secret not in caplog.text for secret in secrets)
