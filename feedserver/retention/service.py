"""Retention passes and the batched activity writes, in the background of every `serve` process.

A student's timeline, with the defaults (``retention_days = 180``,
``retention_warning_days = 30``):

1. every poll of their feeds and every signed-in request notes them active,
   in memory (feedserver/activity.py); each process writes what it noted
   every `ACTIVITY_WRITE_SECONDS` (records.write_activity: at most one
   UPDATE per student per day), and a write cancels a scheduled deletion;
2. after 150 days without activity a pass schedules their deletion for day
   180, or for 30 days from now if that is later, and /me says so (me.py);
3. once that day has passed by `DELETION_GRACE` (time for every live
   process to write what it noted before it), a pass revokes their grant
   at Canvas and deletes them, as a disconnect does (`disconnect`).

A pass also prunes sync-run records older than ``log_retention_days``.
Several processes may run passes: warnings and writes repeat their
conditions, and a deletion first takes the student's sync lease
(records.claim), so it happens once and never under a running sync.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker

from ..activity import ActivityLog
from ..config import ServerConfig
from ..metrics.instruments import RETENTION
from ..secure import random_token
from ..store.models import utcnow
from . import records
from .records import Inactive

__all__ = ["ACTIVITY_WRITE_SECONDS", "DELETION_GRACE", "PruneReport", "RetentionPolicy", "RetentionService"]

_LOGGER = logging.getLogger(__name__)

#: How often a process writes the activity it noted.
ACTIVITY_WRITE_SECONDS = 600.0
#: A deletion waits this long past its due time: by then every live process has written what it noted.
DELETION_GRACE = timedelta(seconds=2 * ACTIVITY_WRITE_SECONDS)
#: A process runs a retention pass this often (the first one an activity write after it starts).
PASS_SECONDS = 24 * 3600.0
#: How long a deletion holds the student's sync lease (revoking at Canvas is one request).
DELETION_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class RetentionPolicy:
    """How long data is kept (config: ``retention_days``, ``retention_warning_days``, ``log_retention_days``)."""

    retention: timedelta
    """No activity for this long: the student is deleted."""
    notice: timedelta
    """/me warns this long before (at least)."""
    log_retention: timedelta
    """Sync-run records older than this are pruned."""

    @classmethod
    def from_config(cls, server: ServerConfig) -> RetentionPolicy:
        return cls(timedelta(days=server.retention_days), timedelta(days=server.retention_warning_days),
                   timedelta(days=server.log_retention_days))


@dataclass
class PruneReport:
    """What a pass did, or with ``dry_run`` would do."""

    dry_run: bool
    warned: list[Inactive] = field(default_factory=list)
    deleted: list[Inactive] = field(default_factory=list)
    sync_runs: int = 0
    sync_runs_before: datetime | None = None

    def lines(self) -> list[str]:
        """One line per kind of action, for `muffin-feed prune` and the log."""
        verb = (lambda would, did: would) if self.dry_run else (lambda would, did: did)
        lines = [f"{verb('would warn', 'warned')} {len(self.warned)} inactive student(s) on /me"]
        lines += [f"  student {s.id}: last active {s.last_active:%Y-%m-%d}" for s in self.warned]
        lines.append(f"{verb('would delete', 'deleted')} {len(self.deleted)} student(s) warned and still inactive, "
                     "revoking their Canvas grants")
        lines += [f"  student {s.id}: last active {s.last_active:%Y-%m-%d}, due {s.deletion_due_at:%Y-%m-%d}"
                  for s in self.deleted]
        before = f" started before {self.sync_runs_before:%Y-%m-%d}" if self.sync_runs_before else ""
        lines.append(f"{verb('would prune', 'pruned')} {self.sync_runs} sync-run record(s){before}")
        return lines


class RetentionService:
    """Writes noted activity and runs retention passes; one per app, on ``app[retention_key]``."""

    def __init__(self, db: async_sessionmaker, activity: ActivityLog, policy: RetentionPolicy,
                 disconnect: Callable[[int], Awaitable[bool]], *,
                 clock: Callable[[], datetime] = utcnow, worker_id: str | None = None) -> None:
        self.db = db
        self.activity = activity
        self.policy = policy
        self.clock = clock
        self._disconnect = disconnect
        self.worker_id = worker_id or f"{socket.gethostname()[:50]}:{os.getpid()}:retention:{random_token(6)}"
        self._written: set[int] = set()  # ids this process wrote today: not sent again until tomorrow
        self._written_on: date | None = None
        self._loop: asyncio.Task[None] | None = None

    async def write_activity(self) -> int:
        """Write the activity noted since the last call; returns the rows written (ids sent again fail safe)."""
        now = self.clock()
        if self._written_on != now.date():
            self._written, self._written_on = set(), now.date()
        pending = self.activity.take() - self._written
        if not pending:
            return 0
        try:
            written = await records.write_activity(self.db, pending, now)
        except BaseException:
            self.activity.give_back(pending)  # the next write carries them
            raise
        self._written |= pending
        return written

    async def run_pass(self, *, dry_run: bool = False) -> PruneReport:
        """Warn, delete and prune once (`dry_run`: only find out what would go)."""
        now = self.clock()
        policy = self.policy
        report = PruneReport(dry_run=dry_run, sync_runs_before=now - policy.log_retention)
        if not dry_run:
            await self.write_activity()  # what this process noted counts before anyone is judged
        report.warned = await records.to_warn(self.db, now - (policy.retention - policy.notice))
        report.deleted = await records.due_for_deletion(self.db, due_by=now - DELETION_GRACE,
                                                        inactive_since=now - policy.retention)
        if dry_run:
            report.sync_runs = await records.old_sync_runs(self.db, now - policy.log_retention)
            return report
        RETENTION.labels("warned").inc(await records.warn(self.db, report.warned, retention=policy.retention,
                                                          notice=policy.notice, now=now))
        claimed = set(await records.claim(self.db, [s.id for s in report.deleted], owner=self.worker_id,
                                          until=now + DELETION_LEASE, now=now))
        report.deleted = [s for s in report.deleted if s.id in claimed]
        for student in report.deleted:
            await self._disconnect(student.id)
            RETENTION.labels("deleted").inc()
        report.sync_runs = await records.prune_sync_runs(self.db, now - policy.log_retention)
        RETENTION.labels("pruned_sync_runs").inc(report.sync_runs)
        if report.warned or report.deleted or report.sync_runs:
            _LOGGER.info("retention: %s", "; ".join(line for line in report.lines() if not line.startswith(" ")))
        return report

    def start(self, *, passes: bool) -> None:
        """Write activity every `ACTIVITY_WRITE_SECONDS` until `close()`; with `passes`, run a pass daily too."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop().create_task(self._forever(passes))

    async def close(self) -> None:
        """Stop the background work, then write what is still noted (a graceful stop loses no activity)."""
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
        try:
            await self.write_activity()
        except Exception as exc:  # noqa: BLE001 (shutting down: the database may be gone)
            _LOGGER.warning("retention: could not write noted activity at shutdown (%s)", type(exc).__name__)

    async def _forever(self, passes: bool) -> None:
        rng = random.Random()
        next_pass = time.monotonic()
        while True:
            # ±20 %: processes started together do not write together.
            await asyncio.sleep(ACTIVITY_WRITE_SECONDS * rng.uniform(0.8, 1.2))
            try:
                await self.write_activity()
                if passes and time.monotonic() >= next_pass:
                    next_pass = time.monotonic() + PASS_SECONDS
                    await self.run_pass()
            except Exception as exc:  # noqa: BLE001 (a database hiccup must not end retention)
                _LOGGER.warning("retention: %s; retrying later", type(exc).__name__)
