"""Every application-level key in one typed module (aiohttp AppKey)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from .config import Config
from .crypto import TokenCipher

if TYPE_CHECKING:  # imported for annotations only; avoids import cycles
    from .auth.tokens import TokenStore
    from .feeds.cache import FeedCache
    from .sync.scheduler import SyncService

config_key = web.AppKey("config", Config)
engine_key = web.AppKey("engine", AsyncEngine)
db_key = web.AppKey("db", async_sessionmaker)
http_key = web.AppKey("http", aiohttp.ClientSession)
"""The one shared client session for every outbound request (Canvas, JWKS, feeds)."""
cipher_key = web.AppKey("cipher", TokenCipher)
token_store_key: web.AppKey["TokenStore"] = web.AppKey("token_store")
feed_cache_key: web.AppKey["FeedCache"] = web.AppKey("feed_cache")
sync_service_key: web.AppKey["SyncService"] = web.AppKey("sync_service")
