"""Canvas's calendar feed, parsed into the same coursework the REST API sync stores.

What Canvas puts in the feed (canvas.md §3, calendar_event.rb ``to_ics``):

- UID ``event-assignment-<id>``, or ``event-assignment-override-<override id>``
  when an override sets the student's date; the assignment id is then only in
  the URL fragment ``#assignment_<id>``. Both map to the assignment id, so the
  feed's events get the same UIDs as after an OAuth sign-in (feeds/render.py);
- URL ``…/calendar?include_contexts=course_<id>…``: the course id;
- SUMMARY ``<title> [<course code>]`` (with `` (<override title>)`` before the
  code for override events): the title and the course code;
- DTSTART in UTC, or a DATE for all-day assignments, which Canvas makes of
  work due at 23:59 (or 00:00) local time: we store 23:59 in the student's zone;
- no submission status and no points: ``submission_state`` is "unknown" and
  points are None, never "not submitted".

Calendar events (``event-calendar-event-…``) are not assignments and are
skipped, as the REST sync skips them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar

from muffin_analytics.canvas_rules import assignment_id_of, is_override_uid, split_summary

from ..canvas.coursework import CanvasAssignment, CanvasCourse, Coursework
from ..canvas.fields import in_calendar_range
from .errors import NotACalendar

__all__ = ["MAX_EVENTS", "assignment_id_of", "parse_canvas_feed"]

#: Canvas sends at most 1,000 assignments and 1,000 events; anything beyond is not Canvas.
MAX_EVENTS = 5000
_COURSE_CONTEXT = re.compile(r"^course_(\d+)$")


def _course_id_of(url: str) -> str | None:
    for context in parse_qs(urlsplit(url).query).get("include_contexts", []):
        for part in context.split(","):
            match = _COURSE_CONTEXT.match(part.strip())
            if match:
                return match.group(1)
    return None


def _due(value: object, zone: ZoneInfo) -> datetime | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            # Floating time: Canvas never sends it; read it in the student's zone.
            value = value.replace(tzinfo=zone)
    elif isinstance(value, date):
        if not in_calendar_range(value):
            return None
        value = datetime.combine(value, time(23, 59), tzinfo=zone)
    else:
        return None
    # A teacher's typo (year 9999) leaves this one assignment undated, not the whole feed unread.
    return value if in_calendar_range(value) else None


def parse_canvas_feed(body: bytes, *, canvas_base: str, time_zone: str = "UTC") -> Coursework:
    """Courses and assignments of a Canvas calendar feed; raise `NotACalendar` if it is not one.

    `canvas_base` is ``scheme://host[:port]`` of the school's Canvas, for
    assignment links; `time_zone` places all-day assignments.
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
    for event in events:
        uid = str(event.get("UID", ""))
        url = str(event.get("URL", ""))
        assignment_id = assignment_id_of(uid, url)
        course_id = _course_id_of(url)
        if assignment_id is None or course_id is None or assignment_id in assignments:
            continue
        title, code = split_summary(str(event.get("SUMMARY", "")), override=is_override_uid(uid))
        start = event.get("DTSTART")
        due = _due(start.dt if start is not None else None, zone)
        description_html = str(event.get("X-ALT-DESC", "")) or html.escape(str(event.get("DESCRIPTION", "")))
        courses.setdefault(course_id, CanvasCourse(id=course_id, name=code or f"Course {course_id}",
                                                   course_code=code or f"Course {course_id}", time_zone=None))
        assignments[assignment_id] = CanvasAssignment(
            id=assignment_id, course_id=course_id, name=title or "Assignment",
            description_html=description_html,
            html_url=f"{canvas_base}/courses/{course_id}/assignments/{assignment_id}",
            due_at=due, unlock_at=None, lock_at=None, points_possible=None, submission_types=(),
            is_quiz=False, is_discussion=False, published=True, submission_state="unknown",
            submitted_at=None,
        )
    return Coursework(courses=tuple(_sorted(courses.values())), assignments=tuple(assignments.values()))


def _sorted(courses: Iterable[CanvasCourse]) -> list[CanvasCourse]:
    return sorted(courses, key=lambda c: int(c.id))
