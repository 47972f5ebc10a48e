"""publish.rerender: what goes into a stored feed, and when the stored row changes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from feedserver.feeds.preferences import update_settings
from feedserver.feeds.publish import etag_for, rerender
from feedserver.feeds.tokens import issue_feed_token
from feedserver.store.models import Assignment, PlannedSession, RenderedFeed
from feedserver.sync.scheduler import SyncService
from feedserver.typedefs import cipher_key, db_key
from tests.feeds.parsers import parse_everywhere
from tests.sync.helpers import PinnedClock, connect, stored_feed


async def test_planned_sessions_join_the_feed_when_suggestions_are_on(muffin: TestClient, sandbox: Any,
                                                                      service: SyncService) -> None:
    student = await connect(muffin, sandbox, "south", 2001)
    await service.sync_student(student.student_id)
    db = muffin.app[db_key]
    async with db.begin() as session:
        aid = (await session.scalars(select(Assignment.canvas_assignment_id)
                                     .where(Assignment.student_id == student.student_id))).first()
        session.add(PlannedSession(student_id=student.student_id, canvas_assignment_id=aid,
                                   day=date(2026, 11, 12), hours=1.5, reason="Spread before a busy week."))
    host = sandbox.schools["south"].url.split("://", 1)[1]
    uid = f"hm-session-{aid}-20261112@{host}"
    before = await stored_feed(muffin, student.student_id)

    await update_settings(db, student.student_id, {"suggestions": True})
    with_sessions = parse_everywhere(await stored_feed(muffin, student.student_id) or b"")
    assert uid in with_sessions
    assert set(with_sessions) - {uid} == set(parse_everywhere(before or b""))
    token = await issue_feed_token(db, muffin.app[cipher_key], student.student_id, kind="sessions")
    only = parse_everywhere(await (await muffin.get(f"/feeds/{token}-sessions.ics")).read())
    assert set(only) == {uid}

    await update_settings(db, student.student_id, {"suggestions": False})
    assert await stored_feed(muffin, student.student_id) == before


async def test_the_stored_row_changes_only_with_the_bytes(muffin: TestClient, sandbox: Any, service: SyncService,
                                                          clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "south", 2001)
    await service.sync_student(student.student_id)
    db = muffin.app[db_key]
    async with db.begin() as session:
        assert await rerender(session, student.student_id, public_url=None,
                              now=clock() + timedelta(days=1)) == {"all": False}
        row = await session.get(RenderedFeed, (student.student_id, "all"))
        assert row.rendered_at == clock() and row.etag == etag_for(row.body)
    async with db.begin() as session:
        assert await rerender(session, 12345, public_url=None, now=clock()) == {}
