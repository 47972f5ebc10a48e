"""HTTP handlers of sign-in, /me, disconnect and the school pages (thin: parse, call, render).

Every way a sign-in can fail is mapped to a page in `_login_failure`, in one
place, so each Canvas error code gets words a student can act on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from authlib.oauth2.rfc6749.errors import MissingCodeException
from authlib.oauth2.rfc6749.parameters import parse_authorization_code_response
from sqlalchemy import select

from ..canvas.errors import CanvasError, CanvasUnavailable, MalformedResponse, OAuthError
from ..config import Institution
from ..http_policy import NO_STORE
from ..store.feed_students import SOURCE as FEED_SOURCE
from ..store.feed_students import unconfigured_school
from ..store.models import Institution as InstitutionRow
from ..store.models import Student
from ..typedefs import config_key, db_key
from .appkeys import login_states_key, school_request_limits_key
from .csrf import CSRF_FIELD, check_csrf, csrf_token
from .disconnect import disconnect_student
from .login import complete_login, redirect_uri, sign_in_url, start_login
from .me import ME_PAGES, me_context
from .redirects import safe_return_to
from .schools import READS, add_request_email, count_request_once, counted_request, normalize_host, valid_email
from .session import require_student, sign_in, sign_out
from .state import StateError

__all__ = ["routes"]

_LOGGER = logging.getLogger(__name__)
routes = web.RouteTableDef()


# -- sign in / out -----------------------------------------------------------


@routes.get("/login", name="login")
async def login(request: web.Request) -> web.StreamResponse:
    institution = request.app[config_key].institution(request.query.get("institution", ""))
    if institution is None:
        raise web.HTTPNotFound(text="We do not know that school. Pick yours from the list on the start page.")
    url = await start_login(request, institution, safe_return_to(request.query.get("return_to")))
    raise web.HTTPFound(url, headers=NO_STORE)


@routes.get("/oauth/callback", name="oauth_callback")
async def oauth_callback(request: web.Request) -> web.StreamResponse:
    try:
        pending = await request.app[login_states_key].redeem(request, request.query.get("state"))
    except StateError as exc:
        return _state_failure(request, exc.reason)
    institution = request.app[config_key].institution(pending.institution)
    if institution is None:
        return _state_failure(request, "unknown")
    if "error" in request.query:
        return _login_failure(request, institution, pending.return_to,
                              OAuthError(request.query["error"], request.query.get("error_description")))
    try:
        code = parse_authorization_code_response(str(request.url))["code"]
        # Whose row this is comes from Canvas alone, never from who this browser was signed in as.
        signed_in = await complete_login(request.app, institution, code, pending)
    except MissingCodeException:
        return _login_failure(request, institution, pending.return_to, OAuthError("invalid_request"))
    except CanvasError as exc:
        return _login_failure(request, institution, pending.return_to, exc)
    await sign_in(request, signed_in.student_id)
    raise web.HTTPFound(pending.return_to or "/me", headers=NO_STORE)


@routes.post("/logout", name="logout")
async def logout(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    await sign_out(request)
    raise web.HTTPSeeOther("/")


# -- the student's own page ----------------------------------------------------


def _me_page(page: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def me_page(request: web.Request) -> web.Response:
        student_id = await require_student(request)
        student, institution = await _student_and_school(request, student_id)
        context = await me_context(request, student, institution, page)
        return _render("me.html", request, context, no_store=True)

    return me_page


# /me (route name "me"), /me/plan ("me_plan"), /me/estimates, /me/settings: one template, each page's blocks.
for _page, (_path, _title) in ME_PAGES.items():
    routes.get(_path, name="me" if _page == "overview" else f"me_{_page}")(_me_page(_page))


@routes.post("/disconnect", name="disconnect")
async def disconnect(request: web.Request) -> web.StreamResponse:
    student_id = await require_student(request)
    await check_csrf(request)
    await disconnect_student(request.app, student_id)
    await sign_out(request)
    raise web.HTTPSeeOther("/disconnected")


@routes.delete("/api/me", name="api_me_delete")
async def api_me_delete(request: web.Request) -> web.StreamResponse:
    student_id = await require_student(request)
    await check_csrf(request)
    await disconnect_student(request.app, student_id)
    await sign_out(request)
    return web.Response(status=204)


@routes.get("/disconnected", name="disconnected")
@aiohttp_jinja2.template("auth_disconnected.html")
async def disconnected(request: web.Request) -> dict[str, Any]:
    return {}


@routes.get("/privacy", name="privacy")
@aiohttp_jinja2.template("privacy.html")
async def privacy(request: web.Request) -> dict[str, Any]:
    return {"reads": READS, "server": request.app[config_key].server}


# -- schools -------------------------------------------------------------------


@routes.get("/schools/not-yet", name="school_not_yet")
async def school_not_yet(request: web.Request) -> web.StreamResponse:
    """The form that asks for a school; reading it counts nothing (an ``<img>`` anywhere could send a GET)."""
    host = normalize_host(request.query.get("host"))
    if host is not None and request.app[config_key].institution_for_host(host) is not None:
        raise web.HTTPFound(f"/?{urlencode({'q': host})}")
    return _render("auth_not_yet.html", request, {
        "host": host, "asked": request.query.get("host", "")[:300],
        "csrf_token": await csrf_token(request), "csrf_field": CSRF_FIELD})


@routes.post("/schools/not-yet", name="school_not_yet_submit")
async def school_not_yet_submit(request: web.Request) -> web.StreamResponse:
    """Count this browser's request for the school once, with an optional e-mail address to tell."""
    await check_csrf(request)
    form = await request.post()
    host = normalize_host(str(form.get("host", "")))
    email = str(form.get("email", "")).strip()
    context: dict[str, Any] = {"host": host, "asked": host or "", "email": email,
                               "csrf_token": await csrf_token(request), "csrf_field": CSRF_FIELD}
    if host is None or (email and not valid_email(email)):
        context["problem"] = "Please check the address" if host is None else "That e-mail address looks incomplete."
        return _render("auth_not_yet.html", request, context, status=400)
    if request.app[config_key].institution_for_host(host) is not None:
        raise web.HTTPSeeOther(f"/?{urlencode({'q': host})}")
    if await counted_request(request, host) is None:
        retry_after = request.app[school_request_limits_key].retry_after(request.remote)
        if retry_after is not None:
            context["busy"] = "Many requests are arriving right now. Please try again in a minute."
            page = _render("auth_not_yet.html", request, context, status=429)
            page.headers["Retry-After"] = retry_after
            return page
    request_id = await count_request_once(request, host)
    if email:
        await add_request_email(request.app[db_key], request_id, host, email)
    context["thanks"] = True
    return _render("auth_not_yet.html", request, context)


@routes.get("/schools/{slug}/admin", name="school_admin")
async def school_admin(request: web.Request) -> web.StreamResponse:
    institution = request.app[config_key].institution(request.match_info["slug"])
    if institution is None:
        raise web.HTTPNotFound(text="No school with that name is configured here.")
    return _render("auth_school_admin.html", request, _admin_info(request, institution))


# -- helpers -------------------------------------------------------------------


def _render(template: str, request: web.Request, context: dict[str, Any], *, status: int = 200,
            no_store: bool = False) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    if no_store:
        response.headers.update(NO_STORE)
    return response


async def _student_and_school(request: web.Request, student_id: int) -> tuple[Student, Institution]:
    async with request.app[db_key]() as db:
        row = (await db.execute(
            select(Student, InstitutionRow).join(InstitutionRow, InstitutionRow.id == Student.institution_id)
            .where(Student.id == student_id))).first()
    institution = request.app[config_key].institution(row[1].slug) if row is not None else None
    if row is not None and institution is None and row[0].source == FEED_SOURCE:
        # A calendar-feed student at a school without OAuth: known only by its Canvas host.
        institution = unconfigured_school(row[1])
    if row is None or institution is None:
        # The school was removed from the configuration: nothing this page can show.
        await sign_out(request)
        raise web.HTTPFound("/")
    return row[0], institution


def _admin_info(request: web.Request, institution: Institution) -> dict[str, Any]:
    key = institution.key
    return {
        "institution": institution,
        "client_id": key.client_id,
        "redirect_uri": redirect_uri(request.app),
        "scopes": key.scopes,
        "pkce": key.pkce,
        # A [keys.NAME] table shared by schools is an inherited (Instructure-made) key.
        "inherited": key.name != institution.slug,
        "reads": READS,
    }


_STATE_MESSAGES = {
    "missing": ("This sign-in link is incomplete",
                "Canvas sent you back without the check we need. Please start again from the start page."),
    "unknown": ("We could not match this sign-in to your browser",
                "Start signing in from this browser, and finish in the same one. "
                "If you opened the link from an old tab or another device, start again."),
    "expired": ("This sign-in took too long",
                "For your safety a sign-in must finish within 10 minutes. Please start again."),
    "replayed": ("This sign-in link was already used",
                 "Each sign-in link works once. Please start again from the start page."),
}


def _state_failure(request: web.Request, reason: str) -> web.Response:
    title, message = _STATE_MESSAGES.get(reason, _STATE_MESSAGES["unknown"])
    _LOGGER.info("sign-in refused: state %s", reason)
    return _render(
        "auth_error.html", request,
        {"title": title, "message": message, "status": 400, "retry_url": "/"},
        status=400, no_store=True)


def _login_failure(request: web.Request, institution: Institution, return_to: str | None,
                   exc: CanvasError) -> web.Response:
    """The page for a failed sign-in at `institution`; nothing has been stored."""
    retry_url = sign_in_url(institution.slug, return_to)
    admin_url = f"/schools/{institution.slug}/admin"
    code = exc.code if isinstance(exc, OAuthError) else type(exc).__name__
    _LOGGER.info("sign-in at %s failed: %s", institution.slug, code)
    context: dict[str, Any] = {"institution": institution, "retry_url": retry_url, "admin_url": None,
                               "canvas_said": None}
    if code == "access_denied":
        return _render("auth_error.html", request, {
            **context, "status": 200, "title": "You chose not to connect",
            "message": f"No problem: nothing was shared and nothing was stored. You can connect your "
                       f"{institution.name} Canvas whenever you like.",
            "retry_label": "Try again"}, no_store=True)
    if code in ("unauthorized_client", "invalid_client"):
        return _render("auth_not_enabled.html", request, {
            **_admin_info(request, institution), "retry_url": retry_url, "admin_url": admin_url,
            "reason": code}, status=403, no_store=True)
    if isinstance(exc, CanvasUnavailable):
        title, message, status = ("Canvas did not answer",
                                  f"{institution.name}'s Canvas did not respond in time. Nothing was stored; "
                                  "please try again in a minute.", 502)
    elif isinstance(exc, MalformedResponse):
        title, message, status = ("Canvas sent something we did not expect",
                                  "Nothing was stored. Please try again; if it keeps happening, tell us.", 502)
    elif code == "invalid_grant":
        title, message, status = ("This sign-in code expired",
                                  "Canvas's one-time code was already used or is older than 10 minutes. "
                                  "Nothing was stored; please sign in again.", 400)
    elif code == "invalid_scope":
        title, message, status = ("Your school's Canvas key does not allow this",
                                  f"{institution.name}'s developer key does not include the permissions "
                                  "Homework Muffin asks for. Your Canvas administrator can fix this.", 400)
        context["admin_url"] = admin_url
    elif code == "invalid_request":
        title, message, status = ("Canvas refused the sign-in request",
                                  "Something in the sign-in did not match what your school's Canvas expects. "
                                  "Nothing was stored; please try again.", 400)
        context["admin_url"] = admin_url
    else:
        title, message, status = ("Canvas could not sign you in",
                                  "Nothing was stored. Please try again.", 400)
    if isinstance(exc, OAuthError):
        context["canvas_said"] = f"{exc.code}: {exc.description}"[:300] if exc.description else exc.code[:100]
    return _render("auth_error.html", request, {
        **context, "status": status, "title": title, "message": message}, status=status, no_store=True)
