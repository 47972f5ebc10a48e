"""Strict parsing of API input: query strings and JSON bodies.

Unknown parameters are refused, not ignored, so a typo (``?form=``) is a 400
that names the field instead of a silently unfiltered answer. Every failure
is a `FieldProblem` (400 ``invalid-field`` with ``field``) or a problem from
errors.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from ..feeds.tokens import FEED_KINDS
from .errors import FieldProblem, api_problem

__all__ = [
    "ASSIGNMENT_KINDS",
    "SUBMISSION_STATES",
    "AssignmentFilters",
    "parse_assignment_filters",
    "parse_date",
    "parse_feed_kind",
    "reject_unknown",
    "json_object",
]

#: Kinds the sync stores (feedserver/sync classifies Canvas assignments into these).
ASSIGNMENT_KINDS = ("essay", "problem_set", "quiz", "exam", "discussion", "lab", "reading", "project", "other")
#: `assignments.submission_state` values; "unknown" for students on Canvas's calendar feed.
SUBMISSION_STATES = ("submitted", "graded", "late", "missing", "unsubmitted", "unknown")
_JSON_TYPES = ("application/json", "application/merge-patch+json")
_MAX_VALUES = 50


@dataclass(frozen=True)
class AssignmentFilters:
    """What `GET /api/me/assignments` keeps; None means "no filter"."""

    courses: frozenset[str] | None = None
    """Canvas course ids."""
    due_from: date | None = None
    """First due date kept, inclusive, in the student's time zone."""
    due_to: date | None = None
    """Last due date kept, inclusive, in the student's time zone."""
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


def _bool(query: MultiMapping[str], name: str) -> bool | None:
    raw = _single(query, name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise FieldProblem(name, "must be true or false")
    return raw == "true"


def parse_assignment_filters(query: MultiMapping[str]) -> AssignmentFilters:
    reject_unknown(query, ("course", "from", "to", "status", "kind", "undated"))
    courses = _values(query, "course")
    if courses is not None and not all(c.isdigit() and len(c) <= 20 for c in courses):
        raise FieldProblem("course", "must be Canvas course ids (digits)")
    filters = AssignmentFilters(
        courses=courses,
        due_from=_date(query, "from"),
        due_to=_date(query, "to"),
        states=_values(query, "status", SUBMISSION_STATES),
        kinds=_values(query, "kind", ASSIGNMENT_KINDS),
        undated=_bool(query, "undated"),
    )
    if filters.due_from and filters.due_to and filters.due_from > filters.due_to:
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
    raw = await request.read()
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        raise api_problem("invalid-body", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise api_problem("invalid-body", "The body must be a JSON object.")
    return body


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259); Python's parser accepts them by default.
    raise ValueError(f"{name} is not JSON")
