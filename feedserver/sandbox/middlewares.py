"""The sandbox's request pipeline, outermost first.

Root app (every route):  `request_log` (records method/path/user/status and
applies `latency_seconds`), then the `lowercase_headers` prepare hook so
header names go out as current Canvas sends them.

API sub-app (`/api/v1`):  `api_faults` (server errors, slowness, broken
bodies) → `throttle` (per-token leaky bucket; adds `x-request-cost` and
`x-rate-limit-remaining`) → `api_auth.bearer_auth` → handler.  Faults sit
outside the throttle because a load balancer's 502 never reaches Canvas's.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler

from .canvas_json import encode, error_body
from .state import SandboxState
from .throttle import THROTTLED_BODIES
from .typedefs import SANDBOX_KEY, USER_KEY

CONTROL_PREFIX = "/__sandbox"


def sandbox_state(request: web.Request) -> SandboxState:
    return request.config_dict[SANDBOX_KEY]


def presented_token(request: web.Request) -> str | None:
    """The access token in `Authorization: Bearer` or `?access_token=` (Canvas takes both)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("access_token") or None


def _redacted_query(request: web.Request) -> str:
    pairs = [(k, "[REDACTED]" if k == "access_token" else v) for k, v in request.query.items()]
    return "&".join(f"{k}={v}" for k, v in pairs)


@web.middleware
async def request_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    state = sandbox_state(request)
    if state.faults.latency_seconds:
        await asyncio.sleep(state.faults.latency_seconds)
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        state.record(request.method, request.path, _redacted_query(request),
                     request.get(USER_KEY), status)


async def lowercase_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Since June 2024 Canvas sends every header name in lowercase; aiohttp
    writes names as given, and this hook runs after aiohttp added its own."""
    items = list(response.headers.items())
    response.headers.clear()
    for name, value in items:
        response.headers.add(name.lower(), value)


def _server_error(status: int) -> web.Response:
    if status == 500:
        # Canvas's own error page for API requests is JSON with a report id.
        body = encode(error_body("An error occurred.", error_report_id=4242))
        return web.Response(status=500, body=body, content_type="application/json",
                            charset="utf-8")
    return web.Response(status=status, content_type="text/html",
                        text=f"<html><body><h1>{status} Bad Gateway</h1></body></html>"
                        if status == 502 else
                        "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")


async def _send_truncated(request: web.Request, response: web.Response) -> web.StreamResponse:
    """Announce the full length, send half, then drop the connection."""
    body = response.body if isinstance(response.body, bytes) else b""
    out = web.StreamResponse(status=response.status, headers=response.headers)
    out.content_length = len(body)
    await out.prepare(request)
    await out.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    return out


@web.middleware
async def api_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    faults = sandbox_state(request).faults
    status = faults.take_server_error()
    if status is not None:
        return _server_error(status)
    if faults.slow_seconds:
        await asyncio.sleep(faults.slow_seconds)
    response = await handler(request)
    is_json = isinstance(response, web.Response) and (response.content_type or "").startswith(
        "application/json")
    if is_json and faults.malformed_json:
        body = response.body if isinstance(response.body, bytes) else b""
        response.body = body[: max(1, len(body) // 2)] + b"\x00<!-- upstream reset -->"
    if is_json and faults.truncated_body:
        return await _send_truncated(request, response)  # type: ignore[arg-type]
    return response


@web.middleware
async def throttle(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Canvas throttles per access token; anonymous calls are not bucketed here."""
    state = sandbox_state(request)
    token = presented_token(request)
    if token is None:
        return await handler(request)
    bucket = state.throttle
    if state.faults.rate_limit_storm or not bucket.reserve(token):
        status = state.throttle_status
        # Canvas sends no X-Request-Cost on a throttled answer ("unless throttled",
        # app/middleware/request_throttle.rb), only what remains of the bucket.
        return web.Response(
            status=status, text=THROTTLED_BODIES[status], content_type="text/plain",
            headers={"x-rate-limit-remaining": "0.0"},
        )
    try:
        response = await handler(request)
    except web.HTTPException:
        bucket.settle(token, bucket.request_cost)
        raise
    remaining = bucket.settle(token, bucket.request_cost)
    response.headers["x-request-cost"] = repr(float(bucket.request_cost))
    response.headers["x-rate-limit-remaining"] = repr(round(remaining, 4))
    return response



@web.middleware
async def api_not_found(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown API paths get Canvas's JSON 404, not aiohttp's text page."""
    try:
        return await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as exc:
        message = ("The specified resource does not exist." if exc.status == 404
                   else "Method not allowed.")
        return web.Response(status=exc.status, body=encode(error_body(message)),
                            content_type="application/json", charset="utf-8")
