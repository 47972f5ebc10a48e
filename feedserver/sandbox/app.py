"""Assemble one school's sandbox: state, routes and the request pipeline."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from . import api, api_calendar, control, ics_feed, oauth
from .api_auth import bearer_auth
from .middlewares import api_faults, api_not_found, lowercase_headers, request_log, throttle
from .state import SandboxState, utc_now
from .typedefs import SANDBOX_KEY
from .world import SandboxWorld

API_ROUTES = (
    ("/users/{user_id}", api.get_user),
    ("/users/{user_id}/profile", api.get_profile),
    ("/users/self/upcoming_events", api_calendar.upcoming_events),
    ("/users/self/groups", api_calendar.own_groups),
    ("/courses", api.list_courses),
    ("/courses/{course_id}/assignments", api.list_assignments),
    ("/courses/{course_id}/assignments/{id}", api.get_assignment),
    ("/courses/{course_id}/assignments/{assignment_id}/submissions/{user_id}",
     api.get_own_submission),
    ("/courses/{course_id}/students/submissions", api.list_own_submissions),
    ("/courses/{course_id}/quizzes/{id}", api.get_quiz),
    ("/planner/items", api_calendar.planner_items),
    ("/calendar_events", api_calendar.calendar_events),
)


def create_api_app() -> web.Application:
    """`/api/v1`: JSON 404s, faults, the throttle, then bearer auth (outermost first)."""
    api_app = web.Application(middlewares=[api_not_found, api_faults, throttle, bearer_auth])
    for path, handler in API_ROUTES:
        api_app.router.add_get(path, handler, allow_head=False)
    return api_app


def create_sandbox_app(
    world: SandboxWorld,
    school: str = "north",
    *,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = utc_now,
) -> web.Application:
    """A web.Application serving `school` of `world` as a Canvas host.

    `clock` (monotonic seconds) drives the rate limiter and `now` (aware UTC)
    drives expiry, locks and late/missing; tests inject both to move time.
    """
    app = web.Application(middlewares=[request_log])
    app[SANDBOX_KEY] = SandboxState(world, school, clock=clock, now=now)
    oauth.setup_routes(app)
    ics_feed.setup_routes(app)
    control.setup_routes(app)
    app.add_subapp("/api/v1", create_api_app())
    app.on_response_prepare.append(lowercase_headers)
    return app
