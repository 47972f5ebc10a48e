"""Signing in with Canvas: the two halves of the authorization-code flow.

`start_login` makes the URL of Canvas's consent page; `complete_login` turns
the code Canvas sent back into a stored, encrypted grant and a student row.
The handlers in views.py only parse requests and pick pages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
from aiohttp import web

from ..canvas import oauth
from ..canvas.errors import CanvasError, MalformedResponse
from ..config import Institution
from ..feeds.tokens import current_feed_token
from ..store.feed_students import upgrade_feed_student
from ..store.students import upsert_student
from ..typedefs import cipher_key, config_key, db_key, http_key
from .appkeys import login_states_key, token_store_key
from .state import PendingLogin

__all__ = ["redirect_uri", "start_login", "complete_login", "CanvasIdentity"]

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class CanvasIdentity:
    user_id: str
    name: str
    time_zone: str | None


def redirect_uri(app: web.Application) -> str:
    """The one redirect URI registered on every developer key."""
    return f"{app[config_key].server.public_url}/oauth/callback"


async def start_login(request: web.Request, institution: Institution, return_to: str | None) -> str:
    """Remember a new state in this browser's session; the Canvas URL to send it to."""
    state, pending = await request.app[login_states_key].begin(
        request, institution.slug, return_to, pkce=institution.key.pkce)
    return oauth.authorization_url(institution, redirect_uri(request.app), state, pending.code_verifier)


async def complete_login(app: web.Application, institution: Institution, code: str,
                         pending: PendingLogin, *, signed_in: int | None = None) -> int:
    """Exchange `code`, store the grant, create or update the student; their id.

    `signed_in` is the student this browser is already signed in as: if that
    is a calendar-feed student at this school, their row becomes the OAuth
    student (store/feed_students.py), so their feed URL keeps working.
    Raises `OAuthError` (e.g. ``invalid_grant`` for a reused code),
    `CanvasUnavailable` or `MalformedResponse`; nothing is stored then.
    """
    http = app[http_key]
    token = await oauth.exchange_code(http, institution, code, redirect_uri(app), pending.code_verifier)
    identity = await _identity(http, institution, token)
    db = app[db_key]
    time_zone = identity.time_zone or institution.time_zone
    student_id = None
    if signed_in is not None:
        student_id = await upgrade_feed_student(db, signed_in, institution.slug, identity.user_id, identity.name,
                                                time_zone, datetime.now(UTC))
    if student_id is None:
        student_id = await upsert_student(db, institution.slug, identity.user_id, identity.name,
                                          source="oauth", time_zone=time_zone)
    await app[token_store_key].save_grant(student_id, token)
    await current_feed_token(db, app[cipher_key], student_id)
    _LOGGER.info("student %s signed in with Canvas at %s", student_id, institution.slug)
    return student_id


async def _identity(http: aiohttp.ClientSession, institution: Institution,
                    token: Mapping[str, Any]) -> CanvasIdentity:
    access = str(token["access_token"])
    user = token.get("user")
    if not isinstance(user, dict) or user.get("id") is None:
        # Canvas puts the user in the token response; fall back to asking.
        user = await oauth.fetch_json(http, institution.canvas_url, "/api/v1/users/self", access)
        if not isinstance(user, dict) or user.get("id") is None:
            raise MalformedResponse("GET /api/v1/users/self: no user id")
    return CanvasIdentity(
        user_id=str(user["id"]),
        name=str(user.get("name") or user.get("short_name") or "")[:300],
        time_zone=await _profile_time_zone(http, institution, access),
    )


async def _profile_time_zone(http: aiohttp.ClientSession, institution: Institution,
                             access_token: str) -> str | None:
    """The student's Canvas time zone, if the key's scopes allow reading the profile."""
    try:
        profile = await oauth.fetch_json(http, institution.canvas_url, "/api/v1/users/self/profile", access_token)
    except CanvasError as exc:
        # Not fatal: a scoped key may not include the profile; the school's zone stands in.
        _LOGGER.info("profile not readable at %s (%s); using the school's time zone",
                     institution.slug, type(exc).__name__)
        return None
    zone = profile.get("time_zone") if isinstance(profile, dict) else None
    if not isinstance(zone, str) or not zone:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        _LOGGER.info("Canvas profile time zone %r is not an IANA zone; ignored", zone[:64])
        return None
    return zone
