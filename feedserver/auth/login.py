"""Signing in with Canvas: the two halves of the authorization-code flow.

`start_login` makes the URL of Canvas's consent page; `complete_login` turns
the code Canvas sent back into a stored, encrypted grant and the student's one
row. Whose row that is rests on what Canvas says, never on the browser: the
user id from the token response, and the calendar feed URL of their own
profile, the proof that a calendar-feed student is theirs
(store/feed_students.py `sign_in_canvas_user`). The handlers in views.py only
parse requests and pick pages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
from aiohttp import web

from ..canvas import oauth
from ..canvas.errors import CanvasError, MalformedResponse
from ..canvas.feed_urls import split_feed_url
from ..config import Institution
from ..feeds.tokens import current_feed_token
from ..store.feed_students import OwnFeed, SignedIn, sign_in_canvas_user
from ..typedefs import cipher_key, config_key, db_key, http_key
from .appkeys import login_states_key, token_store_key
from .state import PendingLogin

__all__ = ["redirect_uri", "sign_in_url", "start_login", "complete_login", "CanvasIdentity"]

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class CanvasIdentity:
    user_id: str
    name: str
    time_zone: str | None
    own_feed: OwnFeed | None
    """Their Canvas calendar feed, from their own profile; None if it could not be read."""


def redirect_uri(app: web.Application) -> str:
    """The one redirect URI registered on every developer key."""
    return f"{app[config_key].server.public_url}/oauth/callback"


def sign_in_url(institution_slug: str, return_to: str | None = None) -> str:
    """Our /login for a school: where a page sends a student to sign in with Canvas."""
    params = {"institution": institution_slug, **({"return_to": return_to} if return_to else {})}
    return f"/login?{urlencode(params)}"


async def start_login(request: web.Request, institution: Institution, return_to: str | None) -> str:
    """Remember a new state in this browser's session; the Canvas URL to send it to."""
    state, pending = await request.app[login_states_key].begin(
        request, institution.slug, return_to, pkce=institution.key.pkce)
    return oauth.authorization_url(institution, redirect_uri(request.app), state, pending.code_verifier)


async def complete_login(app: web.Application, institution: Institution, code: str,
                         pending: PendingLogin) -> SignedIn:
    """Exchange `code`, store the grant, and settle the student's one row.

    A calendar-feed student becomes (or joins) this Canvas user only if the
    user's own profile names that student's feed URL; whoever this browser
    was signed in as before does not matter. ``outcome == "merged"`` means
    the student's feed URL changed (fresh tokens are issued here).
    Raises `OAuthError` (e.g. ``invalid_grant`` for a reused code),
    `CanvasUnavailable` or `MalformedResponse`; nothing is stored then.
    """
    http = app[http_key]
    token = await oauth.exchange_code(http, institution, code, redirect_uri(app), pending.code_verifier)
    identity = await _identity(http, institution, token)
    db = app[db_key]
    signed_in = await sign_in_canvas_user(
        db, app[cipher_key], institution.slug, identity.user_id, identity.name,
        identity.time_zone or institution.time_zone, identity.own_feed, datetime.now(UTC))
    await app[token_store_key].save_grant(signed_in.student_id, token)
    await current_feed_token(db, app[cipher_key], signed_in.student_id)
    _LOGGER.info("student %s signed in with Canvas at %s (%s)", signed_in.student_id, institution.slug,
                 signed_in.outcome)
    return signed_in


async def _identity(http: aiohttp.ClientSession, institution: Institution,
                    token: Mapping[str, Any]) -> CanvasIdentity:
    access = str(token["access_token"])
    user = token.get("user")
    if not isinstance(user, dict) or user.get("id") is None:
        # Canvas puts the user in the token response; fall back to asking.
        user = await oauth.fetch_json(http, institution.canvas_url, "/api/v1/users/self", access)
        if not isinstance(user, dict) or user.get("id") is None:
            raise MalformedResponse("GET /api/v1/users/self: no user id")
    profile = await _profile(http, institution, access)
    return CanvasIdentity(
        user_id=str(user["id"]),
        name=str(user.get("name") or user.get("short_name") or "")[:300],
        time_zone=_profile_time_zone(profile),
        own_feed=_own_feed(profile, institution),
    )


async def _profile(http: aiohttp.ClientSession, institution: Institution, access_token: str) -> dict[str, Any]:
    """The student's own Canvas profile, or {} if the key's scopes do not allow reading it."""
    try:
        profile = await oauth.fetch_json(http, institution.canvas_url, "/api/v1/users/self/profile", access_token)
    except CanvasError as exc:
        # Not fatal: the school's zone stands in, and no feed student can be proven theirs.
        _LOGGER.info("profile not readable at %s (%s); using the school's time zone",
                     institution.slug, type(exc).__name__)
        return {}
    return profile if isinstance(profile, dict) else {}


def _own_feed(profile: Mapping[str, Any], institution: Institution) -> OwnFeed | None:
    """The profile's ``calendar.ics`` (Canvas gives it only to the profile's own user), if it is a
    user feed on this school's Canvas."""
    calendar = profile.get("calendar")
    ics = calendar.get("ics") if isinstance(calendar, dict) else None
    feed = split_feed_url(ics) if isinstance(ics, str) else None
    if feed is None or feed.host != institution.canvas_host:
        if ics is not None:
            _LOGGER.info("profile at %s names no calendar feed of this Canvas; ignored", institution.slug)
        return None
    return OwnFeed(url=feed.url, feed_code=feed.feed_code)


def _profile_time_zone(profile: Mapping[str, Any]) -> str | None:
    """The student's Canvas time zone, if the profile names an IANA zone."""
    zone = profile.get("time_zone")
    if not isinstance(zone, str) or not zone:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        _LOGGER.info("Canvas profile time zone %r is not an IANA zone; ignored", zone[:64])
        return None
    return zone
