"""Application keys owned by the API subsystem (the shared ones are in feedserver/typedefs.py)."""

from __future__ import annotations

from aiohttp import web

from ..ratelimit import TokenBucketLimiter
from .proxy import CanvasProxy

__all__ = ["canvas_proxy_key", "proxy_limiter_key", "openapi_key"]

canvas_proxy_key = web.AppKey("api_canvas_proxy", CanvasProxy)
"""The same-origin Canvas proxy (built once the token store and HTTP client exist)."""
proxy_limiter_key = web.AppKey("api_proxy_limiter", TokenBucketLimiter)
"""Per-student request budget of the proxy; tests shrink `capacity` or replace `clock`."""
openapi_key = web.AppKey("api_openapi_bytes", bytes)
"""The OpenAPI document, serialized once at setup."""
