"""Application keys owned by the aggregate views (the shared ones are in feedserver/typedefs.py)."""

from __future__ import annotations

from aiohttp import web

from .service import Insights

__all__ = ["insights_key"]

insights_key = web.AppKey("insights", Insights)
"""The course and school views; tests move its `clock`."""
