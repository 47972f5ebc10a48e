"""One student's sync: fetch from Canvas, write the changes and the feed, record the run.

Ordering matters and is the point of this module:

1. everything is fetched and parsed first; any failure (Canvas down, throttled,
   malformed or truncated JSON, pagination loop, revoked grant) stops here
   and only a `SyncRun` with outcome "error" and the reason is written, so
   the stored assignments and the rendered feed stay byte-identical;
2. if Canvas answered byte for byte what it answered in the last successful
   run (sync/unchanged.py), only the run is recorded: nothing to classify,
   store or render;
3. otherwise one transaction writes the new, changed and deleted assignments, the
   re-rendered feed (only if something a calendar shows changed, or the last
   run failed, or there is no feed yet) and the run record together: a poll
   sees the old state or the new one, never a mix.

How a student is synced depends on where their data comes from (`Student.source`):
`SOURCE_SYNCS` maps a source to its function. "oauth" (the Canvas API) is
here; app.py's table of sources adds the Canvas calendar feed's
(canvasfeed/source.py).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..canvas.client import CanvasClient, ClientPolicy, Sleep, TokenSource
from ..canvas.coursework import fetch_coursework
from ..canvas.errors import CanvasError, ReconnectNeeded
from ..config import Config
from ..feeds.publish import rerender
from ..store.models import RenderedFeed, Student, SyncRun
from .apply import Changes, apply_coursework, assignment_values
from .unchanged import snapshot_digest, unchanged_since_last_run

__all__ = [
    "SOURCE_SYNCS",
    "SourceSync",
    "StudentRef",
    "SyncDeps",
    "SyncOutcome",
    "record_failure",
    "sync_oauth_student",
    "utc_now",
]

_LOGGER = logging.getLogger(__name__)
ERROR_TEXT_LIMIT = 500


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SyncDeps:
    """What a sync needs; tests swap the clock, sleep and random generator."""

    config: Config
    db: async_sessionmaker
    http: aiohttp.ClientSession
    tokens: TokenSource
    clock: Callable[[], datetime] = utc_now
    sleep: Sleep = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)
    policy: ClientPolicy = field(default_factory=ClientPolicy)


@dataclass(frozen=True)
class StudentRef:
    id: int
    institution_slug: str
    source: str
    status: str


@dataclass(frozen=True)
class SyncOutcome:
    student_id: int
    outcome: str
    """ok, error, busy (another worker holds the lease) or skipped (reconnect needed, no source)."""
    requests: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    rendered: bool = False
    """True if the stored feed bytes changed."""
    error: str | None = None


SourceSync = Callable[[SyncDeps, StudentRef, str | None], Awaitable[SyncOutcome]]


async def sync_oauth_student(deps: SyncDeps, student: StudentRef, worker: str | None = None) -> SyncOutcome:
    """Sync a student who signed in with Canvas (OAuth): the Canvas REST API."""
    started = deps.clock()
    institution = deps.config.institution(student.institution_slug)
    if institution is None:
        return await record_failure(deps, student.id, started, 0, "the school is no longer configured", worker)
    client = CanvasClient(deps.http, institution.canvas_url, deps.tokens, student.id,
                          policy=deps.policy, sleep=deps.sleep, rng=deps.rng)
    try:
        coursework = await fetch_coursework(client)
    except CanvasError as exc:
        _LOGGER.info("sync of student %s failed: %s", student.id, type(exc).__name__)
        return await record_failure(deps, student.id, started, client.requests, str(exc), worker,
                                    rerender_feed=isinstance(exc, ReconnectNeeded))
    digest = snapshot_digest(client.responses_digest)
    async with deps.db() as session:
        unchanged = await unchanged_since_last_run(session, student.id, digest)
    if unchanged:
        now = deps.clock()
        async with deps.db.begin() as session:
            session.add(SyncRun(student_id=student.id, started_at=started, finished_at=now, outcome="ok",
                                requests=client.requests, canvas_digest=digest, worker=worker))
            row = await session.get(Student, student.id)
            if row is not None:
                row.last_sync_at = now
        _LOGGER.info("synced student %s: %d requests, unchanged", student.id, client.requests)
        return SyncOutcome(student.id, "ok", client.requests)
    # HTML stripping and classification are CPU work: keep the event loop free for feed polls.
    values = await asyncio.to_thread(assignment_values, coursework.assignments)
    now = deps.clock()
    async with deps.db.begin() as session:
        changes = await apply_coursework(session, student.id, coursework, values, now)
        rendered = False
        if await _feed_is_stale(session, student.id, changes):
            result = await rerender(session, student.id, public_url=deps.config.server.public_url, now=now)
            rendered = any(result.values())
        session.add(SyncRun(student_id=student.id, started_at=started, finished_at=deps.clock(), outcome="ok",
                            requests=client.requests, added=changes.added, changed=changes.changed,
                            removed=changes.removed, worker=worker, canvas_digest=digest))
        row = await session.get(Student, student.id)
        if row is not None:
            row.last_sync_at = now
    _LOGGER.info("synced student %s: %d requests, +%d ~%d -%d", student.id, client.requests,
                 changes.added, changes.changed, changes.removed)
    return SyncOutcome(student.id, "ok", client.requests, changes.added, changes.changed, changes.removed, rendered)


async def record_failure(deps: SyncDeps, student_id: int, started: datetime, requests: int, reason: str,
                         worker: str | None, *, rerender_feed: bool = False) -> SyncOutcome:
    """Write an "error" run and nothing else (but the feed, when the student's status changed).

    `reason` must hold no secret: Canvas error messages are written that way
    (canvas/errors.py); other failures pass only their type's name.
    """
    reason = reason[:ERROR_TEXT_LIMIT]
    async with deps.db.begin() as session:
        if await session.get(Student, student_id) is None:
            return SyncOutcome(student_id, "skipped", requests, error="student no longer exists")
        rendered = False
        if rerender_feed:
            # The grant is gone: the feed keeps its events and gains the "Reconnect" event.
            result = await rerender(session, student_id, public_url=deps.config.server.public_url, now=deps.clock())
            rendered = any(result.values())
        session.add(SyncRun(student_id=student_id, started_at=started, finished_at=deps.clock(), outcome="error",
                            requests=requests, error=reason, worker=worker))
    return SyncOutcome(student_id, "error", requests, error=reason, rendered=rendered)


async def _feed_is_stale(session: AsyncSession, student_id: int, changes: Changes) -> bool:
    if changes.any:
        return True
    last = await session.scalar(
        select(SyncRun.outcome).where(SyncRun.student_id == student_id).order_by(SyncRun.id.desc()).limit(1))
    if last != "ok":
        # After a failed run the feed may show a state (reconnect needed) that is over now.
        return True
    stored = await session.scalar(
        select(RenderedFeed.kind).where(RenderedFeed.student_id == student_id, RenderedFeed.kind == "all"))
    return stored is None


#: How each `Student.source` is synced. Sources without an entry are never claimed.
SOURCE_SYNCS: Mapping[str, SourceSync] = {"oauth": sync_oauth_student}
