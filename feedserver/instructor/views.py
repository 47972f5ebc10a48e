"""Routes of the aggregate views (thin: check who asks, call the service, shape the answer).

- ``POST /instructor/what-if``: the course view with what moving one of its
  deadlines would change, for the holder of the course's grant;
- ``POST /instructor/school`` and ``POST /instructor/school.csv``: the school
  view and its CSV, for the holder of a school grant (an admin's launch);
- ``GET /admin/api/schools/{slug}/workload`` (JSON) and ``.../workload.csv``:
  the same for the team's admin token;
- ``POST /me/contribute``: a student's choice to contribute, from /me/settings.

Pages here are shown in the platform's frame, like the launch that led to
them: they may be framed by the configured platforms.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, NoReturn

import aiohttp_jinja2
from aiohttp import web

from ..admin import require_admin
from ..auth.csrf import check_csrf
from ..auth.session import require_student
from ..config import Institution
from ..feeds.preferences import update_settings
from ..http_policy import NO_STORE, allow_framing
from ..planning.compute import WHAT_IF_DAYS
from ..problems import ProblemError
from ..typedefs import config_key, db_key
from .appkeys import insights_key
from .cohorts import forget_student
from .export import school_csv, school_json
from .grants import Grant, GrantError
from .pages import COURSE_TEMPLATE, SCHOOL_TEMPLATE, school_context, what_if_context

__all__ = ["routes"]

routes = web.RouteTableDef()

def framed_page(request: web.Request, template: str, context: Mapping[str, Any]) -> web.Response:
    """A page the platform shows in its frame: never cached, framable by the platforms only."""
    response = aiohttp_jinja2.render_template(template, request, dict(context))
    response.headers.update(NO_STORE)
    allow_framing(response, ("'self'", *request.app[config_key].platform_origins()))
    return response


async def _grant(request: web.Request, *, school: bool) -> tuple[Grant, Institution]:
    """The posted grant, for the school view (`school`) or a course view; a 403 otherwise."""
    form = await request.post()
    token = form.get("grant")
    try:
        grant = request.app[insights_key].grants.open(token if isinstance(token, str) else None)
    except GrantError:
        raise web.HTTPForbidden(text="This page has expired. Open Homework Muffin from Canvas again.") from None
    institution = request.app[config_key].institution(grant.institution)
    if grant.is_school != school or institution is None:
        raise web.HTTPForbidden(text="This view is not open to you. Open Homework Muffin from Canvas again.")
    return grant, institution


async def _school_grant(request: web.Request) -> tuple[Grant, Institution]:
    return await _grant(request, school=True)


def _csv(body: str, slug: str) -> web.Response:
    return web.Response(text=body, content_type="text/csv", charset="utf-8", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="{slug}-workload.csv"'})


@routes.post("/instructor/what-if", name="instructor_what_if")
async def what_if_page(request: web.Request) -> web.StreamResponse:
    grant, institution = await _grant(request, school=False)
    form = await request.post()
    assignment, due = form.get("assignment"), form.get("due")
    try:
        new_due = date.fromisoformat(due) if isinstance(due, str) and len(due) == 10 else None
    except ValueError:
        new_due = None
    today = request.app[insights_key].clock().date()
    if not isinstance(assignment, str) or new_due is None or abs((new_due - today).days) > WHAT_IF_DAYS:
        raise web.HTTPBadRequest(text=f"Pick one of your assignments and a new date (YYYY-MM-DD) within "
                                      f"{WHAT_IF_DAYS} days of today.")
    try:
        context = await what_if_context(request.app, institution, str(grant.canvas_course_id),
                                        canvas_assignment_id=assignment, new_due=new_due, title=grant.course_title)
    except LookupError:
        raise web.HTTPBadRequest(text="Pick one of this course's assignments with a due date.") from None
    return framed_page(request, COURSE_TEMPLATE, context)


@routes.post("/instructor/school", name="instructor_school")
async def school_page(request: web.Request) -> web.StreamResponse:
    _, institution = await _school_grant(request)
    return framed_page(request, SCHOOL_TEMPLATE, await school_context(request.app, institution))


@routes.post("/instructor/school.csv", name="instructor_school_csv")
async def school_csv_download(request: web.Request) -> web.StreamResponse:
    _, institution = await _school_grant(request)
    return _csv(school_csv(await request.app[insights_key].school(institution)), institution.slug)


def _admin_school(request: web.Request) -> Institution:
    require_admin(request, request.app[config_key].server.admin_token)
    institution = request.app[config_key].institution(request.match_info["slug"])
    if institution is None:
        raise ProblemError(404, "not-found", "Not Found", "No school with this slug is configured.")
    return institution


@routes.get("/admin/api/schools/{slug}/workload", name="admin_school_workload")
async def admin_school(request: web.Request) -> web.StreamResponse:
    institution = _admin_school(request)
    return web.json_response(school_json(await request.app[insights_key].school(institution)), headers=NO_STORE)


@routes.get("/admin/api/schools/{slug}/workload.csv", name="admin_school_workload_csv")
async def admin_school_csv(request: web.Request) -> web.StreamResponse:
    institution = _admin_school(request)
    return _csv(school_csv(await request.app[insights_key].school(institution)), institution.slug)


@routes.post("/me/contribute", name="contribute")
async def contribute(request: web.Request) -> NoReturn:
    student_id = await require_student(request)
    await check_csrf(request)
    form = await request.post()
    on = form.get("contribute") == "on"
    app = request.app
    await update_settings(app[db_key], student_id, {"contribute": on}, public_url=app[config_key].server.public_url)
    if not on:
        # Out of every cohort now, not only at the next view of each course.
        await forget_student(app[db_key], student_id)
    raise web.HTTPSeeOther("/me/settings#contribute-title", headers=NO_STORE)
