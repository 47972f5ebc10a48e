"""The embeddable feed widget: ``GET /embed/feed``, a page the web app may put in an iframe.

Every other page forbids framing (`feedserver.http_policy`). This one route
is framable by ``server.allowed_origins`` only, through
`http_policy.allow_framing`; with no allowed origins nobody may frame it.

The iframe sees the session cookie only when the embedding app is same-site
with us (the cookie is SameSite=Lax, see docs/api.md); otherwise the widget
offers "Sign in with Canvas" in a new tab. A signed-in student whose
calendar stopped updating (a revoked grant, a failing source) reads why and
what to do above the link, as on /me.
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from ..auth.session import current_student_id
from ..feeds.tokens import current_feed_token, feed_links
from ..http_policy import NO_STORE, allow_framing
from ..typedefs import cipher_key, config_key, db_key
from .profile import load_student, problem_document

__all__ = ["routes", "EMBED_ROUTE"]

routes = web.RouteTableDef()
EMBED_ROUTE = "embed_feed"


@routes.get("/embed/feed", name=EMBED_ROUTE)
async def embed_feed(request: web.Request) -> web.Response:
    app = request.app
    server = app[config_key].server
    student_id = await current_student_id(request)
    context: dict[str, object] = {"feed": None, "problem": None, "reconnect_needed": False}
    if student_id is not None:
        token = await current_feed_token(app[db_key], app[cipher_key], student_id)
        context["feed"] = feed_links(server.public_url, token)
        student, _ = await load_student(app[db_key], student_id)
        context["reconnect_needed"] = student.status == "reconnect_needed"
        context["problem"] = await problem_document(app[db_key], student)
    response = aiohttp_jinja2.render_template("embed_feed.html", request, context)
    allow_framing(response, server.allowed_origins)
    response.headers.update(NO_STORE)
    return response
