"""Retention on both engines: activity written in batches, warnings on /me, deletion with the grant revoked, pruning.

The feed server runs on a real socket with the Canvas sandbox; time moves
through the service's injected clock and the stored dates, never by waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from feedserver.activity import ActivityLog
from feedserver.feeds.tokens import current_feed_token
from feedserver.retention.appkeys import retention_key
from feedserver.retention.service import DELETION_GRACE, RetentionService
from feedserver.store.models import FeedToken, Student, SyncRun
from feedserver.typedefs import cipher_key, db_key
from tests.auth.helpers import sign_in
from tests.sync.helpers import connect

NOW = datetime.now(UTC)


async def student_row(muffin: TestClient, student_id: int) -> Student | None:
    async with muffin.app[db_key]() as session:
        return await session.get(Student, student_id)


async def set_student(muffin: TestClient, student_id: int, **values: Any) -> None:
    async with muffin.app[db_key].begin() as session:
        await session.execute(update(Student).where(Student.id == student_id).values(**values))


def service_at(muffin: TestClient, moment: datetime, activity: ActivityLog | None = None) -> RetentionService:
    """The app's retention service seen from `moment` (another process's, when given its own activity log)."""
    own = muffin.app[retention_key]
    return RetentionService(own.db, activity or own.activity, own.policy, own._disconnect, clock=lambda: moment)


async def test_polls_are_written_in_batches_once_a_day_whichever_process_saw_them(muffin: TestClient,
                                                                                  sandbox: Any) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    for _ in range(3):
        assert (await muffin.get(student.feed_path)).status == 200
    assert (await student_row(muffin, student.student_id)).last_active_at is None  # type: ignore[union-attr]
    assert student.student_id in muffin.app[retention_key].activity.students  # noted in memory, not written

    assert await service_at(muffin, NOW).write_activity() == 1
    assert (await student_row(muffin, student.student_id)).last_active_at == NOW  # type: ignore[union-attr]
    # Later polls the same day, here and in another process: nothing more is written.
    assert (await muffin.get(student.feed_path)).status == 200
    other_process = ActivityLog()
    other_process.seen(student.student_id)
    assert await service_at(muffin, NOW + timedelta(hours=3)).write_activity() == 0
    assert await service_at(muffin, NOW + timedelta(hours=5), other_process).write_activity() == 0
    # A day on, one write again.
    other_process.seen(student.student_id)
    assert await service_at(muffin, NOW + timedelta(days=1, hours=1), other_process).write_activity() == 1


async def test_an_inactive_student_is_warned_then_deleted_and_their_grant_revoked(muffin: TestClient,
                                                                                  sandbox: Any) -> None:
    north = sandbox.schools["north"]
    gone = await connect(muffin, sandbox, "north", 1001)
    kept = await connect(muffin, sandbox, "north", 1002)
    long_ago = NOW - timedelta(days=160)
    await set_student(muffin, gone.student_id, last_active_at=long_ago)
    await set_student(muffin, kept.student_id, last_active_at=NOW - timedelta(days=10))

    dry = await service_at(muffin, NOW).run_pass(dry_run=True)
    assert [s.id for s in dry.warned] == [gone.student_id] and dry.deleted == []
    assert (await student_row(muffin, gone.student_id)).deletion_due_at is None  # type: ignore[union-attr]

    warned = await service_at(muffin, NOW).run_pass()
    assert [s.id for s in warned.warned] == [gone.student_id]
    due = (await student_row(muffin, gone.student_id)).deletion_due_at  # type: ignore[union-attr]
    assert due == NOW + timedelta(days=30)  # 180 days after long_ago is sooner: the full warning period wins

    # Not yet: due, but other processes may still hold activity they noted before the due time.
    assert (await service_at(muffin, due + DELETION_GRACE / 2).run_pass()).deleted == []
    later = due + DELETION_GRACE
    dry = await service_at(muffin, later).run_pass(dry_run=True)
    assert [s.id for s in dry.deleted] == [gone.student_id]
    done = await service_at(muffin, later).run_pass()
    assert [s.id for s in done.deleted] == [gone.student_id]
    assert await student_row(muffin, gone.student_id) is None
    assert (await muffin.get(gone.feed_path)).status == 404
    assert {g.user_id for g in north.state.tokens.grants.values()} == {1002}  # revoked at Canvas, the other kept
    assert await student_row(muffin, kept.student_id) is not None


async def test_activity_during_the_warning_cancels_the_deletion(muffin: TestClient, sandbox: Any) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    await set_student(muffin, student.student_id, last_active_at=NOW - timedelta(days=175))
    await service_at(muffin, NOW).run_pass()
    due = (await student_row(muffin, student.student_id)).deletion_due_at  # type: ignore[union-attr]
    assert due is not None
    assert (await muffin.get(student.feed_path)).status == 200  # their calendar app polls again
    assert await service_at(muffin, due - timedelta(minutes=1)).write_activity() == 1
    assert (await student_row(muffin, student.student_id)).deletion_due_at is None  # type: ignore[union-attr]
    report = await service_at(muffin, due + DELETION_GRACE).run_pass()
    assert report.deleted == [] and await student_row(muffin, student.student_id) is not None


async def test_me_tells_a_warned_student_and_their_visit_keeps_them(muffin: TestClient, sandbox: Any) -> None:
    login = await sign_in(muffin, "north", user_id=1001)
    assert login.status in (302, 303)
    async with muffin.app[db_key]() as session:
        student_id = await session.scalar(select(Student.id))
    await set_student(muffin, student_id, last_active_at=datetime(2026, 5, 4, 15, tzinfo=UTC),
                      deletion_due_at=datetime(2026, 12, 30, 15, tzinfo=UTC))
    muffin.app[retention_key].activity.take()  # forget the sign-in, so only the visit below counts
    page = await (await muffin.get("/me")).text()
    assert "We were about to delete your data" in page
    assert "May 2026" in page and "30 December 2026" in page
    assert student_id in muffin.app[retention_key].activity.students  # the visit is activity
    await service_at(muffin, NOW).write_activity()
    assert "We were about to delete your data" not in await (await muffin.get("/me")).text()


async def test_old_sync_runs_are_pruned_but_each_students_latest_stays(muffin: TestClient, sandbox: Any) -> None:
    student = await connect(muffin, sandbox, "north", 1001)
    async with muffin.app[db_key].begin() as session:
        for days in (200, 120, 100):  # the newest of these is still the student's latest run
            session.add(SyncRun(student_id=student.student_id, started_at=NOW - timedelta(days=days), outcome="ok"))
    dry = await service_at(muffin, NOW).run_pass(dry_run=True)
    assert dry.sync_runs == 2
    assert (await service_at(muffin, NOW).run_pass()).sync_runs == 2
    async with muffin.app[db_key]() as session:
        left = (await session.scalars(select(SyncRun.started_at))).all()
        tokens = await session.scalar(select(func.count()).select_from(FeedToken))
    assert [round((NOW - t).days) for t in left] == [100]
    assert tokens == 1 and await current_feed_token(muffin.app[db_key], muffin.app[cipher_key],
                                                    student.student_id) == student.feed_token
