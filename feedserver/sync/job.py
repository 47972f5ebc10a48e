"""One student's sync: fetch from Canvas, write the changes and the feed, record the run.

Ordering matters and is the point of this module:

1. everything is fetched first; any failure (Canvas down, throttled,
   malformed or truncated JSON, pagination loop, revoked grant) stops here
   and only a `SyncRun` with outcome "error" and the reason is written, so
   the stored assignments and the rendered feed stay byte-identical;
2. if Canvas answered byte for byte what it answered in the last successful
   run, and nothing of the student's row that the sync reads changed since
   (sync/unchanged.py), only the run and the good sync are recorded: nothing
   to parse, classify, store or render;
3. otherwise the answers are parsed (a malformed item fails the sync as in
   1, before anything is written), then one transaction writes the new,
   changed and deleted assignments, the re-rendered feed (only if something
   a calendar shows changed, or the last run failed, or there is no feed
   yet) and the run record together: a poll sees the old state or the new
   one, never a mix.

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
from typing import Any

import aiohttp
from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..canvas.client import CanvasClient, ClientPolicy, Sleep, TokenSource
from ..canvas.coursework import Coursework, CourseworkResponses, fetch_responses, parse_coursework
from ..canvas.errors import CanvasError, CanvasUnavailable, RateLimited, ReconnectNeeded
from ..config import Config
from ..feeds.publish import rerender
from ..settings import StudentSettings
from ..source_status import BROKEN, RECONNECT, UNAVAILABLE, shows_notice
from ..store.models import Student, SyncRun
from .apply import AssignmentValues, Changes, apply_coursework, snapshot_values
from .calendar_items import ItemValues
from .unchanged import read_sync_state, snapshot_digest, unchanged_since_last_run

__all__ = [
    "SOURCE_SYNCS",
    "SourceSync",
    "StudentRef",
    "SyncDeps",
    "SyncOutcome",
    "problem_of",
    "record_failure",
    "record_success",
    "success_values",
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
        return await record_failure(deps, student.id, started, 0, "the school is no longer configured", worker,
                                    problem=BROKEN)
    async with deps.db() as session:
        row = await read_sync_state(session, student.id)
    if row is None:
        return SyncOutcome(student.id, "skipped", error="student no longer exists")
    settings = StudentSettings.from_json(row.settings)
    client = CanvasClient(deps.http, institution.canvas_url, deps.tokens, student.id,
                          policy=deps.policy, sleep=deps.sleep, rng=deps.rng)
    try:
        responses = await fetch_responses(client, now=started, personal_code=(
            f"user_{row.canvas_user_id}" if settings.personal_events else None))
    except CanvasError as exc:
        return await _failed(deps, student.id, started, client.requests, exc, worker)
    digest = snapshot_digest(client.responses_digest, row)
    if unchanged_since_last_run(row, digest):
        # Only the run and the good sync are recorded: Core statements, no ORM objects.
        async with deps.db.begin() as session:
            await session.execute(insert(SyncRun).values(
                student_id=student.id, started_at=started, finished_at=deps.clock(), outcome="ok",
                requests=client.requests, canvas_digest=digest, worker=worker))
            await session.execute(update(Student).where(Student.id == student.id)
                                  .values(success_values(deps.clock())).execution_options(synchronize_session=False))
        _LOGGER.info("synced student %s: %d requests, unchanged", student.id, client.requests)
        return SyncOutcome(student.id, "ok", client.requests)
    try:
        # Parsing, HTML stripping and classification are CPU work: keep the event loop free for feed polls.
        coursework, (values, items) = await asyncio.to_thread(_interpret, responses, settings)
    except CanvasError as exc:  # a malformed item
        return await _failed(deps, student.id, started, client.requests, exc, worker)
    now = deps.clock()
    async with deps.db.begin() as session:
        changes = await apply_coursework(session, student.id, coursework, values, now, items)
        student_row = await session.get(Student, student.id)
        if student_row is not None:
            record_success(student_row, now)  # before rendering: the notice of a past problem goes
        rendered = False
        if _feed_is_stale(row, changes):
            result = await rerender(session, student.id, public_url=deps.config.server.public_url, now=now)
            rendered = any(result.values())
        session.add(SyncRun(student_id=student.id, started_at=started, finished_at=deps.clock(), outcome="ok",
                            requests=client.requests, added=changes.added, changed=changes.changed,
                            removed=changes.removed, worker=worker, canvas_digest=digest))
    _LOGGER.info("synced student %s: %d requests, +%d ~%d -%d", student.id, client.requests,
                 changes.added, changes.changed, changes.removed)
    return SyncOutcome(student.id, "ok", client.requests, changes.added, changes.changed, changes.removed, rendered)


def _interpret(responses: CourseworkResponses, settings: StudentSettings
               ) -> tuple[Coursework, tuple[list[AssignmentValues], list[ItemValues]]]:
    coursework = parse_coursework(responses)
    return coursework, snapshot_values(coursework, settings)


async def _failed(deps: SyncDeps, student_id: int, started: datetime, requests: int, exc: CanvasError,
                  worker: str | None) -> SyncOutcome:
    _LOGGER.info("sync of student %s failed: %s", student_id, type(exc).__name__)
    return await record_failure(deps, student_id, started, requests, str(exc), worker, problem=problem_of(exc))


def problem_of(exc: CanvasError) -> str:
    """The `feedserver.source_status` kind of a failed Canvas API sync."""
    if isinstance(exc, ReconnectNeeded):
        return RECONNECT
    if isinstance(exc, (CanvasUnavailable, RateLimited)):
        return UNAVAILABLE
    return BROKEN


def success_values(now: datetime) -> dict[str, Any]:
    """The student row's columns after a good sync: the source works again."""
    return {"last_sync_at": now, "source_problem": None, "source_problem_since": None}


def record_success(student: Student, now: datetime) -> None:
    """A good sync: the student's source works again (the caller re-renders: the last run failed)."""
    for name, value in success_values(now).items():
        setattr(student, name, value)


async def record_failure(deps: SyncDeps, student_id: int, started: datetime, requests: int, reason: str,
                         worker: str | None, *, problem: str = BROKEN) -> SyncOutcome:
    """Write an "error" run and the student's source problem; nothing else, but the feed
    when its notice changed (the problem lasted long enough, or became another one).

    `reason` must hold no secret: Canvas error messages are written that way
    (canvas/errors.py), feed errors too (canvasfeed/errors.py); other
    failures pass only their type's name. `problem` is a
    `feedserver.source_status` kind.
    """
    reason = reason[:ERROR_TEXT_LIMIT]
    now = deps.clock()
    async with deps.db.begin() as session:
        student = await session.get(Student, student_id)
        if student is None:
            return SyncOutcome(student_id, "skipped", requests, error="student no longer exists")
        # What the feed showed after the last run (the last time it was rendered for a failure).
        last_run = await session.scalar(select(SyncRun.finished_at).where(SyncRun.student_id == student_id)
                                        .order_by(SyncRun.id.desc()).limit(1))
        shown_before = _notice(student, last_run or started)
        if student.source_problem_since is None:
            student.source_problem_since = started  # the first failure since the last good sync
        student.source_problem = problem
        rendered = False
        if _notice(student, now) != shown_before:
            # The feed keeps its events and gains (or changes) its one notice event.
            result = await rerender(session, student_id, public_url=deps.config.server.public_url, now=now)
            rendered = any(result.values())
        session.add(SyncRun(student_id=student_id, started_at=started, finished_at=now, outcome="error",
                            requests=requests, error=reason, worker=worker))
    return SyncOutcome(student_id, "error", requests, error=reason, rendered=rendered)


def _notice(student: Student, now: datetime) -> str | None:
    """Which problem the feed shows a notice for at `now` (None: none)."""
    shown = shows_notice(student.source_problem, student.source_problem_since, now)
    return student.source_problem if shown else None


def _feed_is_stale(state: Row[Any], changes: Changes) -> bool:
    """Whether the feed must be rendered again: something changed, the last run failed (the feed
    may show a state, such as reconnect needed, that is over now) or it was never rendered.
    `state` is `read_sync_state`'s, read before the fetch (only syncs write runs, under the lease)."""
    return changes.any or state.last_outcome != "ok" or not state.feed_rendered


#: How each `Student.source` is synced. Sources without an entry are never claimed.
SOURCE_SYNCS: Mapping[str, SourceSync] = {"oauth": sync_oauth_student}
