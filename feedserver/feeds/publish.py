"""Rendering a student's feed from the database into `rendered_feeds`.

Feeds are rendered when their data changes (a sync that changed something, a
settings change, a status change), never on a poll: polls serve the stored
bytes (cache.py). The stored row is rewritten only when the bytes differ, so
its `rendered_at` is the feed's true Last-Modified and its ETag stays put
across no-op renders. The gzip bytes calendar apps ask for are made here too,
once per change, so that a process's first poll of a feed is one indexed read
(cache.py) instead of a compression.

Every function takes an open `AsyncSession`, so callers render inside the
same transaction that changed the data: a poll never sees new assignments
with an old feed, or the reverse. The inputs are the student row, their
published assignments and calendar items with course codes, the notice of a
source problem (feedserver.source_status), and the suggested work sessions
that `feedserver.planning` stored (read by sessions.py; only when the student
turned them on).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..settings import StudentSettings
from ..source_status import PROBLEMS, notice_starts, shows_notice
from ..store.models import Assignment, CalendarItem, Course, RenderedFeed, Student
from ..store.models import Institution as InstitutionRow
from .render import FeedAssignment, FeedContext, FeedItem, FeedNotice, WorkSession, render_feed
from .sessions import work_sessions
from .tokens import FEED_KINDS

__all__ = ["FeedInputs", "etag_for", "feed_inputs", "gzip_body", "rerender"]


def etag_for(body: bytes) -> str:
    """Strong ETag from the content: equal bytes, equal tag, in every process."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def gzip_body(body: bytes) -> bytes:
    """The gzip representation of a feed: the same bytes in every process (mtime 0)."""
    return gzip.compress(body, compresslevel=6, mtime=0)


@dataclass(frozen=True)
class FeedInputs:
    context: FeedContext
    assignments: list[FeedAssignment]
    items: list[FeedItem]


#: The stored columns a feed shows, named as `FeedAssignment` and `FeedItem` name them.
_ASSIGNMENT_COLUMNS = tuple(f.name for f in fields(FeedAssignment) if f.name not in ("canvas_course_id", "course_code"))
_ITEM_COLUMNS = tuple(f.name for f in fields(FeedItem) if f.name not in ("canvas_course_id", "course_code"))


async def feed_inputs(session: AsyncSession, student_id: int, *, public_url: str | None,
                      now: datetime) -> FeedInputs | None:
    """The render inputs of one student, or None if the student does not exist.

    `now` decides whether a source problem has lasted long enough to show.
    """
    row = (await session.execute(
        select(Student, InstitutionRow.canvas_host, InstitutionRow.name)
        .join(InstitutionRow, InstitutionRow.id == Student.institution_id)
        .where(Student.id == student_id)
    )).first()
    if row is None:
        return None
    student, canvas_host, school_name = row
    key = hashlib.sha256(f"{canvas_host}/{student.canvas_user_id}".encode()).hexdigest()[:16]
    zone = student.time_zone or "UTC"
    notice = None
    if student.source_problem and student.source_problem_since and shows_notice(
            student.source_problem, student.source_problem_since, now):
        problem = PROBLEMS[student.source_problem]
        starts = notice_starts(problem.kind, student.source_problem_since)
        notice = FeedNotice(problem.headline, f"{problem.explanation}\n{problem.action}",
                            starts.astimezone(_zone(zone)).date())
    context = FeedContext(
        canvas_host=canvas_host,
        school_name=school_name,
        time_zone=zone,
        settings=StudentSettings.from_json(student.settings),
        reconnect_needed=student.status == "reconnect_needed",
        me_url=f"{public_url.rstrip('/')}/me" if public_url else None,
        student_key=key,
        notice=notice,
    )
    # Columns, not ORM objects: a feed reads hundreds of rows and changes none of them.
    assignments = [FeedAssignment(**row._mapping) for row in (await session.execute(
        select(*(getattr(Assignment, name) for name in _ASSIGNMENT_COLUMNS),
               Course.canvas_course_id, Course.course_code)
        .join(Course, Course.id == Assignment.course_id)
        .where(Assignment.student_id == student_id, Assignment.published.is_(True))
    ))]
    items = [FeedItem(**{**row._mapping, "course_code": row.course_code or ""}) for row in (await session.execute(
        select(*(getattr(CalendarItem, name) for name in _ITEM_COLUMNS),
               Course.canvas_course_id, Course.course_code)
        .outerjoin(Course, Course.id == CalendarItem.course_id)
        .where(CalendarItem.student_id == student_id)
    ))]
    return FeedInputs(context, assignments, items)


async def rerender(session: AsyncSession, student_id: int, *, public_url: str | None, now: datetime,
                   kinds: Iterable[str] | None = None) -> dict[str, bool]:
    """Render and store the student's feeds; {kind: True if the stored bytes changed}.

    `kinds` defaults to "all" plus every kind already stored for the student
    (a sessions feed is first rendered when it is first polled).
    """
    # Lock the student row first (PostgreSQL; SQLite's single writer already
    # serialises): a sync and a settings change rendering at the same time
    # would otherwise let the one that read older settings or data write last.
    await session.execute(select(Student.id).where(Student.id == student_id).with_for_update())
    existing = {
        row.kind: row for row in
        (await session.scalars(select(RenderedFeed).where(RenderedFeed.student_id == student_id))).all()
    }
    wanted = list(dict.fromkeys(kinds if kinds is not None else ["all", *existing]))
    inputs = await feed_inputs(session, student_id, public_url=public_url, now=now)
    if inputs is None:
        return {}
    context = inputs.context
    sessions = await work_sessions(session, student_id, context.settings, context.time_zone)
    changed: dict[str, bool] = {}
    for kind in wanted:
        if kind not in FEED_KINDS:
            raise ValueError(f"unknown feed kind {kind!r}")
        row = existing.get(kind)
        # A thread, so polls keep being answered meanwhile: a 300-assignment feed takes ~15 ms to
        # render, 1 ms to hash and 5 ms to gzip (docs/performance.md), and the last two let go of the GIL.
        body, etag, body_gzip = await asyncio.to_thread(
            _render, context, inputs, now=now, kind=kind, sessions=sessions,
            stored_etag=None if row is None or row.body_gzip is None else row.etag)
        if row is None:
            session.add(RenderedFeed(student_id=student_id, kind=kind, body=body, body_gzip=body_gzip,
                                     etag=etag, rendered_at=now))
            changed[kind] = True
        elif row.etag != etag:
            row.body, row.body_gzip, row.etag, row.rendered_at = body, body_gzip, etag, now
            changed[kind] = True
        else:
            if row.body_gzip is None:  # rendered before migration 0007
                row.body_gzip = body_gzip
            changed[kind] = False
    await session.flush()
    return changed


def _render(context: FeedContext, inputs: FeedInputs, *, now: datetime, kind: str, sessions: list[WorkSession],
            stored_etag: str | None) -> tuple[bytes, str, bytes | None]:
    """The feed's bytes, ETag and gzip bytes; no gzip (None) when the ETag is `stored_etag`,
    whose stored gzip bytes are still right."""
    body = render_feed(context, inputs.assignments, now=now, kind=kind, sessions=sessions, items=inputs.items)
    etag = etag_for(body)
    return body, etag, None if etag == stored_etag else gzip_body(body)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
