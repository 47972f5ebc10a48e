"""Launching Homework Muffin from inside Canvas: an LTI 1.3 tool.

Routes (views.py): ``GET|POST /lti/login`` (OIDC login initiation),
``POST /lti/launch`` (the redirect URI), ``POST /lti/launch/storage`` (the
cookie-less second half, called by static/lti.js), ``GET /lti/config.json``
(Canvas developer-key JSON), ``GET /lti/jwks.json`` (the tool's public keys)
and ``GET /lti/icon.svg``.

Other subsystems use:

- ``app[lti_service_key]`` (`feedserver.lti.appkeys`): the `LtiService`
  (tests move its ``clock``; ``tool_keys`` holds the tool's key pair);
- `feedserver.lti.canvas_config.canvas_configuration(public_url)`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..typedefs import config_key, db_key, http_key
from .appkeys import lti_service_key
from .service import LtiService
from .views import setup_routes

__all__ = ["setup", "lti_service_key"]


async def _lti_context(app: web.Application) -> AsyncIterator[None]:
    # Runs after app.py's database and HTTP-client contexts: the service needs both.
    app[lti_service_key] = LtiService(app[config_key], app[db_key], app[http_key])
    yield


def setup(app: web.Application) -> None:
    """Register the LTI routes and the service."""
    app.cleanup_ctx.append(_lti_context)
    setup_routes(app)
