"""Canvas's own calendar feeds: `/feeds/calendars/user_<uuid>.ics` (and the
course feed `course_<uuid>.ics` that course JSON links to).

Modelled on calendar_events_api_controller.rb `public_feed` and
calendar_event.rb `IcalEvent#to_ics` (docs/canvas-facts.md §4):
- unauthenticated secret URL; assignments (the user's overrides applied) and
  course events from 30 days back to 366 days ahead; no submission status;
- PRODID `icalendar-ruby` (the gem's default), METHOD PUBLISH,
  X-WR-CALNAME "<Name> Calendar (Canvas)", no VTIMEZONE, no VALARM;
- timed assignments are zero-length UTC events (DTSTART = DTEND = due_at);
  23:59/00:00-local ones are all-day (DTSTART;VALUE=DATE, no DTEND);
- calendar events (`calendar_event_scope(user, &:events_without_child_events)`):
  the course's own events except parents with section children, the user's
  own section children, their groups' events and their personal events;
  all-day ones as DTSTART;VALUE=DATE; deleted ones never; SUMMARY is the
  stored title (no section suffix) plus `` [course_code]`` when the event is
  on a course, a section or a course's group; the URL's `include_contexts`
  names the event's own context (``course_section_S``, ``group_G``,
  ``user_U``); no checkpoints (`SubAssignment` rows are not in
  `assignment_scope`, docs/canvas-facts.md §4.5);
- SUMMARY "title [course_code]" (plus " (override title)" before the code
  when an override sets the date, which also switches the UID to
  event-assignment-override-<id>); DESCRIPTION is plain text with the HTML
  in X-ALT-DESC, both left out while locked; DTSTAMP = updated_at; SEQUENCE 0.
Answers ETag / If-None-Match with 304. A reset feed address (`SandboxState.reset_calendar_feed`)
is a 404; the faults `feed_server_errors` and `feed_login_page` give a 5xx or a redirect to
the sign-in page instead of the calendar.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from html.parser import HTMLParser

from aiohttp import web
from icalendar import Calendar, Event

from .middlewares import sandbox_state
from .student_view import effective_dates, lock_state, visible_to
from .typedefs import USER_KEY
from .world import Assignment, CalendarEvent, Course, SandboxWorld

PAST = timedelta(days=30)
AHEAD = timedelta(days=366)


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in {"p", "br", "li", "tr", "h1", "h2", "h3", "h4", "div"}:
            self.parts.append("\n")


def html_to_text(html: str) -> str:
    parser = _TextOnly()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", "icalendar-ruby")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("X-WR-CALNAME", f"{name} Calendar (Canvas)")
    cal.add("X-WR-CALDESC", f"Calendar events for {name}")
    return cal


def _calendar_url(base: str, course: Course, moment: datetime, fragment: str) -> str:
    return (f"{base}/calendar?include_contexts=course_{course.id}"
            f"&month={moment.month:02d}&year={moment.year}#{fragment}")


def assignment_vevent(world: SandboxWorld, assignment: Assignment, user_id: int | None,
                      base: str, now: datetime) -> Event | None:
    """The VEVENT for one assignment as `user_id` sees it (None = course feed)."""
    course = world.courses[assignment.course_id]
    if user_id is None:
        dates = effective_dates(world, assignment, -1)
        tz = course.time_zone
    else:
        dates = effective_dates(world, assignment, user_id)
        tz = world.users[user_id].time_zone
    if dates.due_at is None:
        return None
    event = Event()
    event.add("class", "PUBLIC")
    if dates.all_day and dates.all_day_date is not None:
        event.add("dtstart", dates.all_day_date)
    else:
        event.add("dtstart", dates.due_at)
        event.add("dtend", dates.due_at)
    event.add("dtstamp", assignment.updated_at)
    override = dates.override
    title = assignment.name + (f" ({override.title})" if override else "")
    event.add("summary", f"{title} [{course.course_code}]")
    if assignment.description and not lock_state(assignment, dates, now, tz).locked:
        event.add("description", html_to_text(assignment.description))
        event.add("X-ALT-DESC", assignment.description, parameters={"FMTTYPE": "text/html"})
    event.add("uid", f"event-assignment-override-{override.id}" if override
              else f"event-assignment-{assignment.id}")
    event.add("sequence", 0)
    event.add("url", _calendar_url(base, course, dates.due_at, f"assignment_{assignment.id}"))
    return event


def event_vevent(world: SandboxWorld, item: CalendarEvent, base: str) -> Event:
    event = Event()
    event.add("class", "PUBLIC")
    if item.all_day and item.all_day_date is not None:
        event.add("dtstart", item.all_day_date)
    else:
        event.add("dtstart", item.start_at)
        event.add("dtend", item.end_at)
    event.add("dtstamp", item.updated_at)
    course = world.courses[item.course_id] if item.course_id is not None else None
    event.add("summary", f"{item.title} [{course.course_code}]" if course else item.title)
    if item.description:
        event.add("description", html_to_text(item.description))
        event.add("X-ALT-DESC", item.description, parameters={"FMTTYPE": "text/html"})
    if item.location_name:
        event.add("location", item.location_name)
    event.add("uid", f"event-calendar-event-{item.id}")
    event.add("sequence", 0)
    event.add("url", f"{base}/calendar?include_contexts={item.code}&month={item.start_at.month:02d}"
                     f"&year={item.start_at.year}#calendar_event_{item.id}")
    return event


def _feed_events(world: SandboxWorld, courses: list[Course], user_id: int | None) -> list[CalendarEvent]:
    """The events of a user's feed (or of a course feed when `user_id` is None), parents with children left out."""
    if user_id is None:
        found = [e for c in courses for e in world.course_events(c.id)]
    else:
        codes = [f"course_{c.id}" for c in courses]
        codes += [f"group_{g.id}" for g in world.user_groups(user_id)] + [f"user_{user_id}"]
        found = list({e.id: e for code in codes for e in world.events_in(code, user_id)}.values())
    return [e for e in found if not world.is_hidden(e)]


def render_feed(world: SandboxWorld, name: str, courses: list[Course], user_id: int | None,
                base: str, now: datetime) -> bytes:
    """The ICS bytes for a user (their courses, their dates) or a course feed."""
    cal = _calendar(name)
    window_start, window_end = now - PAST, now + AHEAD
    for course in courses:
        for assignment in world.course_assignments(course.id):
            if user_id is None and not assignment.published:
                continue
            if user_id is not None and not visible_to(world, assignment, user_id):
                continue
            vevent = assignment_vevent(world, assignment, user_id, base, now)
            due = vevent and vevent.decoded("dtstart")
            if vevent is not None and _in_window(due, window_start, window_end):
                cal.add_component(vevent)
    for item in sorted(_feed_events(world, courses, user_id), key=lambda e: (e.start_at, e.id)):
        if window_start <= item.start_at <= window_end:
            cal.add_component(event_vevent(world, item, base))
    return cal.to_ical()


def _in_window(start: object, low: datetime, high: datetime) -> bool:
    if isinstance(start, datetime):
        return low <= start <= high
    return low.date() <= start <= high.date()  # type: ignore[operator]


def _ics_response(request: web.Request, body: bytes) -> web.StreamResponse:
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers={"etag": etag})
    return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                        headers={"etag": etag})


async def user_feed(request: web.Request) -> web.StreamResponse:
    state = sandbox_state(request)
    status = state.faults.take_server_error(feed=True)
    if status is not None:
        return web.Response(status=status, content_type="text/html",
                            text=f"<html><body><h1>{status}</h1></body></html>")
    if state.faults.feed_login_page:
        return web.Response(status=302, headers={"location": f"{request.scheme}://{request.host}/login/canvas"})
    user = state.world.user_by_feed_uuid(state.school_slug, request.match_info["uuid"])
    if user is None:
        return web.Response(status=404, text="Not Found")
    request[USER_KEY] = user.id
    world = state.world
    courses = sorted({world.courses[e.course_id].id: world.courses[e.course_id]
                      for e in world.enrollments_of(user.id)}.values(), key=lambda c: c.id)
    body = render_feed(world, user.name, courses, user.id,
                       f"{request.scheme}://{request.host}", state.now())
    return _ics_response(request, body)


async def course_feed(request: web.Request) -> web.StreamResponse:
    state = sandbox_state(request)
    course = next((c for c in state.world.courses.values()
                   if c.school == state.school_slug and c.uuid == request.match_info["uuid"]),
                  None)
    if course is None:
        return web.Response(status=404, text="Not Found")
    body = render_feed(state.world, course.name, [course], None,
                       f"{request.scheme}://{request.host}", state.now())
    return _ics_response(request, body)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/feeds/calendars/user_{uuid}.ics", user_feed)
    app.router.add_get("/feeds/calendars/course_{uuid}.ics", course_feed)
