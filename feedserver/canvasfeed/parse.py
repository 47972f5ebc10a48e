"""Canvas's calendar feed, parsed into the same coursework the REST API sync stores.

What Canvas puts in the feed (docs/canvas-facts.md §4, `IcalEvent#to_ics`,
checked on the real feeds in tests/data/canvas_feeds/):

- UID ``event-assignment-<id>``, or ``event-assignment-override-<override id>``
  when an override sets the student's date; the assignment id is then only in
  the URL fragment ``#assignment_<id>``. Both map to the assignment id, so the
  feed's events get the same UIDs as after an OAuth sign-in (feeds/render.py);
- UID ``event-calendar-event-<id>`` for a calendar event of a course, of the
  student's section (a child of a course event), of a group or of the
  student: the same id the REST API lists, so the same UID in our feed;
- URL ``…/calendar?include_contexts=<context>…``: ``course_<id>`` names the
  course; for a section's or group's event it names the section or group,
  and the course is the one whose code ends the SUMMARY;
- SUMMARY ``<title> [<course code>]`` (with `` (<override title>)`` before the
  code for override events; no code for personal events);
- DTSTART in UTC, or a DATE for what Canvas calls all day (an assignment due
  at 23:59 where its teacher edited it, an all-day event): the date is kept
  as Canvas wrote it (`all_day_date`), so every calendar shows that day; an
  all-day assignment's `due_at` (for sorting, plans and the API) is 23:59 of
  that date in the student's zone. 2019-era feeds wrote such dates as
  ``DTSTART;VALUE=DATE:20190408T000000``, which parsers read as a floating
  time: the ``VALUE=DATE`` parameter decides;
- no submission status and no points: ``submission_state`` is "unknown" and
  points are None, never "not submitted"; no to-do items, planner notes or
  checkpoints (Canvas's feed has none), so only events are read in full.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar

from muffin_analytics.canvas_rules import CALENDAR_EVENT_UID_PREFIX, assignment_id_of, is_override_uid, split_summary

from ..canvas.coursework import CanvasAssignment, CanvasCourse, Coursework
from ..canvas.fields import in_calendar_range
from ..canvas.items import EVENT, CanvasItem
from ..canvas.links import canvas_link
from .errors import NotACalendar

__all__ = ["MAX_EVENTS", "assignment_id_of", "parse_canvas_feed"]

#: Canvas sends at most 1,000 assignments and 1,000 events; anything beyond is not Canvas.
MAX_EVENTS = 5000
_COURSE_CONTEXT = re.compile(r"^course_(\d+)$")
_CONTEXT = re.compile(r"^(course|course_section|group|user|appointment_group)_(\d+)$")
_EVENT_FRAGMENT = re.compile(r"^calendar_event_(\d+)$")


def _contexts(url: str) -> list[str]:
    return [part.strip() for context in parse_qs(urlsplit(url).query).get("include_contexts", [])
            for part in context.split(",") if _CONTEXT.match(part.strip())]


def _course_id_of(url: str) -> str | None:
    for context in _contexts(url):
        match = _COURSE_CONTEXT.match(context)
        if match:
            return match.group(1)
    return None


def _when(prop: object, zone: ZoneInfo) -> tuple[datetime | None, date | None]:
    """(instant, all-day date) of a DTSTART/DTEND property; either may be None, both for a date out of range."""
    if prop is None:
        return None, None
    value = getattr(prop, "dt", None)
    params = getattr(prop, "params", {})
    if isinstance(value, datetime) and str(params.get("VALUE", "")).upper() != "DATE":
        if value.tzinfo is None:
            # Floating time: Canvas never sends it; read it in the student's zone.
            value = value.replace(tzinfo=zone)
        # A teacher's typo (year 9999) leaves this one item undated, not the whole feed unread.
        return (value, None) if in_calendar_range(value) else (None, None)
    if isinstance(value, datetime):
        value = value.date()  # DATE with a time part: the 2019 form of an all-day date
    if isinstance(value, date) and in_calendar_range(value):
        return None, value
    return None, None


def parse_canvas_feed(body: bytes, *, canvas_base: str, time_zone: str = "UTC") -> Coursework:
    """Courses, assignments and calendar events of a Canvas calendar feed; `NotACalendar` if it is not one.

    `canvas_base` is ``scheme://host[:port]`` of the school's Canvas, for
    links (rebuilt from ids for assignments; checked for events);
    `time_zone` is the student's, which gives an all-day assignment its 23:59.
    """
    try:
        calendar = Calendar.from_ical(body)
    except (ValueError, IndexError, KeyError) as exc:
        raise NotACalendar("That address returned a file that is not a valid calendar.") from exc
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise NotACalendar("That address returned a file that is not a valid calendar.")
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    events = list(calendar.walk("VEVENT"))
    if len(events) > MAX_EVENTS:
        raise NotACalendar(f"That calendar has more than {MAX_EVENTS} events; Canvas feeds never do.")
    courses: dict[str, CanvasCourse] = {}
    assignments: dict[str, CanvasAssignment] = {}
    calendar_events = []
    for event in events:
        uid = str(event.get("UID", ""))
        url = str(event.get("URL", ""))
        if uid.startswith(CALENDAR_EVENT_UID_PREFIX):
            calendar_events.append(event)
            continue
        assignment_id = assignment_id_of(uid, url)
        course_id = _course_id_of(url)
        if assignment_id is None or course_id is None or assignment_id in assignments:
            continue
        title, code = split_summary(str(event.get("SUMMARY", "")), override=is_override_uid(uid))
        due, day = _when(event.get("DTSTART"), zone)
        if day is not None:
            due = datetime.combine(day, time(23, 59), tzinfo=zone)
        _course(courses, course_id, code)
        assignments[assignment_id] = CanvasAssignment(
            id=assignment_id, course_id=course_id, name=title or "Assignment",
            description_html=_description_html(event),
            html_url=f"{canvas_base}/courses/{course_id}/assignments/{assignment_id}",
            due_at=due, unlock_at=None, lock_at=None, points_possible=None, submission_types=(),
            is_quiz=False, is_discussion=False, published=True, submission_state="unknown",
            submitted_at=None, all_day_date=day,
        )
    for event in calendar_events:
        course_id = _course_id_of(str(event.get("URL", "")))
        if course_id is not None:
            _course(courses, course_id, split_summary(str(event.get("SUMMARY", "")))[1])
    by_code = {c.course_code: c.id for c in courses.values()}
    items = {}
    for event in calendar_events:
        item = _calendar_event(event, by_code, canvas_base, zone)
        if item is not None:
            items.setdefault(item.canvas_id, item)
    return Coursework(courses=tuple(_sorted(courses.values())), assignments=tuple(assignments.values()),
                      items=tuple(items.values()), complete=frozenset({EVENT}))


def _calendar_event(event: object, by_code: dict[str, str], canvas_base: str, zone: ZoneInfo) -> CanvasItem | None:
    """A calendar event of the feed, or None if it has no id, no date or a date out of range."""
    get = event.get  # type: ignore[attr-defined]
    event_id = str(get("UID", "")).removeprefix(CALENDAR_EVENT_UID_PREFIX)
    url = str(get("URL", ""))
    if not event_id.isdigit():
        fragment = _EVENT_FRAGMENT.match(urlsplit(url).fragment)
        if fragment is None:
            return None
        event_id = fragment.group(1)
    contexts = _contexts(url)
    context = contexts[0] if contexts else ""
    title, code = split_summary(str(get("SUMMARY", "")))
    # A section's or a course group's event names its course only by the code ending its SUMMARY.
    course_id = _course_id_of(url) or (by_code.get(code) if code else None)
    start, day = _when(get("DTSTART"), zone)
    end, _ = _when(get("DTEND"), zone)
    if start is None and day is None:
        return None
    link = canvas_link(url, canvas_base) or f"{canvas_base}/calendar?event_id={event_id}"
    return CanvasItem(
        kind=EVENT, canvas_id=event_id, course_id=course_id, context_code=context, title=title or "Event",
        description_html=_description_html(event), html_url=link, location=str(get("LOCATION", "")),
        start_at=start, end_at=end if start is not None and end is not None and end >= start else start,
        all_day_date=day,
    )


def _description_html(event: object) -> str:
    get = event.get  # type: ignore[attr-defined]
    return str(get("X-ALT-DESC", "")) or html.escape(str(get("DESCRIPTION", "")))


def _course(courses: dict[str, CanvasCourse], course_id: str, code: str) -> None:
    courses.setdefault(course_id, CanvasCourse(id=course_id, name=code or f"Course {course_id}",
                                               course_code=code or f"Course {course_id}", time_zone=None))


def _sorted(courses: Iterable[CanvasCourse]) -> list[CanvasCourse]:
    return sorted(courses, key=lambda c: int(c.id))
