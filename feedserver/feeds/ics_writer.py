"""iCalendar text, written directly: the value formats, content lines and folding feeds use.

`feeds/render.py` used to build every event as icalendar objects and
serialise them, 112–156 ms for a 300-assignment feed (docs/performance.md).
These functions write the same text straight away, byte for byte what
icalendar 7 writes for the same values (tests/feeds/test_ics_writer.py
checks each one against it, and tests/feeds/test_render_oracle.py whole
feeds), so a feed's bytes and ETag did not change:

- TEXT escaped as RFC 5545 §3.3.11 says, with icalendar's extra step of
  reading a literal ``\\N`` as a line break; X- properties, URL and COLOR
  written as they are, as icalendar writes them;
- DATE, DATE-TIME (UTC with ``Z``, local with ``TZID=``), DURATION;
- properties in icalendar's order: the component's canonical ones first,
  the rest alphabetically;
- lines folded at 75 octets, never inside a UTF-8 character, CRLF ends.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

from icalendar.parser.parameter import param_value
from icalendar.timezone import tzid_from_tzinfo

__all__ = [
    "ALARM_ORDER",
    "EVENT_ORDER",
    "component",
    "date_or_time",
    "date_time",
    "duration",
    "fold",
    "raw",
    "serialize_lines",
    "text",
    "tzid",
    "utc_stamp",
]

#: Where icalendar puts VEVENT properties it knows; the others follow alphabetically.
EVENT_ORDER = ("SUMMARY", "DTSTART", "DTEND", "DURATION", "DTSTAMP", "UID", "RECURRENCE-ID", "SEQUENCE",
               "RRULE", "RDATE", "EXDATE")
ALARM_ORDER: tuple[str, ...] = ()
_FOLD_AT = 75
_KEEP_WITH_NEXT = frozenset(b"\\^")
_SPECIAL = frozenset("\\;,\n\r")


def text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 §3.3.11): backslash, semicolon, comma, line breaks."""
    if _SPECIAL.isdisjoint(value):
        return value
    return (value.replace(r"\N", "\n").replace("\\", "\\\\").replace(";", r"\;").replace(",", r"\,")
            .replace("\r\n", r"\n").replace("\n", r"\n").replace("\r", r"\n"))


def raw(value: str) -> str:
    """A value written as it is: icalendar does not escape X- properties (nor URL and COLOR).

    A line break would end the content line early, so it is refused as icalendar refuses it.
    """
    if "\n" in value or "\r" in value:
        raise ValueError(f"a line break in an unescaped iCalendar value: {value!r}")
    return value


def utc_stamp(moment: datetime) -> str:
    """A DTSTAMP or LAST-MODIFIED value: the instant in UTC (a naive time is taken as UTC)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"{_digits(moment)}Z"


def tzid(moment: datetime) -> str | None:
    """The zone id a DATE-TIME names: "UTC", an IANA key, or the zone's name for others."""
    return _zone_id(moment.tzinfo) or moment.tzname()


def date_time(moment: datetime, params: str = "") -> str:
    """``;params:value`` of a DATE-TIME: ``Z`` in UTC, else a TZID parameter (sorted before `params`
    that come later in the alphabet, as icalendar sorts them), floating when naive."""
    zone = tzid(moment)
    if zone == "UTC":
        return f"{params}:{_digits(moment)}Z"
    if zone is None:
        return f"{params}:{_digits(moment)}"
    return f"{_tzid_param(zone)}{params}:{_digits(moment)}"


def date_or_time(value: date | datetime) -> str:
    """``;params:value`` of DTSTART/DTEND: a DATE-TIME, or a DATE with VALUE=DATE."""
    if isinstance(value, datetime):
        return date_time(value)
    return f";VALUE=DATE:{value.year:04}{value.month:02}{value.day:02}"


def duration(delta: timedelta) -> str:
    """A DURATION value (RFC 5545 §3.3.6) as icalendar writes it: days, then H/M/S."""
    sign = ""
    if delta.days < 0:
        sign, delta = "-", -delta
    clock = ""
    if delta.seconds:
        hours, minutes, seconds = delta.seconds // 3600, delta.seconds % 3600 // 60, delta.seconds % 60
        clock = "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or (hours and seconds) else "")
        clock += f"{seconds}S" if seconds else ""
    if delta.days == 0 and clock:
        return f"{sign}P{clock}"
    return f"{sign}P{delta.days}D{clock}"


def component(name: str, properties: Mapping[str, str], order: Sequence[str],
              subcomponents: Iterable[list[str]] = ()) -> list[str]:
    """Unfolded content lines of one component.

    `properties` maps each property name to the rest of its line (``;params:value``
    or ``:value``); they come out in `order`, then alphabetically.
    """
    head = [key for key in order if key in properties]
    tail = sorted(key for key in properties if key not in order)
    lines = [f"BEGIN:{name}"]
    lines += [f"{key}{properties[key]}" for key in (*head, *tail)]
    for sub in subcomponents:
        lines += sub
    lines.append(f"END:{name}")
    return lines


def serialize_lines(lines: Iterable[str]) -> bytes:
    """Content lines as UTF-8, folded, each ended by CRLF."""
    return b"".join(fold(line) + b"\r\n" for line in lines if line)


def fold(line: str) -> bytes:
    """RFC 5545 §3.1 folding: at most 74 octets of content per physical line,
    split only between UTF-8 characters, never right after a backslash or a
    caret (icalendar's rule, kind to clients that unescape before unfolding)."""
    data = line.encode("utf-8")
    if len(data) < _FOLD_AT:
        return data
    parts = []
    start, size = 0, len(data)
    while size - start >= _FOLD_AT:
        end = start + _FOLD_AT - 1
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back up to the character start
            end -= 1
        if end - start > 1 and data[end - 1] in _KEEP_WITH_NEXT:
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts)


def _digits(moment: datetime) -> str:
    return f"{moment.year:04}{moment.month:02}{moment.day:02}T{moment.hour:02}{moment.minute:02}{moment.second:02}"


@functools.lru_cache(maxsize=256)
def _zone_id(zone: tzinfo | None) -> str | None:
    # icalendar's answer (it maps equivalent zones, e.g. Etc/UTC, to one id); zones are few.
    return tzid_from_tzinfo(zone)


@functools.lru_cache(maxsize=256)
def _tzid_param(zone: str) -> str:
    return f";TZID={param_value(zone)}"
