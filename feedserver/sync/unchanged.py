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
from typing import Any

from sqlalchemy import Row, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..store.models import RenderedFeed, Student, SyncRun

__all__ = ["SNAPSHOT_FORMAT", "read_sync_state", "snapshot_digest", "unchanged_since_last_run"]

#: Bump when what a sync derives from the same Canvas answers changes (parsing, kinds, stored fields).
SNAPSHOT_FORMAT = 2

#: The student row's columns a sync's result depends on, besides Canvas's answers.
_ROW_STATE = ("settings", "time_zone", "canvas_user_id", "source", "feed_link_changed_at")


async def read_sync_state(session: AsyncSession, student_id: int) -> Row[Any] | None:
    """What a sync reads of a student before it fetches, in one query (None: no such student):
    the `_ROW_STATE` columns and `source_problem` by name, plus `last_outcome` and `last_digest`
    (the student's last run, None before the first) and `feed_rendered`.

    Only syncs, under the student's lease, write runs, so the last run read
    here is still the last one when the fetch is done.
    """
    runs = aliased(SyncRun)
    last_run = select(func.max(runs.id)).where(runs.student_id == Student.id).correlate(Student).scalar_subquery()
    feed_rendered = exists().where(RenderedFeed.student_id == Student.id, RenderedFeed.kind == "all")
    return (await session.execute(
        select(Student.id, *(getattr(Student, name) for name in _ROW_STATE), Student.source_problem,
               SyncRun.outcome.label("last_outcome"), SyncRun.canvas_digest.label("last_digest"),
               feed_rendered.label("feed_rendered"))
        .select_from(Student).outerjoin(SyncRun, SyncRun.id == last_run)
        .where(Student.id == student_id))).first()


def snapshot_digest(responses_digest: str, state: Row[Any]) -> str:
    """The digest stored on a run: the client's response digest, the student's row state
    (`_ROW_STATE` of `read_sync_state`'s row, read before the sync fetched), salted with the format."""
    row_state = json.dumps([getattr(state, name) for name in _ROW_STATE], sort_keys=True, default=str)
    return hashlib.sha256(f"{SNAPSHOT_FORMAT}:{responses_digest}:{row_state}".encode()).hexdigest()


def unchanged_since_last_run(state: Row[Any], digest: str) -> bool:
    """True if the student (`read_sync_state`) has no source problem, their last run succeeded
    with this digest and their feed is rendered."""
    return (state.source_problem is None and state.last_outcome == "ok" and state.last_digest == digest
            and bool(state.feed_rendered))
