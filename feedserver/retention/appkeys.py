"""Application keys owned by the retention subsystem (the shared ones are in feedserver/typedefs.py)."""

from __future__ import annotations

from aiohttp import web

from .service import RetentionService

__all__ = ["retention_key"]

retention_key = web.AppKey("retention", RetentionService)
"""Writes noted activity, warns and deletes inactive students, prunes the sync log."""
