"""Strict parsing of API input: query strings and JSON bodies.

Unknown parameters are refused, not ignored, so a typo (``?form=``) is a 400
that names the field instead of a silently unfiltered answer. Every failure
is a `FieldProblem` (400 ``invalid-field`` with ``field``) or a problem from
errors.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from multidict import MultiMapping

from ..feeds.tokens import FEED_KINDS
from ..json_input import JsonBodyError, read_json_body
from .errors import FieldProblem, api_problem

__all__ = [
    "ASSIGNMENT_KINDS",
    "FIRST_DATE",
    "LAST_DATE",
    "SUBMISSION_STATES",
    "AssignmentFilters",
    "parse_assignment_filters",
    "parse_date",
    "parse_feed_kind",
    "reject_unknown",
    "json_object",
    "student_zone",
]

#: Kinds the sync stores (feedserver/sync classifies Canvas assignments into these).
ASSIGNMENT_KINDS = ("essay", "problem_set", "quiz", "exam", "discussion", "lab", "reading", "project", "other")
#: `assignments.submission_state` values; "unknown" for students on Canvas's calendar feed.
SUBMISSION_STATES = ("submitted", "graded", "late", "missing", "unsubmitted", "unknown")
_JSON_TYPES = ("application/json", "application/merge-patch+json")
_MAX_VALUES = 50
#: The dates a filter may name. 0001-01-01 starts before year 1 in UTC east of Greenwich, and 9999-12-31 has
#: no next day: refusing both in every time zone keeps the answer independent of the student's zone.
FIRST_DATE, LAST_DATE = date(1, 1, 2), date(9999, 12, 30)


@dataclass(frozen=True)
class AssignmentFilters:
    """What `GET /api/me/assignments` keeps; None means "no filter"."""

    courses: frozenset[str] | None = None
    """Canvas course ids."""
    due_after: datetime | None = None
    """UTC start of the first local day kept (``from``, in the student's time zone), inclusive."""
    due_before: datetime | None = None
    """UTC start of the local day after the last one kept (``to``), exclusive."""
    states: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    undated: bool | None = None
    """True: only undated; False: only dated; None: both (unless a date range is given)."""


def reject_unknown(query: MultiMapping[str], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for name in query:
        if name not in allowed:
            raise FieldProblem(name, f"unknown parameter; use one of: {', '.join(sorted(allowed)) or 'none'}")


def _single(query: MultiMapping[str], name: str) -> str | None:
    values = query.getall(name, [])
    if len(values) > 1:
        raise FieldProblem(name, "give it once")
    return values[0] if values else None


def _values(query: MultiMapping[str], name: str, allowed: Iterable[str] | None = None) -> frozenset[str] | None:
    """Repeated (``?kind=quiz&kind=exam``) or comma-separated (``?kind=quiz,exam``) values."""
    raw = query.getall(name, [])
    if not raw:
        return None
    values = [v.strip() for item in raw for v in item.split(",")]
    if len(values) > _MAX_VALUES or any(not v for v in values):
        raise FieldProblem(name, f"give 1 to {_MAX_VALUES} comma-separated values, none empty")
    if allowed is not None:
        allowed = tuple(allowed)
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise FieldProblem(name, f"{wrong[0]!r} is not one of: {', '.join(allowed)}")
    return frozenset(values)


def parse_date(query: MultiMapping[str], name: str) -> date | None:
    """One ``YYYY-MM-DD`` query parameter, or None when absent; `FieldProblem` otherwise."""
    return _date(query, name)


def _date(query: MultiMapping[str], name: str) -> date | None:
    raw = _single(query, name)
    if raw is None:
        return None
    # Only the extended calendar form: date.fromisoformat also takes 20261012 and week dates.
    if len(raw) != 10 or raw[4] != "-" or raw[7] != "-":
        raise FieldProblem(name, "must be a date like 2026-10-12")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FieldProblem(name, "must be a date like 2026-10-12") from None


def student_zone(name: str) -> ZoneInfo:
    """The student's IANA time zone; UTC if the stored name is unknown to this system."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _day_start(query: MultiMapping[str], name: str, zone: ZoneInfo, *, days_later: int = 0) -> datetime | None:
    """When the local day `name` (plus `days_later`) starts in `zone`, in UTC; a 400 if no datetime holds it.

    Dates outside `FIRST_DATE`..`LAST_DATE` are refused here, and so is any
    other day whose start no UTC datetime holds in `zone`, instead of an
    OverflowError in the query.
    """
    day = _date(query, name)
    if day is None:
        return None
    out_of_range = FieldProblem(name, f"must be a date from {FIRST_DATE} to {LAST_DATE}")
    if not FIRST_DATE <= day <= LAST_DATE:
        raise out_of_range
    try:
        return datetime.combine(day + timedelta(days=days_later), time(0), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        raise out_of_range from None


def _bool(query: MultiMapping[str], name: str) -> bool | None:
    raw = _single(query, name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise FieldProblem(name, "must be true or false")
    return raw == "true"


def parse_assignment_filters(query: MultiMapping[str], time_zone: str) -> AssignmentFilters:
    """The filters of ``GET /api/me/assignments``; ``from`` and ``to`` are local dates in `time_zone`."""
    reject_unknown(query, ("course", "from", "to", "status", "kind", "undated"))
    courses = _values(query, "course")
    if courses is not None and not all(c.isdigit() and len(c) <= 20 for c in courses):
        raise FieldProblem("course", "must be Canvas course ids (digits)")
    zone = student_zone(time_zone)
    filters = AssignmentFilters(
        courses=courses,
        due_after=_day_start(query, "from", zone),
        due_before=_day_start(query, "to", zone, days_later=1),
        states=_values(query, "status", SUBMISSION_STATES),
        kinds=_values(query, "kind", ASSIGNMENT_KINDS),
        undated=_bool(query, "undated"),
    )
    if filters.due_after and filters.due_before and filters.due_after >= filters.due_before:
        raise FieldProblem("to", "must not be before from")
    return filters


def parse_feed_kind(query: MultiMapping[str]) -> str:
    reject_unknown(query, ("kind",))
    kind = _single(query, "kind")
    if kind is None:
        return "all"
    if kind not in FEED_KINDS:
        raise FieldProblem("kind", f"must be one of: {', '.join(FEED_KINDS)}")
    return kind


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 415/400 problem."""
    if request.content_type not in _JSON_TYPES:
        raise api_problem("unsupported-media-type", "Send the body as JSON with Content-Type: application/json.")
    try:
        body = await read_json_body(request)
    except JsonBodyError as exc:
        raise api_problem("invalid-body", str(exc)) from None
    if not isinstance(body, dict):
        raise api_problem("invalid-body", "The body must be a JSON object.")
    return body
