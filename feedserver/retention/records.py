"""The database side of retention: activity written in batches, warnings, who is due, old sync runs.

Every function here is safe to run from several processes at once: each
UPDATE repeats its condition, so a second process finds nothing left to do.
A student counts from `Student.created_at` until some activity was written.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..store.models import Student, SyncRun

__all__ = [
    "ACTIVITY_WRITE_EVERY",
    "Inactive",
    "claim",
    "due_for_deletion",
    "old_sync_runs",
    "prune_sync_runs",
    "to_warn",
    "warn",
    "write_activity",
]

#: A student's activity is written at most once per this period (all processes together).
ACTIVITY_WRITE_EVERY = timedelta(days=1)
#: Ids per statement (well under SQLite's bound-parameter limit).
_BATCH = 500

_LAST_ACTIVE = func.coalesce(Student.last_active_at, Student.created_at)


@dataclass(frozen=True)
class Inactive:
    """A student retention acts on."""

    id: int
    last_active: datetime
    """When they last polled or signed in (or signed up, if never since)."""
    deletion_due_at: datetime | None


async def write_activity(db: async_sessionmaker, student_ids: Collection[int], now: datetime) -> int:
    """Record that these students were active `now`; returns the rows written.

    A row is written only when its last activity is older than
    `ACTIVITY_WRITE_EVERY` or a deletion is scheduled (activity cancels it),
    so a student polled all day by several processes costs one write a day.
    """
    written = 0
    ids = sorted(student_ids)
    async with db.begin() as session:
        for start in range(0, len(ids), _BATCH):
            result = await session.execute(
                update(Student)
                .where(Student.id.in_(ids[start:start + _BATCH]),
                       or_(Student.last_active_at.is_(None), Student.last_active_at < now - ACTIVITY_WRITE_EVERY,
                           Student.deletion_due_at.is_not(None)))
                .values(last_active_at=now, deletion_due_at=None)
                .execution_options(synchronize_session=False))
            written += result.rowcount or 0
    return written


async def to_warn(db: async_sessionmaker, inactive_since: datetime) -> list[Inactive]:
    """Students without activity since `inactive_since` and not warned yet."""
    async with db() as session:
        rows = (await session.execute(
            select(Student.id, _LAST_ACTIVE, Student.deletion_due_at)
            .where(Student.deletion_due_at.is_(None), _LAST_ACTIVE < inactive_since)
            .order_by(Student.id))).all()
    return [Inactive(*row) for row in rows]


async def warn(db: async_sessionmaker, students: Sequence[Inactive], *, retention: timedelta,
               notice: timedelta, now: datetime) -> int:
    """Schedule each student's deletion: `retention` after their last activity, but never sooner than `notice`
    from now (a student first found inactive today still gets the whole warning period)."""
    warned = 0
    async with db.begin() as session:
        for student in students:
            due = max(student.last_active + retention, now + notice)
            result = await session.execute(
                update(Student).where(Student.id == student.id, Student.deletion_due_at.is_(None),
                                      _LAST_ACTIVE <= student.last_active)  # no activity written since
                .values(deletion_due_at=due).execution_options(synchronize_session=False))
            warned += result.rowcount or 0
    return warned


async def due_for_deletion(db: async_sessionmaker, *, due_by: datetime, inactive_since: datetime) -> list[Inactive]:
    """Warned students whose deletion fell due by `due_by` and who have had no activity since `inactive_since`."""
    async with db() as session:
        rows = (await session.execute(
            select(Student.id, _LAST_ACTIVE, Student.deletion_due_at)
            .where(Student.deletion_due_at <= due_by, _LAST_ACTIVE < inactive_since)
            .order_by(Student.deletion_due_at, Student.id))).all()
    return [Inactive(*row) for row in rows]


async def claim(db: async_sessionmaker, student_ids: Sequence[int], *, owner: str, until: datetime,
                now: datetime) -> list[int]:
    """Take the sync lease of students about to be deleted: no sync runs on them, no other process deletes them.

    Returns the ids this call holds (leases held by a running sync are left alone: the next pass retries).
    """
    if not student_ids:
        return []
    free = or_(Student.sync_lease_owner.is_(None), Student.sync_lease_expires_at < now)
    async with db.begin() as session:
        await session.execute(
            update(Student).where(Student.id.in_(student_ids), free, Student.deletion_due_at.is_not(None))
            .values(sync_lease_owner=owner, sync_lease_expires_at=until)
            .execution_options(synchronize_session=False))
        return list((await session.scalars(
            select(Student.id).where(Student.id.in_(student_ids), Student.sync_lease_owner == owner)
            .order_by(Student.id))).all())


def _old_runs(before: datetime) -> tuple[ColumnElement[bool], ...]:
    # Each student's latest run stays: it is what /me and the next sync read ("did the last one fail?").
    latest = select(func.max(SyncRun.id)).group_by(SyncRun.student_id)
    return SyncRun.started_at < before, SyncRun.id.not_in(latest)


async def old_sync_runs(db: async_sessionmaker, before: datetime) -> int:
    """How many sync-run records `prune_sync_runs(before)` would delete."""
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(SyncRun).where(*_old_runs(before))) or 0)


async def prune_sync_runs(db: async_sessionmaker, before: datetime) -> int:
    """Delete sync-run records started before `before`, except each student's latest; returns how many."""
    async with db.begin() as session:
        result = await session.execute(delete(SyncRun).where(*_old_runs(before))
                                       .execution_options(synchronize_session=False))
    return result.rowcount or 0
