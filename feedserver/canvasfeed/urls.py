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
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from .addresses import AddressPolicy, literal_address, public_only
from .errors import AddressRefused, FeedUrlRefused

__all__ = ["MAX_URL_LENGTH", "FeedUrl", "HttpRule", "check_target", "parse_feed_url"]

HttpRule = Literal["never", "loopback", "any"]
"""When plain http is allowed: never (production), to loopback hosts (``allow_private_feed_hosts``:
tests and the demo), or to any host the address policy allows (tests that play a public host)."""

MAX_URL_LENGTH = 2000
_PATH = re.compile(r"^/feeds/calendars/user_([A-Za-z0-9]{8,128})\.ics$")
_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


@dataclass(frozen=True)
class FeedUrl:
    url: str
    """Normalised: lowercase scheme and host, no fragment."""
    host: str
    """Host and port as Canvas's address shows it (``canvas.state.edu``, ``127.0.0.1:8001``)."""
    feed_code: str
    """The secret part of the path, user_<this>.ics; Homework Muffin names the student by it until OAuth."""


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
    parts = urlsplit(text)
    match = _PATH.match(parts.path)
    if match is None or parts.query:
        raise FeedUrlRefused("That is not a Canvas calendar feed address: it should end in "
                             "/feeds/calendars/user_….ics (Canvas → Calendar → Calendar Feed).")
    netloc = parts.netloc.lower()
    if parts.port in (443,) and parts.scheme == "https":
        netloc = netloc.rsplit(":", 1)[0]
    url = f"{parts.scheme.lower()}://{netloc}{parts.path}"
    return FeedUrl(url=url, host=netloc, feed_code=match.group(1))
