"""Changing a student's feed settings, and re-rendering their feed in the same transaction.

`update_settings` is the one entry point for the /me form and for the API's
``PATCH /api/me/settings``: it validates through `StudentSettings.merged`
(unknown or bad fields raise `SettingsError`), stores the result and renders
the feed with it, so the next poll already sees the change. Turning on what
the sync only fetches when asked (personal events, planner notes) makes the
student due for a sync now. `change_time_zone` does the same for a
calendar-feed student's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from multidict import MultiMapping
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..settings import SettingsError, StudentSettings, check_time_zone
from ..store.models import Course, Student
from .publish import rerender

__all__ = ["FEED_FIELDS", "REMINDER_CHOICES", "change_time_zone", "patch_from_form", "update_settings"]

#: Reminder offsets offered on /me, in minutes (the API accepts any valid list).
REMINDER_CHOICES = ((15, "15 minutes"), (60, "1 hour"), (24 * 60, "1 day"), (2 * 24 * 60, "2 days"))
#: Settings that change what the feed shows (others, e.g. suggestions, belong to other pages).
FEED_FIELDS = frozenset({"hidden_courses", "submitted", "event_style", "reminder_minutes", "hidden_event_courses",
                         "personal_events", "planner_notes"})
#: Settings whose turning on needs a sync: the sync fetches or keeps those items only when asked.
_FETCHED_WHEN_ON = ("personal_events", "planner_notes")


async def update_settings(db: async_sessionmaker, student_id: int, patch: Mapping[str, Any], *,
                          public_url: str | None = None, now: datetime | None = None) -> StudentSettings:
    """Apply `patch` to the student's settings and re-render their feeds; the new settings.

    Raises `SettingsError` (nothing saved) for an invalid field and
    `LookupError` for an unknown student. Pass the server's `public_url` so
    a "Reconnect" event can link to /me.
    """
    async with db.begin() as session:
        student = await session.get(Student, student_id)
        if student is None:
            raise LookupError(f"student {student_id} does not exist")
        before = StudentSettings.from_json(student.settings)
        settings = before.merged(dict(patch))
        # A new dict, so SQLAlchemy sees the JSON column change.
        student.settings = settings.to_json()
        now = now or datetime.now(UTC)
        if any(getattr(settings, f) and not getattr(before, f) for f in _FETCHED_WHEN_ON):
            student.next_sync_at = now
        await session.flush()
        await rerender(session, student_id, public_url=public_url, now=now)
    return settings


async def change_time_zone(db: async_sessionmaker, student_id: int, time_zone: str, *,
                           public_url: str | None = None, now: datetime | None = None) -> str:
    """Set a student's time zone (validated: `SettingsError`) and re-render their feed; the zone.

    Canvas's feed gives all-day work a date, which the sync turns into 23:59
    in the student's zone: so the next sync reads the feed in full again
    (its validators are forgotten) and comes at once.
    """
    zone = check_time_zone(time_zone)
    now = now or datetime.now(UTC)
    async with db.begin() as session:
        student = await session.get(Student, student_id)
        if student is None:
            raise LookupError(f"student {student_id} does not exist")
        if student.time_zone != zone:
            student.time_zone = zone
            student.canvas_feed_etag = student.canvas_feed_last_modified = None
            student.next_sync_at = now
            await session.flush()
            await rerender(session, student_id, public_url=public_url, now=now)
    return zone


async def patch_from_form(db: async_sessionmaker, student_id: int, form: MultiMapping[Any]) -> dict[str, Any]:
    """The settings patch of the /me feed-settings form.

    Course checkboxes name the courses to show; the patch stores the others
    as hidden (so a course added later shows up by default).
    """
    patch: dict[str, Any] = {}
    async with db() as session:
        known = (await session.scalars(select(Course.canvas_course_id).where(Course.student_id == student_id))).all()
    # Checkboxes name what to show: a course added later shows up by default.
    if form.get("courses_listed"):
        shown = {str(v) for v in form.getall("course", [])}
        patch["hidden_courses"] = sorted(c for c in known if c not in shown)
    if form.get("event_courses_listed"):
        shown = {str(v) for v in form.getall("events_course", [])}
        patch["hidden_event_courses"] = sorted(c for c in known if c not in shown)
    if form.get("extras_listed"):
        patch["personal_events"] = form.get("personal_events") == "on"
        patch["planner_notes"] = form.get("planner_notes") == "on"
    for field in ("submitted", "event_style"):
        if field in form:
            patch[field] = str(form[field])
    if form.get("reminders_listed"):
        try:
            patch["reminder_minutes"] = sorted({int(str(v)) for v in form.getall("reminder", [])})
        except ValueError:
            raise SettingsError("reminder_minutes", "must be whole numbers of minutes") from None
    return patch
