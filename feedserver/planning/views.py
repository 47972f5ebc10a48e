"""The /me forms that change a student's plan or feed: feed settings, suggestions, estimates.

Thin: parse, call `actions`, redirect. Every settings form goes through
`actions.change_settings`, so a change that moves the plan (hiding a course,
free hours) replans at once; that is why the feed-settings form lives here
and not in feeds, which knows nothing of planning.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

from aiohttp import web
from multidict import MultiMapping

from ..auth.csrf import check_csrf
from ..auth.session import require_student
from ..feeds import preferences
from ..settings import WEEKDAYS, SettingsError
from ..typedefs import db_key
from .actions import change_estimate, change_settings, parse_hours
from .appkeys import planner_key

__all__ = ["patch_from_form", "routes"]

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


async def _save_settings_form(request: web.Request, patch_of_form: PatchOfForm, anchor: str) -> NoReturn:
    """Store a settings form through planning, then back to its section of /me (`anchor`)."""
    student_id = await require_student(request)
    await check_csrf(request)
    form = await request.post()
    try:
        await change_settings(request.app[planner_key], student_id, await patch_of_form(request, student_id, form))
    except SettingsError as exc:
        raise web.HTTPBadRequest(text=f"That setting was not saved: {exc.message}") from None
    raise web.HTTPSeeOther(f"/me#{anchor}")


async def _feed_patch(request: web.Request, student_id: int, form: MultiMapping[Any]) -> dict[str, Any]:
    return await preferences.patch_from_form(request.app[db_key], student_id, form)


async def _suggestions_patch(request: web.Request, student_id: int, form: MultiMapping[Any]) -> dict[str, Any]:
    return patch_from_form(form)


@routes.post("/me/feed-settings", name="feed_settings")
async def feed_settings(request: web.Request) -> web.StreamResponse:
    # Through planning: hiding a course also takes its work sessions out of the plan now.
    await _save_settings_form(request, _feed_patch, "feed-settings-title")


@routes.post("/me/suggestions", name="planning_settings")
async def suggestion_settings(request: web.Request) -> web.StreamResponse:
    await _save_settings_form(request, _suggestions_patch, "workload-title")


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
    raise web.HTTPSeeOther("/me#estimates-title")
