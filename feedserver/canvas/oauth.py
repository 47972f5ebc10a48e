"""Canvas's OAuth2 endpoints: authorize URL, code exchange, refresh, revoke.

authlib builds and parses the protocol messages (it has no aiohttp client);
every request goes through the caller's one shared `aiohttp.ClientSession`.
Canvas specifics (canvas-lms app/controllers/oauth2_provider_controller.rb
and lib/canvas/oauth/): the ``purpose`` label, refresh responses
without a new refresh token, token errors as JSON ``{error,
error_description}`` (or, from older Canvas, a 302 back to the redirect URI,
which is why redirects are never followed), and revocation by ``DELETE`` with
the token itself. Nothing here logs or formats a token, code or secret.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from authlib.common.security import is_secure_transport
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from ..config import Institution
from ..http_policy import OAUTH_TIMEOUT
from .errors import CanvasError, CanvasUnavailable, MalformedResponse, OAuthError, error_for_response

__all__ = [
    "PURPOSE",
    "authorization_url",
    "exchange_code",
    "refresh_access_token",
    "revoke_token",
    "fetch_json",
    "create_s256_code_challenge",
]

_LOGGER = logging.getLogger(__name__)

#: Shown to the student in Canvas under Settings > Approved Integrations.
PURPOSE = "Homework Muffin"


def authorization_url(institution: Institution, redirect_uri: str, state: str,
                      code_verifier: str | None = None) -> str:
    """Where to send the browser: ``{canvas}/login/oauth2/auth`` with our request.

    `code_verifier` is given when the institution's key has PKCE switched on;
    only its S256 challenge goes into the URL.
    """
    key = institution.key
    extra: dict[str, str] = {"purpose": PURPOSE}
    if code_verifier is not None:
        extra["code_challenge"] = create_s256_code_challenge(code_verifier)
        extra["code_challenge_method"] = "S256"
    return prepare_grant_uri(
        f"{institution.canvas_url}/login/oauth2/auth",
        client_id=key.client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        # Canvas takes one space-separated list; an empty list means the key's own scopes.
        scope=list(key.scopes) or None,
        state=state,
        **extra,
    )


async def exchange_code(http: aiohttp.ClientSession, institution: Institution, code: str, redirect_uri: str,
                        code_verifier: str | None = None) -> OAuth2Token:
    """Trade an authorization code for tokens (the code is single-use, 10 minutes).

    Returns authlib's `OAuth2Token` (a dict: ``access_token``, ``refresh_token``,
    ``expires_in`` seconds, Canvas's ``user{id,name}``). Raises `OAuthError`
    (e.g. ``invalid_grant`` for a used or expired code), `CanvasUnavailable`
    or `MalformedResponse`.
    """
    key = institution.key
    body = prepare_token_request(
        "authorization_code",
        code=code,
        redirect_uri=redirect_uri,
        client_id=key.client_id,
        client_secret=key.client_secret.reveal(),
        code_verifier=code_verifier,
    )
    return await _token_request(http, institution, body)


async def refresh_access_token(http: aiohttp.ClientSession, institution: Institution,
                               refresh_token: str) -> OAuth2Token:
    """A new access token for a grant. Canvas keeps the refresh token and
    returns none, so callers keep the one they have."""
    key = institution.key
    body = prepare_token_request(
        "refresh_token",
        refresh_token=refresh_token,
        client_id=key.client_id,
        client_secret=key.client_secret.reveal(),
    )
    return await _token_request(http, institution, body)


async def revoke_token(http: aiohttp.ClientSession, canvas_url: str, access_token: str) -> None:
    """Delete the grant behind `access_token` at Canvas (its refresh token dies too).

    Raises `CanvasError` subclasses; a 401 means the token was already dead,
    which callers usually treat as done.
    """
    url = f"{canvas_url}/login/oauth2/token"
    try:
        async with http.delete(url, headers=_bearer(access_token), allow_redirects=False,
                               timeout=OAUTH_TIMEOUT) as response:
            text = await response.text()
            error = error_for_response(response.status, response.headers, text, what="DELETE /login/oauth2/token")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise CanvasUnavailable(f"DELETE /login/oauth2/token: {type(exc).__name__}") from None
    if error is not None:
        raise error


async def fetch_json(http: aiohttp.ClientSession, canvas_url: str, path: str, access_token: str) -> Any:
    """One authenticated GET of a Canvas API path (no pagination), parsed JSON.

    For the few calls sign-in needs (``/api/v1/users/self/profile``); the sync
    uses the full API client with pagination and rate-limit pacing.
    """
    what = f"GET {path}"
    try:
        async with http.get(f"{canvas_url}{path}", headers={**_bearer(access_token), "Accept": "application/json"},
                            allow_redirects=False, timeout=OAUTH_TIMEOUT) as response:
            text = await response.text()
            error = error_for_response(response.status, response.headers, text, what=what)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise CanvasUnavailable(f"{what}: {type(exc).__name__}") from None
    if error is not None:
        raise error
    try:
        return json.loads(text)
    except ValueError:
        raise MalformedResponse(f"{what}: response is not JSON", status=response.status) from None


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _token_request(http: aiohttp.ClientSession, institution: Institution, body: str) -> OAuth2Token:
    url = f"{institution.canvas_url}/login/oauth2/token"
    if not is_secure_transport(url):
        # Config validation already refuses this; the client secret must never travel in clear.
        raise CanvasError("refusing to send client credentials over plain http to a non-loopback host")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    try:
        async with http.post(url, data=body.encode(), headers=headers, allow_redirects=False,
                             timeout=OAUTH_TIMEOUT) as response:
            status = response.status
            location = response.headers.get("Location", "")
            text = await response.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise CanvasUnavailable(f"POST /login/oauth2/token: {type(exc).__name__}") from None
    if 300 <= status < 400:
        # Older Canvas answered token errors with a redirect carrying ?error=.
        params = dict(parse_qsl(urlsplit(location).query))
        if "error" in params:
            raise OAuthError(params["error"], params.get("error_description"), status=status)
        raise MalformedResponse(f"POST /login/oauth2/token: unexpected redirect ({status})", status=status)
    if status >= 500:
        raise CanvasUnavailable(f"POST /login/oauth2/token: Canvas answered {status}", status=status)
    data = _json_object(text)
    if status >= 400 or data is None or "error" in data:
        if data is not None and isinstance(data.get("error"), str):
            description = data.get("error_description")
            raise OAuthError(data["error"], description if isinstance(description, str) else None, status=status)
        raise MalformedResponse(f"POST /login/oauth2/token: status {status} without an OAuth error body",
                                status=status)
    if not isinstance(data.get("access_token"), str) or not data["access_token"]:
        # Also the answer for scope=/auth/userinfo (identity only), which we never ask for.
        raise MalformedResponse("POST /login/oauth2/token: no access_token in the response", status=status)
    token_type = str(data.get("token_type", "Bearer"))
    if token_type.lower() != "bearer":
        raise MalformedResponse(f"POST /login/oauth2/token: unsupported token_type {token_type[:20]!r}",
                                status=status)
    return OAuth2Token.from_dict(dict(data))


def _json_object(text: str) -> Mapping[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, Mapping) else None
