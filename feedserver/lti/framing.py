"""Letting the configured platforms, and only them, frame the LTI pages.

Every other page of the site says ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY`` (feedserver/middlewares.py, which only fills in
headers a handler left unset). LTI pages set their own CSP naming the
platforms' origins, and a response-prepare hook removes the middleware's
X-Frame-Options from them: DENY has no "allow these origins" form, and a
browser that reads it would block the frame.
"""

from __future__ import annotations

from aiohttp import web

__all__ = ["make_frameable", "drop_frame_deny", "frameable_key", "csp_for"]

frameable_key = web.ResponseKey("lti_frameable", bool)
"""Marks a response as an LTI page that the platforms may frame."""


def csp_for(origins: tuple[str, ...]) -> str:
    ancestors = " ".join(("'self'", *origins))
    # Same policy as the rest of the site (middlewares.py) but for frame-ancestors.
    return ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            f"frame-ancestors {ancestors}; form-action 'self'; base-uri 'none'")


def make_frameable(response: web.StreamResponse, origins: tuple[str, ...]) -> web.StreamResponse:
    response.headers["Content-Security-Policy"] = csp_for(origins)
    response[frameable_key] = True
    return response


async def drop_frame_deny(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` hook: no X-Frame-Options on frameable LTI pages."""
    if response.get(frameable_key):
        response.headers.popall("X-Frame-Options", None)
