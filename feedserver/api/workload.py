"""``GET /api/me/workload``, ``PUT …/{assignment_id}/estimate`` and ``GET …/{assignment_id}/what-if`` (thin handlers).

The work is planning's (`feedserver.planning`): the workload summary and the
what-if are computed on a worker thread, an estimate change stores the
student's number and replans (their feed changes only if the sessions do).
A plan that fails answers 503 ``plan-unavailable`` (the planner logged it).
"""

from __future__ import annotations

from aiohttp import web

from ..auth.csrf import check_csrf
from ..auth.session import require_student
from ..planning.actions import change_estimate, parse_hours
from ..planning.appkeys import planner_key
from ..planning.compute import WHAT_IF_DAYS
from ..planning.service import PlanUnavailable
from ..planning.summary import what_if_document, workload_document
from ..settings import SettingsError, StudentSettings
from .errors import FieldProblem, api_problem
from .params import json_object, parse_date, reject_unknown
from .profile import load_student
from .views import private_json

__all__ = ["routes"]

_UNAVAILABLE = "Your plan cannot be computed right now; your calendar keeps its last plan."

routes = web.RouteTableDef()


@routes.get("/api/me/workload", name="api_workload")
async def workload(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    reject_unknown(request.query, ())
    planner = request.app[planner_key]
    student, _ = await load_student(planner.db, student_id)
    try:
        result = await planner.workload(student_id)
    except PlanUnavailable:
        raise api_problem("plan-unavailable", _UNAVAILABLE) from None
    if result is None:
        raise api_problem("not-signed-in", "This student no longer exists here.")
    on = StudentSettings.from_json(student.settings).suggestions
    return private_json(workload_document(result, suggestions_on=on))


@routes.put(r"/api/me/assignments/{assignment_id:[0-9]{1,20}}/estimate", name="api_estimate")
async def put_estimate(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    await check_csrf(request)
    reject_unknown(request.query, ())
    body = await json_object(request)
    unknown = set(body) - {"hours"}
    if unknown or "hours" not in body:
        raise FieldProblem(min(unknown) if unknown else "hours",
                           "unknown member" if unknown else "required (a number of hours, or null)")
    try:
        hours = parse_hours(body["hours"])
    except SettingsError as exc:
        raise FieldProblem(exc.field, exc.message) from None
    assignment_id = request.match_info["assignment_id"]
    planner = request.app[planner_key]
    try:
        result = await change_estimate(planner, student_id, assignment_id, hours)
    except LookupError:
        raise api_problem("assignment-not-found", "You have no assignment with that id.") from None
    return private_json({"assignment_id": assignment_id, "hours": hours, "plan_changed": result.changed,
                         "sessions": result.sessions})


@routes.get(r"/api/me/assignments/{assignment_id:[0-9]{1,20}}/what-if", name="api_what_if")
async def what_if(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    reject_unknown(request.query, ("due",))
    due = parse_date(request.query, "due")
    if due is None:
        raise FieldProblem("due", "required: the new due date, like 2026-11-16")
    planner = request.app[planner_key]
    student, _ = await load_student(planner.db, student_id)
    today = planner.today(student.time_zone or "UTC")
    if abs((due - today).days) > WHAT_IF_DAYS:
        raise FieldProblem("due", f"must be within {WHAT_IF_DAYS} days of today")
    try:
        result = await planner.what_if(student_id, request.match_info["assignment_id"], due)
    except LookupError:
        raise api_problem("assignment-not-found", "You have no assignment with that id.") from None
    except PlanUnavailable:
        raise api_problem("plan-unavailable", _UNAVAILABLE) from None
    if result is None:
        raise api_problem("not-signed-in", "This student no longer exists here.")
    return private_json(what_if_document(result))
