"""A student's preferences: one typed record, stored as JSON on `students.settings`.

Unknown keys are ignored and missing keys take defaults, so adding a setting
needs no migration. `StudentSettings.merged` is the one gate for changes from
the pages and the API (through `feeds.preferences.update_settings`).

The student's time zone is a column of its own (`Student.time_zone`, it
places every date), but it is validated here too: `check_time_zone`.

Why the defaults of what the calendar shows besides assignments are what
they are: course calendar events and to-do items are coursework a teacher
set, so they are on; personal Canvas events and planner notes are the
student's own private entries, not coursework, so they are off, and while
off we neither store them nor (personal events) ask Canvas for them (FERPA:
keep the minimum). Canvas's own calendar feed has no planner notes either,
so a student who swaps it for ours loses nothing by the default.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

__all__ = ["MAX_DAYS_OFF", "MAX_HIDDEN_COURSES", "MAX_REMINDERS", "StudentSettings", "SettingsError", "WEEKDAYS",
           "check_time_zone", "time_zone_choices"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Every list a student can send has a length limit: far above real use, far below a flood.
MAX_HIDDEN_COURSES = 500
MAX_DAYS_OFF = 366
MAX_REMINDERS = 3
_COURSE_ID = re.compile(r"[0-9]{1,20}")


class SettingsError(ValueError):
    """A setting has a value the student must correct; `field` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class StudentSettings:
    # Feed contents
    hidden_courses: tuple[str, ...] = ()
    """Canvas course ids left out of the feed."""
    submitted: str = "mark"
    """"mark" (✓ prefix) or "hide" submitted assignments."""
    event_style: str = "timed"
    """"timed" (ends at the due time) or "all_day" (on the due date)."""
    reminder_minutes: tuple[int, ...] = ()
    """VALARM offsets before the due time; calendar apps may ignore them."""
    hidden_event_courses: tuple[str, ...] = ()
    """Canvas course ids whose calendar events are left out (their assignments stay)."""
    personal_events: bool = False
    """The student's own (personal) Canvas calendar events: fetched and shown only when on."""
    planner_notes: bool = False
    """The student's Canvas planner notes: stored and shown only when on."""
    # Balance suggestions (muffin_analytics.plan)
    suggestions: bool = False
    free_hours: tuple[float, ...] = (3.0, 3.0, 3.0, 3.0, 3.0, 4.0, 4.0)
    """Free study hours per weekday, Monday first."""
    free_time_answered: bool = False
    """The student has given their free hours (the first time they turned suggestions on, or since).
    Until then nothing says their work "does not fit": the defaults above are a guess, not theirs."""
    days_off: tuple[str, ...] = ()
    """ISO dates with no study time."""
    session_hours: float = 1.5
    """Preferred length of one work session."""
    session_start_hour: int = 16
    """Local hour at which suggested sessions start; -1 for all-day items."""

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> StudentSettings:
        data = data or {}
        known = {f.name for f in fields(cls)}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        try:
            return cls(**values)
        except TypeError:
            return cls()

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def merged(self, patch: dict[str, Any]) -> StudentSettings:
        """A copy with `patch` applied; raises `SettingsError` for a bad field.

        Giving `free_hours` answers the free-time question (`free_time_answered`
        is read-only: it follows from that).
        """
        data = self.to_json()
        for key, value in patch.items():
            data[key] = _validate(key, value)
        if "free_hours" in patch:
            data["free_time_answered"] = True
        return StudentSettings.from_json(data)


def _validate(key: str, value: Any) -> Any:
    def fail(message: str) -> SettingsError:
        return SettingsError(key, message)

    if key in ("hidden_courses", "hidden_event_courses"):
        ids = [_course_id(v) for v in value] if isinstance(value, list) and len(value) <= MAX_HIDDEN_COURSES else None
        if ids is None or None in ids:
            raise fail(f"must be a list of up to {MAX_HIDDEN_COURSES} Canvas course ids")
        return ids
    if key == "submitted":
        if value not in ("mark", "hide"):
            raise fail('must be "mark" or "hide"')
        return value
    if key == "event_style":
        if value not in ("timed", "all_day"):
            raise fail('must be "timed" or "all_day"')
        return value
    if key == "reminder_minutes":
        minutes = [_whole(v) for v in value] if isinstance(value, list) and len(value) <= MAX_REMINDERS else None
        if minutes is None or not all(m is not None and 0 <= m <= 10080 for m in minutes):
            raise fail(f"must be up to {MAX_REMINDERS} whole numbers of minutes between 0 and 10080")
        return sorted(set(minutes))
    if key in ("suggestions", "personal_events", "planner_notes"):
        if not isinstance(value, bool):
            raise fail("must be true or false")
        return value
    if key == "free_hours":
        if (not isinstance(value, list) or len(value) != 7
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 16 for v in value)):
            raise fail("must be 7 numbers of hours from 0 to 16, Monday first")
        # To the minute's precision (0.01 h): a day of 1e-300 free hours is a day off, not a divisor to overflow.
        return [round(float(v), 2) for v in value]
    if key == "days_off":
        if not isinstance(value, list) or len(value) > MAX_DAYS_OFF:
            raise fail("must be a list of dates like 2026-10-12")
        try:
            return sorted({date.fromisoformat(str(v)).isoformat() for v in value})
        except ValueError:
            raise fail("must be a list of dates like 2026-10-12") from None
    if key == "session_hours":
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.25 <= value <= 8:
            raise fail("must be between 0.25 and 8 hours")
        return float(value)
    if key == "session_start_hour":
        hour = _whole(value)
        if hour is None or not -1 <= hour <= 23:
            raise fail("must be an hour from 0 to 23, or -1 for all-day items")
        return hour
    raise SettingsError(key, "unknown setting")


def _whole(value: Any) -> int | None:
    """`value` as an int if it is a whole number (JSON's 3 and 3.0 alike, as JSON Schema reads them), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    return value


def _course_id(value: Any) -> str | None:
    """A Canvas course id (digits, given as a string or a whole number) as a string, else None."""
    if isinstance(value, str):
        return value if _COURSE_ID.fullmatch(value) else None
    number = _whole(value)
    return str(number) if number is not None and 0 <= number < 10**20 else None


def check_time_zone(value: Any) -> str:
    """An IANA time zone name zoneinfo knows (``Europe/Copenhagen``), else `SettingsError`."""
    if not isinstance(value, str) or value not in _zones():
        raise SettingsError("time_zone", "must be a time zone such as America/Chicago or Europe/Copenhagen")
    ZoneInfo(value)  # loadable, not only listed
    return value


def time_zone_choices() -> list[str]:
    """Every zone a student may pick, sorted; the plain <select> on the connect form and /me."""
    return sorted(_zones())


@functools.cache
def _zones() -> frozenset[str]:
    # Once: available_timezones() walks the zone files on every call. Region/City names
    # only (and UTC), as browsers report them; no "EST" or "posix/..." aliases.
    return frozenset(z for z in available_timezones()
                     if z == "UTC" or ("/" in z and not z.startswith(("posix/", "right/"))))
