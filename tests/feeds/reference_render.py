"""The icalendar-based renderer that feeds/render.py replaced: the oracle its output must match.

This is `render_feed` as it was before feeds/ics_writer.py (commit 8182a3a),
building every event as icalendar objects; only the parts that did not
change (which events show, their texts, the calendar header, VTIMEZONEs,
folding) are imported from feeds/render.py. tests/feeds/test_render_oracle.py
renders random feeds through both and compares the bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event
from icalendar.timezone import tzid_from_dt

from feedserver.feeds.render import (
    _DEADLINE_KINDS,
    _ITEM_KINDS_SHOWN,
    _ITEM_LABELS,
    CHECKPOINT_LABELS,
    EVENT_MINUTES,
    SUBMITTED_STATES,
    FeedAssignment,
    FeedContext,
    FeedItem,
    FeedNotice,
    WorkSession,
    _calendar,
    _description,
    _epoch,
    _item_description,
    _moment,
    _number,
    _selected,
    _vtimezone,
    _zone,
    assignment_uid,
    clean_line,
    clean_text,
    course_color,
    item_uid,
    serialize,
    shown_link,
)


def reference_render_feed(context: FeedContext, assignments: Iterable[FeedAssignment], *, now: datetime,
                sessions: Sequence[WorkSession] = (), kind: str = "all", items: Iterable[FeedItem] = ()) -> bytes:
    """The calendar as UTF-8 bytes with CRLF line ends.

    `kind` "all" renders the visible dated assignments, then the visible
    calendar `items`, plus `sessions`; "sessions" only the sessions. `now`
    (aware) sets the past window and the reconnect event's day; nothing else
    depends on it.
    """
    zone = _zone(context.time_zone)
    calendar = _calendar(context.school_name, context.time_zone, kind)
    events: list[Event] = []
    if kind == "all":
        chosen, shown = _selected(context, assignments, items, zone, now)
        events.extend(_assignment_event(a, context, zone) for a in chosen)
        events.extend(_item_event(i, context, zone) for i in shown)
    events.extend(_session_event(s, context) for s in sessions)
    if kind == "all" and context.reconnect_needed:
        # Last, so the rest of the calendar stays byte-for-byte what it was.
        events.append(_reconnect_event(context, now.astimezone(zone).date()))
    elif kind == "all" and context.notice is not None:
        events.append(_notice_event(context, context.notice))
    for event in events:
        calendar.add_component(event)
    timed = [e.DTSTART for e in events if isinstance(e.DTSTART, datetime)]
    if timed:
        # VTIMEZONE covering just the years in use keeps the feed small.
        first = min(timed).date().replace(month=1, day=1)
        last = max(timed).date().replace(year=max(timed).year + 2, month=1, day=1)
        _add_timezones(calendar, events, first, last)
    return serialize(calendar)


def _add_timezones(calendar: Calendar, events: Sequence[Event], first: date, last: date) -> None:
    """What `Calendar.add_missing_timezones` adds, without walking every property of every event.

    Only DTSTART and DTEND carry a local zone here (stamps and triggers are
    UTC), and a zone's VTIMEZONE for a span of years is the same every time.
    """
    tzids = sorted({tzid for e in events for moment in (e.DTSTART, e.DTEND)
                    if isinstance(moment, datetime) and (tzid := tzid_from_dt(moment)) not in (None, "UTC")})
    for index, tzid in enumerate(tzids):
        timezone = _vtimezone(tzid, first, last)
        if timezone is not None:
            calendar.subcomponents.insert(index, timezone)


def _assignment_event(a: FeedAssignment, context: FeedContext, zone: ZoneInfo) -> Event:
    assert a.due_at is not None
    settings = context.settings
    done = a.submission_state in SUBMITTED_STATES
    mark = "✓ " if done and settings.submitted == "mark" else ""
    a = replace(a, title=clean_line(a.title) or "Untitled assignment", course_code=clean_line(a.course_code),
                description=clean_text(a.description), html_url=shown_link(a.html_url, context.canvas_host))
    event = Event()
    event.add("UID", assignment_uid(a.canvas_assignment_id, context.canvas_host))
    event.add("DTSTAMP", a.last_modified)
    event.add("LAST-MODIFIED", a.last_modified)
    event.add("SEQUENCE", a.sequence)
    event.add("SUMMARY", f"{mark}{a.course_code}: {a.title}" if a.course_code else f"{mark}{a.title}")
    all_day = a.all_day_date is not None or settings.event_style == "all_day"
    _add_deadline(event, a.due_at, zone, all_day, a.all_day_date)
    event.add("DESCRIPTION", _description(a, zone, a.html_url, a.description))
    if a.html_url:
        event.add("URL", a.html_url)
    if a.course_code:
        event.add("CATEGORIES", [a.course_code])
    event.add("COLOR", course_color(a.canvas_course_id))
    event.add("X-MUFFIN-ASSIGNMENT-ID", a.canvas_assignment_id)
    if a.course_code:
        event.add("X-MUFFIN-COURSE", a.course_code)
    event.add("X-MUFFIN-KIND", a.kind)
    if a.points_possible is not None:
        event.add("X-MUFFIN-POINTS", _number(a.points_possible))
    event.add("X-MUFFIN-SUBMITTED", "true" if done else "unknown" if a.submission_state == "unknown" else "false")
    if a.unlock_at is not None:
        event.add("X-MUFFIN-UNLOCK-AT", a.unlock_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ"))
    for minutes in settings.reminder_minutes:
        event.add_component(_alarm(a.title, a.due_at, minutes, all_day))
    return event


def _add_deadline(event: Event, due: datetime, zone: ZoneInfo, all_day: bool, day: date | None) -> None:
    """DTSTART and DTEND of something due at `due`: the 30 minutes before it, or all day.

    All day is on `day` when Canvas named it, else on the local date of the
    deadline, where one at 00:00 belongs to the evening before (the day the
    work must be done).
    """
    if all_day:
        day = day or (due.astimezone(zone) - timedelta(seconds=1)).date()
        event.add("DTSTART", day)
        event.add("DTEND", day + timedelta(days=1))
        event.add("TRANSP", "TRANSPARENT")
    else:
        due_local = due.astimezone(zone)
        event.add("DTSTART", due_local - timedelta(minutes=EVENT_MINUTES))
        event.add("DTEND", due_local)


def _alarm(title: str, due: datetime, minutes: int, all_day: bool) -> Alarm:
    alarm = Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("DESCRIPTION", f"Due soon: {title}")
    if all_day:
        # An all-day event's END is midnight, not the due time: trigger at an absolute UTC time.
        alarm.add("TRIGGER", due - timedelta(minutes=minutes), parameters={"VALUE": "DATE-TIME"})
    else:
        alarm.add("TRIGGER", -timedelta(minutes=minutes), parameters={"RELATED": "END"})
    return alarm


def _item_event(i: FeedItem, context: FeedContext, zone: ZoneInfo) -> Event:
    settings = context.settings
    done = i.kind in _DEADLINE_KINDS and i.submission_state in SUBMITTED_STATES
    mark = "✓ " if done and settings.submitted == "mark" else ""
    code, url = clean_line(i.course_code), shown_link(i.html_url, context.canvas_host)
    title = clean_line(i.title) or _ITEM_LABELS[i.kind]
    if i.kind == "checkpoint":
        tag = (i.canvas_id.rsplit("-", 1) + [""])[1]
        title = f"{title}: {CHECKPOINT_LABELS.get(tag, tag.replace('_', ' '))}"
    event = Event()
    event.add("UID", item_uid(i.kind, i.canvas_id, context.canvas_host))
    event.add("DTSTAMP", i.last_modified)
    event.add("LAST-MODIFIED", i.last_modified)
    event.add("SEQUENCE", i.sequence)
    event.add("SUMMARY", f"{mark}{code}: {title}" if code else f"{mark}{title}")
    start = _moment(i, zone)
    # Deadline-like: to-dos, notes, checkpoints, and events Canvas gave no length (start = end).
    deadline = i.kind in _DEADLINE_KINDS or i.end_at is None or i.end_at <= start
    all_day = i.all_day_date is not None or (i.kind in _DEADLINE_KINDS and settings.event_style == "all_day")
    if deadline or all_day:
        _add_deadline(event, start, zone, all_day, i.all_day_date)
    else:
        assert i.end_at is not None
        event.add("DTSTART", start.astimezone(zone))
        event.add("DTEND", i.end_at.astimezone(zone))
    event.add("DESCRIPTION", _item_description(i, title, code, url, zone))
    if i.location.strip():
        event.add("LOCATION", clean_line(i.location))
    if url:
        event.add("URL", url)
    if code:
        event.add("CATEGORIES", [code])
    if i.canvas_course_id is not None:
        event.add("COLOR", course_color(i.canvas_course_id))
    if i.canvas_assignment_id:
        event.add("X-MUFFIN-ASSIGNMENT-ID", i.canvas_assignment_id)
    if code:
        event.add("X-MUFFIN-COURSE", code)
    event.add("X-MUFFIN-KIND", _ITEM_KINDS_SHOWN[i.kind])
    if i.kind == "checkpoint":
        if i.points_possible is not None:
            event.add("X-MUFFIN-POINTS", _number(i.points_possible))
        event.add("X-MUFFIN-SUBMITTED", "true" if done else "unknown" if i.submission_state == "unknown" else "false")
    if i.kind in _DEADLINE_KINDS:
        for minutes in settings.reminder_minutes:
            event.add_component(_alarm(title, start, minutes, all_day))
    return event


def _session_event(session: WorkSession, context: FeedContext) -> Event:
    event = Event()
    event.add("UID", f"hm-session-{session.key}@{context.canvas_host.lower()}")
    stamp = session.last_modified or _epoch()
    event.add("DTSTAMP", stamp)
    event.add("SUMMARY", clean_line(session.title) or "Work session")
    event.add("DTSTART", session.start)
    event.add("DTEND", session.end)
    if clean_text(session.description).strip():
        event.add("DESCRIPTION", clean_text(session.description))
    event.add("TRANSP", "TRANSPARENT")
    if session.canvas_assignment_id:
        event.add("X-MUFFIN-ASSIGNMENT-ID", session.canvas_assignment_id)
    return event


def _reconnect_event(context: FeedContext, day: date) -> Event:
    return _all_day_notice(context, "hm-reconnect", "Reconnect Homework Muffin", day, [
        "Canvas no longer accepts Homework Muffin's access, so this calendar has stopped updating.",
        "Sign in with Canvas again to resume."])


def _notice_event(context: FeedContext, notice: FeedNotice) -> Event:
    return _all_day_notice(context, "hm-notice", f"⚠ Homework Muffin: {clean_line(notice.headline)}", notice.day, [
        clean_text(notice.text), "Your calendar keeps the events it had; new changes arrive once this is fixed."])


def _all_day_notice(context: FeedContext, uid_prefix: str, summary: str, day: date, lines: list[str]) -> Event:
    """One clearly labelled all-day event about the feed itself, linking to /me."""
    event = Event()
    event.add("UID", f"{uid_prefix}-{context.student_key or 'student'}@{context.canvas_host.lower()}")
    event.add("DTSTAMP", datetime(day.year, day.month, day.day, tzinfo=ZoneInfo("UTC")))
    event.add("SUMMARY", summary)
    event.add("DTSTART", day)
    event.add("DTEND", day + timedelta(days=1))
    if context.me_url:
        lines = [*lines, context.me_url]
        event.add("URL", context.me_url)
    event.add("DESCRIPTION", "\n".join(lines))
    event.add("TRANSP", "TRANSPARENT")
    return event
