"""Bearer-token authentication and scope checks for `/api/v1`.

Canvas's answers (application_controller.rb, docs/canvas-facts.md §10.5):
- no token: 401 `{"errors":[{"message":"user authorization required"}],
  "status":"unauthenticated"}`;
- unknown, expired or revoked token: 401 with
  `WWW-Authenticate: Bearer realm="canvas-lms"` and
  `{"errors":[{"message":"Invalid access token."}]}`.  The header is how a
  client tells "token dead, refresh or reconnect" from "no permission";
- token of a key the school has since switched off: the same as a dead token;
- scoped token calling an endpoint outside its scopes: 401
  "Insufficient scopes on access token." (no header: the token is alive).
Handlers declare their scope with `@canvas_scope("url:GET|/api/v1/...")`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler

from .middlewares import presented_token, sandbox_state
from .responses import json_error
from .typedefs import GRANT_KEY, INCLUDES_ALLOWED_KEY, USER_KEY

INVALID_TOKEN_HEADERS = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}

F = TypeVar("F", bound=Callable[[web.Request], Awaitable[web.StreamResponse]])


def canvas_scope(scope: str) -> Callable[[F], F]:
    """Mark a handler with the developer-key scope that grants it."""

    def mark(handler: F) -> F:
        handler.canvas_scope = scope  # type: ignore[attr-defined]
        return handler

    return mark


def invalid_token() -> web.Response:
    return json_error(401, "Invalid access token.", headers=INVALID_TOKEN_HEADERS)


@web.middleware
async def bearer_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = sandbox_state(request)
    token = presented_token(request)
    if token is None:
        return json_error(401, "user authorization required", status="unauthenticated")
    verdict, grant = state.tokens.check_access(token, state.now())
    if verdict != "ok" or grant is None:
        return invalid_token()
    key = state.school.key(grant.client_id)
    if key is None or not key.enabled:
        return invalid_token()
    request[USER_KEY] = grant.user_id
    request[GRANT_KEY] = grant
    if key.require_scopes:
        needed = getattr(request.match_info.handler, "canvas_scope", None)
        if needed is None or needed not in grant.scopes:
            return json_error(401, "Insufficient scopes on access token.")
    # Scoped tokens silently lose include[] unless the key allows it.
    request[INCLUDES_ALLOWED_KEY] = not key.require_scopes or key.allow_includes
    return await handler(request)
