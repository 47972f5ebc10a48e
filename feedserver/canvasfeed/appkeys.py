"""Application keys owned by the calendar-feed subsystem."""

from __future__ import annotations

from aiohttp import web

from .source import FeedSource

__all__ = ["feed_source_key"]

feed_source_key = web.AppKey("canvasfeed_source", FeedSource)
"""Connects and syncs calendar-feed students; its `fetcher` has the SSRF-safe connector."""
