"""TokenStore details beyond the end-to-end paths: other processes, failures, bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from feedserver.auth.appkeys import token_store_key
from feedserver.auth.tokens import TokenStore
from feedserver.canvas.errors import CanvasUnavailable, ReconnectNeeded
from feedserver.store.models import CanvasToken, Student
from feedserver.typedefs import cipher_key, config_key, db_key, http_key
from tests.auth.helpers import sign_in, token_requests


async def signed_in(muffin: Any) -> int:
    await sign_in(muffin, "north", user_id=1001)
    async with muffin.app[db_key]() as session:
        return (await session.scalars(select(Student.id))).one()


def second_process(muffin: Any) -> TokenStore:
    """Another server process: its own TokenStore and locks, the same database."""
    app = muffin.app
    return TokenStore(app[config_key], app[db_key], app[http_key], app[cipher_key])


async def test_a_refresh_by_another_process_is_picked_up(muffin: Any, sandbox: Any) -> None:
    student_id = await signed_in(muffin)
    here, there = muffin.app[token_store_key], second_process(muffin)
    old = await here.access_token(student_id)
    state = sandbox.schools["north"].state
    state.clear_request_log()

    fresh = await there.refresh(student_id, rejected=old)
    assert await here.refresh(student_id, rejected=old) == fresh
    assert token_requests(state) == 1


async def test_refresh_without_rejected_always_asks_canvas(muffin: Any, sandbox: Any) -> None:
    student_id = await signed_in(muffin)
    store = muffin.app[token_store_key]
    first = await store.refresh(student_id)
    second = await store.refresh(student_id)
    assert first != second
    assert await store.access_token(student_id) == second


async def test_an_unreachable_canvas_is_not_a_revoked_grant(muffin: Any, sandbox: Any) -> None:
    student_id = await signed_in(muffin)
    store = muffin.app[token_store_key]
    later = datetime.now(UTC) + timedelta(hours=2)
    store.clock = lambda: later
    await sandbox.schools["north"].server.close()
    with pytest.raises(CanvasUnavailable):
        await store.access_token(student_id)
    async with muffin.app[db_key]() as session:
        assert (await session.get(Student, student_id)).status == "active"


async def test_no_refresh_token_means_reconnect(muffin: Any, sandbox: Any) -> None:
    student_id = await signed_in(muffin)
    async with muffin.app[db_key].begin() as session:
        (await session.get(CanvasToken, student_id)).refresh_token_enc = None
    store = muffin.app[token_store_key]
    with pytest.raises(ReconnectNeeded):
        await store.refresh(student_id)
    async with muffin.app[db_key]() as session:
        assert (await session.get(Student, student_id)).status == "reconnect_needed"


async def test_save_grant_keeps_the_refresh_token_and_follows_the_clock(muffin: Any, sandbox: Any) -> None:
    student_id = await signed_in(muffin)
    store = muffin.app[token_store_key]
    fixed = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    store.clock = lambda: fixed
    async with muffin.app[db_key]() as session:
        before = await session.get(CanvasToken, student_id)
    await store.save_grant(student_id, {"access_token": "new-access", "token_type": "Bearer", "expires_in": 3600})
    async with muffin.app[db_key]() as session:
        after = await session.get(CanvasToken, student_id)
    cipher = muffin.app[cipher_key]
    assert cipher.decrypt(after.access_token_enc) == "new-access"
    assert cipher.decrypt(after.refresh_token_enc) == cipher.decrypt(before.refresh_token_enc)
    assert after.expires_at == fixed + timedelta(hours=1)

    await store.save_grant(student_id, {"access_token": "forever"})
    async with muffin.app[db_key]() as session:
        assert (await session.get(CanvasToken, student_id)).expires_at is None
    # A token without expiry is never refreshed ahead of time, whatever the clock says.
    store.clock = lambda: fixed + timedelta(days=365)
    assert await store.access_token(student_id) == "forever"
    with pytest.raises(ValueError):
        await store.save_grant(student_id, {"token_type": "Bearer"})


async def test_school_lookup_and_unknown_students(muffin: Any, sandbox: Any) -> None:
    student_id = await signed_in(muffin)
    store = muffin.app[token_store_key]
    assert (await store.institution(student_id)).slug == "north"
    assert await store.canvas_url(student_id) == sandbox.schools["north"].url
    with pytest.raises(LookupError):
        await store.institution(student_id + 100)
    with pytest.raises(ReconnectNeeded):
        await store.access_token(student_id + 100)
    await store.revoke(student_id + 100)  # nothing to revoke: no error
