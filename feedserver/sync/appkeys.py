"""Application keys owned by the sync subsystem (the shared ones are in feedserver/typedefs.py)."""

from __future__ import annotations

from aiohttp import web

from .scheduler import SyncService

__all__ = ["sync_service_key"]

sync_service_key = web.AppKey("sync_service", SyncService)
"""Claims and runs syncs: "sync now", the background rounds, `muffin-feed sync`."""
