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

A 300-assignment feed is ~5,400 lines, so the per-line work is kept to C
calls: each line is encoded once and only lines of 75 octets or more are
folded, by one regex; property order is worked out once per set of names.
"""

from __future__ import annotations

import functools
import re
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
_SPECIAL = frozenset("\\;,\n\r")


def text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 §3.3.11): backslash, semicolon, comma, line breaks."""
    if _SPECIAL.isdisjoint(value):
        return value
    value = value.replace(r"\N", "\n").replace("\\", "\\\\").replace(";", r"\;").replace(",", r"\,")
    if "\r" in value:  # rare (clean_text already made CRs LFs): two scans saved on the rest
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\n", r"\n")


def raw(value: str) -> str:
    """A value written as it is: icalendar does not escape X- properties (nor URL and COLOR).

    A line break would end the content line early, so it is refused as icalendar refuses it.
    """
    if "\n" in value or "\r" in value:
        raise ValueError(f"a line break in an unescaped iCalendar value: {value!r}")
    return value


def utc_stamp(moment: datetime) -> str:
    """A DTSTAMP or LAST-MODIFIED value: the instant in UTC (a naive time is taken as UTC)."""
    if moment.tzinfo is not UTC:  # stored times are read back in UTC already
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return _digits(moment) + "Z"


def tzid(moment: datetime) -> str | None:
    """The zone id a DATE-TIME names: "UTC", an IANA key, or the zone's name for others."""
    return _zone_id(moment.tzinfo) or moment.tzname()


def date_time(moment: datetime, params: str = "") -> str:
    """``;params:value`` of a DATE-TIME: ``Z`` in UTC, else a TZID parameter (sorted before `params`
    that come later in the alphabet, as icalendar sorts them), floating when naive."""
    written = _zone_written(moment.tzinfo)
    if written is None:  # a zone without an id: its name, which may change with the moment
        written = _tzid_written(moment.tzname())
    before, after = written
    return f"{before}{params}:{_digits(moment)}{after}"


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
    lines = [f"BEGIN:{name}"]
    lines += [key + properties[key] for key in _ordered(tuple(properties), tuple(order))]
    for sub in subcomponents:
        lines += sub
    lines.append(f"END:{name}")
    return lines


@functools.lru_cache(maxsize=1024)
def _ordered(names: tuple[str, ...], order: tuple[str, ...]) -> tuple[str, ...]:
    # A renderer adds properties in a handful of fixed sequences, so this is a cache hit per event.
    return (*(key for key in order if key in names), *sorted(key for key in names if key not in order))


def serialize_lines(lines: Iterable[str]) -> bytes:
    """Content lines as UTF-8, folded, each ended by CRLF (empty lines are left out)."""
    # Encoding line by line beats joining first: most lines are ASCII, the joined text would not be.
    octets = [data if len(data := line.encode("utf-8")) < _FOLD_AT else _fold_octets(data) for line in lines if line]
    if not octets:
        return b""
    octets.append(b"")  # the last line's CRLF
    return b"\r\n".join(octets)


def fold(line: str) -> bytes:
    """RFC 5545 §3.1 folding: at most 74 octets of content per physical line,
    split only between UTF-8 characters, never right after a backslash or a
    caret (icalendar's rule, kind to clients that unescape before unfolding)."""
    data = line.encode("utf-8")
    return data if len(data) < _FOLD_AT else _fold_octets(data)


#: One physical line's content, as icalendar's folding loop cuts it: the longest
#: piece of at most 74 octets that ends between two UTF-8 characters, except that
#: a piece other than the last does not end in a backslash or caret (that octet
#: starts the next line). The first four branches are that exception, one per
#: length (1 to 4 octets) of the character the 75th octet belongs to; a piece
#: with 75 octets or more after its start is never the last.
_PIECE = re.compile(
    rb"(?s).{73}(?=[\\^][^\x80-\xbf])"
    rb"|.{72}(?=[\\^][\xc0-\xff][\x80-\xbf])"
    rb"|.{71}(?=[\\^][\xc0-\xff][\x80-\xbf]{2})"
    rb"|.{70}(?=[\\^][\xc0-\xff][\x80-\xbf]{3})"
    rb"|.{1,74}(?![\x80-\xbf])"
)


def _fold_octets(data: bytes) -> bytes:
    """`data` (UTF-8) folded: one regex pass instead of a Python loop per 74 octets."""
    return b"\r\n ".join(_PIECE.findall(data))


def _digits(moment: datetime) -> str:
    # %-formatting: the quickest way to these digits (strftime takes three times as long).
    return "%04d%02d%02dT%02d%02d%02d" % (moment.year, moment.month, moment.day,
                                         moment.hour, moment.minute, moment.second)


@functools.lru_cache(maxsize=256)
def _zone_id(zone: tzinfo | None) -> str | None:
    # icalendar's answer (it maps equivalent zones, e.g. Etc/UTC, to one id); zones are few.
    return tzid_from_tzinfo(zone)


@functools.lru_cache(maxsize=256)
def _zone_written(zone: tzinfo | None) -> tuple[str, str] | None:
    """What goes before the parameters and after the digits of a DATE-TIME in `zone`
    (None for a zone icalendar has no id for); once per zone, not per value."""
    if zone is None:
        return _tzid_written(None)
    zone_id = _zone_id(zone)
    return _tzid_written(zone_id) if zone_id else None


@functools.lru_cache(maxsize=256)
def _tzid_written(zone_id: str | None) -> tuple[str, str]:
    if zone_id == "UTC":
        return "", "Z"
    if zone_id is None:  # floating
        return "", ""
    return f";TZID={param_value(zone_id)}", ""
