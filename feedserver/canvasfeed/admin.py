"""The team's bearer token for ``/admin/api/*``, checked in constant time.

Without ``[server] admin_token_env`` the admin API does not exist (404), so
a deployment that never set a token exposes nothing; a missing or wrong
token is a 401 that says which header to send.
"""

from __future__ import annotations

from aiohttp import web

from ..problems import ProblemError
from ..secure import constant_time_equals
from ..typedefs import config_key

__all__ = ["require_admin"]


def require_admin(request: web.Request) -> None:
    token = request.app[config_key].server.admin_token
    if token is None:
        raise ProblemError(404, "not-found", "Not Found", "The admin API is switched off on this server.")
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not offered or not constant_time_equals(offered.strip(), token.reveal()):
        raise ProblemError(401, "admin-token-required", "Admin token required",
                           "Send Authorization: Bearer <the token in server.admin_token_env>.",
                           headers={"WWW-Authenticate": 'Bearer realm="admin"'})
