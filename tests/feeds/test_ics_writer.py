"""feeds/ics_writer.py: each value format is what icalendar writes for the same value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Alarm, Event

from feedserver.feeds import ics_writer

ZONES = st.sampled_from([UTC, ZoneInfo("UTC"), ZoneInfo("Etc/UTC"), ZoneInfo("America/Chicago"),
                         ZoneInfo("Asia/Kolkata"), timezone(timedelta(hours=-3, minutes=-30))])
instants = st.builds(lambda d, z: d.replace(tzinfo=UTC).astimezone(z),
                     st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1)), ZONES)


def icalendar_line(name: str, value: object, parameters: dict[str, str] | None = None) -> str:
    """The content line icalendar writes for one property, unfolded."""
    event = Event()
    event.add(name, value, parameters=parameters)
    return str(event.content_lines()[1])


@settings(max_examples=200, deadline=None)
@given(st.text(st.one_of(st.sampled_from(",;\\\n\rN:"), st.characters(codec="utf-8"))))
def test_text_is_escaped_as_icalendar_escapes_it(value: str) -> None:
    assert f"SUMMARY:{ics_writer.text(value)}" == icalendar_line("SUMMARY", value)


def test_text_escapes_what_rfc_5545_names() -> None:
    assert ics_writer.text("a,b;c\\d\ne\r\nf") == r"a\,b\;c\\d\ne\nf"
    assert ics_writer.text("plain text ✓") == "plain text ✓"


def test_raw_values_refuse_line_breaks() -> None:
    assert ics_writer.raw("a,b;c") == "a,b;c"
    for value in ("a\nb", "a\rb"):
        with pytest.raises(ValueError, match="line break"):
            ics_writer.raw(value)


@settings(max_examples=200, deadline=None)
@given(instants)
def test_date_times_and_stamps_match_icalendar(moment: datetime) -> None:
    assert f"DTSTART{ics_writer.date_or_time(moment)}" == icalendar_line("DTSTART", moment)
    assert f"DTSTAMP:{ics_writer.utc_stamp(moment)}" == icalendar_line("DTSTAMP", moment)
    assert (f"TRIGGER{ics_writer.date_time(moment, ';VALUE=DATE-TIME')}"
            == icalendar_line("TRIGGER", moment, {"VALUE": "DATE-TIME"}))


@given(st.dates())
def test_dates_match_icalendar(day: date) -> None:
    assert f"DTSTART{ics_writer.date_or_time(day)}" == icalendar_line("DTSTART", day)


@settings(max_examples=200, deadline=None)
@given(st.timedeltas(timedelta(days=-400), timedelta(days=400)))
def test_durations_match_icalendar(delta: timedelta) -> None:
    delta -= timedelta(microseconds=delta.microseconds)
    assert f"TRIGGER;RELATED=END:{ics_writer.duration(delta)}" == icalendar_line("TRIGGER", delta, {"RELATED": "END"})


def test_properties_come_in_icalendars_order() -> None:
    event = Event()
    alarm = Alarm()
    for name in ("UID", "X-B", "URL", "DTSTART", "SUMMARY", "COLOR", "SEQUENCE"):
        event.add(name, "1", encode=False)
    for name in ("TRIGGER", "ACTION", "DESCRIPTION"):
        alarm.add(name, "1", encode=False)
    event.add_component(alarm)
    expected = [str(line) for line in event.content_lines() if line]
    alarm_lines = ics_writer.component("VALARM", {"TRIGGER": ":1", "ACTION": ":1", "DESCRIPTION": ":1"},
                                       ics_writer.ALARM_ORDER)
    ours = ics_writer.component("VEVENT", {"UID": ":1", "X-B": ":1", "URL": ":1", "DTSTART": ":1", "SUMMARY": ":1",
                                           "COLOR": ":1", "SEQUENCE": ":1"}, ics_writer.EVENT_ORDER, [alarm_lines])
    assert ours == expected


@settings(max_examples=200, deadline=None)
@given(st.text(st.one_of(st.sampled_from("\\^é中\U0001f9c1"), st.characters(codec="utf-8")), max_size=400))
def test_folding_splits_between_characters_at_75_octets(value: str) -> None:
    event = Event()
    event.add("DESCRIPTION", value)
    line = str(event.content_lines()[1])
    folded = ics_writer.fold(line)
    assert folded + b"\r\n" == event.to_ical().split(b"\r\n", 1)[1].rsplit(b"END:VEVENT", 1)[0]
    physical = folded.split(b"\r\n")
    assert all(len(part) <= 75 for part in physical)
    assert b"".join(part.removeprefix(b" ") if n else part for n, part in enumerate(physical)).decode() == line


def loop_fold(line: str) -> bytes:
    """The per-octet folding loop ics_writer used before its one-regex fold: a second oracle."""
    data = line.encode("utf-8")
    parts, start = [], 0
    while len(data) - start >= 75:
        end = start + 74
        while data[end] & 0xC0 == 0x80:
            end -= 1
        if end - start > 1 and data[end - 1] in b"\\^":
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts)


# Every way a fold can fall: after 55-79 plain octets, a backslash or caret (or two) right before a
# character of 1-4 octets, so the 75th octet is inside it or just after it; then the same again.
FOLD_EDGES = [
    "a" * plain + kept + wide + "b" * 70 + kept + wide * 30
    for plain in range(55, 80) for kept in ("", "\\", "^", "\\\\", "^\\") for wide in ("", "é", "中", "\U0001f9c1")
]


@pytest.mark.parametrize("value", FOLD_EDGES)
def test_folding_at_every_kind_of_boundary_matches_icalendar_and_the_old_loop(value: str) -> None:
    for line in (f"X-A:{value}", icalendar_line("DESCRIPTION", value)):
        assert ics_writer.fold(line) == loop_fold(line)
    event = Event()
    event.add("DESCRIPTION", value)
    line = str(event.content_lines()[1])
    assert ics_writer.fold(line) + b"\r\n" == event.to_ical().split(b"\r\n", 1)[1].rsplit(b"END:VEVENT", 1)[0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.one_of(st.sampled_from("\\^,;é中\U0001f9c1 "), st.characters(codec="utf-8",
                                                                                      exclude_characters="\r\n")),
                        max_size=300), max_size=8))
def test_serialising_a_whole_feed_folds_each_line_on_its_own(values: list[str]) -> None:
    lines = [f"X-{n}:{value}" for n, value in enumerate(values)]
    assert ics_writer.serialize_lines(lines) == b"".join(loop_fold(line) + b"\r\n" for line in lines)


def test_a_line_break_inside_a_line_is_folded_as_part_of_it() -> None:
    # Not something render_feed writes; serialize_lines still folds such a line as icalendar did.
    lines = ["X-A:" + "a" * 70 + "\r\n" + "b" * 10, "", "X-B:" + "c" * 72 + "\n" + "d", "X-C:" + "e\r" * 40]
    assert ics_writer.serialize_lines(lines) == b"".join(loop_fold(line) + b"\r\n" for line in lines if line)
    assert ics_writer.serialize_lines(["", ""]) == b""
