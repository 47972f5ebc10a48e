"""Signing in with Canvas (OAuth2), sessions, CSRF, token lifecycle, disconnect.

`setup(app)` registers the pages and puts `TokenStore` on
``app[token_store_key]`` once the database and HTTP client exist.
Other subsystems use:

- `feedserver.auth.tokens.TokenStore` (via ``app[token_store_key]``)
- `feedserver.auth.session`: `current_student_id`, `require_student`, `sign_in`, `sign_out`
- `feedserver.auth.csrf.check_csrf` / `csrf_token`
- `feedserver.auth.me.add_me_block` to add a notice or a section to a /me page
  (`add_me_section` for context every /me page reads)
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp_jinja2
from aiohttp import web

from ..typedefs import cipher_key, config_key, db_key, http_key
from .appkeys import login_states_key, me_blocks_key, me_sections_key, school_request_limits_key, token_store_key
from .link_notice import link_changed_section
from .me import add_me_block, core_blocks
from .schools import RequestLimits, school_picker
from .state import LoginStates
from .tokens import TokenStore
from .views import routes

__all__ = ["setup"]


async def _auth_context(app: web.Application) -> AsyncIterator[None]:
    # Runs after app.py's database and HTTP-client contexts, whose resources these need.
    app[token_store_key] = TokenStore(app[config_key], app[db_key], app[http_key], app[cipher_key])
    app[login_states_key] = LoginStates(app[db_key])
    yield


def setup(app: web.Application) -> None:
    """Register routes, the /me section list, the picker template helper and the token store."""
    app[me_sections_key] = []
    app[me_blocks_key] = core_blocks()
    add_me_block(app, "me/_link_changed.html", page="overview", area="notices", order=50,
                 context=link_changed_section)
    app[school_request_limits_key] = RequestLimits()
    app.cleanup_ctx.append(_auth_context)
    app.router.add_routes(routes)
    # The landing page's handler lives in feedserver/views.py; its template asks for the picker.
    aiohttp_jinja2.get_env(app).globals["school_picker"] = school_picker
