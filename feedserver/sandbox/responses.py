"""Building Canvas-shaped HTTP responses (JSON bodies, errors, redirects)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .canvas_json import STRING_IDS_ACCEPT, encode, error_body


def wants_string_ids(request: web.Request) -> bool:
    return STRING_IDS_ACCEPT in request.headers.get("Accept", "")


def json_response(request: web.Request, body: Any, *, status: int = 200,
                  headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, body=encode(body, string_ids=wants_string_ids(request)),
        content_type="application/json", charset="utf-8", headers=headers,
    )


def json_error(http_status: int, message: str, /, *, headers: dict[str, str] | None = None,
               **extra: Any) -> web.Response:
    """Canvas's API error shape: {"errors": [{"message": ...}], ...extra}."""
    return web.Response(status=http_status, body=encode(error_body(message, **extra)),
                        content_type="application/json", charset="utf-8", headers=headers)


def not_found() -> web.Response:
    return json_error(404, "The specified resource does not exist.")


def unauthorized_action() -> web.Response:
    """Valid token, no permission: 401 *without* WWW-Authenticate (docs/canvas-facts.md §10.5)."""
    return json_error(401, "user not authorized to perform that action", status="unauthorized")


def redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"location": location})
