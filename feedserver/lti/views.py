"""HTTP handlers of the LTI tool (thin: parse, call the service, pick a page).

How a launch is bound to the browser that started it, in order:

1. the state cookie holds the login's binding: the launch completes at once;
2. the browser sent the cookie but without this binding: refused (``state``);
3. no cookie at all (Safari, or third-party cookies blocked) and the platform
   offers postMessage storage: a page asks the platform frame for the binding
   (``lti.get_data``) and posts it to /lti/launch/storage from our own script;
4. no cookie and no storage: a page offers to open the tool in a new tab,
   where the same login runs again as a first-party page.

Every refusal is one `LtiLaunchError`, turned into a page and a log line that
names the failed check in `_refused`, in one place.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from ..auth.session import sign_in
from ..http_policy import ANYONE, NO_STORE, allow_framing
from ..json_input import JsonBodyError, read_json_body
from ..logs import route_label
from ..secure import constant_time_equals
from ..typedefs import config_key
from .appkeys import lti_service_key
from .binding import bindings_of, has_binding, set_bindings
from .canvas_config import ICON_PATH, canvas_configuration
from .errors import CrossSiteRequest, LtiLaunchError, MalformedRequest, StateMismatch
from .landing import landing_for
from .login import storage_key, storage_target
from .platforms import origin_of
from .service import LAUNCH_PATH, LOGIN_PATH, VerifiedLaunch

__all__ = ["setup_routes", "STORAGE_PATH", "STORAGE_HEADER"]

_LOGGER = logging.getLogger(__name__)

STORAGE_PATH = "/lti/launch/storage"
#: Our script sends this header; a cross-site form cannot, and a cross-site fetch would need CORS we never grant.
STORAGE_HEADER = "X-Muffin-LTI"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _refusing(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except LtiLaunchError as exc:
            return _refused(request, exc)

    return wrapped


def _refused(request: web.Request, exc: LtiLaunchError) -> web.Response:
    # The detail names checks and configured values only; never the token, state or hints.
    _LOGGER.warning("%s refused: check %s failed (%s: %s)", route_label(request), exc.check,
                    type(exc).__name__, exc.detail or "-")
    # A refusal holds no user data, and a Canvas we do not know yet (unknown issuer or client id) is
    # exactly the platform that must be able to show it: anyone may frame it.
    return _page(request, "lti_error.html", {
        "title": exc.title, "message": exc.message, "status": exc.status, "check": exc.check,
    }, status=exc.status, framed_by=ANYONE)


def _page(request: web.Request, template: str, context: Mapping[str, Any], *, status: int = 200,
          framed_by: Sequence[str] | None = None) -> web.Response:
    """An LTI page; framable by the configured platforms (and our own pages), or by `framed_by`."""
    response = aiohttp_jinja2.render_template(template, request, dict(context), status=status)
    response.headers.update(NO_STORE)
    if framed_by is None:
        framed_by = ("'self'", *request.app[config_key].platform_origins())
    allow_framing(response, framed_by)
    return response


# -- login -------------------------------------------------------------------------


@_refusing
async def login(request: web.Request) -> web.StreamResponse:
    params: dict[str, str] = dict(request.query)
    if request.method == "POST":
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    start = request.app[lti_service_key].begin_login(params)
    state = start.state
    if state.storage_target:
        # Store the binding in the platform's frame before leaving for its authorization page.
        response: web.Response = _page(request, "lti_login.html", {
            "auth_url": start.auth_url,
            "storage_target": state.storage_target,
            "platform_origin": start.platform_origin,
            "storage_key": storage_key(state.binding),
            "storage_value": state.binding,
        })
    else:
        response = web.Response(status=302, headers={"Location": start.auth_url, **NO_STORE})
    # The cookie is set either way: when the browser keeps it, no storage round trip is needed.
    set_bindings(response, [*(bindings_of(request) or []), state.binding])
    _LOGGER.info("LTI login for client %s of %s", start.platform.client_id, start.platform.issuer)
    return response


# -- launch ------------------------------------------------------------------------


@_refusing
async def launch(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    id_token, state = form.get("id_token"), form.get("state")
    if not isinstance(id_token, str):
        raise MalformedRequest("the launch form lacks id_token")
    service = request.app[lti_service_key]
    verified = await service.verify(id_token, state if isinstance(state, str) else None)
    binding = verified.state.binding
    bindings = bindings_of(request)
    if bindings is not None:
        if not has_binding(bindings, binding):
            raise StateMismatch("the browser's state cookie does not hold this login")
        response = await _accept(request, verified)
        set_bindings(response, [b for b in bindings if b != binding])
        return response

    # No cookie came back: this browser keeps none in frames. Prove the binding another way.
    await service.refuse_replay(verified)
    restart_url = f"{LOGIN_PATH}?{urlencode(verified.state.restart_params())}"
    target = storage_target(form.get("lti_storage_target")) or verified.state.storage_target
    if target:
        _LOGGER.info("LTI launch without the state cookie; checking platform storage")
        return _page(request, "lti_launch_check.html", {
            "id_token": id_token,
            "state": state,
            "storage_target": target,
            "platform_origin": origin_of(verified.launch.platform.auth_url),
            "storage_key": storage_key(binding),
            "storage_path": STORAGE_PATH,
            "storage_header": STORAGE_HEADER,
            "restart_url": restart_url,
        })
    _LOGGER.info("LTI launch without the state cookie and no platform storage; offering a new tab")
    return _page(request, "lti_new_tab.html", {"restart_url": restart_url})


@_refusing
async def launch_storage(request: web.Request) -> web.StreamResponse:
    """The second half of a cookie-less launch, called by lti.js with the value from platform storage."""
    origin = request.headers.get("Origin")
    public_origin = origin_of(request.app[config_key].server.public_url)
    if (request.headers.get(STORAGE_HEADER) != "storage"
            or request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin"
            or origin not in (None, "null", public_origin)):
        raise CrossSiteRequest("platform-storage confirmation not sent by our own page")
    try:
        body = await read_json_body(request) if request.content_type == "application/json" else None
    except JsonBodyError:
        body = None
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("id_token", "state", "value")):
        raise MalformedRequest("platform-storage confirmation without id_token, state and value")
    verified = await request.app[lti_service_key].verify(body["id_token"], body["state"])
    if not constant_time_equals(body["value"], verified.state.binding):
        raise StateMismatch("the platform's storage does not hold this login")
    return await _accept(request, verified)


async def _accept(request: web.Request, verified: VerifiedLaunch) -> web.Response:
    service = request.app[lti_service_key]
    accepted = await service.complete(verified)
    landing = await landing_for(request.app, accepted, service.clock())
    if landing.student_id is not None:
        # Kept only where the browser allows cookies here (a new tab, or same-site Canvas).
        await sign_in(request, landing.student_id)
    _LOGGER.info("LTI launch accepted at %s: %s", accepted.platform.institution,
                 landing.template.removeprefix("lti_").removesuffix(".html"))
    return _page(request, landing.template, landing.context)


# -- configuration -----------------------------------------------------------------


async def config_json(request: web.Request) -> web.Response:
    body = canvas_configuration(request.app[config_key].server.public_url)
    return web.json_response(body, headers={"Cache-Control": "public, max-age=300"})


async def jwks_json(request: web.Request) -> web.Response:
    keys = await request.app[lti_service_key].tool_keys.get()
    return web.json_response(keys.public_jwks(), headers={"Cache-Control": "public, max-age=3600"})


_ICON = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-label="Homework Muffin">
<path d="M14 30h36l-5 26H19z" fill="#8a3b12"/><path d="M22 30l2 26M32 30v26M42 30l-2 26" stroke="#fffaf3" stroke-width="2"/>
<path d="M10 31c0-10 9-18 22-18s22 8 22 18z" fill="#f0a470"/><circle cx="24" cy="22" r="2" fill="#8a3b12"/>
<circle cx="36" cy="18" r="2" fill="#8a3b12"/><circle cx="42" cy="25" r="2" fill="#8a3b12"/></svg>
"""


async def icon(request: web.Request) -> web.Response:
    return web.Response(text=_ICON, content_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


def setup_routes(app: web.Application) -> None:
    # GET and POST share one named resource: platforms may initiate the login either way.
    login_resource = app.router.add_resource(LOGIN_PATH, name="lti_login")
    login_resource.add_route("GET", login)
    login_resource.add_route("POST", login)
    app.router.add_post(LAUNCH_PATH, launch, name="lti_launch")
    app.router.add_post(STORAGE_PATH, launch_storage, name="lti_launch_storage")
    app.router.add_get("/lti/config.json", config_json, name="lti_config")
    app.router.add_get("/lti/jwks.json", jwks_json, name="lti_jwks")
    app.router.add_get(ICON_PATH, icon, name="lti_icon")
