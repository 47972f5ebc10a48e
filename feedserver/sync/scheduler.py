"""The background scheduler: which student syncs when, and never twice at once.

Work is claimed in the database, so any number of server processes (and
`muffin-feed sync` from cron) can share one PostgreSQL: a round selects due
students ``FOR UPDATE SKIP LOCKED`` (PostgreSQL: concurrent claimers skip each
other's rows instead of queueing) and writes a lease on them with an UPDATE
whose WHERE repeats "lease free or expired". SQLAlchemy compiles SKIP LOCKED
to nothing on SQLite; there the conditional UPDATE alone is the guard, which
is enough because SQLite has one writer at a time (BEGIN IMMEDIATE, db.py).
A lease outlives the longest allowed sync, so a crashed process's students
are picked up again once it expires.

After each sync the lease is released and ``next_sync_at`` moves one interval
(config ``sync_interval_minutes``) ahead, give or take a random 10 %, so
students who signed up together do not stay in lockstep. Syncs run
concurrently, at most ``sync_concurrency_per_school`` per school, because
Canvas rate limits are per school host and token.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from ..metrics.instruments import SYNC_RUNS, SYNC_SECONDS
from ..secure import random_token
from ..source_status import UNAVAILABLE
from ..store.models import Institution as InstitutionRow
from ..store.models import Student
from .job import (
    SOURCE_SYNCS,
    SourceSync,
    StudentRef,
    SyncDeps,
    SyncOutcome,
    record_failure,
)

__all__ = ["SyncService", "SyncTooSoon"]

_LOGGER = logging.getLogger(__name__)


class SyncTooSoon(Exception):
    """The student asked for a sync less than `SyncService.request_interval` ago."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"a sync was requested recently; try again in {retry_after} s")
        self.retry_after = retry_after
        """Whole seconds until a request will be accepted (for a Retry-After header)."""


class SyncService:
    """Claims and runs syncs; one per server process, on ``app[sync_service_key]``."""

    def __init__(self, deps: SyncDeps, *, sources: Mapping[str, SourceSync] = SOURCE_SYNCS,
                 worker_id: str | None = None, interval: timedelta | None = None, jitter: float | None = None,
                 lease: timedelta | None = None, sync_timeout: timedelta | None = None,
                 concurrency_per_school: int | None = None, batch_size: int | None = None,
                 poll_seconds: float | None = None,
                 request_interval: float = 60.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        # Unset timings come from the config (`sync_*` keys in [server]); tests pass their own.
        server = deps.config.server
        lease = lease or timedelta(seconds=server.sync_lease_seconds)
        sync_timeout = sync_timeout or timedelta(seconds=server.sync_timeout_seconds)
        if sync_timeout >= lease:
            raise ValueError("the lease must outlast the longest sync")
        self.deps = deps
        self.sources = dict(sources)
        self.worker_id = worker_id or f"{socket.gethostname()[:60]}:{os.getpid()}:{random_token(6)}"
        self.interval = interval or timedelta(minutes=server.sync_interval_minutes)
        self.jitter = server.sync_jitter if jitter is None else jitter
        self.lease = lease
        self.sync_timeout = sync_timeout
        self.concurrency_per_school = max(1, concurrency_per_school or server.sync_concurrency_per_school)
        self.batch_size = batch_size or server.sync_batch_size
        self.poll_seconds = server.sync_poll_seconds if poll_seconds is None else poll_seconds
        self.request_interval = request_interval
        self._monotonic = monotonic
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._requested: dict[int, float] = {}
        self._tasks: set[asyncio.Task[SyncOutcome]] = set()
        self._loop: asyncio.Task[None] | None = None

    # -- entry points -----------------------------------------------------------

    async def sync_student(self, student_id: int) -> SyncOutcome:
        """Sync one student now, due or not (still under the lease, so never twice at once)."""
        refs = await self._claim(student_ids=[student_id], due_before=None, limit=1)
        if not refs:
            return SyncOutcome(student_id, await self._why_not(student_id))
        return await self._run(refs[0])

    async def run_round(self, *, due_before: datetime | None = None, limit: int | None = None,
                        student_ids: list[int] | None = None) -> list[SyncOutcome]:
        """Claim up to `limit` (default `batch_size`) students due by `due_before` (default now) and sync them.

        With `student_ids`, those students are synced whether due or not
        (leases still apply): `muffin-feed sync --all` walks everyone that way.
        """
        if student_ids is not None:
            refs = await self._claim(due_before=None, limit=len(student_ids), student_ids=student_ids)
        else:
            refs = await self._claim(due_before=due_before or self.deps.clock(), limit=limit or self.batch_size)
        return list(await asyncio.gather(*(self._run(ref) for ref in refs)))

    def request_sync(self, student_id: int) -> asyncio.Task[SyncOutcome]:
        """"Sync now" for a student: starts the sync in the background and returns its task.

        Raises `SyncTooSoon` when this student asked less than
        `request_interval` seconds ago (per process; the lease stops overlaps
        across processes).
        """
        now = self._monotonic()
        last = self._requested.get(student_id)
        if last is not None and now - last < self.request_interval:
            raise SyncTooSoon(max(1, math.ceil(self.request_interval - (now - last))))
        if len(self._requested) > 10_000:
            self._requested = {k: v for k, v in self._requested.items() if now - v < self.request_interval}
        self._requested[student_id] = now
        task = asyncio.get_running_loop().create_task(self.sync_student(student_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def syncable_ids(self) -> list[int]:
        """Ids of every student a round could sync (active, with a registered source)."""
        async with self.deps.db() as session:
            return list((await session.scalars(
                select(Student.id).where(Student.status == "active", Student.source.in_(self.sources))
                .order_by(Student.id))).all())

    @property
    def running(self) -> bool:
        """True while background rounds run (`start()` was called, `close()` not yet)."""
        return self._loop is not None and not self._loop.done()

    def start(self) -> None:
        """Run rounds in the background until `close()`."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop().create_task(self._forever())

    async def close(self) -> None:
        tasks = [t for t in (self._loop, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop = None

    # -- internals ----------------------------------------------------------------

    async def _forever(self) -> None:
        while True:
            try:
                outcomes = await self.run_round()
            except Exception as exc:  # noqa: BLE001 (a database hiccup must not end background sync)
                _LOGGER.warning("sync round failed (%s); retrying later", type(exc).__name__)
                outcomes = []
            if len(outcomes) < self.batch_size:
                await self.deps.sleep(self.poll_seconds * (0.5 + self.deps.rng.random()))

    async def _claim(self, *, due_before: datetime | None, limit: int,
                     student_ids: list[int] | None = None) -> list[StudentRef]:
        now = self.deps.clock()
        free = or_(Student.sync_lease_owner.is_(None), Student.sync_lease_expires_at < now)
        query = select(Student.id).where(Student.status == "active", Student.source.in_(self.sources), free)
        if due_before is not None:
            query = query.where(Student.next_sync_at <= due_before)
        if student_ids is not None:
            query = query.where(Student.id.in_(student_ids))
        query = query.order_by(Student.next_sync_at, Student.id).limit(limit).with_for_update(skip_locked=True)
        async with self.deps.db.begin() as session:
            ids = list((await session.scalars(query)).all())
            if not ids:
                return []
            # Repeating `free` makes the claim safe where SKIP LOCKED does not exist (SQLite).
            await session.execute(
                update(Student).where(Student.id.in_(ids), free)
                .values(sync_lease_owner=self.worker_id, sync_lease_expires_at=now + self.lease)
                .execution_options(synchronize_session=False))
            rows = (await session.execute(
                select(Student.id, InstitutionRow.slug, Student.source, Student.status)
                .join(InstitutionRow, InstitutionRow.id == Student.institution_id)
                .where(Student.id.in_(ids), Student.sync_lease_owner == self.worker_id)
                .order_by(Student.next_sync_at, Student.id))).all()
        return [StudentRef(*row) for row in rows]

    async def _why_not(self, student_id: int) -> str:
        async with self.deps.db() as session:
            row = (await session.execute(select(Student.status, Student.source).where(Student.id == student_id))).first()
        if row is None or row[0] != "active" or row[1] not in self.sources:
            return "skipped"
        return "busy"

    async def _run(self, ref: StudentRef) -> SyncOutcome:
        semaphore = self._semaphores.setdefault(ref.institution_slug, asyncio.Semaphore(self.concurrency_per_school))
        started = self.deps.clock()
        async with semaphore:
            began = self._monotonic()
            try:
                async with asyncio.timeout(self.sync_timeout.total_seconds()):
                    outcome = await self.sources[ref.source](self.deps, ref, self.worker_id)
            except TimeoutError:
                outcome = await record_failure(self.deps, ref.id, started, 0,
                                               f"the sync took longer than {self.sync_timeout}", self.worker_id,
                                               problem=UNAVAILABLE)
            except Exception as exc:  # noqa: BLE001 (one student's bug must not stop the round)
                # Only the type: an arbitrary exception's text may quote a URL or a value.
                _LOGGER.error("sync of student %s crashed: %s", ref.id, type(exc).__name__)
                outcome = await record_failure(self.deps, ref.id, started, 0,
                                               f"internal error ({type(exc).__name__})", self.worker_id)
        SYNC_SECONDS.labels(ref.source).observe(self._monotonic() - began)
        SYNC_RUNS.labels(ref.source, outcome.outcome).inc()
        await self._release(ref.id)
        return outcome

    async def _release(self, student_id: int) -> None:
        spread = self.interval.total_seconds() * self.jitter
        delay = self.interval.total_seconds() + self.deps.rng.uniform(-spread, spread)
        async with self.deps.db.begin() as session:
            await session.execute(
                update(Student).where(Student.id == student_id, Student.sync_lease_owner == self.worker_id)
                .values(sync_lease_owner=None, sync_lease_expires_at=None,
                        next_sync_at=self.deps.clock() + timedelta(seconds=delay))
                .execution_options(synchronize_session=False))
