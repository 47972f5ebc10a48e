"""Application keys owned by planning (the shared ones are in feedserver/typedefs.py)."""

from __future__ import annotations

from aiohttp import web

from .service import Planner

__all__ = ["planner_key"]

planner_key = web.AppKey("planning_planner", Planner)
"""The app's `Planner`; tests swap its `clock` (the sandbox's mid-semester "now") and `compute`."""
