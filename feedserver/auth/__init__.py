"""Subsystem package; `setup(app)` registers its routes and resources."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register routes and cleanup contexts on the app."""
