"""Typed keys for what the sandbox keeps on the app and on each request."""

from aiohttp import web

from .state import SandboxState
from .tokens import Grant

SANDBOX_KEY = web.AppKey("sandbox_state", SandboxState)
#: The user a request acted as (set by API auth, OAuth and the feed), for the log.
USER_KEY = web.RequestKey("sandbox_user_id", int)
#: The grant behind an authenticated API request.
GRANT_KEY = web.RequestKey("sandbox_grant", Grant)
#: False when a scoped token's key lacks "Allow Include Parameters".
INCLUDES_ALLOWED_KEY = web.RequestKey("sandbox_includes_allowed", bool)
