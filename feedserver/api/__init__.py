"""The JSON API for the web app, its CORS and CSRF rules, the same-origin Canvas
proxy, the embeddable feed widget and the OpenAPI document.

Modules, one job each:

- `views`: the ``/api`` handlers (thin); `params`: strict input parsing;
  `profile`, `assignments`: what the handlers answer, read from the store;
- `proxy` (forwarding), `proxy_paths` (the allowlist, pure), `proxy_links`
  (``Link`` rewriting, pure), `ratelimit` (per-student token buckets);
- `cors`: aiohttp-cors on ``/api/*`` for ``server.allowed_origins``;
- `embed`: ``GET /embed/feed`` and its framing policy;
- `workload`: the workload summary and effort estimates (planning's);
- `openapi`: the hand-written OpenAPI 3.1 document; `errors`: the problem codes.

Other subsystems use `appkeys.canvas_proxy_key` (the proxy) and nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..auth.appkeys import token_store_key
from ..ratelimit import TokenBucketLimiter
from ..typedefs import config_key, http_key
from . import embed, views, workload
from .appkeys import canvas_proxy_key, proxy_limiter_key
from .cors import setup_cors
from .openapi import setup_openapi
from .proxy import CanvasProxy

__all__ = ["setup"]


async def _proxy_context(app: web.Application) -> AsyncIterator[None]:
    # Runs after app.py's HTTP client and auth's token store contexts, which the proxy needs.
    app[canvas_proxy_key] = CanvasProxy.from_config(
        app[config_key].server, app[token_store_key], app[http_key], app[proxy_limiter_key])
    yield


def setup(app: web.Application) -> None:
    """Register the API and embed routes, CORS, the OpenAPI document and the proxy."""
    app[proxy_limiter_key] = TokenBucketLimiter()
    app.cleanup_ctx.append(_proxy_context)
    app.router.add_routes(views.routes)
    app.router.add_routes(workload.routes)
    views.add_proxy_routes(app.router)
    app.router.add_routes(embed.routes)
    setup_openapi(app, app[config_key].server)
    setup_cors(app)
