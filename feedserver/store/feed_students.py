"""Feed students in the store: their school, their row, and the upgrade to OAuth.

A student who connects with Canvas's calendar feed is named, until they sign
in with OAuth, by ``feed:<hash of the feed code>`` (the code itself is a
secret: it is kept only inside the encrypted feed URL). Their school is the
configured one with the same Canvas host, or else an unconfigured
`institutions` row for that host (``host-<hash>``, configured=False), which is
also what the demand board counts.

Here, not in `feedserver.canvasfeed`, because sign-in (`auth.login`) upgrades
these rows too: both packages stand on the store, neither on the other.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..config import Config, DeveloperKey, Institution, is_loopback_host
from ..secure import Secret
from .models import FeedToken, Student
from .models import Institution as InstitutionRow

__all__ = [
    "SOURCE",
    "feed_institution",
    "feed_user_id",
    "find_feed_student",
    "unconfigured_school",
    "unconfigured_slug",
    "upgrade_feed_student",
]

_LOGGER = logging.getLogger(__name__)

#: `Student.source` of calendar-feed students.
SOURCE = "canvas_feed"


def feed_user_id(feed_code: str) -> str:
    """The student's stand-in Canvas user id: stable per feed URL, reveals nothing of it."""
    return "feed:" + hashlib.sha256(feed_code.encode()).hexdigest()[:40]


def unconfigured_slug(host: str) -> str:
    return "host-" + hashlib.sha256(host.lower().encode()).hexdigest()[:12]


def unconfigured_school(row: InstitutionRow) -> Institution:
    """A display-only `Institution` for a school known only by its Canvas host (no OAuth key)."""
    scheme = "http" if is_loopback_host(row.canvas_host.rsplit(":", 1)[0]) else "https"
    return Institution(slug=row.slug, name=row.name, canvas_url=f"{scheme}://{row.canvas_host}",
                       key=DeveloperKey(name="", client_id="", client_secret=Secret("")))


async def feed_institution(session: AsyncSession, config: Config, host: str) -> InstitutionRow:
    """The institutions row for a Canvas host, created (unconfigured) if no school uses it."""
    configured = config.institution_for_host(host)
    slug = configured.slug if configured is not None else unconfigured_slug(host)
    row = await session.scalar(select(InstitutionRow).where(InstitutionRow.slug == slug))
    if row is None:
        # A configured school's row is written at start (store/institutions.py); this is a new host.
        row = InstitutionRow(slug=slug, name=configured.name if configured else host, canvas_host=host.lower(),
                             configured=configured is not None)
        session.add(row)
        await session.flush()
    return row


async def find_feed_student(session: AsyncSession, institution_id: int, feed_code: str) -> Student | None:
    return await session.scalar(select(Student).where(
        Student.institution_id == institution_id, Student.canvas_user_id == feed_user_id(feed_code)))


async def upgrade_feed_student(db: async_sessionmaker, feed_student_id: int, institution_slug: str,
                               canvas_user_id: str, display_name: str, time_zone: str | None,
                               now: datetime) -> int | None:
    """Turn a feed student into the OAuth student `canvas_user_id` at `institution_slug`; their id.

    Their row, and so their feed tokens (the URL their calendar subscribed
    to), courses and assignments, is kept: the OAuth sync then updates the
    same assignment ids, so the calendar gets the same UIDs with richer data.
    If that Canvas user already has an OAuth row, the feed tokens move to it
    and the feed row goes. None (nothing changed) unless `feed_student_id`
    is a feed student at that school.
    """
    async with db.begin() as session:
        row = (await session.execute(
            select(Student, InstitutionRow.slug).join(InstitutionRow, InstitutionRow.id == Student.institution_id)
            .where(Student.id == feed_student_id).with_for_update(of=Student))).first()
        if row is None or row[0].source != SOURCE or row[1] != institution_slug:
            return None
        student: Student = row[0]
        existing = await session.scalar(select(Student.id).where(
            Student.institution_id == student.institution_id, Student.canvas_user_id == canvas_user_id))
        if existing is not None:
            kinds = (await session.scalars(select(FeedToken.kind).where(FeedToken.student_id == student.id))).all()
            await session.execute(delete(FeedToken).where(FeedToken.student_id == existing,
                                                          FeedToken.kind.in_(kinds)))
            await session.execute(update(FeedToken).where(FeedToken.student_id == student.id)
                                  .values(student_id=existing).execution_options(synchronize_session=False))
            await session.delete(student)
            _LOGGER.info("feed student %s merged into student %s", feed_student_id, existing)
            return existing
        student.canvas_user_id = canvas_user_id
        student.source = "oauth"
        student.status = "active"
        student.display_name = display_name or student.display_name
        if time_zone:
            student.time_zone = time_zone
        student.canvas_feed_url_enc = None
        student.canvas_feed_etag = None
        student.canvas_feed_last_modified = None
        student.next_sync_at = now
        _LOGGER.info("feed student %s upgraded to OAuth", feed_student_id)
        return student.id
