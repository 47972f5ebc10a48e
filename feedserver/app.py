"""Application factory: `create_app(config)` builds the whole feed server.

Every resource lives in a cleanup context (create, yield, dispose), in the
order the others need them: database first, then the shared HTTP client, then
the subsystems that use both, and the sync service last, with the table of
sources built here (`sync_sources`) from subsystems that have all started.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from . import api, auth, canvasfeed, feeds, instructor, lti, metrics, planning, retention, sync
from .activity import ActivityLog
from .canvasfeed.appkeys import feed_source_key
from .config import Config
from .crypto import TokenCipher, derive_fernet_key
from .http_policy import DEFAULT_TIMEOUT, USER_AGENT, hide_server_version
from .metrics.outbound import canvas_trace
from .middlewares import (
    error_middleware,
    poll_fast_path,
    readable_input,
    security_headers_middleware,
    settle_feed_changes,
    skip_prepare_hooks_on_polls,
)
from .planning.appkeys import planner_key
from .planning.hooks import with_planning
from .store.db import create_engine, make_sessionmaker, migrate
from .store.feed_students import SOURCE as FEED_SOURCE
from .store.institutions import sync_institutions
from .sync.job import SOURCE_SYNCS, SourceSync
from .typedefs import activity_key, cipher_key, config_key, db_key, engine_key, http_key
from .views import setup_routes

__all__ = ["create_app", "SESSION_COOKIE", "sync_sources"]

_LOGGER = logging.getLogger(__name__)
WEB_DIR = Path(__file__).with_name("web")
SESSION_COOKIE = "muffin_session"


async def _database(app: web.Application) -> AsyncIterator[None]:
    config = app[config_key]
    engine = create_engine(config.server.database)
    await migrate(engine)
    app[engine_key] = engine
    app[db_key] = make_sessionmaker(engine)
    await sync_institutions(app[db_key], config.institutions)
    yield
    await engine.dispose()


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    # One session for all outbound traffic; redirects are opted into per call.
    # No cookie jar: Canvas cookies set for one student must never ride along
    # with the next student's request to the same host.
    # The trace counts every request to Canvas by endpoint and status (metrics).
    async with aiohttp.ClientSession(timeout=DEFAULT_TIMEOUT, headers={"User-Agent": USER_AGENT},
                                     cookie_jar=aiohttp.DummyCookieJar(), trace_configs=[canvas_trace()]) as session:
        app[http_key] = session
        yield


def sync_sources(app: web.Application) -> dict[str, SourceSync]:
    """How each `Student.source` is synced, every source followed by a replan.

    Called by the sync service's context once the calendar-feed source and
    the planner exist: the Canvas API ("oauth") and Canvas's calendar feed.
    """
    sources = {**SOURCE_SYNCS, FEED_SOURCE: app[feed_source_key].sync}
    return with_planning(sources, app[planner_key])


def create_app(config: Config) -> web.Application:
    hide_server_version()
    app = web.Application(
        # The fast path first: calendar polls skip the rest (and the session and template ones).
        # readable_input inside error_middleware, so its 400s become error pages and problem documents.
        middlewares=[poll_fast_path, security_headers_middleware, error_middleware, settle_feed_changes,
                     readable_input],
        client_max_size=1024 * 1024,
    )
    app[config_key] = config
    app[cipher_key] = TokenCipher(config.server.secret_keys, purpose="canvas-tokens")
    app[activity_key] = ActivityLog()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_http_client)

    # Session cookie: HttpOnly, SameSite=Lax, Secure behind https. Its key is
    # derived from the newest secret only (aiohttp-session takes one Fernet),
    # so rotating MUFFIN_SECRET_KEY signs students out but loses no data.
    session_key = derive_fernet_key(config.server.secret_keys[0], "session-cookie")
    setup_session(app, EncryptedCookieStorage(
        Fernet(session_key),
        cookie_name=SESSION_COOKIE,
        httponly=True,
        samesite="Lax",
        secure=config.server.secure_cookies,
        max_age=60 * 60 * 24 * 30,
    ))
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        context_processors=[aiohttp_jinja2.request_processor],
    )
    setup_routes(app, WEB_DIR / "static")
    # Subsystems register their own routes, hooks and cleanup contexts.
    auth.setup(app)
    feeds.setup(app)
    api.setup(app)
    lti.setup(app)
    canvasfeed.setup(app)
    planning.setup(app)
    instructor.setup(app)
    retention.setup(app)
    metrics.setup(app)
    # After every subsystem: the scheduler's first round runs every source, and sync stops first.
    sync.setup(app, sync_sources)
    # Last: it gathers the response-prepare hooks every subsystem above registered.
    skip_prepare_hooks_on_polls(app)
    return app
