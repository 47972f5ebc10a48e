"""The team's bearer token (``[server] admin_token_env``), checked in constant time.

It guards ``/admin/api/*`` and the exact versions at ``/-/versions``.
Without a configured token those do not exist (404), so a deployment that
never set one exposes nothing; a missing or wrong token is a 401 that says
which header to send.
"""

from __future__ import annotations

from aiohttp import web

from .problems import ProblemError
from .secure import Secret, constant_time_equals

__all__ = ["require_admin"]


def require_admin(request: web.Request, token: Secret | None) -> None:
    """Return if `request` carries ``Authorization: Bearer <token>``; else raise a 404 or 401 problem.

    `token` is the configured one (``config.server.admin_token``), None when not configured.
    """
    if token is None:
        raise ProblemError(404, "not-found", "Not Found", "The admin API is switched off on this server.")
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not offered or not constant_time_equals(offered.strip(), token.reveal()):
        raise ProblemError(401, "admin-token-required", "Admin token required",
                           "Send Authorization: Bearer <the token in server.admin_token_env>.",
                           headers={"WWW-Authenticate": 'Bearer realm="admin"'})
