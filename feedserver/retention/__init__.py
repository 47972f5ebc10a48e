"""Data that does not outlive its purpose: inactive students are warned, then deleted; old sync runs are pruned.

`setup(app)` puts a `RetentionService` on ``app[retention_key]``
(retention.appkeys) once the database and the token store exist. In every
process it writes the activity that polls and signed-in requests noted
(feedserver/activity.py) every ten minutes; in processes that run
background sync (``server.background_sync``) it also runs a retention pass
daily. It adds the notice of a scheduled deletion to /me (me.py,
``me/_retention.html``). `muffin-feed prune [--dry-run]` runs one pass
(prune_command.py). The timeline and its guarantees are in service.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

from aiohttp import web

from ..auth.disconnect import disconnect_student
from ..auth.me import add_me_block
from ..typedefs import activity_key, config_key, db_key
from .appkeys import retention_key
from .me import retention_section
from .service import RetentionPolicy, RetentionService

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Register the retention service's lifecycle and its notice on /me; call it after `auth.setup`."""

    async def retention_context(app: web.Application) -> AsyncIterator[None]:
        server = app[config_key].server
        # A deletion is a disconnect: the grant revoked at Canvas (DELETE /login/oauth2/token), then every row.
        service = RetentionService(app[db_key], app[activity_key], RetentionPolicy.from_config(server),
                                   partial(disconnect_student, app))
        app[retention_key] = service
        service.start(passes=server.background_sync)
        yield
        await service.close()

    app.cleanup_ctx.append(retention_context)
    add_me_block(app, "me/_retention.html", page="overview", area="notices", order=60, context=retention_section)
