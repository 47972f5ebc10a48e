"""Application keys owned by the auth subsystem (the shared ones are in feedserver/typedefs.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from ..store.models import Student
from .schools import RequestLimits
from .state import LoginStates
from .tokens import TokenStore

__all__ = ["login_states_key", "me_sections_key", "MeSection", "school_request_limits_key", "token_store_key"]

MeSection = Callable[[web.Request, Student], Awaitable[Mapping[str, Any]]]
"""Computes the template context one section of /me needs (see auth/me.py)."""

login_states_key = web.AppKey("auth_login_states", LoginStates)
"""Pending sign-ins; tests move its `clock` to expire a state."""
me_sections_key: web.AppKey[list[MeSection]] = web.AppKey("auth_me_sections")
"""Context providers for the sections of /me; add yours with `add_me_section`."""
school_request_limits_key = web.AppKey("auth_school_request_limits", RequestLimits)
"""How fast the "not at your school yet" form counts requests; tests shrink it."""
token_store_key = web.AppKey("token_store", TokenStore)
"""Each student's Canvas grant: tokens in, fresh access tokens out (refresh single-flight)."""
