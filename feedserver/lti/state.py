"""The OIDC ``state`` of an LTI login: sealed, short-lived, and bound to one browser.

The state we send to the platform is a Fernet token (encrypted and
authenticated with a key derived from ``MUFFIN_SECRET_KEY``) holding what the
launch needs to check and, if the browser dropped our cookie, to start over:

- ``binding``: a random value this browser must prove it holds, through the
  state cookie (binding.py) or the platform's storage (postMessage);
- the SHA-256 of the nonce, so the id_token must carry this login's nonce;
- the registration (issuer, client_id) the login was for;
- the login parameters (login_hint, lti_message_hint, ...), so the
  "open in a new tab" fallback can start the same launch again.

Nothing here is stored server-side; the nonce becomes single-use in
``used_nonces`` when the launch completes (nonces.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from ..crypto import SealError, Sealer
from ..secure import Secret
from .errors import StateMismatch

__all__ = ["LoginState", "StateSealer", "STATE_LIFETIME"]

#: A login must come back as a launch within this time.
STATE_LIFETIME = timedelta(minutes=10)
# Platforms echo the state in a form field. Our own states stay far below this: login.py caps each
# parameter kept in a state at 2 kB (a Canvas lti_message_hint is about 1 kB).
_MAX_STATE_CHARS = 16000


@dataclass(frozen=True)
class LoginState:
    binding: str
    """Random; the browser proves it holds it (cookie or platform storage)."""
    nonce_hash: str
    issuer: str
    client_id: str
    login_hint: str
    message_hint: str | None = None
    deployment_id: str | None = None
    target_link_uri: str | None = None
    storage_target: str | None = None
    """The platform's postMessage storage frame (``lti_storage_target``), if it offered one."""

    def restart_params(self) -> dict[str, str]:
        """The login-initiation parameters that start this launch again (no storage target:
        the restart runs in a top-level tab, where our cookie works)."""
        params = {"iss": self.issuer, "client_id": self.client_id, "login_hint": self.login_hint}
        optional = {"lti_message_hint": self.message_hint, "lti_deployment_id": self.deployment_id,
                    "target_link_uri": self.target_link_uri}
        params.update({k: v for k, v in optional.items() if v})
        return params


class StateSealer:
    """Seals `LoginState`s into state strings and opens them again. `clock` gives aware UTC."""

    def __init__(self, secrets: Sequence[Secret], clock: Callable[[], datetime],
                 lifetime: timedelta = STATE_LIFETIME) -> None:
        self._sealer = Sealer(secrets, "lti-state", lifetime, clock, max_chars=_MAX_STATE_CHARS)
        self.lifetime = lifetime

    def seal(self, state: LoginState) -> str:
        return self._sealer.seal(asdict(state))

    def open(self, token: str | None) -> LoginState:
        """The state behind `token`; raises `StateMismatch` if missing, forged or expired."""
        try:
            payload = self._sealer.open(token)
        except SealError as exc:
            raise StateMismatch(f"state {exc}") from None
        try:
            return LoginState(**payload)
        except TypeError:
            raise StateMismatch("state has an unexpected shape") from None
