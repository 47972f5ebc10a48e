"""The tool's own RSA key pair(s), published at /lti/jwks.json.

Canvas's developer-key configuration requires a public key (``public_jwk_url``);
the tool would sign with it for LTI Advantage services (client-credentials
assertions, deep-linking responses). Homework Muffin uses no such service yet,
so today the key is generated in memory on first use: a restart or a second
process publishes a different key, which costs nothing while nothing is signed.
`ToolKeys.from_private_jwks` loads a persistent set instead (see docs/lti.md).

Rotation: the first key signs; the previous one stays published until every
platform has re-fetched the set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from joserfc.jwk import RSAKey

__all__ = ["ToolKeys", "LazyToolKeys", "generate_tool_key"]

_KEY_BITS = 2048


def generate_tool_key() -> RSAKey:
    """A fresh RS256 signing key whose kid is its RFC 7638 thumbprint."""
    key = RSAKey.generate_key(_KEY_BITS, parameters={"alg": "RS256", "use": "sig"})
    key.ensure_kid()
    return key


class ToolKeys:
    """The signing key and the keys still published from before a rotation."""

    def __init__(self, current: RSAKey, previous: Sequence[RSAKey] = ()) -> None:
        self.current = current
        self.previous = tuple(previous)

    @classmethod
    def from_private_jwks(cls, document: Mapping[str, Any]) -> ToolKeys:
        """Load a private JWKS document: the first key signs, the rest are previous keys."""
        raw = document.get("keys")
        if not isinstance(raw, list) or not raw:
            raise ValueError("a private JWKS needs a non-empty \"keys\" list")
        keys = [RSAKey.import_key(k, parameters={"alg": "RS256", "use": "sig"}) for k in raw]
        if not keys[0].is_private:
            raise ValueError("the first key must include its private part: it signs")
        for key in keys:
            key.ensure_kid()
        return cls(keys[0], keys[1:])

    def rotated(self, new: RSAKey | None = None) -> ToolKeys:
        """A new signing key; the current one stays published as the previous key."""
        return ToolKeys(new or generate_tool_key(), (self.current,))

    def public_jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public keys, current first, each with kid, alg RS256 and use sig."""
        return {"keys": [
            {**key.as_dict(private=False), "alg": "RS256", "use": "sig", "kid": key.kid}
            for key in (self.current, *self.previous)
        ]}


class LazyToolKeys:
    """Holds `ToolKeys`, generating them off the event loop on first use."""

    def __init__(self, keys: ToolKeys | None = None) -> None:
        self._keys = keys
        self._lock = asyncio.Lock()

    async def get(self) -> ToolKeys:
        if self._keys is None:
            async with self._lock:
                if self._keys is None:
                    # RSA key generation takes a noticeable fraction of a second.
                    key = await asyncio.get_running_loop().run_in_executor(None, generate_tool_key)
                    self._keys = ToolKeys(key)
        return self._keys

    def set(self, keys: ToolKeys) -> None:
        self._keys = keys
