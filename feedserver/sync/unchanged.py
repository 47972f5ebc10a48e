"""Recognising a sync in which nothing changed in Canvas, before doing any of its work.

Most syncs find nothing new (the hourly steady state). Canvas sends no ETag
on the endpoints a sync reads and no course `updated_at` to compare
(docs/canvas-facts.md §5), so the check is our own: the digest of every
response body the sync read (`CanvasClient.responses_digest`). When it equals
the digest of the student's last run, and that run succeeded and left a
rendered feed, the stored assignments and the feed are exactly what this
sync would write again: parsing, classification, storage and rendering are skipped
and only the run is recorded (with what a good sync does to the student row).

What a sync stores depends on more than Canvas's answers: the student's
settings choose which calendar items are kept and whether personal events
are fetched, and a fold (store/feed_students.py) merges settings and
replaces feed URLs. So the digest also covers the row's state that a sync
reads (`_ROW_STATE`); a change to any of it makes the next sync do the full
work once. A student with a source problem (set by a failed sync, or outside
a sync when a grant is found gone) is never skipped: their feed shows a
notice that only a full sync's re-render takes away.

The digest is salted with `SNAPSHOT_FORMAT`: a release that parses,
classifies or stores Canvas data differently must bump it, so that its
first sync of each student does the full work once.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..store.models import RenderedFeed, Student, SyncRun

__all__ = ["SNAPSHOT_FORMAT", "snapshot_digest", "unchanged_since_last_run"]

#: Bump when what a sync derives from the same Canvas answers changes (parsing, kinds, stored fields).
SNAPSHOT_FORMAT = 2

#: The student row's columns a sync's result depends on, besides Canvas's answers.
_ROW_STATE = ("settings", "time_zone", "canvas_user_id", "source", "feed_link_changed_at")


def snapshot_digest(responses_digest: str, student: Student) -> str:
    """The digest stored on a run: the client's response digest, the student's row state
    (`_ROW_STATE`, as read before the sync fetched), salted with the format."""
    state = json.dumps([getattr(student, name) for name in _ROW_STATE], sort_keys=True, default=str)
    return hashlib.sha256(f"{SNAPSHOT_FORMAT}:{responses_digest}:{state}".encode()).hexdigest()


async def unchanged_since_last_run(session: AsyncSession, student: Student, digest: str) -> bool:
    """True if the student has no source problem, their last run succeeded with this digest
    and their feed is rendered."""
    if student.source_problem is not None:
        return False
    feed_rendered = exists().where(RenderedFeed.student_id == student.id, RenderedFeed.kind == "all")
    last = (await session.execute(
        select(SyncRun.outcome, SyncRun.canvas_digest, feed_rendered).where(SyncRun.student_id == student.id)
        .order_by(SyncRun.id.desc()).limit(1))).first()
    return last is not None and last.outcome == "ok" and last.canvas_digest == digest and bool(last[2])
