"""No secret reaches a log line: sign-in, sync, refresh, polling, rotation, faults, revocation.

Captures every record at DEBUG (aiohttp's access log included, written by
RouteAccessLogger as `serve` configures it) and searches them for every
secret value the flow handled.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from feedserver.app import create_app
from feedserver.config import Config
from feedserver.feeds.tokens import current_feed_token, issue_feed_token
from feedserver.logs import RouteAccessLogger
from feedserver.store.models import Student
from feedserver.typedefs import cipher_key, db_key
from tests.auth.helpers import csrf_of, session_cookie, sign_in
from tests.sync.conftest import Sleeps, make_service
from tests.sync.helpers import PinnedClock


@pytest.fixture
async def logged(app_config: Config, muffin_port: int, aiohttp_client: Any) -> TestClient:
    server = TestServer(create_app(app_config), host="127.0.0.1", port=muffin_port)
    # As `muffin-feed serve` runs it (TestServer takes runner options only here).
    await server.start_server(access_log_class=RouteAccessLogger)
    return await aiohttp_client(server)


def grant_secrets(state: Any) -> set[str]:
    return {value for grant in state.tokens.grants.values()
            for value in (grant.access_token, grant.refresh_token) if value}


def formatted(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        text += "".join(traceback.format_exception(*record.exc_info))
    return text


async def test_no_secret_in_any_log_record(logged: TestClient, sandbox: Any, app_config: Config,
                                           caplog: pytest.LogCaptureFixture, clock: PinnedClock,
                                           sleeps: Sleeps) -> None:
    caplog.set_level(logging.DEBUG)
    state = sandbox.schools["north"].state
    secrets: set[str] = {inst.key.client_secret.reveal() for inst in app_config.institutions}

    login = await sign_in(logged, "north", user_id=1001)
    assert login.status == 302
    secrets |= {login.callback_query["code"], session_cookie(logged) or "missing", await csrf_of(logged)}
    async with logged.app[db_key]() as session:
        student_id = (await session.scalars(select(Student.id))).one()
    token = await current_feed_token(logged.app[db_key], logged.app[cipher_key], student_id)
    secrets |= {token} | grant_secrets(state)
    service = make_service(logged, clock, sleeps)

    assert (await service.sync_student(student_id)).outcome == "ok"
    for headers in ({}, {"Accept-Encoding": "identity"}):
        first = await logged.get(f"/feeds/{token}.ics", headers=headers)
        assert first.status == 200
        assert (await logged.get(f"/feeds/{token}.ics", headers={"If-None-Match": first.headers["ETag"]})).status == 304
    state.expire_access_tokens()
    assert (await service.sync_student(student_id)).outcome == "ok"  # refreshed on the way
    secrets |= grant_secrets(state)
    assert (await logged.post("/me/feed-settings", data={"csrf_token": await csrf_of(logged),
                                                         "submitted": "hide"}, allow_redirects=False)).status == 303
    rotated = await issue_feed_token(logged.app[db_key], logged.app[cipher_key], student_id)
    secrets.add(rotated)
    assert (await logged.get(f"/feeds/{token}.ics")).status == 404
    assert (await logged.get(f"/feeds/{rotated}.ics")).status == 200
    state.faults.malformed_json = True
    assert (await service.sync_student(student_id)).outcome == "error"
    state.faults.reset()
    secrets |= grant_secrets(state)
    state.revoke_user_tokens(1001)
    assert (await service.sync_student(student_id)).outcome == "error"
    assert (await logged.get(f"/feeds/{rotated}.ics")).status == 200

    assert len(secrets) >= 9 and all(len(s) >= 16 for s in secrets)
    records = caplog.records
    access = [r.getMessage() for r in records if r.name == "aiohttp.access"]
    assert any(line.startswith("GET feed 200 ") for line in access)
    assert any(line.startswith("GET feed 404 ") for line in access)
    assert any(line.startswith("GET oauth_callback 302 ") for line in access)
    assert any("refreshed the Canvas access token" in r.getMessage() for r in records)
    assert any("needs to reconnect" in r.getMessage() for r in records)
    leaks = [(r.name, secret[:6]) for r in records for secret in secrets if secret in formatted(r)]
    assert leaks == []
