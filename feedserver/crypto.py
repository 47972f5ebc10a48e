"""Encryption of Canvas tokens at rest, and the derived session key.

One operator secret (``MUFFIN_SECRET_KEY``, comma-separated for rotation) feeds
HKDF, which derives independent Fernet keys per purpose, so the session cookie
key and the token-encryption key never coincide. `MultiFernet` encrypts with
the newest key and decrypts with any, which is what `muffin-feed rotate-key`
relies on.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .secure import Secret

__all__ = ["TokenCipher", "DecryptionError", "derive_fernet_key", "generate_secret_key"]


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
