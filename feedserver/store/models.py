"""The database schema: one set of tables for SQLite and PostgreSQL.

What we keep is the minimum a calendar feed needs (FERPA): a student's Canvas
user id and display name, their courses' names, and their assignments' titles,
dates, kinds, points and submission state. Every student-owned row cascades
from `students`, so disconnecting deletes it all with one statement.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "UTCDateTime",
    "Institution",
    "Student",
    "CanvasToken",
    "Course",
    "Assignment",
    "CalendarItem",
    "ITEM_KINDS",
    "FeedToken",
    "RenderedFeed",
    "FeedChange",
    "SyncRun",
    "PlannedSession",
    "UsedNonce",
    "SchoolRequest",
    "CohortMember",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both engines.

    SQLite has no timezone type, so values are stored as naive UTC and given
    their tzinfo back on the way out; PostgreSQL gets `timestamptz`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Stable constraint names keep alembic migrations identical on both engines.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Integer ids that are 64-bit on PostgreSQL and still SQLite's rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Institution(Base):
    """A school: configured in TOML (OAuth) or only known by its Canvas host (feed URL)."""

    __tablename__ = "institutions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    canvas_host: Mapped[str] = mapped_column(String(300), index=True)
    configured: Mapped[bool] = mapped_column(Boolean, default=True)


class Student(Base):
    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("institution_id", "canvas_user_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"))
    canvas_user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(300), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # "oauth" (full API access) or "canvas_feed" (Canvas's own ICS feed only).
    source: Mapped[str] = mapped_column(String(20), default="oauth")
    # "active" or "reconnect_needed" (the Canvas grant was revoked or expired).
    status: Mapped[str] = mapped_column(String(30), default="active")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Background sync scheduling: due time, and a lease so one process syncs at a time.
    next_sync_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sync_lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sync_lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Canvas calendar-feed students: the encrypted feed URL and its HTTP validators.
    canvas_feed_url_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    canvas_feed_etag: Mapped[str | None] = mapped_column(String(300), nullable=True)
    canvas_feed_last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # The Canvas calendar feed that is provably this student's, by its stand-in id
    # (store/feed_students.py `feed_user_id`): the pasted URL of a feed student, or the
    # `calendar.ics` of an OAuth student's own profile. Pasting that URL finds this row.
    canvas_feed_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Set when two rows of this student were folded into this one and its feed URLs
    # were replaced; /me says so once and clears it.
    feed_link_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Retention: when a calendar app last polled a feed or the student last signed in (written at most
    # daily, from memory: feedserver/activity.py; None: not since signing up, see created_at), and,
    # once /me warns them, when they go.
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deletion_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Why the last sync failed, if it did: a `feedserver.source_status` kind, and since when it
    # has been failing (the first failure after the last success). None after a good sync.
    source_problem: Mapped[str | None] = mapped_column(String(30), nullable=True)
    source_problem_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CanvasToken(Base):
    """OAuth tokens, Fernet-encrypted; one row per student."""

    __tablename__ = "canvas_tokens"
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True)
    access_token_enc: Mapped[str] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("student_id", "canvas_course_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    canvas_course_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300), default="")
    course_code: Mapped[str] = mapped_column(String(100), default="")
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("student_id", "canvas_assignment_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    canvas_assignment_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(30), default="other")
    description: Mapped[str] = mapped_column(Text, default="")
    html_url: Mapped[str] = mapped_column(String(1000), default="")
    unlock_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when Canvas says the work is due "all day" (its calendar feed writes a DATE):
    # the local date the feed shows; due_at is then 23:59 of that date in the student's zone.
    all_day_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    lock_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    points_possible: Mapped[float | None] = mapped_column(Float, nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    # submitted, graded, late, missing, unsubmitted, or unknown (Canvas feed students).
    submission_state: Mapped[str] = mapped_column(String(20), default="unknown")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Hash of the fields a calendar shows; a change bumps sequence and last_modified.
    content_hash: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    est_hours_override: Mapped[float | None] = mapped_column(Float, nullable=True)


ITEM_KINDS = ("event", "todo", "note", "checkpoint")
"""`CalendarItem.kind`: a calendar event, a to-do item, a planner note, a checkpoint."""


class CalendarItem(Base):
    """What a student's Canvas calendar shows besides assignments, one row per item.

    - ``event``: a calendar event of a course, a section (its child of a course
      event), a group or the student (personal); `canvas_id` is the event id,
      the same from the REST API and from Canvas's feed (``event-calendar-event-<id>``);
    - ``todo``: a page, ungraded discussion or ungraded quiz with a to-do date;
      `canvas_id` is ``<plannable type>-<id>``;
    - ``note``: the student's own planner note; `canvas_id` is the note id;
    - ``checkpoint``: one due date of a graded discussion with checkpoints;
      `canvas_id` is ``<assignment id>-<tag>``, `canvas_assignment_id` the
      discussion's assignment.

    A timed item has `start_at` (and `end_at` for events); an all-day item has
    only `all_day_date`, the local date Canvas gave, never a made-up instant.
    """

    __tablename__ = "calendar_items"
    __table_args__ = (UniqueConstraint("student_id", "kind", "canvas_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    # The course it belongs to; None for personal items and for a group's or section's
    # event whose course Canvas's feed does not name.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=True,
                                                  index=True)
    kind: Mapped[str] = mapped_column(String(20))
    canvas_id: Mapped[str] = mapped_column(String(100))
    # Canvas's calendar it is on: course_N, course_section_N, group_N or user_N.
    context_code: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    html_url: Mapped[str] = mapped_column(String(1000), default="")
    location: Mapped[str] = mapped_column(String(500), default="")
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    all_day_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    canvas_assignment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    points_possible: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Checkpoints: as for assignments. To-dos and notes: "submitted" once marked done in the planner.
    submission_state: Mapped[str] = mapped_column(String(20), default="unknown")
    content_hash: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedToken(Base):
    """A feed URL's secret: looked up by its SHA-256, shown again on /me from a
    Fernet-encrypted copy (so the URL survives key rotation; a database dump
    alone reveals no feed URL)."""

    __tablename__ = "feed_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_enc: Mapped[str] = mapped_column(Text)
    # "all" (assignments + optional sessions) or "sessions" (suggestions only).
    kind: Mapped[str] = mapped_column(String(20), default="all")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RenderedFeed(Base):
    """Cached ICS bytes per student and feed kind, shared by every server process."""

    __tablename__ = "rendered_feeds"
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_gzip: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """`body` gzipped once at render (`feeds.publish.gzip_body`), what calendar apps ask for; None if
    rendered before migration 0007."""
    etag: Mapped[str] = mapped_column(String(80))
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedChange(Base):
    """SQLite's log of students whose feed tokens or rendered feeds changed, written by triggers.

    Each process reads it to drop what it remembers of those students
    (store/feed_changes.py). PostgreSQL announces the same changes with
    NOTIFY and leaves this table empty. No foreign key: a deleted student's
    change must outlive the student.
    """

    __tablename__ = "feed_changes"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused: a gap means rows were pruned
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    student_id: Mapped[int] = mapped_column(BigId)


class SyncRun(Base):
    __tablename__ = "sync_runs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # running, ok, error
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    requests: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)
    canvas_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """Hash of every Canvas response this run read (sync/unchanged.py); None for other sources."""


class PlannedSession(Base):
    """A suggested work session from the balanced plan (muffin_analytics.plan)."""

    __tablename__ = "planned_sessions"
    __table_args__ = (UniqueConstraint("student_id", "canvas_assignment_id", "day"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    canvas_assignment_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")


class UsedNonce(Base):
    """Single-use values (OAuth state, LTI nonce) remembered until they expire."""

    __tablename__ = "used_nonces"
    value_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SchoolRequest(Base):
    """A student asked for a school that is not configured (the demand board)."""

    __tablename__ = "school_requests"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    canvas_host: Mapped[str] = mapped_column(String(300), index=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CohortMember(Base):
    """A contributing student's place in one course's aggregate view (docs/privacy.md).

    Pending (`block` NULL) until k students wait, then sealed with the others
    into cohort `block` of `block_size` students, for good: a cohort never
    takes anyone else, and when one of its members leaves, the rest of it
    counts no more in this course (a cohort is shown only while it is whole).
    """

    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("institution_id", "canvas_course_id", "student_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"))
    canvas_course_id: Mapped[str] = mapped_column(String(64))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    block: Mapped[int | None] = mapped_column(Integer, nullable=True)
    block_size: Mapped[int | None] = mapped_column(Integer, nullable=True)


Index("ix_assignments_student_due", Assignment.student_id, Assignment.due_at)
# One student per Canvas feed and school (NULLs never collide). A unique index, not a
# constraint, so the migration adds it without rebuilding `students` on SQLite.
Index("uq_students_canvas_feed_id", Student.canvas_feed_id, Student.institution_id, unique=True)
