"""Application keys owned by the LTI subsystem (the shared ones are in feedserver/typedefs.py)."""

from __future__ import annotations

from aiohttp import web

from .service import LtiService

__all__ = ["lti_service_key"]

lti_service_key = web.AppKey("lti_service", LtiService)
"""The LTI tool (login, launch checks, keys); tests move its `clock`."""
