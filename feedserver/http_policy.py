"""The HTTP rules of the whole service, in one module: handlers and middlewares ask, they never spell.

Responses:

- `SECURITY_HEADERS` go on every response (feed URLs and OAuth callbacks carry
  secrets: never leak them in Referer); HTML pages also get the site's
  `content_security_policy()` and ``X-Frame-Options: DENY``
  (`add_security_headers`, called by the security middleware, and the feed
  handlers build their headers from `SECURITY_HEADERS` on the poll path);
- framing is allowed one way only: `allow_framing(response, ancestors)`, which
  names who may frame the page in the CSP and so leaves out X-Frame-Options
  (DENY has no "these origins" form; a browser that reads it blocks the frame);
  pages that hold no user data (error pages) may be framed by `ANYONE`;
- ``Server`` names no version, on our answers and aiohttp's own
  (`hide_server_version`): exact versions are for the admin, at ``/-/versions``;
- `NO_STORE`: answers about one student, and pages that show a feed URL or a
  sign-in outcome, sit in no cache;
- `is_api_request`: which requests get problem JSON instead of HTML pages;
- `POLL_ROUTES`: the routes calendar apps poll, most of all traffic.

Outbound requests: `USER_AGENT` and the timeouts, each with the call it bounds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import aiohttp
from aiohttp import web, web_response

from . import __version__

__all__ = [
    "ANYONE",
    "DEFAULT_TIMEOUT",
    "JWKS_TIMEOUT",
    "NO_STORE",
    "OAUTH_TIMEOUT",
    "POLL_ROUTES",
    "PROXY_TIMEOUT",
    "SECURITY_HEADERS",
    "SERVER",
    "USER_AGENT",
    "add_security_headers",
    "allow_framing",
    "content_security_policy",
    "hide_server_version",
    "is_api_request",
]

# -- responses ----------------------------------------------------------------------------

SERVER = "HomeworkMuffin"
"""The ``Server`` header: no version, nothing of Python or aiohttp."""

SECURITY_HEADERS: Mapping[str, str] = MappingProxyType(
    {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Server": SERVER})
"""On every response, the calendar polls' included."""

NO_STORE: Mapping[str, str] = MappingProxyType({"Cache-Control": "no-store"})
"""For anything about one student or holding a secret: no cache may keep it."""

#: The routes calendar apps poll: most of all requests, on a path of their own
#: (`middlewares.poll_fast_path`: no session, no templates; the handlers set their own headers).
POLL_ROUTES = frozenset({"feed", "feed_sessions"})

# Whether `allow_framing` let someone frame this response (then it gets no X-Frame-Options).
_FRAMEABLE = web.ResponseKey("http_policy_frameable", bool)


def content_security_policy(frame_ancestors: Sequence[str] = ()) -> str:
    """The site's CSP (no inline code, nothing from elsewhere); `frame_ancestors` may frame the page.

    With no ancestors nobody may frame it (``frame-ancestors 'none'``).
    """
    ancestors = " ".join(frame_ancestors) or "'none'"
    return ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            f"frame-ancestors {ancestors}; form-action 'self'; base-uri 'none'")


ANYONE: Sequence[str] = ("*",)
"""For `allow_framing`: any site may frame the page. Only for pages that hold no user data (error pages),
so a school whose Canvas we do not know yet shows our message in its frame instead of "refused to connect"."""

# Built once: every page that sets no policy of its own gets this one.
_PAGE_CSP = content_security_policy()


def allow_framing(response: web.StreamResponse, frame_ancestors: Sequence[str]) -> None:
    """Let `frame_ancestors` (origins, or ``'self'``) frame this page; with none, nobody may.

    The only way a page becomes framable: the CSP names the ancestors and
    `add_security_headers` then adds no X-Frame-Options.
    """
    response.headers["Content-Security-Policy"] = content_security_policy(frame_ancestors)
    if frame_ancestors:
        response[_FRAMEABLE] = True


def add_security_headers(response: web.StreamResponse) -> None:
    """Fill in the security headers a handler left unset (HTML pages: CSP and framing too)."""
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if response.content_type == "text/html":
        headers.setdefault("Content-Security-Policy", _PAGE_CSP)
        if not response.get(_FRAMEABLE):
            headers.setdefault("X-Frame-Options", "DENY")


def hide_server_version() -> None:
    """Make aiohttp's own answers say ``Server: HomeworkMuffin`` too.

    A request aiohttp's parser refuses (a header over 8190 bytes, a control
    character) is answered before any middleware runs, with aiohttp's
    default ``Server: Python/3.x aiohttp/3.x``, read from this module
    global at answer time. Process-wide, so it is called once by `create_app`.
    """
    web_response.SERVER_SOFTWARE = SERVER


def is_api_request(request: web.Request) -> bool:
    """True for the JSON API (problem documents, 401 instead of a redirect), False for pages."""
    return request.path.startswith(("/api/", "/admin/api/")) or request.path == "/api"


# -- outbound requests ----------------------------------------------------------------------

USER_AGENT = f"HomeworkMuffin/{__version__} (+https://github.com/homework-muffin)"
"""Sent to Canvas and to feed hosts, so their operators can tell who calls."""

# Every outbound call has a total deadline; connect is short so a dead host fails fast.
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10, sock_read=20)
"""The shared client session's default; also each Canvas API page and each calendar-feed fetch."""
OAUTH_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
"""Canvas's token endpoint (sign-in, refresh, revoke) and sign-in's identity calls: small calls, so a
stuck Canvas fails the sign-in instead of hanging it."""
PROXY_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5, sock_read=15)
"""Per proxied Canvas call; the shared session's 30 s total is longer than a browser will wait."""
JWKS_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
"""Fetching an LTI platform's public keys during a launch."""
