"""Which links from Canvas may become links for a student: web pages on their own Canvas.

Canvas's ``html_url`` values reach an ``<a href>`` on /me and the ``URL``
property of calendar events. A ``javascript:`` or ``data:`` URL there runs
script or shows a forged page in our origin or in a calendar app, and a link
to another host is a phishing lure with our name on it. So a link is kept
only if it is an http(s) URL on the origin of the student's Canvas (same
scheme, host and port); a path such as ``/courses/1/quizzes/2`` (the planner
sends those) is resolved against that origin. Anything else becomes "" and
the event or page shows no link (issue 18).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

__all__ = ["canvas_link"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_LENGTH = 1000
#: Control characters, space, DEL and backslash: never in a link we keep (browsers "fix" them differently).
_UNSAFE_CHARACTER = re.compile(r"[\x00-\x20\x7f\\]")


def canvas_link(url: str, canvas_url: str) -> str:
    """`url` if a student may follow it, else "".

    `canvas_url` is the school's Canvas (``https://canvas.state.edu``). Where
    only the host is known (``//canvas.state.edu:8443``, as in a rendered
    feed's context), any of http and https on that host and port is accepted.
    """
    url = url.strip()
    if not url or len(url) > _MAX_LENGTH or _UNSAFE_CHARACTER.search(url):
        return ""
    base = urlsplit(canvas_url)
    if url.startswith("/") and not url.startswith("//") and base.scheme in _DEFAULT_PORTS:
        url = urljoin(canvas_url, url)
    try:
        parts = urlsplit(url)
        port, base_port = parts.port, base.port
    except ValueError:  # a port that is not a number
        return ""
    if parts.scheme not in _DEFAULT_PORTS or parts.username is not None or parts.password is not None:
        return ""
    if base.scheme and parts.scheme != base.scheme:
        return ""
    if not parts.hostname or parts.hostname != (base.hostname or ""):
        return ""
    if (port or _DEFAULT_PORTS[parts.scheme]) != (base_port or _DEFAULT_PORTS.get(base.scheme, 0)
                                                  or _DEFAULT_PORTS[parts.scheme]):
        return ""
    return url
