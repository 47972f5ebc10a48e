"""Reading a feed with three independent iCalendar parsers, as different calendar apps would.

- icalendar (the library we write with), parsing strictly;
- ical (Home Assistant's strict pydantic model);
- vobject (with validation).

Each returns {UID: (start, end, summary)}; warnings are errors in this test
suite (pyproject filterwarnings), so a parser's complaint fails the test.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

Event = tuple[date | datetime, date | datetime, str]


def with_icalendar(body: bytes) -> dict[str, Event]:
    calendar = Calendar.from_ical(body)
    assert not calendar.errors, calendar.errors
    found = {}
    for event in calendar.walk("VEVENT"):
        assert not event.errors, event.errors
        found[str(event["UID"])] = (event.DTSTART, event.DTEND, str(event["SUMMARY"]))
    return found


def with_ical(body: bytes) -> dict[str, Event]:
    calendar = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    return {e.uid: (e.dtstart, e.dtend, e.summary) for e in calendar.events}  # type: ignore[misc]


def with_vobject(body: bytes) -> dict[str, Event]:
    # vobject keeps the first VTIMEZONE it ever read per TZID for the whole process, and ours
    # cover only the years a feed uses: forget them, so each feed is read with its own, as a
    # calendar app reading one subscription does.
    remembered = getattr(vobject.icalendar, "__tzidMap")
    for tzid in re.findall(r"^TZID:(.+?)\r?$", body.decode("utf-8"), re.MULTILINE):
        remembered.pop(tzid, None)
    calendar: Any = vobject.readOne(body.decode("utf-8"), validate=True)
    events = getattr(calendar, "vevent_list", [])
    return {e.uid.value: (e.dtstart.value, e.dtend.value, e.summary.value) for e in events}


def parse_everywhere(body: bytes) -> dict[str, Event]:
    """The events, after checking all three parsers read the same UIDs, instants and titles."""
    ours, strict, third = with_icalendar(body), with_ical(body), with_vobject(body)
    assert ours.keys() == strict.keys() == third.keys()
    for uid, (start, end, summary) in ours.items():
        for other in (strict[uid], third[uid]):
            assert other[2] == summary
            assert _instant(other[0]) == _instant(start) and _instant(other[1]) == _instant(end)
    return ours


def _instant(value: date | datetime) -> Any:
    return value.timestamp() if isinstance(value, datetime) else value
