"""Checking a Canvas calendar-feed URL before any request is made.

`parse_feed_url` accepts only what Canvas hands out (docs/canvas-facts.md §4.8):
``https://<host>/feeds/calendars/user_<code>.ics``, with no user info and no
unusual port for https. `check_target` applies the scheme and address rules
alone; redirects are checked with it (their path may differ), and so is every
fetch, because a URL stored last week is checked again today.

Host names that are not IP literals are checked where the connection is made
(resolver.py), so the check and the connection use the same DNS answer.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from ..canvas.feed_urls import CalendarFeedUrl, split_feed_url
from .addresses import AddressPolicy, literal_address, public_only
from .errors import AddressRefused, FeedUrlRefused

__all__ = ["MAX_URL_LENGTH", "FeedUrl", "HttpRule", "check_target", "parse_feed_url"]

HttpRule = Literal["never", "loopback", "any"]
"""When plain http is allowed: never (production), to loopback hosts (``allow_private_feed_hosts``:
tests and the demo), or to any host the address policy allows (tests that play a public host)."""

MAX_URL_LENGTH = 2000
_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


FeedUrl = CalendarFeedUrl
"""A pasted feed URL that passed `parse_feed_url` (canvas/feed_urls.py owns its shape)."""


def check_target(url: str, *, policy: AddressPolicy = public_only, http: HttpRule = "never") -> tuple[str, int]:
    """Raise `FeedUrlRefused` unless `url` may be requested; its (hostname, port)."""
    if len(url) > MAX_URL_LENGTH:
        raise FeedUrlRefused("That address is far too long to be a Canvas calendar feed.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FeedUrlRefused("That is not a valid web address.") from None
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in ("https", "http") or not host:
        raise FeedUrlRefused("Paste the whole address, starting with https://.")
    if parts.username is not None or parts.password is not None:
        raise FeedUrlRefused("Canvas feed addresses never contain a user name or password.")
    literal = literal_address(host)
    if literal is not None and not policy(literal):
        raise AddressRefused(f"{host} is not a public Internet address, so Homework Muffin will not connect to it.")
    if literal is None and not _HOST.match(host):
        raise FeedUrlRefused(f"{host[:100]} is not a valid host name.")
    loopback = literal is not None and literal.is_loopback or host == "localhost"
    if parts.scheme == "http" and not (http == "any" or http == "loopback" and loopback):
        raise FeedUrlRefused("Only https:// addresses are accepted: Canvas serves calendar feeds over https.")
    if host == "localhost" and http == "never":
        raise AddressRefused("localhost is this server itself, so Homework Muffin will not connect to it.")
    return host, port or (443 if parts.scheme == "https" else 80)


def parse_feed_url(text: str, *, policy: AddressPolicy = public_only, http: HttpRule = "never") -> FeedUrl:
    """Validate a pasted Canvas calendar-feed URL; raise `FeedUrlRefused` with the reason."""
    text = (text or "").strip()
    if not text:
        raise FeedUrlRefused("Paste your Canvas calendar feed address.")
    if text.lower().startswith("webcal://"):
        # Canvas's "Calendar Feed" link is sometimes copied through a calendar app as webcal://.
        text = "https://" + text[len("webcal://"):]
    check_target(text, policy=policy, http=http)
    feed = split_feed_url(text)
    if feed is None:
        raise FeedUrlRefused("That is not a Canvas calendar feed address: it should end in "
                             "/feeds/calendars/user_….ics (Canvas → Calendar → Calendar Feed).")
    return feed
