"""Authorization codes, access tokens and refresh tokens.

Modelled on Canvas's AccessToken rows (lib/canvas/oauth/token.rb): one
`Grant` per authorization holds a refresh token and the current access token.
Codes are single-use and live 10 minutes; refreshing replaces the access
token (the old one dies) and keeps the refresh token; revoking deletes the
whole grant.  Token strings come from `secrets`, never from the world seed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

CODE_LIFETIME = timedelta(minutes=10)

AccessCheck = Literal["ok", "invalid", "expired"]


def new_token(prefix: str) -> str:
    # Canvas tokens look like "<shard>~<64 chars>"; the prefix keeps kinds apart in logs.
    return f"{prefix}~{secrets.token_urlsafe(48)}"


@dataclass
class AuthCode:
    code: str
    client_id: str
    user_id: int
    redirect_uri: str
    scopes: list[str]
    purpose: str | None
    code_challenge: str | None
    expires_at: datetime


@dataclass
class Grant:
    id: int
    user_id: int
    client_id: str
    scopes: list[str]
    purpose: str | None
    created_at: datetime
    access_token: str | None = None
    #: None = never expires (keys without auto-expiry, pre-Oct-2015).
    access_expires_at: datetime | None = None
    refresh_token: str | None = None


@dataclass
class TokenStore:
    codes: dict[str, AuthCode] = field(default_factory=dict)
    grants: dict[int, Grant] = field(default_factory=dict)
    _next_id: int = 0

    def issue_code(self, *, client_id: str, user_id: int, redirect_uri: str, scopes: list[str],
                   purpose: str | None, code_challenge: str | None, now: datetime) -> str:
        code = secrets.token_hex(32)
        self.codes[code] = AuthCode(code, client_id, user_id, redirect_uri, scopes, purpose,
                                    code_challenge, now + CODE_LIFETIME)
        return code

    def peek_code(self, code: str, now: datetime) -> AuthCode | None:
        """The live code, without using it up (expired codes are forgotten)."""
        found = self.codes.get(code)
        if found is not None and found.expires_at <= now:
            del self.codes[code]
            return None
        return found

    def use_code(self, code: str) -> None:
        self.codes.pop(code, None)

    def create_grant(self, *, user_id: int, client_id: str, scopes: list[str],
                     purpose: str | None, lifetime: float | None, now: datetime,
                     with_access: bool = True) -> Grant:
        self._next_id += 1
        grant = Grant(self._next_id, user_id, client_id, scopes, purpose, now)
        if with_access:
            grant.refresh_token = new_token("r")
            self._renew(grant, lifetime, now)
        self.grants[grant.id] = grant
        return grant

    def refresh(self, grant: Grant, lifetime: float | None, now: datetime) -> Grant:
        """A fresh access token on the same grant; the old access token dies."""
        self._renew(grant, lifetime, now)
        return grant

    def _renew(self, grant: Grant, lifetime: float | None, now: datetime) -> None:
        grant.access_token = new_token("a")
        grant.access_expires_at = None if lifetime is None else now + timedelta(seconds=lifetime)

    def by_access(self, token: str) -> Grant | None:
        return next((g for g in self.grants.values()
                     if g.access_token is not None
                     and secrets.compare_digest(g.access_token, token)), None)

    def by_refresh(self, token: str) -> Grant | None:
        return next((g for g in self.grants.values()
                     if g.refresh_token is not None
                     and secrets.compare_digest(g.refresh_token, token)), None)

    def check_access(self, token: str, now: datetime) -> tuple[AccessCheck, Grant | None]:
        grant = self.by_access(token)
        if grant is None:
            return "invalid", None
        if grant.access_expires_at is not None and grant.access_expires_at <= now:
            return "expired", grant
        return "ok", grant

    def revoke(self, grant: Grant) -> None:
        self.grants.pop(grant.id, None)

    def revoke_where(self, *, user_id: int, client_id: str | None = None,
                     keep: Grant | None = None) -> int:
        """Delete a user's grants (for one key if given); returns how many."""
        doomed = [g for g in self.grants.values()
                  if g.user_id == user_id and g is not keep
                  and (client_id is None or g.client_id == client_id)]
        for grant in doomed:
            self.revoke(grant)
        return len(doomed)

    def revoke_client(self, client_id: str) -> int:
        doomed = [g for g in self.grants.values() if g.client_id == client_id]
        for grant in doomed:
            self.revoke(grant)
        return len(doomed)

    def expire_all(self, now: datetime) -> None:
        for grant in self.grants.values():
            if grant.access_token is not None:
                grant.access_expires_at = now
