"""Encryption of Canvas tokens at rest, the derived session key, and sealed short-lived values.

One operator secret (``MUFFIN_SECRET_KEY``, comma-separated for rotation) feeds
HKDF, which derives independent Fernet keys per purpose, so the session cookie
key and the token-encryption key never coincide. `MultiFernet` encrypts with
the newest key and decrypts with any, which is what `muffin-feed rotate-key`
relies on. `Sealer` turns a small JSON object into an opaque string that only
this server can open, for a limited time (the LTI login state, the grant of an
instructor's view).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .secure import Secret

__all__ = ["TokenCipher", "DecryptionError", "SealError", "Sealer", "derive_fernet_key", "generate_secret_key"]


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key."""


def derive_fernet_key(secret: Secret, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"homework-muffin/v1", info=purpose.encode())
    return base64.urlsafe_b64encode(hkdf.derive(secret.reveal().encode()))


def generate_secret_key() -> str:
    return Fernet.generate_key().decode()


class TokenCipher:
    """Encrypts and decrypts short secrets (Canvas access and refresh tokens)."""

    def __init__(self, secrets: Sequence[Secret], purpose: str = "canvas-tokens") -> None:
        if not secrets:
            raise ValueError("at least one secret key is required")
        self._fernet = MultiFernet([Fernet(derive_fernet_key(s, purpose)) for s in secrets])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise DecryptionError("stored token does not decrypt with any configured key") from None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the newest key (no-op in meaning, new bytes)."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise DecryptionError("stored token does not decrypt with any configured key") from None


class SealError(Exception):
    """A sealed value is missing, too long, forged, sealed for another purpose or expired."""


class Sealer:
    """Seals JSON objects for one `purpose` and opens them within `lifetime`. `clock` gives aware UTC."""

    def __init__(self, secrets: Sequence[Secret], purpose: str, lifetime: timedelta,
                 clock: Callable[[], datetime], *, max_chars: int = 16000) -> None:
        # Newest key seals; older keys still open values sealed just before a rotation.
        self._fernet = MultiFernet([Fernet(derive_fernet_key(s, purpose)) for s in secrets])
        self._clock = clock
        self.lifetime = lifetime
        self.max_chars = max_chars

    def seal(self, payload: Mapping[str, Any]) -> str:
        data = json.dumps(dict(payload), separators=(",", ":")).encode()
        return self._fernet.encrypt_at_time(data, int(self._clock().timestamp())).decode()

    def open(self, token: str | None) -> dict[str, Any]:
        """The object behind `token`; raises `SealError` saying why not."""
        if not token:
            raise SealError("missing")
        if len(token) > self.max_chars:
            raise SealError("too long")
        try:
            data = self._fernet.decrypt_at_time(token.encode(), int(self.lifetime.total_seconds()),
                                                int(self._clock().timestamp()))
        except InvalidToken:
            raise SealError("not ours or expired") from None
        try:
            payload = json.loads(data)
        except ValueError:
            raise SealError("not JSON") from None
        if not isinstance(payload, dict):
            raise SealError("not an object")
        return payload
