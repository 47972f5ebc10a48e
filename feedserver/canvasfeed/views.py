"""HTTP handlers of the calendar-feed connection, the feed student's /me forms (time zone, a new
feed address) and the demand board (thin: parse, call, render)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from ..auth.csrf import CSRF_FIELD, check_csrf, csrf_token
from ..auth.schools import count_request_once, normalize_host
from ..admin import require_admin
from ..auth.login import sign_in_url
from ..auth.session import current_student_id, require_student, sign_in
from ..feeds.preferences import change_time_zone
from ..http_policy import NO_STORE
from ..settings import SettingsError, check_time_zone, time_zone_choices
from ..typedefs import config_key, db_key
from .appkeys import feed_source_key
from .demand import board_json, demand_board
from .errors import FeedBusy, FeedError, FeedUnavailable

__all__ = ["FEED_URL_FIELD", "TIME_ZONE_FIELD", "routes"]

routes = web.RouteTableDef()
FEED_URL_FIELD = "feed_url"
TIME_ZONE_FIELD = "time_zone"


async def _page(request: web.Request, *, status: int = 200, problem: str | None = None,
                host: str | None = None) -> web.Response:
    config = request.app[config_key]
    school = config.institution_for_host(host) if host else None
    context: dict[str, Any] = {
        "csrf_token": await csrf_token(request), "csrf_field": CSRF_FIELD, "field": FEED_URL_FIELD,
        "problem": problem, "host": host, "school": school, "zone_field": TIME_ZONE_FIELD,
        "zones": time_zone_choices(), "chosen_zone": school.time_zone if school else "",
    }
    response = aiohttp_jinja2.render_template("canvasfeed_connect.html", request, context, status=status)
    response.headers.update(NO_STORE)
    return response


@routes.get("/connect/canvas-feed", name="canvasfeed_connect")
async def connect_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, host=normalize_host(request.query.get("host")))


@routes.post("/connect/canvas-feed", name="canvasfeed_connect_submit")
async def connect_submit(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    form = await request.post()
    text = str(form.get(FEED_URL_FIELD, ""))
    source = request.app[feed_source_key]
    try:
        connected = await source.connect(text, now=source.clock(), time_zone=_time_zone(form))
    except FeedBusy as exc:
        page = await _page(request, status=429, problem=str(exc))
        page.headers["Retry-After"] = exc.retry_after
        return page
    except FeedError as exc:
        # The message names the fault, never the URL (it is a secret); the form is left empty.
        return await _page(request, status=502 if isinstance(exc, FeedUnavailable) else 400, problem=str(exc))
    if connected.sign_in_at is not None:
        # Their student signs in with Canvas now; a feed URL is no key to a Canvas-connected account.
        if await current_student_id(request) == connected.student_id:
            raise web.HTTPSeeOther("/me", headers=NO_STORE)
        raise web.HTTPSeeOther(sign_in_url(connected.sign_in_at, "/me"), headers=NO_STORE)
    if connected.created and not connected.configured:
        # A new feed student at a school without OAuth is one more on the demand board
        # (once: not again if this browser already asked on the "not yet" page).
        await count_request_once(request, connected.host)
    await sign_in(request, connected.student_id)
    raise web.HTTPSeeOther("/me", headers=NO_STORE)


def _time_zone(form: Any) -> str | None:
    """The first valid zone the form sent: the browser's (hidden field), else the <select>'s."""
    for value in form.getall(TIME_ZONE_FIELD, []):
        try:
            return check_time_zone(str(value))
        except SettingsError:
            continue
    return None


@routes.post("/me/time-zone", name="canvasfeed_time_zone")
async def time_zone_submit(request: web.Request) -> web.StreamResponse:
    student_id = await require_student(request)
    await check_csrf(request)
    form = await request.post()
    try:
        await change_time_zone(request.app[db_key], student_id, str(form.get(TIME_ZONE_FIELD, "")),
                               public_url=request.app[config_key].server.public_url)
    except SettingsError as exc:
        raise web.HTTPBadRequest(text=f"That time zone was not saved: {exc.message}") from None
    raise web.HTTPSeeOther("/me#canvasfeed-title", headers=NO_STORE)


@routes.post("/me/canvas-feed", name="canvasfeed_new_address")
async def new_address_submit(request: web.Request) -> web.StreamResponse:
    """A new feed address for the signed-in feed student: same student, same calendar link."""
    student_id = await require_student(request)
    await check_csrf(request)
    form = await request.post()
    source = request.app[feed_source_key]
    try:
        await source.replace_url(student_id, str(form.get(FEED_URL_FIELD, "")), now=source.clock())
    except FeedBusy as exc:
        raise web.HTTPTooManyRequests(text=str(exc), headers={"Retry-After": exc.retry_after}) from None
    except FeedError as exc:
        # The message names the fault, never the URL (it is a secret).
        raise web.HTTPBadRequest(text=f"That address was not saved: {exc}") from None
    # The student's stand-in Canvas id follows the address, and the session names it: sign in again.
    await sign_in(request, student_id)
    raise web.HTTPSeeOther("/me", headers=NO_STORE)


@routes.get("/admin/api/demand", name="admin_demand")
async def admin_demand(request: web.Request) -> web.StreamResponse:
    require_admin(request, request.app[config_key].server.admin_token)
    board = await demand_board(request.app[db_key], request.app[config_key])
    return web.json_response(board_json(board), headers=NO_STORE)
