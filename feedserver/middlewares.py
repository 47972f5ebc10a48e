"""The middlewares: the calendar-poll fast path, error pages and problem JSON, security headers,
and the one reading of form bodies.

What the headers say is `http_policy`'s; this module only applies it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from .feeds.appkeys import feed_cache_key
from .http_policy import ANYONE, POLL_ROUTES, add_security_headers, allow_framing, is_api_request
from .logs import route_label
from .problems import ProblemError, problem_response

__all__ = ["error_middleware", "poll_fast_path", "readable_input", "security_headers_middleware",
           "settle_feed_changes", "skip_prepare_hooks_on_polls"]

_LOGGER = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _error_page(request: web.Request, status: int, title: str, message: str) -> web.Response:
    if is_api_request(request):
        return problem_response(status, f"http-{status}", title, message)
    page = aiohttp_jinja2.render_template(
        "error.html", request, {"title": title, "message": message, "status": status}, status=status
    )
    # It holds no user data: a frame (an LTI launch gone wrong, the embed) may show it.
    allow_framing(page, ANYONE)
    return page


@web.middleware
async def poll_fast_path(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Calendar polls go straight to their handler, past every middleware after this one.

    They need no session, template context or HTML error page, and they are
    most of the traffic: skipping the chain saves about 30 µs of a poll's
    ~200 µs of CPU (bench/feed_polling.py). The feed handlers set their own security headers
    and answer their own failures.
    """
    if request.match_info.route.name in POLL_ROUTES:
        return await request.match_info.handler(request)
    return await handler(request)


def skip_prepare_hooks_on_polls(app: web.Application) -> None:
    """Run the app's response-prepare hooks for every response except calendar polls.

    The hooks (CORS headers) concern API routes and pages, never a feed, yet
    each is awaited for every response (the four of issue 8 cost ~3 µs of a poll's
    ~100 µs of CPU, docs/performance.md; two remain). They move into one hook that
    returns at once for a poll. Call it after every subsystem has
    registered its hooks (aiohttp freezes the list at startup).
    """
    hooks = list(app.on_response_prepare)
    app.on_response_prepare.clear()

    async def prepare_unless_poll(request: web.Request, response: web.StreamResponse) -> None:
        if request.match_info.route.name in POLL_ROUTES:
            return
        for hook in hooks:
            await hook(request, response)

    app.on_response_prepare.append(prepare_unless_poll)


@web.middleware
async def settle_feed_changes(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a request that may have written only once this process has heard its feed changes.

    Feeds are served from what each process remembers, forgotten when the
    database announces a change (feeds/cache.py). On PostgreSQL that notice
    travels on its own connection; waiting for it here (one round trip, on
    writes only) means a student who rotates their feed URL or disconnects
    finds the old URL dead on their very next request.
    """
    try:
        return await handler(request)
    finally:
        if request.method not in _SAFE_METHODS:
            await request.app[feed_cache_key].settle()


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ProblemError as exc:
        return exc.response()
    except web.HTTPException as exc:
        # Redirects and successful exceptions pass through; errors get our page.
        # Redirects pass through, and so do errors whose handler built a body.
        if exc.status < 400 or exc.content_type != "text/plain":
            raise
        default_text = f"{exc.status}: {exc.reason}"
        message = "" if exc.text in (None, default_text) else exc.text
        return _error_page(request, exc.status, exc.reason, message or "There is nothing here.")
    except Exception:
        # No exception text reaches the client: it may hold URLs or tokens.
        _LOGGER.exception("unhandled error in %s %s", request.method, route_label(request))
        return _error_page(request, 500, "Something went wrong", "The error has been logged. Please try again.")


@web.middleware
async def readable_input(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse, with a 400, a form body or query string that handlers could not safely read.

    A form body is parsed here, once (aiohttp keeps the result for the
    handler and the CSRF check): one that is not UTF-8, names a charset
    Python does not know, or is broken multipart is refused here instead of
    raising in whichever handler reads it first. A NUL character in any
    query or form name or value is refused too: no field of ours means one,
    and PostgreSQL cannot store one.
    """
    fields = list(request.query.items())
    if request.method not in _SAFE_METHODS and request.content_type in _FORM_TYPES:
        try:
            form = await request.post()
        except (ValueError, LookupError):  # UnicodeDecodeError, unknown charset, broken multipart
            raise web.HTTPBadRequest(text="The form could not be read: send it as UTF-8.") from None
        fields += [(name, value) for name, value in form.items() if isinstance(value, str)]
    if any("\x00" in name or "\x00" in value for name, value in fields):
        raise web.HTTPBadRequest(text="The request holds a NUL character.")
    return await handler(request)


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    # Calendar polls skip this middleware (`poll_fast_path`): the feed handlers add the headers themselves.
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        # Raised redirects (HTTPFound, HTTPSeeOther) are responses too; aiohttp sends them as they are.
        add_security_headers(exc)
        raise
    add_security_headers(response)
    return response
