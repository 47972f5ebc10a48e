"""The state cookie: proof that the browser finishing a launch is the one that began it.

Canvas shows tools in a cross-site iframe, where the main session cookie
(SameSite=Lax) is never sent. This cookie is its own, short-lived, and set
``SameSite=None; Secure; Partitioned``:

- ``SameSite=None`` so it rides on the platform's cross-site form POST to /lti/launch;
- ``Secure`` as SameSite=None requires (browsers accept it on http://localhost and
  loopback addresses, the only http origins the config allows);
- ``Partitioned`` (CHIPS) so browsers that block third-party cookies still keep
  it for this one top-level site, which is all a launch needs.

Python 3.11's cookie module cannot write ``Partitioned``, hence the header is
written by hand. The value lists the bindings of the last few logins in this
browser (several tool links may be opened at once).
"""

from __future__ import annotations

import re

from aiohttp import web

from ..secure import constant_time_equals
from .state import STATE_LIFETIME

__all__ = ["STATE_COOKIE", "bindings_of", "parse_bindings", "has_binding", "set_bindings"]

STATE_COOKIE = "muffin_lti_state"
_PATH = "/lti/"
_MAX_BINDINGS = 5
_BINDING = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def bindings_of(request: web.Request) -> list[str] | None:
    """The bindings this browser holds, or None when it sent no state cookie at all."""
    return parse_bindings(request.cookies.get(STATE_COOKIE))


def parse_bindings(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return [b for b in raw.split(".") if _BINDING.match(b)]


def has_binding(bindings: list[str], binding: str) -> bool:
    # Compare every entry, constant-time each, so timing says nothing about which matched.
    found = False
    for held in bindings:
        found |= constant_time_equals(held, binding)
    return found


def set_bindings(response: web.StreamResponse, bindings: list[str]) -> None:
    """Write the cookie holding `bindings` (newest last); an empty list deletes it."""
    kept = bindings[-_MAX_BINDINGS:]
    max_age = int(STATE_LIFETIME.total_seconds()) if kept else 0
    response.headers.add(
        "Set-Cookie",
        f"{STATE_COOKIE}={'.'.join(kept)}; Path={_PATH}; Max-Age={max_age}; HttpOnly; Secure; "
        "SameSite=None; Partitioned",
    )
