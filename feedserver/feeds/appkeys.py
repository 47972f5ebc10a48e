"""Application keys owned by the feeds subsystem (the shared ones are in feedserver/typedefs.py)."""

from __future__ import annotations

from aiohttp import web

from .cache import FeedCache

__all__ = ["feed_cache_key"]

feed_cache_key = web.AppKey("feed_cache", FeedCache)
"""What this process remembers of feeds (token hashes, cached bytes); it forgets on the database's word."""
