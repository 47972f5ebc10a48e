"""Where a finished sign-in may send the browser: our own paths only.

`return_to` arrives from a URL anyone can craft, so a value that a browser
could read as another site is dropped, not repaired.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["safe_return_to"]

_MAX_LENGTH = 2000


def safe_return_to(value: str | None) -> str | None:
    """`value` if it is a path on this site, else None.

    Accepted: starts with exactly one ``/``. Refused: ``//host`` and ``/\\host``
    (browsers read both as another host), any backslash, any scheme or host,
    control characters and whitespace (browsers strip tabs and newlines, which
    turns ``/\\t/evil`` into ``//evil``), and anything over 2000 characters.
    """
    if not value or len(value) > _MAX_LENGTH or not value.startswith("/"):
        return None
    if value.startswith(("//", "/\\")) or "\\" in value:
        return None
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value
