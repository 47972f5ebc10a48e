"""OIDC third-party-initiated login: from the platform's initiation request to its
authorization endpoint (LTI Core 1.3 §5.1.1, 1EdTech Security Framework §5.1.1.1-2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..config import LtiPlatform
from ..secure import random_token, token_hash
from .errors import MalformedRequest, UnknownDeployment
from .platforms import find_registration, origin_of
from .state import LoginState

__all__ = ["LoginStart", "begin_login", "storage_key", "storage_target"]

# A frame name: "_parent" or a sibling frame such as Canvas's "post_message_forwarding".
_FRAME_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_HINT_CHARS = 2048

Sealer = Callable[[LoginState], str]
"""Turns a login state into the state string sent to the platform (`StateSealer.seal`)."""


@dataclass(frozen=True)
class LoginStart:
    platform: LtiPlatform
    state: LoginState
    nonce: str
    sealed_state: str
    """`state` as sent to the platform (`StateSealer.seal`)."""
    auth_url: str
    """The platform's authorization endpoint with every parameter of the request."""

    @property
    def platform_origin(self) -> str:
        """Where platform-storage postMessages go: the origin of the authorization endpoint."""
        return origin_of(self.platform.auth_url)


def storage_target(value: object) -> str | None:
    """A usable ``lti_storage_target`` frame name, or None (absent or odd: it ends up in our script)."""
    return value if isinstance(value, str) and _FRAME_NAME.match(value) else None


def storage_key(binding: str) -> str:
    """The platform-storage key of a login; names the binding without revealing it."""
    return "muffin_state_" + token_hash(binding)[:32]


def _param(params: Mapping[str, str], name: str, *, required: bool = False) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise MalformedRequest(f"login request without {name}")
        return None
    if len(value) > _MAX_HINT_CHARS:
        raise MalformedRequest(f"login parameter {name} too long")
    return value


def begin_login(platforms: tuple[LtiPlatform, ...], params: Mapping[str, str], redirect_uri: str,
                seal: Sealer) -> LoginStart:
    """Check the initiation request and build the authentication request.

    Raises `UnknownIssuer`,
    `UnknownClient`, `UnknownDeployment` or `MalformedRequest`.
    """
    platform = find_registration(platforms, _param(params, "iss"), _param(params, "client_id"))
    login_hint = _param(params, "login_hint", required=True)
    assert login_hint is not None
    deployment_id = _param(params, "lti_deployment_id")
    if deployment_id is not None and deployment_id not in platform.deployment_ids:
        raise UnknownDeployment("lti_deployment_id is not registered for this client_id")
    nonce = random_token(32)
    state = LoginState(
        binding=random_token(32),
        nonce_hash=token_hash(nonce),
        issuer=platform.issuer,
        client_id=platform.client_id,
        login_hint=login_hint,
        message_hint=_param(params, "lti_message_hint"),
        deployment_id=deployment_id,
        target_link_uri=_param(params, "target_link_uri"),
        storage_target=storage_target(params.get("lti_storage_target")),
    )
    sealed = seal(state)
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": login_hint,
        "state": sealed,
        "nonce": nonce,
    }
    if state.message_hint:
        query["lti_message_hint"] = state.message_hint
    parts = urlsplit(platform.auth_url)
    joined = "&".join(p for p in (parts.query, urlencode(query)) if p)
    auth_url = urlunsplit((parts.scheme, parts.netloc, parts.path, joined, ""))
    return LoginStart(platform=platform, state=state, nonce=nonce, sealed_state=sealed, auth_url=auth_url)
