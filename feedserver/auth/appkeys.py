"""Application keys owned by the auth subsystem (the shared ones are in feedserver/typedefs.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..store.models import Student
from .schools import RequestLimits
from .state import LoginStates
from .tokens import TokenStore

__all__ = ["login_states_key", "me_blocks_key", "me_sections_key", "MeBlock", "MeSection", "school_request_limits_key",
           "token_store_key"]

MeSection = Callable[[web.Request, Student], Awaitable[Mapping[str, Any]]]
"""Computes the template context one section of /me needs (see auth/me.py)."""


@dataclass(frozen=True)
class MeBlock:
    """One partial on one /me page (see auth/me.py)."""

    template: str
    """The partial, e.g. ``me/_status.html``."""
    page: str
    """``overview``, ``plan``, ``estimates`` or ``settings``."""
    area: str
    """``notices`` (near the top) or ``sections``."""
    order: int
    """Position in the area, lower first."""
    context: MeSection | None
    """Computes the keys the partial reads, only when its page is shown."""


login_states_key = web.AppKey("auth_login_states", LoginStates)
"""Pending sign-ins; tests move its `clock` to expire a state."""
me_sections_key: web.AppKey[list[MeSection]] = web.AppKey("auth_me_sections")
"""Context providers run for every /me page; add yours with `add_me_section`."""
me_blocks_key: web.AppKey[list[MeBlock]] = web.AppKey("auth_me_blocks")
"""The blocks of the /me pages, in registration order; add yours with `add_me_block`."""
school_request_limits_key = web.AppKey("auth_school_request_limits", RequestLimits)
"""How fast the "not at your school yet" form counts requests; tests shrink it."""
token_store_key = web.AppKey("token_store", TokenStore)
"""Each student's Canvas grant: tokens in, fresh access tokens out (refresh single-flight)."""
