"""The /me forms that change a student's plan or feed: the free-time question, suggestions, feed settings, estimates.

Thin: parse, call `actions`, redirect. Every settings form goes through
`actions.change_settings`, so a change that moves the plan (hiding a course,
free hours) replans at once; that is why the feed-settings form lives here
and not in feeds, which knows nothing of planning.

The free-time question (``/me/free-time``) comes before any verdict: turning
suggestions on for the first time asks for the student's free hours (one
number for weekdays and one for weekends, or one per day) and when they like
to work, and only then turns suggestions on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiMapping

from ..auth.csrf import check_csrf, csrf_token
from ..auth.session import require_student
from ..feeds import preferences
from ..http_policy import NO_STORE
from ..settings import WEEKDAYS, SettingsError, StudentSettings
from ..store.models import Student
from ..typedefs import db_key
from .actions import change_estimate, change_settings, parse_hours
from .appkeys import planner_key
from .me import weekday_fields

__all__ = ["WORK_TIMES", "free_time_patch", "patch_from_form", "routes"]

WORK_TIMES = (("morning", "In the morning", 9), ("afternoon", "In the afternoon", 14),
              ("evening", "In the evening", 19), ("any", "No set time (all-day items in my calendar)", -1))
"""The free-time question's answers to "when do you like to work?": (value, label, session start hour)."""

routes = web.RouteTableDef()

PatchOfForm = Callable[[web.Request, int, MultiMapping[Any]], Awaitable[dict[str, Any]]]
"""Reads a settings form into a patch for `StudentSettings.merged`; raises `SettingsError`."""


def patch_from_form(form: MultiMapping[Any]) -> dict[str, Any]:
    """The settings patch of the /me suggestions form (validated later by `StudentSettings.merged`)."""
    patch: dict[str, Any] = {"suggestions": form.get("suggestions") == "on"}
    try:
        if all(f"free_{d}" in form for d in WEEKDAYS):
            patch["free_hours"] = [float(str(form[f"free_{d}"])) for d in WEEKDAYS]
        if "session_hours" in form:
            patch["session_hours"] = float(str(form["session_hours"]))
    except ValueError:
        raise SettingsError("free_hours", "must be numbers of hours") from None
    if "session_start_hour" in form:
        value = str(form["session_start_hour"])
        try:
            patch["session_start_hour"] = -1 if value == "all_day" else int(value)
        except ValueError:
            raise SettingsError("session_start_hour", "must be an hour from 0 to 23") from None
    if "days_off" in form:
        patch["days_off"] = str(form["days_off"]).replace(",", " ").split()
    return patch


def free_time_patch(form: MultiMapping[Any]) -> dict[str, Any]:
    """The settings patch of the free-time question: free hours, when to work, suggestions on."""
    def hours(name: str) -> float:
        try:
            return float(str(form[name]))
        except (KeyError, ValueError):
            raise SettingsError("free_hours", "must be numbers of hours") from None

    if form.get("per_day") == "on":
        free = [hours(f"free_{d}") for d in WEEKDAYS]
    else:
        free = [hours("weekday")] * 5 + [hours("weekend")] * 2
    start = {value: hour for value, _, hour in WORK_TIMES}.get(str(form.get("work_time", "")))
    if start is None:
        raise SettingsError("session_start_hour", "choose when you like to work")
    return {"free_hours": free, "session_start_hour": start, "suggestions": True}


async def _save_settings_form(request: web.Request, patch_of_form: PatchOfForm, back_to: str) -> NoReturn:
    """Store a settings form through planning, then back to the page it came from (`back_to`)."""
    student_id = await require_student(request)
    await check_csrf(request)
    form = await request.post()
    try:
        await change_settings(request.app[planner_key], student_id, await patch_of_form(request, student_id, form))
    except SettingsError as exc:
        raise web.HTTPBadRequest(text=f"That setting was not saved: {exc.message}") from None
    raise web.HTTPSeeOther(back_to)


async def _feed_patch(request: web.Request, student_id: int, form: MultiMapping[Any]) -> dict[str, Any]:
    return await preferences.patch_from_form(request.app[db_key], student_id, form)


async def _suggestions_patch(request: web.Request, student_id: int, form: MultiMapping[Any]) -> dict[str, Any]:
    return patch_from_form(form)


async def _free_time_patch(request: web.Request, student_id: int, form: MultiMapping[Any]) -> dict[str, Any]:
    return free_time_patch(form)


@routes.post("/me/feed-settings", name="feed_settings")
async def feed_settings(request: web.Request) -> web.StreamResponse:
    # Through planning: hiding a course also takes its work sessions out of the plan now.
    await _save_settings_form(request, _feed_patch, "/me/settings#feed-settings-title")


@routes.post("/me/suggestions", name="planning_settings")
async def suggestion_settings(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    # The overview's one-button form turns suggestions back on; the settings form says everything.
    back_to = "/me" if set(form) <= {"csrf_token", "suggestions"} else "/me/settings#suggestion-settings-title"
    await _save_settings_form(request, _suggestions_patch, back_to)


@routes.get("/me/free-time", name="free_time")
async def free_time_question(request: web.Request) -> web.StreamResponse:
    student_id = await require_student(request)
    async with request.app[db_key]() as session:
        student = await session.get(Student, student_id)
    settings = StudentSettings.from_json(student.settings if student is not None else None)
    free = settings.free_hours
    context = {"csrf_token": await csrf_token(request), "settings": settings, "weekdays": weekday_fields(settings),
               "weekday": free[0] if len(set(free[:5])) == 1 else 3.0,
               "weekend": free[5] if free[5] == free[6] else 4.0,
               "per_day": len(set(free[:5])) > 1 or free[5] != free[6], "work_times": WORK_TIMES}
    response = aiohttp_jinja2.render_template("me_free_time.html", request, context)
    response.headers.update(NO_STORE)
    return response


@routes.post("/me/free-time", name="free_time_answer")
async def free_time_answer(request: web.Request) -> web.StreamResponse:
    # Saved with suggestions on, and back to the overview: its advice now rests on the student's own hours.
    await _save_settings_form(request, _free_time_patch, "/me")


@routes.post("/me/estimates", name="planning_estimate")
async def estimate(request: web.Request) -> web.StreamResponse:
    student_id = await require_student(request)
    await check_csrf(request)
    form = await request.post()
    try:
        hours = parse_hours(str(form.get("hours", "")).strip())
        await change_estimate(request.app[planner_key], student_id, str(form.get("assignment_id", "")), hours)
    except SettingsError as exc:
        raise web.HTTPBadRequest(text=f"That estimate was not saved: {exc.message}") from None
    except LookupError:
        raise web.HTTPNotFound(text="No such assignment.") from None
    raise web.HTTPSeeOther("/me/estimates#estimates-title")
