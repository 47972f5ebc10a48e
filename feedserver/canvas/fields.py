"""Strict readers for the fields of Canvas's JSON, shared by every parser of this package.

Each raises `MalformedResponse` for a value Canvas's API does not promise
(a missing id, a timestamp that is not ISO 8601 or has no zone), so a
half-understood answer fails the sync instead of silently dropping items.

One exception is deliberate: a well-formed date outside `CALENDAR_RANGE`.
Canvas stores whatever year a teacher types (``9999-12-31T23:59:00Z`` is a
real typo), and such a date cannot be shown in every time zone (it is year
10000 east of UTC) nor usefully in a calendar. It is read as "no date" for
that one field of that one item: the item stays, undated, and the rest of
the sync goes on (issue 18).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from .errors import MalformedResponse

__all__ = ["CALENDAR_RANGE", "in_calendar_range", "json_id", "json_object", "optional_number", "text",
           "timestamp"]

_LOGGER = logging.getLogger(__name__)

CALENDAR_RANGE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
"""[first, end) of the instants a Canvas date may take to be shown; outside, the date is absent."""


def in_calendar_range(moment: datetime | date) -> bool:
    """Whether an aware instant, or a local date, lies in `CALENDAR_RANGE`."""
    first, end = CALENDAR_RANGE
    if isinstance(moment, datetime):
        return first <= moment < end
    return first.date() <= moment < end.date()


def json_object(item: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise MalformedResponse(f"{what}: expected a JSON object")
    return item


def json_id(obj: Mapping[str, Any], key: str, what: str) -> str:
    """A Canvas id (number or, with string ids, digits) as a string; required."""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or str(value) == "":
        raise MalformedResponse(f"{what}: missing {key}")
    return str(value)


def text(value: Any) -> str:
    """A string field, or "" when Canvas sent null (or anything else)."""
    return value if isinstance(value, str) else ""


def optional_number(value: Any, what: str) -> float | None:
    """A number Canvas may send as a number, a numeric string or null."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MalformedResponse(f"{what} is not a number")
    try:
        return float(value)
    except ValueError:
        raise MalformedResponse(f"{what} is not a number") from None


def timestamp(value: Any, key: str) -> datetime | None:
    """An ISO 8601 instant with a zone; None for null and for a date outside `CALENDAR_RANGE`."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise MalformedResponse(f"{key} is not a timestamp")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedResponse(f"{key} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise MalformedResponse(f"{key} has no time zone")
    if not in_calendar_range(moment):
        _LOGGER.info("%s in year %d is outside the calendar range; read as no date", key, moment.year)
        return None
    return moment
