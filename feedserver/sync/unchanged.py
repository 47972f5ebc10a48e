"""Recognising a sync in which nothing changed in Canvas, before doing any of its work.

Most syncs find nothing new (the hourly steady state). Canvas sends no ETag
on the endpoints a sync reads and no course `updated_at` to compare
(docs/canvas-facts.md §5), so the check is our own: the digest of every
response body the sync read (`CanvasClient.responses_digest`). When it equals
the digest of the student's last run, and that run succeeded and left a
rendered feed, the stored assignments and the feed are exactly what this
sync would write again: classification, storage and rendering are skipped
and only the run is recorded.

The digest is salted with `SNAPSHOT_FORMAT`: a release that parses,
classifies or stores Canvas data differently must bump it, so that its
first sync of each student does the full work once.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..store.models import RenderedFeed, SyncRun

__all__ = ["SNAPSHOT_FORMAT", "snapshot_digest", "unchanged_since_last_run"]

#: Bump when what a sync derives from the same Canvas answers changes (parsing, kinds, stored fields).
SNAPSHOT_FORMAT = 1


def snapshot_digest(responses_digest: str) -> str:
    """The digest stored on a run: the client's response digest, salted with the format."""
    return hashlib.sha256(f"{SNAPSHOT_FORMAT}:{responses_digest}".encode()).hexdigest()


async def unchanged_since_last_run(session: AsyncSession, student_id: int, digest: str) -> bool:
    """True if the student's last run succeeded with this digest and their feed is rendered."""
    last = (await session.execute(
        select(SyncRun.outcome, SyncRun.canvas_digest).where(SyncRun.student_id == student_id)
        .order_by(SyncRun.id.desc()).limit(1))).first()
    if last is None or last.outcome != "ok" or last.canvas_digest != digest:
        return False
    rendered = await session.scalar(
        select(RenderedFeed.kind).where(RenderedFeed.student_id == student_id, RenderedFeed.kind == "all"))
    return rendered is not None
