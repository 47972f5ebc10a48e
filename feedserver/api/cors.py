"""CORS for the web app, on ``/api/*`` only, for ``server.allowed_origins`` only.

aiohttp-cors works per route: a route never passed to `cors.add` answers
with no CORS headers at all, which is what every page, feed and static file
gets. Each allowed origin may send credentials (the session cookie), so the
origin is echoed exactly, never ``*`` (browsers refuse ``*`` with
credentials, and config.py refuses ``*`` in the allowlist). Responses on
``/api/*`` carry ``Vary: Origin`` whatever the origin, so a shared cache
never hands one origin's answer to another.

CORS only decides who may *read* answers; state-changing requests are also
checked against CSRF by each handler (`feedserver.auth.csrf.check_csrf`).
"""

from __future__ import annotations

from collections.abc import Iterable

import aiohttp_cors
from aiohttp import hdrs, web

from ..typedefs import config_key

__all__ = ["setup_cors", "API_PREFIX", "EXPOSED_HEADERS", "ALLOWED_HEADERS", "cors_options"]

API_PREFIX = "/api/"
#: Response headers a cross-origin script may read: proxy pagination, rate limits, redirects.
EXPOSED_HEADERS = ("Link", "Retry-After", "X-Rate-Limit-Remaining", "X-Request-Cost", "Location")
#: Request headers a cross-origin script may send.
ALLOWED_HEADERS = ("Content-Type", "X-CSRF-Token", "Accept")
ALLOWED_METHODS = ("GET", "POST", "PATCH", "DELETE")
PREFLIGHT_MAX_AGE = 600


def cors_options(origins: Iterable[str]) -> dict[str, aiohttp_cors.ResourceOptions]:
    options = {}
    for origin in origins:
        if origin == "*":
            raise ValueError("a credentialed CORS allowlist cannot contain '*'")
        options[origin] = aiohttp_cors.ResourceOptions(
            allow_credentials=True,
            expose_headers=EXPOSED_HEADERS,
            allow_headers=ALLOWED_HEADERS,
            allow_methods=ALLOWED_METHODS,
            max_age=PREFLIGHT_MAX_AGE,
        )
    return options


def _is_api_route(route: web.AbstractRoute) -> bool:
    resource = route.resource
    return (resource is not None and resource.canonical.startswith(API_PREFIX)
            and route.method not in (hdrs.METH_OPTIONS, hdrs.METH_HEAD))


async def _vary_origin(request: web.Request, response: web.StreamResponse) -> None:
    if not request.path.startswith(API_PREFIX):
        return
    vary = response.headers.get(hdrs.VARY)
    if not vary:
        response.headers[hdrs.VARY] = "Origin"
    elif "origin" not in vary.lower():
        response.headers[hdrs.VARY] = f"{vary}, Origin"


def setup_cors(app: web.Application) -> None:
    """Enable CORS on every ``/api/*`` route, whichever subsystem registered it."""
    cors = aiohttp_cors.setup(app, defaults=cors_options(app[config_key].server.allowed_origins))

    async def enable_on_api_routes(app: web.Application) -> None:
        # At startup every subsystem's routes exist, and the router is not frozen
        # yet (aiohttp freezes it after on_startup), so cors.add may still add the
        # OPTIONS routes it needs.
        for route in list(app.router.routes()):
            if _is_api_route(route):
                cors.add(route)

    app.on_startup.append(enable_on_api_routes)
    app.on_response_prepare.append(_vary_origin)
