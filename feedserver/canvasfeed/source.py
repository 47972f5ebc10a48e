"""The calendar-feed source: connecting a student by feed URL, and syncing them.

Both paths do the same thing in the same order as the REST API sync
(sync/job.py): fetch and parse everything first, so a failure changes
nothing stored; then one transaction writes the courses and assignments
(sync/apply.py, shared with the OAuth sync), the re-rendered feed and the
run record. The feed URL is re-validated on every fetch, and Canvas's ETag /
Last-Modified are sent back so an unchanged feed costs a 304.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..canvas.coursework import Coursework
from ..config import Config
from ..crypto import DecryptionError, TokenCipher
from ..feeds.publish import rerender
from ..feeds.tokens import current_feed_token
from ..ratelimit import TokenBucketLimiter
from ..settings import StudentSettings
from ..store.feed_students import SOURCE, feed_holder, feed_institution, feed_user_id
from ..store.models import Institution as InstitutionRow
from ..store.models import RenderedFeed, Student, SyncRun
from ..sync.apply import AssignmentValues, Changes, apply_coursework, snapshot_values
from ..sync.calendar_items import ItemValues
from ..sync.job import StudentRef, SyncDeps, SyncOutcome, record_failure, record_success
from .errors import FeedBusy, FeedError, FeedUrlRefused
from .fetch import FeedFetcher, FetchResult
from .parse import parse_canvas_feed
from .urls import FeedUrl, parse_feed_url

__all__ = ["Connected", "FeedSource"]

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connected:
    student_id: int
    created: bool
    configured: bool
    """True if the school is configured for OAuth (the student can upgrade now)."""
    host: str
    sign_in_at: str | None = None
    """The school's slug when this feed's student signs in with Canvas now (they upgraded,
    or their Canvas profile named this feed): nothing was fetched or changed."""


class FeedSource:
    """Connects and syncs calendar-feed students with one `FeedFetcher`."""

    def __init__(self, config: Config, db: async_sessionmaker, cipher: TokenCipher, fetcher: FeedFetcher) -> None:
        self.config = config
        self.db = db
        self.cipher = cipher
        self.fetcher = fetcher
        # Connection attempts per Canvas host: a school's whole class may connect in an hour
        # (20 at once, then one every 3 s), but the form is no lever to hammer a host with.
        self.connect_limiter = TokenBucketLimiter(capacity=20, rate=1 / 3)
        #: "Now" for the forms' connections (aware UTC); tests pin it to a feed's own dates.
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def parse_url(self, text: str) -> FeedUrl:
        return parse_feed_url(text, policy=self.fetcher.policy, http=self.fetcher.http)

    async def connect(self, text: str, *, now: datetime, time_zone: str | None = None) -> Connected:
        """Validate, fetch and store a pasted feed URL; raise `FeedError` (nothing stored) on any fault.

        `time_zone` is the student's (their browser's, validated by the caller);
        without one a new student gets their school's, else UTC.
        """
        feed = self.parse_url(text)
        wait = self.connect_limiter.take(feed.host)
        if wait:
            raise FeedBusy("Many students are connecting to that school's Canvas right now. "
                           "Please try again in a minute.", self.connect_limiter.retry_after_header(wait))
        upgraded = await self._canvas_student(feed)
        if upgraded is not None:
            return upgraded
        result = await self.fetcher.fetch(feed.url)
        async with self.db() as session:
            known = await session.scalar(select(Student).where(
                Student.canvas_user_id == feed_user_id(feed.feed_code), Student.source == SOURCE))
        school = self.config.institution_for_host(feed.host)
        time_zone = time_zone or (known.time_zone if known else None) or (school.time_zone if school else "UTC")
        settings = StudentSettings.from_json(known.settings if known else None)
        coursework, values, items = await self._parse(result, feed, time_zone, settings)
        async with self.db.begin() as session:
            institution = await feed_institution(session, self.config, feed.host)
            student = await feed_holder(session, institution.id, feed.feed_code, for_update=True)
            if student is not None and student.source != SOURCE:  # upgraded since the check above
                return Connected(student.id, False, institution.configured, feed.host, institution.slug)
            created = student is None
            if student is None:
                student = Student(institution_id=institution.id, canvas_user_id=feed_user_id(feed.feed_code),
                                  display_name="", time_zone=time_zone, source=SOURCE, settings={})
                session.add(student)
            student.canvas_feed_id = feed_user_id(feed.feed_code)
            student.time_zone = time_zone
            await self._store(session, student, feed, result, (coursework, values, items), now)
            student_id, configured = student.id, institution.configured
        await current_feed_token(self.db, self.cipher, student_id)
        _LOGGER.info("calendar-feed student %s connected (%s, %d assignments)", student_id,
                     "new" if created else "again", len(values))
        return Connected(student_id, created, configured, feed.host)

    async def _canvas_student(self, feed: FeedUrl) -> Connected | None:
        """The feed's owner if they sign in with Canvas now: one student, one URL, so pasting
        the feed again adds no feed student, and the feed URL alone no longer opens their page."""
        school = self.config.institution_for_host(feed.host)
        if school is None:
            return None  # only a configured school has students who sign in with Canvas
        async with self.db() as session:
            institution_id = await session.scalar(select(InstitutionRow.id).where(InstitutionRow.slug == school.slug))
            holder = await feed_holder(session, institution_id, feed.feed_code) if institution_id else None
        if holder is None or holder.source == SOURCE:
            return None
        return Connected(holder.id, False, True, feed.host, school.slug)

    async def replace_url(self, student_id: int, text: str, *, now: datetime) -> None:
        """A signed-in feed student's new address (Canvas reset theirs): the same student and calendar link.

        Raises `FeedError` (nothing changed) for a bad address, another
        school's Canvas, or an address another student already connected.
        """
        feed = self.parse_url(text)
        async with self.db() as session:
            row = (await session.execute(
                select(Student.source, Student.time_zone, Student.settings, InstitutionRow.canvas_host)
                .join(InstitutionRow, InstitutionRow.id == Student.institution_id)
                .where(Student.id == student_id))).first()
        if row is None or row.source != SOURCE:
            raise FeedUrlRefused("Only a calendar connected with a feed address can take a new one.")
        if feed.host != row.canvas_host:
            raise FeedUrlRefused(f"That address is for another Canvas than {row.canvas_host}. Paste the address "
                                 "your school's Canvas shows under Calendar → Calendar Feed.")
        wait = self.connect_limiter.take(feed.host)
        if wait:
            raise FeedBusy("Many students are connecting to that school's Canvas right now. "
                           "Please try again in a minute.", self.connect_limiter.retry_after_header(wait))
        result = await self.fetcher.fetch(feed.url)
        parsed = await self._parse(result, feed, row.time_zone, StudentSettings.from_json(row.settings))
        async with self.db.begin() as session:
            student = await session.get(Student, student_id, with_for_update=True)
            if student is None:
                raise FeedUrlRefused("Only a calendar connected with a feed address can take a new one.")
            holder = await feed_holder(session, student.institution_id, feed.feed_code)
            if holder is not None and holder.id != student_id:
                raise FeedUrlRefused("That address is already connected to another Homework Muffin calendar.")
            student.canvas_user_id = student.canvas_feed_id = feed_user_id(feed.feed_code)
            await self._store(session, student, feed, result, parsed, now)
        _LOGGER.info("calendar-feed student %s has a new feed address", student_id)

    async def _store(self, session: AsyncSession, student: Student, feed: FeedUrl, result: FetchResult,
                     parsed: tuple[Coursework, list[AssignmentValues], list[ItemValues]], now: datetime) -> None:
        """A fetched feed as the student's source and data: address, validators, coursework, feed, run."""
        student.status = "active"
        student.canvas_feed_url_enc = self.cipher.encrypt(feed.url)
        student.canvas_feed_etag = result.etag
        student.canvas_feed_last_modified = result.last_modified
        student.next_sync_at = now + timedelta(minutes=self.config.server.sync_interval_minutes)
        await session.flush()
        changes = await apply_coursework(session, student.id, parsed[0], parsed[1], now, parsed[2])
        await self._finish(session, student, changes, now, result.requests, None, self.config.server.public_url)

    async def sync(self, deps: SyncDeps, ref: StudentRef, worker: str | None = None) -> SyncOutcome:
        """The scheduler's entry for ``source = "canvas_feed"`` (sync/job.py `SourceSync`)."""
        started = deps.clock()
        async with deps.db() as session:
            row = (await session.execute(
                select(Student.canvas_feed_url_enc, Student.canvas_feed_etag, Student.canvas_feed_last_modified,
                       Student.time_zone, Student.settings)
                .where(Student.id == ref.id))).first()
        if row is None:
            return SyncOutcome(ref.id, "skipped", error="student no longer exists")
        encrypted, etag, last_modified, time_zone, settings = row
        requests = 0
        try:
            if not encrypted:
                raise FeedError("No calendar feed address is stored; connect again with your feed address.")
            try:
                url = self.cipher.decrypt(encrypted)
            except DecryptionError:
                raise FeedError("The stored feed address cannot be read (key changed); connect again.") from None
            feed = self.parse_url(url)
            result = await self.fetcher.fetch(feed.url, etag=etag, last_modified=last_modified)
            requests = result.requests
            parsed = None if result.not_modified else await self._parse(
                result, feed, time_zone or "UTC", StudentSettings.from_json(settings))
        except FeedError as exc:
            _LOGGER.info("feed sync of student %s failed: %s", ref.id, type(exc).__name__)
            return await record_failure(deps, ref.id, started, requests, str(exc), worker, problem=exc.problem)
        now = deps.clock()
        async with deps.db.begin() as session:
            student = await session.get(Student, ref.id)
            if student is None:
                return SyncOutcome(ref.id, "skipped", requests, error="student no longer exists")
            if student.source != SOURCE:
                return SyncOutcome(ref.id, "skipped", requests, error="student is no longer a feed student")
            changes = Changes()
            if parsed is not None:
                changes = await apply_coursework(session, ref.id, *parsed[:2], now, parsed[2])
            student.canvas_feed_etag = result.etag or etag
            student.canvas_feed_last_modified = result.last_modified or last_modified
            rendered = await self._finish(session, student, changes, now, requests, worker,
                                          deps.config.server.public_url, started=started)
        return SyncOutcome(ref.id, "ok", requests, changes.added, changes.changed, changes.removed, rendered)

    async def _parse(self, result: FetchResult, feed: FeedUrl, time_zone: str, settings: StudentSettings,
                     ) -> tuple[Coursework, list[AssignmentValues], list[ItemValues]]:
        assert result.body is not None
        base = feed.url.split("/feeds/", 1)[0]
        coursework = await asyncio.to_thread(parse_canvas_feed, result.body, canvas_base=base, time_zone=time_zone)
        # Classifying kinds imports pandas and is CPU work: off the event loop, like the REST sync.
        values, items = await asyncio.to_thread(snapshot_values, coursework, settings)
        return coursework, values, items

    async def _finish(self, session: AsyncSession, student: Student, changes: Changes, now: datetime,
                      requests: int, worker: str | None, public_url: str, *,
                      started: datetime | None = None) -> bool:
        rendered = False
        stored = await session.scalar(select(RenderedFeed.kind).where(
            RenderedFeed.student_id == student.id, RenderedFeed.kind == "all"))
        recovered = student.source_problem is not None
        record_success(student, now)
        if changes.any or stored is None or recovered:
            result = await rerender(session, student.id, public_url=public_url, now=now)
            rendered = any(result.values())
        session.add(SyncRun(student_id=student.id, started_at=started or now, finished_at=now, outcome="ok",
                            requests=requests, added=changes.added, changed=changes.changed,
                            removed=changes.removed, worker=worker))
        return rendered


