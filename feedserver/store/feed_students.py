"""Feed students in the store, and the one row per person that a Canvas sign-in settles on.

A student who connects with Canvas's calendar feed is named, until they sign
in with OAuth, by ``feed:<hash of the feed code>`` (the code itself is a
secret: it is kept only inside the encrypted feed URL). Their school is the
configured one with the same Canvas host, or else an unconfigured
`institutions` row for that host (``host-<hash>``, configured=False), which is
also what the demand board counts.

Which feed is whose: `students.canvas_feed_id` holds that same stand-in id on
the one row, per school, that provably owns the feed: the feed student who
pasted it, or an OAuth student whose own Canvas profile names it
(`calendar.ics`, docs/canvas-facts.md §6). A pasted URL and a Canvas sign-in
both look a person up by it; the browser's session cookie plays no part, so a
sign-in on a shared computer never lands in whoever used it before.

Here, not in `feedserver.canvasfeed`, because sign-in (`auth.login`) settles
these rows too: both packages stand on the store, neither on the other.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from ..config import Config, DeveloperKey, Institution, is_loopback_host
from ..crypto import DecryptionError, TokenCipher
from ..secure import Secret
from .models import Assignment, FeedToken, Student
from .models import Institution as InstitutionRow
from .students import mark_signed_in

__all__ = [
    "SOURCE",
    "OwnFeed",
    "SignedIn",
    "adopt_stand_in_students",
    "feed_holder",
    "feed_institution",
    "feed_user_id",
    "fold_student",
    "sign_in_canvas_user",
    "unconfigured_school",
    "unconfigured_slug",
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


async def feed_holder(session: AsyncSession, institution_id: int, feed_code: str, *,
                      for_update: bool = False) -> Student | None:
    """The student at this school who owns the feed with this code: its feed student, or the
    OAuth student it was upgraded to or proven to belong to; None if nobody has it yet."""
    feed_id = feed_user_id(feed_code)
    for column in (Student.canvas_feed_id, Student.canvas_user_id):
        # A feed student written by a process older than migration 0003 (a rolling upgrade)
        # carries the id only as its stand-in user id.
        query = select(Student).where(Student.institution_id == institution_id, column == feed_id)
        holder = await session.scalar(query.with_for_update() if for_update else query)
        if holder is not None:
            return holder
    return None


@dataclass(frozen=True)
class OwnFeed:
    """The Canvas calendar feed a signed-in Canvas user owns: the ``calendar.ics`` of their own
    profile, in the normal form of canvas/feed_urls.py (as feed students' URLs are stored)."""

    url: str
    feed_code: str


@dataclass(frozen=True)
class SignedIn:
    student_id: int
    outcome: Literal["new", "returning", "upgraded", "merged"]
    """new: a first row; returning: their OAuth row; upgraded: their feed student became the
    OAuth student (same row, same feed URL); merged: their feed student was folded into their
    OAuth row, whose feed URLs were replaced (`fold_student`)."""


async def sign_in_canvas_user(db: async_sessionmaker, cipher: TokenCipher, institution_slug: str,
                              canvas_user_id: str, display_name: str, time_zone: str | None,
                              own_feed: OwnFeed | None, now: datetime) -> SignedIn:
    """Settle the one row of Canvas user `canvas_user_id` at `institution_slug` after a sign-in.

    A feed student joins this Canvas user only if `own_feed` (from the user's
    own profile; None when it could not be read) is the URL that feed student
    connected with, compared in constant time. Then, if the user has no row
    yet, the feed student's row becomes theirs and keeps its feed URL (only
    someone holding this user's own Canvas feed URL could have learnt it);
    otherwise it is folded into the user's row (`fold_student`). Any other
    feed student, whoever's session is in the browser, is left alone. Raises
    `LookupError` if the school is not in the database.
    """
    async with db.begin() as session:
        institution_id = await session.scalar(select(InstitutionRow.id).where(InstitutionRow.slug == institution_slug))
        if institution_id is None:
            raise LookupError(f"institution {institution_slug!r} is not in the database")
        student = await session.scalar(select(Student).where(
            Student.institution_id == institution_id, Student.canvas_user_id == canvas_user_id).with_for_update())
        outcome: Literal["new", "returning", "upgraded", "merged"] = "new" if student is None else "returning"
        feed_id = feed_user_id(own_feed.feed_code) if own_feed is not None else None
        if own_feed is not None:
            holder = await feed_holder(session, institution_id, own_feed.feed_code, for_update=True)
            if holder is None or holder is student:
                pass
            elif holder.source == SOURCE and _same_url(cipher, holder.canvas_feed_url_enc, own_feed.url):
                if student is None:
                    student, outcome = holder, "upgraded"
                else:
                    await fold_student(session, student, holder, now)
                    outcome = "merged"
            elif holder.source != SOURCE:
                # Another Canvas user's row named this feed; Canvas's word for this user is newer.
                holder.canvas_feed_id = None
                await session.flush()
            else:
                feed_id = None  # a feed student whose stored URL we cannot read: not proof, leave it be
        if student is None:
            student = Student(institution_id=institution_id, canvas_user_id=canvas_user_id, settings={})
            session.add(student)
        student.canvas_user_id = canvas_user_id
        mark_signed_in(student, display_name, time_zone)
        # An OAuth student's feed comes from the API: no Canvas feed URL is kept (only its id).
        student.canvas_feed_url_enc = student.canvas_feed_etag = student.canvas_feed_last_modified = None
        if feed_id is not None:
            student.canvas_feed_id = feed_id
        if outcome in ("upgraded", "merged"):
            student.next_sync_at = now
        await session.flush()
        if outcome in ("upgraded", "merged"):
            _LOGGER.info("sign-in %s a feed student into student %s", outcome, student.id)
        return SignedIn(student.id, outcome)


def _same_url(cipher: TokenCipher, stored: str | None, url: str) -> bool:
    if not stored:
        return False
    try:
        plain = cipher.decrypt(stored)
    except DecryptionError:
        return False
    return hmac.compare_digest(plain.encode(), url.encode())


async def fold_student(session: AsyncSession, survivor: Student, folded: Student, now: datetime) -> None:
    """Make two rows of one person one: `survivor` stays, `folded` goes with all it owns.

    The survivor keeps its own settings and estimates and takes the folded
    row's where it has none. Its feed tokens are deleted: the folded row's
    URL may have been known to someone else, so neither old URL may show the
    merged calendar; the next `current_feed_token` issues fresh ones, and
    `feed_link_changed_at` makes /me say so once.
    """
    survivor.settings = {**(folded.settings or {}), **(survivor.settings or {})}
    estimates = dict((await session.execute(
        select(Assignment.canvas_assignment_id, Assignment.est_hours_override)
        .where(Assignment.student_id == folded.id, Assignment.est_hours_override.is_not(None)))).all())
    if estimates:
        unset = await session.scalars(select(Assignment).where(
            Assignment.student_id == survivor.id, Assignment.canvas_assignment_id.in_(estimates),
            Assignment.est_hours_override.is_(None)))
        for assignment in unset.all():
            assignment.est_hours_override = estimates[assignment.canvas_assignment_id]
    folded_id = folded.id
    await session.delete(folded)
    await session.flush()  # its unique ids are free before the survivor takes them
    await session.execute(delete(FeedToken).where(FeedToken.student_id == survivor.id))
    survivor.feed_link_changed_at = now
    survivor.next_sync_at = now
    _LOGGER.info("student %s folded into student %s; feed URLs replaced", folded_id, survivor.id)


async def adopt_stand_in_students(session: AsyncSession, stand_in_id: int, institution_id: int,
                                  now: datetime) -> None:
    """Move the students of a stand-in school row to the configured school of the same host.

    A feed whose owner the school already has (the same URL pasted while the
    school was configured before, or named by an OAuth student's profile) is
    folded into that owner, so one feed never has two rows.
    """
    moving = aliased(Student)
    pairs = (await session.execute(
        select(Student, moving).join(moving, (moving.canvas_feed_id == Student.canvas_feed_id)
                                     & (moving.institution_id == stand_in_id))
        .where(Student.institution_id == institution_id))).all()
    for owner, duplicate in pairs:
        await fold_student(session, owner, duplicate, now)
    await session.execute(update(Student).where(Student.institution_id == stand_in_id)
                          .values(institution_id=institution_id))
