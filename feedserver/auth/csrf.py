"""Cross-site request forgery checks for every state-changing request.

Two accepted proofs that a request was made by our own pages or an allowed app:

- the session's CSRF token, in a form field ``csrf_token`` or the
  ``X-CSRF-Token`` header (forms on our pages, scripts on our pages);
- for ``/api/*`` only, where the page cannot carry a token: the browser's
  own ``Sec-Fetch-Site: same-origin``, or an ``Origin`` that is this site or
  one of ``server.allowed_origins`` (the CORS allowlist of the web app).

A request whose ``Origin`` names any other site is refused even with a token.
``Origin: null`` counts as no Origin: browsers send it on same-origin POSTs
when the page's Referrer-Policy is ``no-referrer``, as ours is.
The session cookie is also SameSite=Lax, so cross-site POSTs arrive without it.
"""

from __future__ import annotations

from typing import NoReturn

from aiohttp import web
from aiohttp_session import get_session

from ..http_policy import is_api_request
from ..problems import ProblemError
from ..secure import constant_time_equals, random_token
from ..typedefs import config_key

__all__ = ["check_csrf", "csrf_token", "CSRF_FIELD", "CSRF_HEADER"]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SESSION_FIELD = "csrf"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def csrf_token(request: web.Request) -> str:
    """This session's CSRF token, created on first use; put it in every form."""
    session = await get_session(request)
    token = session.get(_SESSION_FIELD)
    if not isinstance(token, str) or not token:
        token = random_token(32)
        session[_SESSION_FIELD] = token
    return token


def _trusted_origins(request: web.Request) -> set[str]:
    server = request.app[config_key].server
    return {server.public_url.rstrip("/"), *server.allowed_origins}


async def check_csrf(request: web.Request) -> None:
    """Return if the request carries a valid proof (see module doc); else refuse it.

    Refusal is a 403: a problem document for API paths, the error page otherwise.
    """
    origin = request.headers.get("Origin")
    if origin in (None, "", "null"):
        origin = None
    if origin is not None and origin.rstrip("/") not in _trusted_origins(request):
        _refuse(request, "The request came from another website.")

    session = await get_session(request)
    expected = session.get(_SESSION_FIELD)
    offered = request.headers.get(CSRF_HEADER)
    if offered is None and request.content_type in _FORM_TYPES:
        # aiohttp caches the parsed form, so the handler can read it again.
        offered = (await request.post()).get(CSRF_FIELD)
    if isinstance(expected, str) and expected and isinstance(offered, str) and constant_time_equals(offered, expected):
        return
    if is_api_request(request) and (origin is not None or request.headers.get("Sec-Fetch-Site") == "same-origin"):
        return
    _refuse(request, "This form has expired. Go back, reload the page and try again.")


def _refuse(request: web.Request, message: str) -> NoReturn:
    if is_api_request(request):
        raise ProblemError(403, "csrf-failed", "Cross-site request refused",
                           f"{message} Send the X-CSRF-Token header or call from an allowed origin.")
    raise web.HTTPForbidden(text=message)
