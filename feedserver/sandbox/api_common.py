"""Helpers shared by the API handlers: who is asking, what they included,
which course they may read, date parameters and paginated responses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import web

from .middlewares import sandbox_state
from .pagination import paginate
from .responses import json_response, not_found, unauthorized_action
from .state import SandboxState
from .student_view import local_day_bounds
from .typedefs import INCLUDES_ALLOWED_KEY, USER_KEY
from .world import Course, User

T = TypeVar("T")


class DateParamError(ValueError):
    """A start_date/end_date Canvas would reject."""


def base_url(request: web.Request) -> str:
    """Scheme and host as the client addressed us (the school's Canvas host)."""
    return f"{request.scheme}://{request.host}"


def me(request: web.Request) -> tuple[SandboxState, User]:
    state = sandbox_state(request)
    return state, state.world.users[request[USER_KEY]]


def includes(request: web.Request) -> set[str]:
    if not request.get(INCLUDES_ALLOWED_KEY, True):
        return set()
    return set(request.query.getall("include[]", [])) | set(request.query.getall("include", []))


def readable_course(request: web.Request, state: SandboxState, user: User,
                    raw_id: str) -> Course | web.Response:
    """The course, or Canvas's 404 (no such course here) / 401 (not enrolled)."""
    try:
        course = state.world.courses.get(int(raw_id))
    except ValueError:
        course = None
    if course is None or course.school != state.school_slug:
        return not_found()
    if state.world.enrollment(user.id, course.id) is None:
        return unauthorized_action()
    return course


def paged(request: web.Request, items: Sequence[T], render: Callable[[T], Any]) -> web.Response:
    state = sandbox_state(request)
    page = paginate(items, request.url, loop=state.faults.pagination_loop)
    return json_response(request, [render(item) for item in page.items],
                         headers={"link": page.link_header})


def date_param(request: web.Request, name: str, time_zone: str, *,
               end_of_day: bool = False) -> datetime | None:
    """`YYYY-MM-DD` (a local day in the user's zone) or an ISO 8601 instant."""
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            start, end = local_day_bounds(date.fromisoformat(raw), time_zone)
            # Inclusive end: the last second of that local day.
            return end - timedelta(seconds=1) if end_of_day else start
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DateParamError(f"Invalid date or invalid datetime for {name}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(time_zone))


def truthy(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in {"1", "true", "yes"}
