"""The application keys every subsystem shares (aiohttp AppKey): config, database, HTTP client, cipher, activity.

A subsystem's own keys live in its ``appkeys.py`` (``auth.appkeys.token_store_key``,
``feeds.appkeys.feed_cache_key``, ``sync.appkeys.sync_service_key``, ...), next to
the type they hold, so this module imports no subsystem.
"""

from __future__ import annotations

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from .activity import ActivityLog
from .config import Config
from .crypto import TokenCipher

__all__ = ["activity_key", "cipher_key", "config_key", "db_key", "engine_key", "http_key"]

config_key = web.AppKey("config", Config)
engine_key = web.AppKey("engine", AsyncEngine)
db_key = web.AppKey("db", async_sessionmaker)
http_key = web.AppKey("http", aiohttp.ClientSession)
"""The one shared client session for every outbound request (Canvas, JWKS, feeds)."""
cipher_key = web.AppKey("cipher", TokenCipher)
activity_key = web.AppKey("activity", ActivityLog)
"""Students seen polling or signed in, noted by feeds and auth, written in batches by retention."""
