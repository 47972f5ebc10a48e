"""Faults at Canvas leave the last good feed byte-identical, and the run says why."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from feedserver.auth.appkeys import token_store_key
from feedserver.store.models import Assignment, Student
from feedserver.sync.scheduler import SyncService
from feedserver.typedefs import config_key, db_key
from tests.sync.helpers import PinnedClock, connect, runs, sandbox_grant, stored_feed


def storm(state: Any) -> None:
    state.faults.server_errors = 10_000


def throttled(status: int) -> Callable[[Any], None]:
    def apply(state: Any) -> None:
        state.throttle_status = status
        state.faults.rate_limit_storm = True
    return apply


def switch(name: str) -> Callable[[Any], None]:
    return lambda state: setattr(state.faults, name, True)


FAULTS = [
    pytest.param(storm, r"Canvas answered 50[023]", id="5xx-storm"),
    pytest.param(switch("malformed_json"), r"not valid JSON", id="malformed-json"),
    pytest.param(switch("truncated_body"), r"cut short", id="truncated-body"),
    pytest.param(switch("pagination_loop"), r"pagination loop", id="pagination-loop"),
    pytest.param(throttled(403), r"rate limited \(403\)", id="rate-limit-storm-403"),
    pytest.param(throttled(429), r"rate limited \(429\)", id="rate-limit-storm-429"),
]


async def stored_rows(muffin: TestClient, student_id: int) -> list[tuple[Any, ...]]:
    async with muffin.app[db_key]() as session:
        rows = (await session.execute(
            select(Assignment.canvas_assignment_id, Assignment.content_hash, Assignment.sequence,
                   Assignment.last_modified, Assignment.submission_state)
            .where(Assignment.student_id == student_id).order_by(Assignment.canvas_assignment_id))).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(("fault", "reason"), FAULTS)
async def test_a_fault_keeps_the_last_good_feed(muffin: TestClient, sandbox: Any, service: SyncService,
                                                clock: PinnedClock, fault: Callable[[Any], None],
                                                reason: str) -> None:
    student = await connect(muffin, sandbox, "south", 2001)
    assert (await service.sync_student(student.student_id)).outcome == "ok"
    feed, rows = await stored_feed(muffin, student.student_id), await stored_rows(muffin, student.student_id)
    served = await (await muffin.get(student.feed_path)).read()
    assert served == feed

    state = sandbox.schools["south"].state
    state.edit_assignment(int(rows[0][0]), name="An edit the failed sync must not apply")
    fault(state)
    clock.moment += timedelta(hours=1)
    outcome = await service.sync_student(student.student_id)

    assert outcome.outcome == "error" and re.search(reason, outcome.error or "")
    last = (await runs(muffin, student.student_id))[-1]
    assert last.outcome == "error" and re.search(reason, last.error or "") and last.requests >= 1
    assert last.finished_at == clock()
    assert await stored_feed(muffin, student.student_id) == feed
    assert await stored_rows(muffin, student.student_id) == rows
    assert await (await muffin.get(student.feed_path)).read() == feed
    async with muffin.app[db_key]() as session:
        row = await session.get(Student, student.student_id)
        assert (row.status, row.last_sync_at) == ("active", clock() - timedelta(hours=1))

    state.faults.reset()
    recovered = await service.sync_student(student.student_id)
    assert (recovered.outcome, recovered.changed) == ("ok", 1)


async def test_a_revoked_grant_keeps_the_events_and_adds_a_reconnect_event(
        muffin: TestClient, sandbox: Any, service: SyncService, clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    await service.sync_student(student.student_id)
    feed = await stored_feed(muffin, student.student_id)
    rows = await stored_rows(muffin, student.student_id)
    state = sandbox.schools["north"].state
    state.revoke_user_tokens(1001)  # the student removed the integration in Canvas

    outcome = await service.sync_student(student.student_id)
    assert outcome.outcome == "error" and "sign in with Canvas again" in (outcome.error or "")
    assert (await runs(muffin, student.student_id))[-1].error == outcome.error
    async with muffin.app[db_key]() as session:
        assert (await session.get(Student, student.student_id)).status == "reconnect_needed"
    assert await stored_rows(muffin, student.student_id) == rows
    now = await stored_feed(muffin, student.student_id)
    block = re.search(rb"BEGIN:VEVENT\r\n(?:(?!END:VEVENT).)*?SUMMARY:Reconnect Homework Muffin.*?END:VEVENT\r\n",
                      now or b"", re.DOTALL)
    assert block is not None
    assert now.replace(block.group(0), b"") == feed  # every assignment event byte-identical  # type: ignore[union-attr]
    assert b"URL:http://127.0.0.1:" in block.group(0) and b"/me\r\n" in block.group(0)

    # Not synced while reconnect is needed...
    assert (await service.sync_student(student.student_id)).outcome == "skipped"
    assert await service.run_round(due_before=clock() + timedelta(days=365)) == []
    # ...until they sign in again: then the reconnect event goes and the feed is what it was.
    institution = muffin.app[config_key].institution("north")
    async with aiohttp.ClientSession() as http:
        grant = await sandbox_grant(http, sandbox.schools["north"].url, institution.key.client_id,
                                    institution.key.client_secret.reveal(), "http://127.0.0.1:1/oauth/callback", 1001)
    await muffin.app[token_store_key].save_grant(student.student_id, grant)
    back = await service.sync_student(student.student_id)
    assert (back.outcome, back.rendered) == ("ok", True)
    assert await stored_feed(muffin, student.student_id) == feed


async def test_canvas_down_for_a_day_puts_one_notice_in_the_feed_and_recovery_removes_it(
        muffin: TestClient, sandbox: Any, service: SyncService, clock: PinnedClock) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    await service.sync_student(student.student_id)
    feed = await stored_feed(muffin, student.student_id)
    storm(sandbox.schools["north"].state)

    started = clock()
    assert (await service.sync_student(student.student_id)).outcome == "error"
    async with muffin.app[db_key]() as session:
        row = await session.get(Student, student.student_id)
        assert (row.source_problem, row.source_problem_since) == ("unavailable", started)
    assert await stored_feed(muffin, student.student_id) == feed  # an hour's outage is no news
    clock.moment += timedelta(days=1)
    assert (await service.sync_student(student.student_id)).outcome == "error"
    down = await stored_feed(muffin, student.student_id)
    notice = re.search(rb"BEGIN:VEVENT\r\n(?:(?!END:VEVENT).)*?UID:hm-notice-.*?END:VEVENT\r\n", down or b"",
                       re.DOTALL)
    assert notice is not None and b"Canvas is not answering" in notice.group(0)
    assert down.replace(notice.group(0), b"") == feed  # type: ignore[union-attr]

    sandbox.schools["north"].state.faults.server_errors = 0
    clock.moment += timedelta(hours=1)
    assert (await service.sync_student(student.student_id)).outcome == "ok"
    assert await stored_feed(muffin, student.student_id) == feed
    async with muffin.app[db_key]() as session:
        assert (await session.get(Student, student.student_id)).source_problem is None
