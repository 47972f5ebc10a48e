"""What the authorize step remembers between the consent page and the decision.

- Pending requests: a validated `/login/oauth2/auth` request waiting for the
  user's Authorize/Cancel, keyed by an unguessable id carried in the form.
- Web sessions: the sandbox has no passwords, so picking a user on the consent
  page "logs in" and sets a per-school session cookie (cookies ignore ports,
  and both schools run on 127.0.0.1).
- Approvals: (user, client_id) pairs the user has authorized, so a returning
  user is sent straight back like Canvas's "remember my authorization" /
  trusted keys.  `SandboxState.remember_consent = False` turns that off.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    app_name: str
    redirect_uri: str
    state: str | None
    scopes: list[str]
    purpose: str | None
    code_challenge: str | None


@dataclass
class ConsentStore:
    pending: dict[str, AuthorizationRequest] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)
    approvals: set[tuple[int, str]] = field(default_factory=set)

    def hold(self, request: AuthorizationRequest) -> str:
        pending_id = secrets.token_urlsafe(24)
        self.pending[pending_id] = request
        return pending_id

    def release(self, pending_id: str) -> AuthorizationRequest | None:
        return self.pending.pop(pending_id, None)

    def log_in(self, user_id: int) -> str:
        session_id = secrets.token_urlsafe(24)
        self.sessions[session_id] = user_id
        return session_id

    def session_user(self, session_id: str | None) -> int | None:
        return None if session_id is None else self.sessions.get(session_id)
