"""Types that keep secret values out of logs, reprs and error pages.

A `Secret` prints as ``Secret('***')``; code that really needs the value
calls `.reveal()`, which makes every use easy to find in review.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _stdlib_secrets

__all__ = ["Secret", "random_token", "token_hash", "constant_time_equals"]


class Secret:
    """A string that must never be printed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def random_token(nbytes: int = 32) -> str:
    """A URL-safe random token; 32 bytes = 256 bits, well over the 128-bit floor."""
    return _stdlib_secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """SHA-256 hex digest used to store and look up bearer-style tokens.

    The tokens are 256 random bits, so an unsalted fast hash is enough: there is
    nothing to brute-force, and the lookup stays an index probe.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
