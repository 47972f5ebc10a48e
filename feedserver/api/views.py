"""HTTP handlers of the JSON API (thin: parse, call, shape).

Every ``/api/me*`` handler starts with `require_student` (401 problem when
there is no session) and every state-changing one continues with
`check_csrf` (403 problem unless the Origin is ours or allowed, or the
session's CSRF token is sent). Answers about a student sit in no cache
(`http_policy.NO_STORE`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..auth.csrf import check_csrf
from ..auth.session import require_student
from ..feeds.tokens import issue_feed_token
from ..http_policy import NO_STORE
from ..planning.actions import change_settings
from ..planning.appkeys import planner_key
from ..settings import SettingsError
from ..sync.appkeys import sync_service_key
from ..sync.scheduler import SyncTooSoon
from ..typedefs import cipher_key, config_key, db_key
from .appkeys import canvas_proxy_key
from .assignments import list_assignments
from .errors import FieldProblem, api_problem
from .params import json_object, parse_assignment_filters, parse_feed_kind, reject_unknown
from .profile import feed_document, institutions_document, load_student, profile_document, settings_document
from .proxy import ProxiedResponse

__all__ = ["routes", "private_json", "add_proxy_routes"]

routes = web.RouteTableDef()

def private_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer about one student: never stored by any cache."""
    return web.json_response(data, status=status, headers={**NO_STORE, **(headers or {})})


@routes.get("/api/institutions", name="api_institutions")
async def institutions(request: web.Request) -> web.Response:
    reject_unknown(request.query, ())
    return web.json_response(institutions_document(request.app[config_key]),
                             headers={"Cache-Control": "public, max-age=300"})


@routes.get("/api/me", name="api_me")
async def me(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    reject_unknown(request.query, ())
    app = request.app
    return private_json(await profile_document(app[config_key], app[db_key], app[cipher_key], student_id))


@routes.get("/api/me/settings", name="api_settings")
async def get_settings(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    reject_unknown(request.query, ())
    student, _ = await load_student(request.app[db_key], student_id)
    return private_json(settings_document(student))


@routes.patch("/api/me/settings", name="api_settings_patch")
async def patch_settings(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    await check_csrf(request)
    reject_unknown(request.query, ())
    patch = await json_object(request)
    app = request.app
    try:
        # Stores, re-renders the feed, and replans when a suggestion setting changed.
        settings = await change_settings(app[planner_key], student_id, patch)
    except SettingsError as exc:
        raise FieldProblem(exc.field, exc.message) from None
    except LookupError:
        raise api_problem("not-signed-in", "This student no longer exists here.") from None
    return private_json(settings.to_json())


@routes.get("/api/me/assignments", name="api_assignments")
async def assignments(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    db = request.app[db_key]
    student, _ = await load_student(db, student_id)
    # Dates are local to the student: which ones exist depends on their time zone.
    items = await list_assignments(db, student_id, parse_assignment_filters(request.query, student.time_zone))
    return private_json({"assignments": items, "count": len(items)})


@routes.get("/api/me/feed", name="api_feed")
async def feed(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    kind = parse_feed_kind(request.query)
    app = request.app
    return private_json(await feed_document(app[config_key], app[db_key], app[cipher_key], student_id, kind))


@routes.post("/api/me/feed/rotate", name="api_feed_rotate")
async def rotate_feed(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    await check_csrf(request)
    kind = parse_feed_kind(request.query)
    app = request.app
    # The old token's row is replaced in the same transaction: its URL is a 404 from now on.
    token = await issue_feed_token(app[db_key], app[cipher_key], student_id, kind)
    return private_json(await feed_document(app[config_key], app[db_key], app[cipher_key], student_id, kind,
                                            token=token))


@routes.post("/api/me/sync", name="api_sync")
async def request_sync(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    await check_csrf(request)
    reject_unknown(request.query, ())
    student, _ = await load_student(request.app[db_key], student_id)
    if student.status == "reconnect_needed":
        raise api_problem("reconnect-needed", "Sign in with Canvas again; then your assignments sync.")
    try:
        request.app[sync_service_key].request_sync(student_id)
    except SyncTooSoon as exc:
        raise api_problem("sync-too-soon", f"Try again in {exc.retry_after} s.",
                          headers={"Retry-After": str(exc.retry_after)}) from None
    return private_json({"status": "queued"}, status=202)


async def canvas_proxy(request: web.Request) -> web.Response:
    student_id = await require_student(request)
    proxied: ProxiedResponse = await request.app[canvas_proxy_key].forward(
        student_id, request.rel_url.raw_path, request.query.items(), request.rel_url.raw_query_string,
        request.headers.get("Accept"))
    return web.Response(status=proxied.status, body=proxied.body, content_type=proxied.content_type,
                        headers=proxied.headers)


async def canvas_proxy_write(request: web.Request) -> web.Response:
    """Every other method on the proxy: refused before anything else, with ``Allow: GET``."""
    raise api_problem("proxy-read-only", "The Canvas proxy only reads.", headers={"Allow": "GET"})


def add_proxy_routes(router: web.UrlDispatcher) -> None:
    """``/api/canvas/{path}`` as one resource named ``canvas_proxy``: GET forwards, writes are refused."""
    # [\s\S] rather than ".": a decoded newline must reach the validator, not fall through to a 404.
    resource = router.add_resource(r"/api/canvas/{path:[\s\S]*}", name="canvas_proxy")
    resource.add_route("GET", canvas_proxy)
    for method in ("HEAD", "POST", "PUT", "PATCH", "DELETE"):
        resource.add_route(method, canvas_proxy_write)
