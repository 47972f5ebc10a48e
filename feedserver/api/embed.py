"""The embeddable feed widget: ``GET /embed/feed``, a page the web app may put in an iframe.

Every other page forbids framing (``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``, middlewares.py). This one route is framable by
``server.allowed_origins`` only: its CSP names them in ``frame-ancestors``,
and ``X-Frame-Options`` is removed because it cannot name an origin (modern
browsers let ``frame-ancestors`` win anyway; older ones would block).

The iframe sees the session cookie only when the embedding app is same-site
with us (the cookie is SameSite=Lax, see docs/api.md); otherwise the widget
offers "Sign in with Canvas" in a new tab.
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from ..auth.session import current_student_id
from ..feeds.tokens import current_feed_token, feed_links
from ..typedefs import cipher_key, config_key, db_key

__all__ = ["routes", "frame_ancestors", "EMBED_ROUTE"]

routes = web.RouteTableDef()
EMBED_ROUTE = "embed_feed"


def frame_ancestors(origins: tuple[str, ...]) -> str:
    return " ".join(origins) if origins else "'none'"


def _csp(origins: tuple[str, ...]) -> str:
    return ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            f"frame-ancestors {frame_ancestors(origins)}; form-action 'self'; base-uri 'none'")


@routes.get("/embed/feed", name=EMBED_ROUTE)
async def embed_feed(request: web.Request) -> web.Response:
    app = request.app
    server = app[config_key].server
    student_id = await current_student_id(request)
    context: dict[str, object] = {"feed": None}
    if student_id is not None:
        token = await current_feed_token(app[db_key], app[cipher_key], student_id)
        context["feed"] = feed_links(server.public_url, token)
    response = aiohttp_jinja2.render_template("embed_feed.html", request, context)
    response.headers["Content-Security-Policy"] = _csp(server.allowed_origins)
    response.headers["Cache-Control"] = "no-store"
    return response


async def allow_framing(request: web.Request, response: web.StreamResponse) -> None:
    """Drop ``X-Frame-Options`` from the widget only (the security middleware adds it to every page)."""
    if getattr(request.match_info.route, "name", None) != EMBED_ROUTE:
        return
    # Only when our own policy names who may frame: an error page keeps 'none' and DENY.
    csp = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors" in csp and "frame-ancestors 'none'" not in csp:
        response.headers.pop("X-Frame-Options", None)
