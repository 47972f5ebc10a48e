"""The shape of Canvas's own calendar-feed URLs, and their one normal form.

Canvas hands each user one feed, ``<scheme>://<host>/feeds/calendars/user_<code>.ics``
(docs/canvas-facts.md §4.8); the code is the user's secret. The same URL comes back as
``calendar.ics`` in the user's own profile (docs/canvas-facts.md §6), which is
how sign-in tells whose feed a stored URL is: both sides go through
`split_feed_url`, so equal feeds give equal strings. Where such a URL may
point is not judged here (canvasfeed/urls.py does that before any fetch).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["CalendarFeedUrl", "split_feed_url"]

_PATH = re.compile(r"^/feeds/calendars/user_([A-Za-z0-9]{8,128})\.ics$")


@dataclass(frozen=True)
class CalendarFeedUrl:
    url: str
    """Normalised: lowercase scheme and host, no default https port, no fragment."""
    host: str
    """Host and port as Canvas's address shows it (``canvas.state.edu``, ``127.0.0.1:8001``)."""
    feed_code: str
    """The secret part of the path, user_<this>.ics; Homework Muffin names a feed student by it."""


def split_feed_url(text: str) -> CalendarFeedUrl | None:
    """`text` in normal form if it has the shape of a user's Canvas calendar feed, else None."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    match = _PATH.match(parts.path)
    scheme = parts.scheme.lower()
    if (match is None or parts.query or scheme not in ("https", "http") or not parts.hostname
            or parts.username is not None or parts.password is not None):
        return None
    host = parts.netloc.lower()
    if port == 443 and scheme == "https":
        host = host.rsplit(":", 1)[0]
    return CalendarFeedUrl(url=f"{scheme}://{host}{parts.path}", host=host, feed_code=match.group(1))
