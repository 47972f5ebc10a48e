"""ICS rendering: a student's assignments in, RFC 5545 calendar bytes out.

Pure: no database, no clock (the caller passes `now`), no I/O, so the same
data always gives the same bytes and so the same ETag. What calendar apps
need (docs/calendar-clients.md §1, §2) and how this module meets it:

- UID ``assignment-<canvas assignment id>@<canvas host>``: it depends on
  nothing else, so it survives syncs, restarts, re-logins and the Canvas
  calendar-feed import that maps Canvas's own UIDs onto the same ids;
- DTSTAMP and LAST-MODIFIED are when the assignment last changed (with no
  METHOD property RFC 5545 §3.8.7.2 defines DTSTAMP that way), SEQUENCE
  counts the changes, so clients replace the old copy;
- timed events end at the due time and start 30 minutes earlier (never zero
  length) with a TZID of the student's zone, a VTIMEZONE for it and
  X-WR-TIMEZONE; all-day events sit on the day the work is due, with an
  exclusive DTEND; work Canvas says is due "all day" (`all_day_date`) is an
  all-day event on that date whatever the student's event style, so every
  client shows the date Canvas meant, in any zone;
- calendar items (`FeedItem`) next to assignments: Canvas calendar events
  keep their start and end (an all-day one its date; a zero-length one is
  shown like a deadline), to-do items, planner notes and checkpoints are
  shown like assignments. Their UIDs, ``calendar-event-<id>@host``,
  ``todo-<type>-<id>@host``, ``planner-note-<id>@host`` and
  ``checkpoint-<assignment id>-<tag>@host``, never collide with an
  assignment's, and a calendar event's is the same whether it came from the
  API or from Canvas's feed;
- one notice event when the student's source failed (`FeedNotice`), or the
  "Reconnect" event when the grant is gone; both last, so the rest of the
  calendar stays byte-for-byte what it was;
- no empty properties (strict parsers reject them), no control characters
  (RFC 5545 TEXT excludes them; strict parsers reject the calendar), text
  escaped and folded by `feeds/ics_writer.py`, which writes what icalendar
  would, byte for byte, in a tenth of the time (the calendar's own lines and
  the VTIMEZONEs still come from icalendar, once per school, zone and span).

Extension point: `render_feed(..., sessions=...)` adds suggested work sessions
as VEVENTs with UID prefix ``hm-session-``; kind "sessions" renders only those.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Timezone

from ..canvas.links import canvas_link
from ..settings import StudentSettings
from . import ics_writer

__all__ = [
    "DESCRIPTION_LIMIT",
    "EVENT_MINUTES",
    "PRODID",
    "SUBMITTED_STATES",
    "FeedAssignment",
    "FeedContext",
    "FeedItem",
    "FeedNotice",
    "WorkSession",
    "assignment_uid",
    "item_uid",
    "clean_line",
    "clean_text",
    "course_color",
    "day_text",
    "render_feed",
    "serialize",
    "shown_link",
    "time_text",
]

PRODID = "-//Homework Muffin//Canvas assignments feed 1.0//EN"
#: Length of a timed event; it ends at the due time.
EVENT_MINUTES = 30
#: Characters of the assignment's own description kept in DESCRIPTION.
DESCRIPTION_LIMIT = 1000
#: Events due longer ago than this are left out (Google drops feeds past ~1 MB).
PAST_WINDOW = timedelta(days=180)
#: States in which the student has nothing left to hand in.
SUBMITTED_STATES = frozenset({"submitted", "graded", "late"})
REFRESH = timedelta(hours=1)
_EVENT_LENGTH = timedelta(minutes=EVENT_MINUTES)
_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_PLAIN_LINK_LIMIT = 1000  # canvas_link's own limit
# C0 and C1 controls but TAB and LF, and DEL: not allowed in iCalendar TEXT (RFC 5545 §3.3.11).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# CSS3 colour names (RFC 7986 COLOR) readable on white and dark backgrounds.
_PALETTE = (
    "steelblue", "seagreen", "darkorange", "mediumpurple", "crimson", "teal", "goldenrod",
    "slateblue", "olivedrab", "indianred", "darkcyan", "orchid", "sienna", "royalblue",
    "darkkhaki", "palevioletred", "cadetblue", "chocolate",
)
_KIND_LABELS = {
    "essay": "Essay", "problem_set": "Problem set", "quiz": "Quiz", "exam": "Exam",
    "discussion": "Discussion", "lab": "Lab", "reading": "Reading", "project": "Project", "other": "Assignment",
}
_STATE_LABELS = {
    "submitted": "Submitted", "graded": "Graded", "late": "Submitted late", "missing": "Missing",
    "unsubmitted": "Not submitted yet", "unknown": "Submission status unknown",
}


@dataclass(frozen=True)
class FeedNotice:
    """What went wrong with the student's source, as one all-day event on `day`."""

    headline: str
    text: str
    day: date


@dataclass(frozen=True)
class FeedContext:
    """Everything about the student and the feed that is not an assignment."""

    canvas_host: str
    """Host of the school's Canvas (part of every UID)."""
    school_name: str
    time_zone: str
    """IANA zone the student reads their calendar in."""
    settings: StudentSettings = field(default_factory=StudentSettings)
    reconnect_needed: bool = False
    me_url: str | None = None
    """Absolute URL of /me, linked from the reconnect event."""
    student_key: str = ""
    """Opaque, stable per student (the reconnect event's UID); never a secret."""
    notice: FeedNotice | None = None
    """A source problem to show (the "Reconnect" event takes precedence)."""


@dataclass(frozen=True)
class FeedAssignment:
    canvas_assignment_id: str
    canvas_course_id: str
    course_code: str
    title: str
    kind: str
    description: str
    """Plain text (already stripped of HTML)."""
    html_url: str
    due_at: datetime | None
    points_possible: float | None
    submission_state: str
    sequence: int
    last_modified: datetime
    unlock_at: datetime | None = None
    all_day_date: date | None = None
    """Canvas says due all day (its feed's DATE): an all-day event on this date."""


@dataclass(frozen=True)
class FeedItem:
    """A calendar event, to-do item, planner note or checkpoint (store.models.CalendarItem)."""

    kind: str
    canvas_id: str
    canvas_course_id: str | None
    course_code: str
    context_code: str
    title: str
    description: str
    """Plain text."""
    html_url: str
    location: str
    start_at: datetime | None
    end_at: datetime | None
    all_day_date: date | None
    canvas_assignment_id: str | None
    points_possible: float | None
    submission_state: str
    sequence: int
    last_modified: datetime


@dataclass(frozen=True)
class WorkSession:
    """A suggested work session (another issue fills these from the balanced plan)."""

    key: str
    """Stable identity of the session; the UID is ``hm-session-<key>@<canvas host>``."""
    start: datetime | date
    end: datetime | date
    title: str
    description: str = ""
    last_modified: datetime | None = None
    canvas_assignment_id: str | None = None


def assignment_uid(canvas_assignment_id: str, canvas_host: str) -> str:
    """The one UID an assignment has, in every feed, forever."""
    return f"assignment-{canvas_assignment_id}@{canvas_host.lower()}"


#: UID prefix of each calendar item kind: none is "assignment" or "hm-", so none collides.
_ITEM_UID_PREFIXES = {"event": "calendar-event", "todo": "todo", "note": "planner-note", "checkpoint": "checkpoint"}
_ITEM_KINDS_SHOWN = {"event": "calendar_event", "todo": "todo", "note": "planner_note", "checkpoint": "checkpoint"}
_ITEM_LABELS = {"event": "Calendar event", "todo": "To do", "note": "Your planner note", "checkpoint": "Checkpoint"}
#: Canvas's names for the two checkpoints of a graded discussion.
CHECKPOINT_LABELS = {"reply_to_topic": "reply to topic", "reply_to_entry": "required replies"}
_DEADLINE_KINDS = frozenset({"todo", "note", "checkpoint"})


def item_uid(kind: str, canvas_id: str, canvas_host: str) -> str:
    """The one UID a calendar item has: per kind and Canvas id, the same on every path."""
    return f"{_ITEM_UID_PREFIXES[kind]}-{canvas_id}@{canvas_host.lower()}"


def clean_text(text: str) -> str:
    """`text` without the control characters iCalendar forbids (CR LF and CR become LF)."""
    if _CONTROLS.search(text) is None:  # the usual case (CR is one of _CONTROLS): one scan
        return text
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(text: str) -> str:
    """`clean_text` for one-line values (titles, course codes, URLs): line breaks become spaces."""
    return " ".join(clean_text(text).split())


def shown_link(url: str, canvas_host: str) -> str:
    """A stored Canvas link as a feed may show it: http(s) on the school's Canvas host, else ""."""
    if len(url) <= _PLAIN_LINK_LIMIT and _plain_link(canvas_host).fullmatch(url):
        return url  # what canvas_link returns for it, without parsing it (a third of a render's time)
    return canvas_link(clean_line(url), f"//{canvas_host}")


@functools.lru_cache(maxsize=256)
def _plain_link(canvas_host: str) -> re.Pattern[str]:
    """The links Canvas usually sends: http(s), exactly this host, a path of plain URL characters."""
    return re.compile(rf"https?://{re.escape(canvas_host)}/[A-Za-z0-9/_.~%?=&#+-]*")


@functools.lru_cache(maxsize=4096)
def course_color(canvas_course_id: str) -> str:
    """A CSS3 colour name picked stably from the course id."""
    digest = hashlib.sha256(canvas_course_id.encode()).digest()
    return _PALETTE[int.from_bytes(digest[:4], "big") % len(_PALETTE)]


def render_feed(context: FeedContext, assignments: Iterable[FeedAssignment], *, now: datetime,
                sessions: Sequence[WorkSession] = (), kind: str = "all", items: Iterable[FeedItem] = ()) -> bytes:
    """The calendar as UTF-8 bytes with CRLF line ends.

    `kind` "all" renders the visible dated assignments, then the visible
    calendar `items`, plus `sessions`; "sessions" only the sessions. `now`
    (aware) sets the past window and the reconnect event's day; nothing else
    depends on it.
    """
    zone = _zone(context.time_zone)
    events: list[_Event] = []
    if kind == "all":
        chosen, shown = _selected(context, assignments, items, zone, now)
        events.extend(_assignment_event(a, context, zone) for a in chosen)
        # After the assignments, so a feed without items keeps its bytes.
        events.extend(_item_event(i, context, zone) for i in shown)
    events.extend(_session_event(s, context) for s in sessions)
    if kind == "all" and context.reconnect_needed:
        # Last, so the rest of the calendar stays byte-for-byte what it was.
        events.append(_reconnect_event(context, now.astimezone(zone).date()))
    elif kind == "all" and context.notice is not None:
        events.append(_notice_event(context, context.notice))
    lines = list(_header(context.school_name, context.time_zone, kind))
    timed = [e.start for e in events if isinstance(e.start, datetime)]
    if timed:
        # VTIMEZONE covering just the years in use keeps the feed small.
        first = min(timed).date().replace(month=1, day=1)
        last = max(timed).date().replace(year=max(timed).year + 2, month=1, day=1)
        lines += _timezone_lines(events, first, last)
    for event in events:
        lines += event.lines
    lines.append("END:VCALENDAR")
    return ics_writer.serialize_lines(lines)


def _selected(context: FeedContext, assignments: Iterable[FeedAssignment], items: Iterable[FeedItem],
              zone: ZoneInfo, now: datetime) -> tuple[list[FeedAssignment], list[FeedItem]]:
    """The assignments and calendar items the feed shows, each in feed order."""
    settings = context.settings
    hidden = set(settings.hidden_courses)
    oldest = now - PAST_WINDOW
    chosen = [
        a for a in assignments
        if a.due_at is not None and a.due_at >= oldest and a.canvas_course_id not in hidden
        and not (settings.submitted == "hide" and a.submission_state in SUBMITTED_STATES)
    ]
    chosen.sort(key=lambda a: (a.due_at, a.canvas_assignment_id))  # type: ignore[arg-type, return-value]
    shown = sorted((i for i in items if _shows(i, settings, hidden, zone, oldest)),
                   key=lambda i: (_moment(i, zone), i.kind, i.canvas_id))
    return chosen, shown


class _Event(NamedTuple):
    """One VEVENT's content lines, and the DTSTART and DTEND the VTIMEZONEs must cover."""

    lines: list[str]
    start: date | datetime
    end: date | datetime


def _event(properties: dict[str, str], start: date | datetime, end: date | datetime,
           alarms: Iterable[list[str]] = ()) -> _Event:
    return _Event(ics_writer.component("VEVENT", properties, ics_writer.EVENT_ORDER, alarms), start, end)


@functools.lru_cache(maxsize=1024)
def _header(school_name: str, time_zone: str, kind: str) -> tuple[str, ...]:
    """The VCALENDAR's own lines (its BEGIN and properties): few per process, so icalendar writes them."""
    return tuple(str(line) for line in _calendar(school_name, time_zone, kind).content_lines()[:-2])


def _timezone_lines(events: Sequence[_Event], first: date, last: date) -> list[str]:
    """The VTIMEZONE of each zone a DTSTART or DTEND names, as `Calendar.add_missing_timezones` adds them.

    Only DTSTART and DTEND carry a local zone here (stamps and triggers are
    UTC), and a zone's VTIMEZONE for a span of years is the same every time.
    """
    tzids = sorted({tzid for e in events for moment in (e.start, e.end)
                    if isinstance(moment, datetime) and (tzid := ics_writer.tzid(moment)) not in (None, "UTC")})
    return [line for tzid in tzids for line in _vtimezone_lines(tzid, first, last)]


@functools.lru_cache(maxsize=128)
def _vtimezone_lines(tzid: str, first: date, last: date) -> tuple[str, ...]:
    timezone = _vtimezone(tzid, first, last)
    return () if timezone is None else tuple(str(line) for line in timezone.content_lines() if line)


@functools.lru_cache(maxsize=128)
def _vtimezone(tzid: str, first: date, last: date) -> Timezone | None:
    # Shared between renders (and threads): serialising only reads it.
    try:
        return Timezone.from_tzid(tzid, first_date=first, last_date=last)
    except ValueError:
        return None


def serialize(calendar: Calendar) -> bytes:
    """`calendar.to_ical()`, byte for byte, in half the time (icalendar folds one character at a time)."""
    return ics_writer.serialize_lines(calendar.content_lines())





def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _calendar(school_name: str, time_zone: str, kind: str) -> Calendar:
    """The VCALENDAR with its own properties and no components yet."""
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    suffix = " — work sessions" if kind == "sessions" else ""
    school = clean_line(school_name)
    name = f"Homework Muffin{suffix} ({school})" if school else f"Homework Muffin{suffix}"
    calendar.calendar_name = name  # NAME and X-WR-CALNAME
    calendar.description = ("Suggested work sessions from Homework Muffin" if kind == "sessions"
                            else "Your Canvas assignments, kept in sync by Homework Muffin")
    calendar.add("X-WR-TIMEZONE", _zone(time_zone).key)
    calendar.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", "PT1H")
    return calendar


def _assignment_event(a: FeedAssignment, context: FeedContext, zone: ZoneInfo) -> _Event:
    assert a.due_at is not None
    settings = context.settings
    done = a.submission_state in SUBMITTED_STATES
    mark = "✓ " if done and settings.submitted == "mark" else ""
    title, url = clean_line(a.title) or "Untitled assignment", shown_link(a.html_url, context.canvas_host)
    code, categories, course = _course_values(a.course_code)
    text, raw = ics_writer.text, ics_writer.raw
    stamp = ":" + ics_writer.utc_stamp(a.last_modified)
    event = {
        "UID": ":" + text(assignment_uid(a.canvas_assignment_id, context.canvas_host)),
        "DTSTAMP": stamp,
        "LAST-MODIFIED": stamp,
        "SEQUENCE": f":{a.sequence}",
        "SUMMARY": ":" + text(f"{mark}{code}: {title}" if code else f"{mark}{title}"),
    }
    all_day = a.all_day_date is not None or settings.event_style == "all_day"
    start, end = _add_deadline(event, a.due_at, zone, all_day, a.all_day_date)
    event["DESCRIPTION"] = ":" + text(_description(a, zone, url, clean_text(a.description)))
    if url:
        event["URL"] = ":" + url
    if code:
        event["CATEGORIES"] = categories
        event["X-MUFFIN-COURSE"] = course
    event["COLOR"] = ":" + course_color(a.canvas_course_id)
    event["X-MUFFIN-ASSIGNMENT-ID"] = ":" + raw(a.canvas_assignment_id)
    event["X-MUFFIN-KIND"] = ":" + raw(a.kind)
    if a.points_possible is not None:
        event["X-MUFFIN-POINTS"] = ":" + _number(a.points_possible)
    event["X-MUFFIN-SUBMITTED"] = ":true" if done else ":unknown" if a.submission_state == "unknown" else ":false"
    if a.unlock_at is not None:
        unlock = a.unlock_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
        event["X-MUFFIN-UNLOCK-AT"] = ":" + unlock
    return _event(event, start, end, _alarms(title, a.due_at, settings.reminder_minutes, all_day))


@functools.lru_cache(maxsize=4096)
def _course_values(course_code: str) -> tuple[str, str, str]:
    """A course code as shown (clean), and the CATEGORIES and X-MUFFIN-COURSE values made of it.

    A feed has a handful of courses and hundreds of events, so these are worked out once per course.
    """
    code = clean_line(course_code)
    return code, ":" + ics_writer.text(code), ":" + ics_writer.raw(code)


def _add_deadline(event: dict[str, str], due: datetime, zone: ZoneInfo, all_day: bool,
                  day: date | None) -> tuple[date | datetime, date | datetime]:
    """DTSTART and DTEND of something due at `due`: the 30 minutes before it, or all day.

    All day is on `day` when Canvas named it, else on the local date of the
    deadline, where one at 00:00 belongs to the evening before (the day the
    work must be done). Returns the start and end.
    """
    start: date | datetime
    end: date | datetime
    if all_day:
        start = day or (due.astimezone(zone) - _ONE_SECOND).date()
        end = start + _ONE_DAY
        event["TRANSP"] = ":TRANSPARENT"
    else:
        end = due.astimezone(zone)
        start = end - _EVENT_LENGTH
    event["DTSTART"] = ics_writer.date_or_time(start)
    event["DTEND"] = ics_writer.date_or_time(end)
    return start, end


def _description(a: FeedAssignment, zone: ZoneInfo, url: str, description: str) -> str:
    """The DESCRIPTION of an assignment, given its shown link and its description's clean text."""
    facts = [_KIND_LABELS.get(a.kind, "Assignment")]
    if a.points_possible is not None:
        facts.append(f"{_number(a.points_possible)} points")
    facts.append(_STATE_LABELS.get(a.submission_state, a.submission_state))
    lines = [" · ".join(facts)]
    if a.all_day_date is not None:
        lines.append(f"Due {day_text(a.all_day_date)} (all day)")
    elif a.due_at is not None:
        lines.append(f"Due {time_text(a.due_at.astimezone(zone))} ({zone.key})")
    if url:
        lines.append(f"Open in Canvas: {url}")
    text = description.strip()
    if text:
        if len(text) > DESCRIPTION_LIMIT:
            text = text[: DESCRIPTION_LIMIT - 1].rstrip() + "…"
        lines += ["", text]
    return "\n".join(lines)


def _alarms(title: str, due: datetime, reminder_minutes: Sequence[int], all_day: bool) -> list[list[str]]:
    """One VALARM per entry of `reminder_minutes`, that many minutes before `due` (one escaped text for all)."""
    if not reminder_minutes:
        return []
    description = "DESCRIPTION:" + ics_writer.text(f"Due soon: {title}")
    alarms = []
    for minutes in reminder_minutes:
        if all_day:
            # An all-day event's END is midnight, not the due time: trigger at an absolute UTC time.
            trigger = ics_writer.date_time(due - timedelta(minutes=minutes), ";VALUE=DATE-TIME")
        else:
            trigger = _relative_trigger(minutes)
        alarms.append(["BEGIN:VALARM", "ACTION:DISPLAY", description, f"TRIGGER{trigger}", "END:VALARM"])
    return alarms


@functools.lru_cache(maxsize=256)
def _relative_trigger(minutes: int) -> str:
    """``;RELATED=END:-PT…`` for a reminder `minutes` before the end (students pick a few values)."""
    return ";RELATED=END:" + ics_writer.duration(-timedelta(minutes=minutes))


def _shows(i: FeedItem, settings: StudentSettings, hidden: set[str], zone: ZoneInfo, oldest: datetime) -> bool:
    if i.canvas_course_id is not None and i.canvas_course_id in hidden:
        return False
    if i.kind == "event" and (i.canvas_course_id in settings.hidden_event_courses
                              or (i.context_code.startswith("user_") and not settings.personal_events)):
        return False
    if i.kind == "note" and not settings.planner_notes:
        return False
    if i.kind in _DEADLINE_KINDS and settings.submitted == "hide" and i.submission_state in SUBMITTED_STATES:
        return False
    return _moment(i, zone) >= oldest


def _moment(i: FeedItem, zone: ZoneInfo) -> datetime:
    """When an item starts: its start, or local midnight of its all-day date."""
    if i.start_at is not None:
        return i.start_at
    assert i.all_day_date is not None
    return datetime.combine(i.all_day_date, datetime.min.time(), tzinfo=zone)


def _item_event(i: FeedItem, context: FeedContext, zone: ZoneInfo) -> _Event:
    settings = context.settings
    done = i.kind in _DEADLINE_KINDS and i.submission_state in SUBMITTED_STATES
    mark = "✓ " if done and settings.submitted == "mark" else ""
    (code, categories, course), url = _course_values(i.course_code), shown_link(i.html_url, context.canvas_host)
    title = clean_line(i.title) or _ITEM_LABELS[i.kind]
    if i.kind == "checkpoint":
        tag = (i.canvas_id.rsplit("-", 1) + [""])[1]
        title = f"{title}: {CHECKPOINT_LABELS.get(tag, tag.replace('_', ' '))}"
    text, raw = ics_writer.text, ics_writer.raw
    stamp = ":" + ics_writer.utc_stamp(i.last_modified)
    event = {
        "UID": ":" + text(item_uid(i.kind, i.canvas_id, context.canvas_host)),
        "DTSTAMP": stamp,
        "LAST-MODIFIED": stamp,
        "SEQUENCE": f":{i.sequence}",
        "SUMMARY": ":" + text(f"{mark}{code}: {title}" if code else f"{mark}{title}"),
    }
    due = _moment(i, zone)
    start: date | datetime
    end: date | datetime
    # Deadline-like: to-dos, notes, checkpoints, and events Canvas gave no length (start = end).
    deadline = i.kind in _DEADLINE_KINDS or i.end_at is None or i.end_at <= due
    all_day = i.all_day_date is not None or (i.kind in _DEADLINE_KINDS and settings.event_style == "all_day")
    if deadline or all_day:
        start, end = _add_deadline(event, due, zone, all_day, i.all_day_date)
    else:
        assert i.end_at is not None
        start, end = due.astimezone(zone), i.end_at.astimezone(zone)
        event["DTSTART"] = ics_writer.date_or_time(start)
        event["DTEND"] = ics_writer.date_or_time(end)
    event["DESCRIPTION"] = ":" + text(_item_description(i, title, code, url, zone))
    if i.location.strip():
        event["LOCATION"] = ":" + text(clean_line(i.location))
    if url:
        event["URL"] = ":" + url
    if code:
        event["CATEGORIES"] = categories
        event["X-MUFFIN-COURSE"] = course
    if i.canvas_course_id is not None:
        event["COLOR"] = ":" + course_color(i.canvas_course_id)
    if i.canvas_assignment_id:
        event["X-MUFFIN-ASSIGNMENT-ID"] = ":" + raw(i.canvas_assignment_id)
    event["X-MUFFIN-KIND"] = ":" + _ITEM_KINDS_SHOWN[i.kind]
    if i.kind == "checkpoint":
        if i.points_possible is not None:
            event["X-MUFFIN-POINTS"] = ":" + _number(i.points_possible)
        event["X-MUFFIN-SUBMITTED"] = (":true" if done else ":unknown" if i.submission_state == "unknown"
                                       else ":false")
    alarms = _alarms(title, due, settings.reminder_minutes, all_day) if i.kind in _DEADLINE_KINDS else []
    return _event(event, start, end, alarms)


def _item_description(i: FeedItem, title: str, code: str, url: str, zone: ZoneInfo) -> str:
    facts = [_ITEM_LABELS[i.kind]]
    if i.location.strip():
        facts.append(clean_line(i.location))
    if i.kind == "checkpoint":
        if i.points_possible is not None:
            facts.append(f"{_number(i.points_possible)} points")
        facts.append(_STATE_LABELS.get(i.submission_state, i.submission_state))
    elif i.kind in ("todo", "note") and i.submission_state in SUBMITTED_STATES:
        facts.append("Marked done in Canvas")
    lines = [" · ".join(facts)]
    if i.all_day_date is not None:
        lines.append(f"{day_text(i.all_day_date)} (all day)")
    elif i.start_at is not None:
        verb = "Due" if i.kind == "checkpoint" else "To do by" if i.kind in ("todo", "note") else "Starts"
        lines.append(f"{verb} {time_text(i.start_at.astimezone(zone))} ({zone.key})")
    if url:
        lines.append(f"Open in Canvas: {url}")
    text = clean_text(i.description).strip()
    if text:
        if len(text) > DESCRIPTION_LIMIT:
            text = text[: DESCRIPTION_LIMIT - 1].rstrip() + "…"
        lines += ["", text]
    return "\n".join(lines)


def _session_event(session: WorkSession, context: FeedContext) -> _Event:
    text, raw = ics_writer.text, ics_writer.raw
    event = {
        "UID": ":" + text(f"hm-session-{session.key}@{context.canvas_host.lower()}"),
        "DTSTAMP": ":" + ics_writer.utc_stamp(session.last_modified or _epoch()),
        "SUMMARY": ":" + text(clean_line(session.title) or "Work session"),
        "DTSTART": ics_writer.date_or_time(session.start),
        "DTEND": ics_writer.date_or_time(session.end),
        "TRANSP": ":TRANSPARENT",
    }
    if clean_text(session.description).strip():
        event["DESCRIPTION"] = ":" + text(clean_text(session.description))
    if session.canvas_assignment_id:
        event["X-MUFFIN-ASSIGNMENT-ID"] = ":" + raw(session.canvas_assignment_id)
    return _event(event, session.start, session.end)


def _reconnect_event(context: FeedContext, day: date) -> _Event:
    return _all_day_notice(context, "hm-reconnect", "Reconnect Homework Muffin", day, [
        "Canvas no longer accepts Homework Muffin's access, so this calendar has stopped updating.",
        "Sign in with Canvas again to resume."])


def _notice_event(context: FeedContext, notice: FeedNotice) -> _Event:
    return _all_day_notice(context, "hm-notice", f"⚠ Homework Muffin: {clean_line(notice.headline)}", notice.day, [
        clean_text(notice.text), "Your calendar keeps the events it had; new changes arrive once this is fixed."])


def _all_day_notice(context: FeedContext, uid_prefix: str, summary: str, day: date, lines: list[str]) -> _Event:
    """One clearly labelled all-day event about the feed itself, linking to /me."""
    text = ics_writer.text
    end = day + timedelta(days=1)
    event = {
        "UID": ":" + text(f"{uid_prefix}-{context.student_key or 'student'}@{context.canvas_host.lower()}"),
        "DTSTAMP": ":" + ics_writer.utc_stamp(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo("UTC"))),
        "SUMMARY": ":" + text(summary),
        "DTSTART": ics_writer.date_or_time(day),
        "DTEND": ics_writer.date_or_time(end),
        "TRANSP": ":TRANSPARENT",
    }
    if context.me_url:
        lines = [*lines, context.me_url]
        event["URL"] = ":" + context.me_url
    event["DESCRIPTION"] = ":" + text("\n".join(lines))
    return _event(event, day, end)


#: The C locale's names, which strftime's %a and %b gave: the server never sets LC_TIME.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(day: date) -> str:
    """`day` as ``Tue 01 Sep 2026`` (``f"{day:%a %d %b %Y}"``, without strftime's cost per event)."""
    return "%s %02d %s %d" % (_WEEKDAYS[day.weekday()], day.day, _MONTHS[day.month - 1], day.year)


def time_text(moment: datetime) -> str:
    """`moment`'s wall-clock time as ``Tue 01 Sep 2026, 09:00`` (``%a %d %b %Y, %H:%M``)."""
    return "%s, %02d:%02d" % (day_text(moment), moment.hour, moment.minute)


def _number(value: float) -> str:
    return f"{value:g}"


def _epoch() -> datetime:
    return datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))
